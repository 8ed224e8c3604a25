"""The read API of statistics for other apps (projects today; cultivation and reports next).

Other apps never query `stats.Value` themselves (ARCHITECTURE.md, "Cross-app reads of figures"): the scope (who may
read which firm's figures), the current revision and the comparable base (the 上年同期 a firm reported, else its
stored figure a year before) are decided here, once.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from kaifaqu.core.periods import make_period, year_of
from kaifaqu.core.scoping import Scope
from kaifaqu.enterprises.models import Enterprise

from .models import Value

# Value.scope (zone="zone", enterprise="enterprise", domain="statistics") seen from the firm whose figures they are:
# whether a user may read a firm's statistics, asked before any figure is read (values carry the firm's zone).
STATISTICS_OF_FIRM = Scope(zone="zone", enterprise="pk", domain="statistics")


def may_view_firm(user, enterprise):
    """Whether `user` may read `enterprise`'s figures (one query, none for a system administrator)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    condition = user.scope_q(STATISTICS_OF_FIRM, "view")
    if condition is None:
        return True
    return Enterprise.objects.filter(pk=enterprise.pk).filter(condition).exists()


@dataclass(frozen=True)
class Figure:
    """A firm's current 1—N月 (or period-end) figure and its comparable base (None: no base)."""

    value: Decimal
    base: Decimal | None


def firm_figures(user, enterprise, codes):
    """{(period, indicator code): Figure} of one firm's current figures the user may read (one query; {} for a
    user who may not read them). The base is the reported 上年同期, else the stored figure a year before."""
    rows = (
        Value.objects.restrict(user, "view")
        .filter(enterprise_id=enterprise.pk, is_current=True, indicator__code__in=list(codes))
        .values_list("period", "indicator__code", "value", "reported_prior")
    )
    table = {(period, code): (value, reported) for period, code, value, reported in rows}
    return {
        (period, code): Figure(value, reported if reported is not None else stored_before(table, period, code))
        for (period, code), (value, reported) in table.items()
    }


def stored_before(table, period, code):
    found = table.get((period - 100, code))
    return found[0] if found is not None else None


@dataclass(frozen=True)
class LatestTotal:
    """Σ of the firms' latest cumulative figure of one indicator in a year, at the latest month any reported."""

    period: int | None
    total: Decimal | None
    by_firm: dict
    firms: int


def latest_cumulative_total(enterprise_ids, code, *, until):
    """The firms' 1—N月 figures of `code` at the latest month from January to `until` for which any of them has
    one, and their sum (one query). `enterprise_ids` may be a list or a values queryset. For pages whose viewers
    may read these firms' figures (the caller's scope decides which firms are asked for)."""
    rows = Value.objects.filter(
        indicator__code=code,
        is_current=True,
        enterprise_id__in=enterprise_ids,
        period__gte=make_period(year_of(until), 1),
        period__lte=until,
    ).values_list("enterprise_id", "period", "value")
    by_period = defaultdict(dict)
    for enterprise_id, period, value in rows:
        by_period[period][enterprise_id] = value
    if not by_period:
        return LatestTotal(None, None, {}, 0)
    latest = max(by_period)
    figures = by_period[latest]
    return LatestTotal(latest, sum(figures.values(), Decimal(0)), figures, len(figures))
