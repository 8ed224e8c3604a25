"""Disclosure control of published tables (pure): primary rules on both sides of their boundaries, the classic
differencing attacks (each shown to leak under primary suppression alone, and to be closed by the secondary
suppression), and a hypothesis property audited exactly (rational row reduction) and by linear programmes."""

import random
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaifaqu.stats.disclosure import CURRENT, PRIOR, Item, disclose, primary_reason
from kaifaqu.stats.published import FirmFigures, published_tables

from .disclosure_audit import derivable, disclosed_firms, interval_failures

K, P = 3, 85
FEW, DOMINANT, SECONDARY = "少于3家企业", "单一企业占比过高", "为防止推算而隐藏"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def firm(enterprise_id, current=None, *, park=None, division="13", chains=(), base=None, last_year=None):
    def amount(x):
        return None if x is None else Decimal(x)

    return FirmFigures(
        enterprise_id, park, division, frozenset(chains), amount(current), amount(base), amount(last_year)
    )


def tables_of(firms, **options):
    return published_tables(firms, k=K, dominance_pct=P, **options)


def cell(tables, table, key):
    return next(c for c in tables.tables[table] if c.key == key)


# -- what the viewer gets, rebuilt independently of kaifaqu.stats.published ---------------------------------------


def groups(firms):
    """(table, key) → members, as the viewer knows them (who is in which park, division, chain)."""
    found = {("total", None): list(firms)}
    for f in firms:
        keys = [("park", f.park_id), ("division", f.division)] + [("chain", c) for c in f.chain_ids]
        for key in keys:
            found.setdefault(key, []).append(f)
    return found


def ids(chosen):
    return frozenset(f.enterprise_id for f in chosen)


def sets_of(members):
    """Quantity → (vector, firm set, figure summed) of a cell."""
    reporting = [f for f in members if f.current is not None]
    compared = [f for f in reporting if f.base is not None]
    return {
        "value": (CURRENT, ids(reporting), "current"),
        "value_compared": (CURRENT, ids(compared), "current"),
        "previous": (PRIOR, ids(compared), "base"),
        "previous_published": (PRIOR, ids(f for f in members if f.last_year is not None), "last_year"),
    }


def all_items(firms):
    """Every item the tables could show, with the value each would show."""
    items = set()
    for members in groups(firms).values():
        for vector, firm_set, figure in sets_of(members).values():
            if firm_set:
                total = sum((getattr(f, figure) for f in members if f.enterprise_id in firm_set), Decimal(0))
                items.add(Item(vector, firm_set, total))
    return items


def shown_items(firms, tables):
    """The items the viewer can read off the tables: every shown number, with the firm set it sums."""
    cells = {("total", None): tables.total} | {(t, c.key): c for t, cs in tables.tables.items() for c in cs}
    items = set()
    for key, members in groups(firms).items():
        shown = cells.get(key)
        if shown is None:
            continue
        for name, (vector, firm_set, _figure) in sets_of(members).items():
            if firm_set and getattr(shown, name) is not None:
                items.add(Item(vector, firm_set, getattr(shown, name)))
    return items


def figures_of(firms):
    return {
        CURRENT: {f.enterprise_id: f.current for f in firms if f.current is not None},
        PRIOR: {f.enterprise_id: f.prior for f in firms if f.prior is not None},
    }


def primary_only(firms):
    """What a naive implementation publishes: every item that passes the primary rules."""
    figures = figures_of(firms)
    return {
        item
        for item in all_items(firms)
        if not primary_reason([figures[item.vector][f] for f in item.firms], k=K, dominance_pct=P)
    }


def sensitive_items(firms):
    figures = figures_of(firms)
    return {
        item
        for item in all_items(firms)
        if primary_reason([figures[item.vector][f] for f in item.firms], k=K, dominance_pct=P)
    }


def ids_of(firms):
    return [f.enterprise_id for f in firms]


def assert_safe(firms, tables, *, signed=False):
    shown = shown_items(firms, tables)
    assert disclosed_firms(shown, ids_of(firms)) == set()
    assert derivable(shown, sensitive_items(firms), ids_of(firms)) == set()
    if not signed:
        assert interval_failures(shown, figures_of(firms)) == []


# -- primary rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("figures", "reason"), [([10, 20], FEW), ([10, 20, 30], "")])
def test_fewer_than_k_firms_is_sensitive(figures, reason):
    assert primary_reason([Decimal(x) for x in figures], k=K, dominance_pct=P) == reason


@pytest.mark.parametrize(
    ("figures", "reason"),
    [
        (["85", "10", "5"], ""),  # exactly 85%: published
        (["85.01", "9.99", "5"], DOMINANT),  # just above
        (["-90", "5", "5"], DOMINANT),  # a loss counts by its size (profit)
        (["-40", "30", "30"], ""),
    ],
)
def test_dominance_on_both_sides_of_p(figures, reason):
    assert primary_reason([Decimal(x) for x in figures], k=K, dominance_pct=P) == reason


@pytest.mark.parametrize("figures", [[], [Decimal(0)], [Decimal(0), Decimal(0)]])
def test_nothing_or_only_zeros_is_not_sensitive(figures):
    assert primary_reason(figures, k=K, dominance_pct=P) == ""


def test_the_reason_names_k():
    assert primary_reason([Decimal(1)] * 4, k=5, dominance_pct=P) == "少于5家企业"


# -- differencing attacks: primary suppression alone leaks, the published tables do not ------------------------------


def test_a_small_park_hides_the_next_smallest_too():
    firms = [firm(1, 10, park=1), firm(2, 20, park=1)]
    firms += [firm(i, 30, park=2) for i in (3, 4, 5, 6)]
    firms += [firm(i, 100, park=3) for i in (7, 8, 9, 10, 11)]
    small = Item(CURRENT, frozenset({1, 2}))
    assert derivable(primary_only(firms), [small], ids_of(firms)) == {small}  # total − park 2 − park 3

    tables = tables_of(firms)
    assert cell(tables, "park", 1).value is None and cell(tables, "park", 1).reason == FEW
    assert cell(tables, "park", 2).value is None and cell(tables, "park", 2).reason == SECONDARY
    assert cell(tables, "park", 3).value == Decimal(500)
    assert tables.total.value == Decimal(650)  # the zone total is not what gets hidden
    assert cell(tables, "park", 1).enterprises == 2  # counts are not confidential
    assert_safe(firms, tables)


def test_a_single_firm_park_is_not_recovered_from_the_total():
    firms = [firm(1, 50, park=1)] + [firm(i, 40, park=2) for i in (2, 3, 4)] + [firm(i, 45, park=3) for i in (5, 6, 7)]
    assert disclosed_firms(primary_only(firms), ids_of(firms)) == {(CURRENT, 1)}

    tables = tables_of(firms)
    assert cell(tables, "park", 1).suppressed["value"]
    assert disclosed_firms(shown_items(firms, tables), ids_of(firms)) == set()


def test_park_and_division_meeting_in_one_firm():
    # Park 2 lies wholly in division 13, whose only other firm is firm 1 (park 1): division 13 − park 2 = firm 1,
    # though every cell has at least three firms and none dominates.
    firms = [firm(1, 50, park=1, division="13")]
    firms += [firm(i, 40, park=1, division="26") for i in (2, 3, 7)]
    firms += [firm(i, 30, park=2, division="13") for i in (4, 5, 6)]
    assert sensitive_items(firms) == set()
    assert disclosed_firms(primary_only(firms), ids_of(firms)) == {(CURRENT, 1)}

    tables = tables_of(firms)
    cells = [tables.total] + [c for cs in tables.tables.values() for c in cs]
    assert {c.reason for c in cells if c.suppressed["value"]} == {SECONDARY}
    assert tables.total.value == Decimal(260)
    assert_safe(firms, tables)


def test_chain_minus_park():
    # Chain 7 is park 1 plus firm 1 of park 2: chain − park 1 = firm 1.
    firms = [firm(i, 30, park=1, chains={7}) for i in (2, 3, 4)]
    firms += [firm(1, 25, park=2, chains={7}), firm(5, 20, park=2), firm(6, 35, park=2)]
    assert disclosed_firms(primary_only(firms), ids_of(firms)) == {(CURRENT, 1)}

    tables = tables_of(firms)
    assert cell(tables, "chain", 7).value is None or cell(tables, "park", 1).value is None
    assert_safe(firms, tables)


def test_previous_and_published_previous_differ_by_one_exit_firm():
    # Firm 5 left the scope this year: 上年同期（公布口径） − 上年同期（同口径） would be its figure of last year.
    firms = [firm(i, 100 + i, park=1, base=90 + i, last_year=90 + i) for i in (1, 2, 3, 4)]
    firms.append(firm(5, None, park=1, last_year=60))
    assert disclosed_firms(primary_only(firms), ids_of(firms)) == {(PRIOR, 5)}

    tables = tables_of(firms)
    assert tables.total.previous is None or tables.total.previous_published is None
    assert tables.total.value == Decimal(410)
    assert_safe(firms, tables)


def test_interval_narrowed_by_non_negativity_alone():
    # Nothing is exactly derivable, but firm 1 = park A − division D + park B − (firms 6–8) and the small firms 4 and
    # 5 leave it between 79 and 100: inside ±10% of 80.
    firms = [
        firm(1, 80, park="A", division="E"),
        firm(2, 10, park="A", division="D"),
        firm(3, 10, park="A", division="D"),
    ]
    firms += [firm(4, "0.5", park="B", division="D"), firm(5, "0.5", park="B", division="D")]
    firms += [firm(i, 30, park="B", division="E") for i in (6, 7, 8)]
    naive = primary_only(firms)
    assert disclosed_firms(naive, ids_of(firms)) == set()
    assert [(vector, f) for vector, f, *_ in interval_failures(naive, figures_of(firms))] == [(CURRENT, 1)]

    assert_safe(firms, tables_of(firms))


def test_a_set_shown_in_two_tables_is_decided_once():
    # Park 1 and division 26 hold the same firms: one number, one decision.
    firms = [firm(1, 50, park=1, division="26"), firm(2, 45, park=1, division="26")]
    firms += [firm(i, 40, park=2, division="13") for i in (3, 4, 5, 6)]
    tables = tables_of(firms)
    assert cell(tables, "park", 1).suppressed == cell(tables, "division", "26").suppressed
    assert cell(tables, "park", 1).value is None


def test_the_zone_total_goes_only_when_nothing_else_would_do():
    firms = [firm(1, 10), firm(2, 20)]  # two firms in the zone: the total itself is sensitive
    tables = tables_of(firms)
    assert tables.total.value is None and tables.total.reason == FEW
    assert tables.total.enterprises == 2


def test_a_quantity_is_shown_only_with_every_item_it_reveals():
    firms = [firm(i, 100, park=1, base=90, last_year=90) for i in (1, 2, 3)]
    firms += [firm(4, 100, park=2, base=90, last_year=90), firm(5, 80, park=2)]  # park 2: one comparable firm
    firms += [firm(i, 100, park=3, base=95, last_year=95) for i in (6, 7, 8)]
    tables = tables_of(firms)
    park = cell(tables, "park", 2)
    assert park.previous is None and park.growth_pct is None and park.value_compared is None
    assert park.suppressed["growth_pct"] and park.reason
    assert_safe(firms, tables)


def test_signed_figures_are_protected_exactly():
    profits = [-500, 40, 60, 70, -30, 20, 10, 90]
    firms = [firm(i + 1, p, park=i % 3, division="13" if i < 5 else "26") for i, p in enumerate(profits)]
    tables = tables_of(firms, signed=True)
    assert_safe(firms, tables, signed=True)


def test_the_same_data_give_the_same_page():
    firms = [firm(i, (i * 37) % 101, park=i % 4, division=str(13 + i % 5), chains={i % 3}) for i in range(1, 30)]
    shuffled = firms[:]
    random.Random(7).shuffle(shuffled)
    assert tables_of(firms) == tables_of(shuffled)


def test_disclose_reports_a_reason_for_every_withheld_item():
    figures = {CURRENT: {1: Decimal(5), 2: Decimal(6), 3: Decimal(7), 4: Decimal(8)}, PRIOR: {}}
    whole = Item(CURRENT, frozenset({1, 2, 3, 4}), Decimal(26))
    small = Item(CURRENT, frozenset({1, 2}), Decimal(11))
    rest = Item(CURRENT, frozenset({3, 4}), Decimal(15))
    decision = disclose([whole, small, rest], figures, k=K, dominance_pct=P, keep=[whole])
    assert decision.is_published(whole)
    assert decision.reason(small) == FEW and decision.reason(rest) == FEW


# -- the property ---------------------------------------------------------------------------------------------------

amounts = st.one_of(st.integers(0, 20), st.integers(0, 100_000)).map(Decimal)
firm_rows = st.tuples(
    st.sampled_from([None, 1, 2, 3]),
    st.sampled_from([None, "13", "26", "39"]),
    st.frozensets(st.sampled_from([1, 2]), max_size=2),
    st.one_of(st.none(), amounts, amounts, amounts),  # this period's figure, sometimes missing (exit, not reported)
    amounts,  # last year's figure
    st.booleans(),  # a comparable base
    st.booleans(),  # in last year's published scope
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(firm_rows, min_size=3, max_size=40))
def test_random_zones_pass_both_audits(rows):
    firms = [
        FirmFigures(n + 1, park, division, chains, current, prior if base else None, prior if counted else None)
        for n, (park, division, chains, current, prior, base, counted) in enumerate(rows)
    ]
    tables = tables_of(firms)
    assert_safe(firms, tables)
    for shown in [tables.total] + [c for cs in tables.tables.values() for c in cs]:
        if shown.growth_pct is not None:
            assert shown.value_compared is not None and shown.previous is not None
        if shown.growth_pct_published is not None:
            assert shown.value is not None and shown.previous_published is not None
        if shown.share_pct is not None:
            assert shown.value is not None and tables.total.value is not None
