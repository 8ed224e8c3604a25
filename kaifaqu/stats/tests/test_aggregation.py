"""Aggregation: 1—N月 totals, comparable-scope (同口径) and published-scope previous figures, groups, suppression."""

from decimal import Decimal

import pytest
from stdnum.cn import uscc

from kaifaqu.enterprises.models import Enterprise, Tag
from kaifaqu.stats.aggregation import (
    Narrowing,
    StatsViewer,
    firm_rows,
    headline_table,
    indicator_cards,
    monthly_trend,
    rank_zones,
    summarize,
    totals,
)
from kaifaqu.stats.aggregation_math import competition_ranks, real_growth_pct, secondary_suppression
from kaifaqu.stats.models import Indicator, PriceIndex, Target, Value
from kaifaqu.zones.models import IndustryChain

P, PREV = 202503, 202403


def credit_code(serial):
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


def firm(world, serial, name, zone="zone_a", park=None, industry="2651"):
    return Enterprise.objects.create(
        credit_code=credit_code(serial), name=name, zone=world[zone], park=park, industry_id=industry
    )


def put(enterprise, period, amount, code="main_revenue", zone=None, current=True, revision=1):
    return Value.objects.create(
        enterprise=enterprise,
        zone=zone or enterprise.zone,
        indicator=Indicator.objects.get(code=code),
        period=period,
        value=Decimal(str(amount)),
        source="demo",
        is_current=current,
        revision=revision,
    )


@pytest.fixture
def rows(world):
    """Zone A: firm_1 and firm_2 in both years, a firm that entered this year, a firm that left, a firm that moved
    in from zone B (its last-year figure was reported in zone B), and a superseded revision that must not count."""
    w = world
    entered = firm(w, 11, "新入规企业", park=w["park_a"], industry="3411")
    left = firm(w, 12, "退出企业")
    moved = firm(w, 13, "迁入企业", industry="3411")
    put(w["firm_1"], P, 120)
    put(w["firm_1"], PREV, 100)
    put(w["firm_2"], P, 45)
    put(w["firm_2"], PREV, 50)
    put(w["firm_2"], P, 999, current=False, revision=2)  # an old revision: ignored (the current one is 45)
    put(entered, P, 30)
    put(left, PREV, 40)
    put(moved, P, 22)
    put(moved, PREV, 20, zone=w["zone_b"])
    put(w["firm_b"], P, 500)
    put(w["firm_b"], PREV, 400)
    return {"entered": entered, "left": left, "moved": moved}


def test_comparable_and_published_scope_match_a_hand_computation(world, personas, rows):
    viewer = StatsViewer(personas["zone_admin_a"])
    revenue = Indicator.objects.get(code="main_revenue")
    summary = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue)
    current = Decimal(120 + 45 + 30 + 22)  # firms with a value in 2025-03 in zone A
    comparable = Decimal(100 + 50 + 0 + 20)  # their 2024-03 values, wherever reported; the entrant has none
    published = Decimal(100 + 50 + 40)  # everything zone A reported for 2024-03, the firm that left included
    assert summary.total.current == current
    assert summary.total.previous == comparable
    assert summary.total.published == published
    assert summary.total.published_differs
    assert summary.total.firms == 4
    # the entrant has no base: counted in the 1—N月 total, not in the comparable growth (the same firms on both sides)
    compared = current - 30
    assert summary.total.growth_pct == ((compared / comparable - 1) * 100).quantize(Decimal("0.01"))
    assert summary.total.without_base == 1
    assert summary.price_basis == ""


def test_firm_contributions_add_up_to_the_growth(world, personas, rows):
    viewer = StatsViewer(personas["staff_a"])
    revenue = Indicator.objects.get(code="main_revenue")
    firms = firm_rows(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue)
    by_name = {r.name: r for r in firms}
    assert set(by_name) == {world["firm_1"].name, world["firm_2"].name, "新入规企业", "迁入企业"}
    assert by_name[world["firm_1"].name].contribution_pct == Decimal("11.76")  # (120-100)/170
    assert by_name["新入规企业"].previous is None and by_name["新入规企业"].growth_pct is None
    assert by_name["新入规企业"].contribution_pct is None  # no base: not part of the comparable growth
    assert firms[0].name == "新入规企业"  # the biggest change (+30) first
    total_growth = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue).total.growth_pct
    assert abs(sum(r.contribution_pct or 0 for r in firms) - total_growth) <= Decimal("0.03")


@pytest.mark.parametrize("group", ["park", "division", "section"])
def test_groups_add_up_to_the_total(world, personas, rows, group):
    viewer = StatsViewer(personas["leader_a"])
    revenue = Indicator.objects.get(code="main_revenue")
    summary = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue, group_by=group)
    # The groups partition the firms, so the total is added up from them: it must be the ungrouped query's total,
    # published scope included (the firm that left reported only last year: a group of no firm this year).
    whole = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue).total
    assert (summary.total.current, summary.total.previous, summary.total.published, summary.total.firms) == (
        whole.current,
        whole.previous,
        whole.published,
        whole.firms,
    )
    assert summary.total.published == Decimal(100 + 50 + 40)
    assert sum(c.current for c in summary.groups) == summary.total.current
    assert sum(c.previous or 0 for c in summary.groups) == summary.total.previous
    assert sum(c.firms for c in summary.groups) == summary.total.firms
    assert sum(c.share_pct for c in summary.groups) == pytest.approx(Decimal(100), abs=Decimal("0.05"))


def test_group_by_park_labels_firms_outside_parks(world, personas, rows):
    viewer = StatsViewer(personas["zone_admin_a"])
    revenue = Indicator.objects.get(code="main_revenue")
    summary = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue, group_by="park")
    by_label = {c.label: c for c in summary.groups}
    assert by_label[world["park_a"].name].current == Decimal(150)  # firm_1 120 + entrant 30
    assert by_label["未入园企业"].current == Decimal(67)


def test_narrowing_by_division_chain_and_tag(world, personas, rows):
    viewer = StatsViewer(personas["zone_admin_a"])
    revenue = Indicator.objects.get(code="main_revenue")
    zone = [world["zone_a"].pk]
    machines = summarize(viewer, zone_ids=zone, period=P, indicator=revenue, narrowing=Narrowing(division="34"))
    assert machines.total.current == Decimal(45 + 30 + 22)
    assert machines.zone_share_pct == Decimal("44.70")  # 97 / 217
    chain = IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链")
    world["firm_1"].chains.add(chain)
    tag = Tag.objects.create(name="规上")
    for member in (world["firm_1"], world["firm_2"]):
        member.tags.add(tag)
    by_chain = summarize(viewer, zone_ids=zone, period=P, indicator=revenue, narrowing=Narrowing(chain_id=chain.pk))
    assert (by_chain.total.current, by_chain.total.previous) == (Decimal(120), Decimal(100))
    by_tag = summarize(viewer, zone_ids=zone, period=P, indicator=revenue, narrowing=Narrowing(tag="规上"))
    assert (by_tag.total.current, by_tag.total.previous, by_tag.total.firms) == (Decimal(165), Decimal(150), 2)


def test_region_sum_over_several_zones_and_ranking(world, personas, rows):
    viewer = StatsViewer(personas["system_admin"])
    revenue = Indicator.objects.get(code="main_revenue")
    both = [world["zone_a"].pk, world["zone_b"].pk]
    summary = summarize(viewer, zone_ids=both, period=P, indicator=revenue)
    assert summary.total.current == Decimal(217 + 500)
    assert summary.total.previous == Decimal(170 + 400)
    ranking = rank_zones(viewer, zone_ids=both, period=P, indicator=revenue, order="value")
    assert [(r.zone, r.rank_value) for r in ranking] == [(world["zone_b"], 1), (world["zone_a"], 2)]
    by_growth = rank_zones(viewer, zone_ids=both, period=P, indicator=revenue, order="growth")
    # zone A: (120 + 45 + 22) / (100 + 50 + 20) − 1 = 10.00% (the entrant has no base) vs zone B 25.00%
    assert [r.zone for r in by_growth] == [world["zone_b"], world["zone_a"]]
    assert by_growth[0].rank_growth == 1


def test_value_added_is_nominal_unless_a_price_index_exists(world, personas):
    put(world["firm_1"], P, 110, code="value_added")
    put(world["firm_1"], PREV, 100, code="value_added")
    viewer = StatsViewer(personas["zone_admin_a"])
    value_added = Indicator.objects.get(code="value_added")
    nominal = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=value_added)
    assert (nominal.total.growth_pct, str(nominal.price_basis)) == (Decimal("10.00"), "现价增速")
    PriceIndex.objects.create(period=P, index=Decimal("105.00"))
    real = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=value_added)
    assert real.total.growth_pct == Decimal("4.76")  # 110 / 1.05 / 100 − 1
    assert "可比价" in real.price_basis and "105" in real.price_basis


# ---------------------------------------------------------------------------------------------------- suppression
@pytest.fixture
def crowd(world):
    """Zone A firms in two parks: `k` firms in park A (its cell is shown at k, hidden at k-1) and 1 elsewhere."""

    def make(count):
        made = []
        for n in range(count):
            member = firm(world, 100 + n, f"园区企业{n}", park=world["park_a"])
            put(member, P, 10 + n)
            put(member, PREV, 10)
            made.append(member)
        return made

    return make


@pytest.mark.parametrize(("firms", "hidden"), [(3, False), (2, True)])
def test_enterprise_users_see_no_cell_below_k(world, personas, settings, crowd, firms, hidden):
    settings.STATS_MIN_GROUP_SIZE = 3
    crowd(firms)
    viewer = StatsViewer(personas["firm_1_user"])
    revenue = Indicator.objects.get(code="main_revenue")
    summary = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue)
    assert not summary.entitled
    assert summary.total.suppressed is hidden
    assert (summary.total.current is None) is hidden
    assert summary.total.firms == firms  # counts of firms are published (as statistical offices do); figures not
    if hidden:
        assert "少于3家企业" in summary.total.reason
    with pytest.raises(PermissionError):
        firm_rows(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue)


def test_enterprise_users_get_secondary_suppression_in_groups(world, personas, settings, crowd):
    settings.STATS_MIN_GROUP_SIZE = 3
    crowd(4)
    put(world["firm_2"], P, 5)  # alone outside any park
    viewer = StatsViewer(personas["firm_2_user"])
    revenue = Indicator.objects.get(code="main_revenue")
    summary = summarize(viewer, zone_ids=[world["zone_a"].pk], period=P, indicator=revenue, group_by="park")
    assert summary.total.current == Decimal(10 + 11 + 12 + 13 + 5)
    # The lone firm's cell is hidden; so is the park's, or the lone firm would be the total minus the park.
    assert all(c.suppressed and c.current is None for c in summary.groups)


def test_entitled_viewers_see_small_cells(world, personas, settings, crowd):
    settings.STATS_MIN_GROUP_SIZE = 3
    crowd(1)
    summary = summarize(
        StatsViewer(personas["staff_a"]),
        zone_ids=[world["zone_a"].pk],
        period=P,
        indicator=Indicator.objects.get(code="main_revenue"),
    )
    assert (summary.total.suppressed, summary.total.current) == (False, Decimal(10))


def test_viewer_scope(world, personas):
    zone_a, zone_b = world["zone_a"].pk, world["zone_b"].pk
    assert StatsViewer(personas["staff_a"]).zone_ids == {zone_a}
    assert StatsViewer(personas["region_viewer"]).zone_ids == {zone_a}
    assert StatsViewer(personas["system_admin"]).zone_ids >= {zone_a, zone_b}
    assert StatsViewer(personas["firm_1_user"]).zone_ids == {zone_a}
    assert not StatsViewer(personas["firm_1_user"]).entitled([zone_a])
    assert StatsViewer(personas["security_admin"]).zone_ids == set()
    with pytest.raises(PermissionError):
        StatsViewer(personas["staff_a"]).values([zone_b])


# --------------------------------------------------------------------------------------------- cards, trend, targets
def test_cards_trend_and_headline_table(world, personas, rows):
    viewer = StatsViewer(personas["zone_admin_a"])
    zone = [world["zone_a"].pk]
    revenue = Indicator.objects.get(code="main_revenue")
    put(world["firm_1"], 202502, 70)
    cards = {c["indicator"].code: c["cell"] for c in indicator_cards(viewer, zone_ids=zone, period=P)}
    assert cards["main_revenue"].current == Decimal(217)
    trend = monthly_trend(viewer, zone_ids=zone, period=P, indicator=revenue)
    assert trend["this"][1:3] == [Decimal(70), Decimal(217)]
    assert trend["last"][2] == Decimal(190)  # published scope of 2024-03
    Target.objects.create(zone=world["zone_a"], year=2025, indicator=revenue, value=Decimal(1000))
    table = {r.indicator.code: r for r in headline_table(viewer, zone_id=world["zone_a"].pk, period=P)}
    assert table["main_revenue"].completion_pct == Decimal("21.70")
    assert table["main_revenue"].schedule_gap == Decimal("-3.30")  # 21.70% done vs 25% of the year elapsed


def test_totals_is_two_queries(world, personas, rows, django_assert_num_queries):
    viewer = StatsViewer(personas["system_admin"])
    values = viewer.values([world["zone_a"].pk, world["zone_b"].pk])
    ids = list(Indicator.objects.values_list("pk", flat=True))
    with django_assert_num_queries(2):
        result = totals(values, period=P, indicator_ids=ids, group="park")
    assert result


# ------------------------------------------------------------------------------------------------------ pure helpers
def test_pure_helpers():
    assert real_growth_pct(Decimal(110), Decimal(100), None) == Decimal("10.00")
    assert real_growth_pct(Decimal(110), Decimal(100), Decimal(100)) == Decimal("10.00")
    assert real_growth_pct(Decimal(110), None, Decimal(105)) is None
    assert competition_ranks([5, 7, 7, None, 1]) == [3, 1, 1, None, 4]
    assert competition_ranks([5, 7, 1], descending=False) == [2, 3, 1]
    assert secondary_suppression({"a": 1, "b": 5, "c": 9}, 3) == {"a", "b"}
    assert secondary_suppression({"a": 1, "b": 2, "c": 9}, 3) == {"a", "b"}
    assert secondary_suppression({"a": 4, "b": 5}, 3) == set()
