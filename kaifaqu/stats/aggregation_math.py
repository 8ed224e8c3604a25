"""Pure helpers of the aggregation (no ORM): price-index deflation, suppression, ranks.

Growth, shares, contributions and schedule arithmetic live in kaifaqu.core.periods; this module only adds what the
dashboard needs on top of them.
"""

from decimal import ROUND_HALF_UP, Decimal

from kaifaqu.core.periods import PERCENT, growth_pct


def real_growth_pct(current, previous, price_index):
    """Growth at comparable prices: the current figure deflated by a price index (上年同期 = 100).

    real = current ÷ (index ÷ 100); growth = real ÷ previous − 1. None when there is nothing to compare with.
    """
    if price_index is None:
        return growth_pct(current, previous)
    if current is None or previous is None or previous == 0 or not price_index:
        return None
    real = Decimal(current) * 100 / Decimal(price_index)
    return ((real / Decimal(previous) - 1) * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def is_suppressed(firms, min_group_size):
    """统计法: a cell built from fewer than k firms (but at least one) is not shown to unentitled viewers."""
    return 0 < (firms or 0) < min_group_size


def secondary_suppression(counts, min_group_size):
    """Keys to hide among groups that partition a shown total, so that no hidden cell can be recovered.

    A single hidden group would be the total minus the others: hide the next smallest group with it.
    `counts` maps a group key to its number of firms.
    """
    hidden = {key for key, firms in counts.items() if is_suppressed(firms, min_group_size)}
    if len(hidden) == 1:
        others = sorted((firms, str(key), key) for key, firms in counts.items() if key not in hidden and firms)
        if others:
            hidden.add(others[0][2])
    return hidden


def competition_ranks(values, *, descending=True):
    """Competition ranks (1, 2, 2, 4) for a list of comparable values; None values rank last with no rank."""
    present = sorted((v for v in values if v is not None), reverse=descending)
    first_index = {}
    for index, value in enumerate(present):
        first_index.setdefault(value, index + 1)
    return [first_index[v] if v is not None else None for v in values]
