"""totals() reads both periods in one GROUP BY (a ranking on PostgreSQL) or one per period: the same figures."""

import pytest
from django.db import connection

from kaifaqu.stats.aggregation import (
    GROUPS,
    Narrowing,
    StatsViewer,
    totals,
    totals_in_one_query,
    totals_in_two_queries,
)
from kaifaqu.stats.models import Indicator
from kaifaqu.stats.tests.test_aggregation import P, rows  # noqa: F401 (a fixture)

EMPTY = {"current": None, "firms": 0, "comparable": None, "compared_firms": 0, "published": None, "published_firms": 0}


def by_key(grouped, fields):
    """{group: figures}, a figure a strategy leaves out (e.g. no current rows in a group) as totals() reads it."""
    return {tuple(row[f] for f in fields): EMPTY | {k: v for k, v in row.items() if k not in fields} for row in grouped}


@pytest.mark.parametrize("group", [None, "park", "division", "zone", "chain"])
def test_one_query_and_two_queries_give_the_same_figures(world, personas, rows, group):  # noqa: F811
    values = StatsViewer(personas["system_admin"]).values([world["zone_a"].pk, world["zone_b"].pk])
    values = values.filter(indicator_id__in=list(Indicator.objects.values_list("pk", flat=True)))
    fields = ["indicator_id"] + ([GROUPS[group]] if group else [])
    one = by_key(totals_in_one_query(values, P, fields), fields)
    two = by_key(totals_in_two_queries(values, P, fields), fields)
    assert one == two
    assert one  # the fixture has figures in both years


def test_narrowed_totals_match_too(world, personas, rows):  # noqa: F811
    values = StatsViewer(personas["system_admin"]).values([world["zone_a"].pk])
    narrowed = values.filter(Narrowing(park_id=world["park_a"].pk).q())
    fields = ["indicator_id"]
    assert by_key(totals_in_one_query(narrowed, P, fields), fields) == by_key(
        totals_in_two_queries(narrowed, P, fields), fields
    )


def test_across_zones_is_one_query_on_postgresql(world, personas, rows, django_assert_num_queries):  # noqa: F811
    values = StatsViewer(personas["system_admin"]).values([world["zone_a"].pk, world["zone_b"].pk])
    ids = list(Indicator.objects.values_list("pk", flat=True))
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        across = totals(values, period=P, indicator_ids=ids, group="zone", across_zones=True)
    with django_assert_num_queries(2):
        per_period = totals(values, period=P, indicator_ids=ids, group="zone")
    assert across == per_period
    assert across


@pytest.mark.parametrize("group", [None, "zone", "park"])
def test_both_strategies_agree_under_a_directory(world, personas, rows, group):  # noqa: F811
    """With a directory, each period's rows are its own year's directory, and reported bases count: the one GROUP BY
    must not mix last year's reported bases into this year's comparable figure."""
    from kaifaqu.stats.models import DataSet, EnterpriseYearStatus, Value
    from kaifaqu.stats.scope import figure_scope

    for firm in (world["firm_1"], world["firm_2"], rows["moved"], world["firm_b"]):
        EnterpriseYearStatus.objects.create(enterprise=firm, year=2025, category="industry")
    for firm in (world["firm_1"], rows["left"], world["firm_b"]):
        EnterpriseYearStatus.objects.create(enterprise=firm, year=2024, category="industry")
    Value.objects.filter(period=P - 100).update(reported_prior=7)  # last year's own bases: never this year's
    Value.objects.filter(enterprise=rows["entered"], period=P).update(reported_prior=12)
    zones = [world["zone_a"].pk, world["zone_b"].pk]
    scope = figure_scope(zones, P, DataSet.objects.get(code="industry_monthly"))
    values = StatsViewer(personas["system_admin"]).values(zones)
    fields = ["indicator_id"] + ([GROUPS[group]] if group else [])
    now_q, then_q = scope.current_q(), scope.published_q()
    one = by_key(totals_in_one_query(values, P, fields, now_q, then_q), fields)
    two = by_key(totals_in_two_queries(values, P, fields, now_q, then_q), fields)
    assert one == two
    revenue = Indicator.objects.get(code="main_revenue").pk
    whole = totals(values, period=P, indicator_ids=[revenue], scope=scope)[(revenue, None)]
    # firm_1 120/100, firm_2 45/50, moved 22/20 (from zone B), firm_b 500/400; the entrant is not in the directory
    assert (whole.current, whole.comparable, whole.published) == (
        120 + 45 + 22 + 500,
        100 + 50 + 20 + 400,
        100 + 40 + 400,
    )
