"""seed_demo_stats: only synthetic 规上 firms, idempotent, consistent with the default rules, late and missing firms;
the periods follow the date it runs on (frozen here: 2026-12-07, when 2026-11 is being reported, due 2026-12-10)."""

import datetime
import io
from collections import defaultdict

import pytest
import time_machine
from django.core.management import call_command

from kaifaqu.enterprises.models import Enterprise, Tag
from kaifaqu.stats import demo
from kaifaqu.stats.models import (
    DataSet,
    DataSetAssignment,
    EnterpriseYearStatus,
    PeriodReopening,
    Target,
    ValidationFlag,
    ValidationRule,
    Value,
)
from kaifaqu.stats.quality import completeness
from kaifaqu.stats.rules import RuleSpec, check_figures
from kaifaqu.zones.models import Region, Zone

TZ = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai
DEC_7 = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(DEC_7, tick=False):
        yield


def make_firm(zone, index, name, tags=("规上",), is_demo=True):
    firm = Enterprise.objects.create(
        credit_code=f"91140500MA0D{index:05d}X"[:17] + "1",
        name=name,
        zone=zone,
        industry_id="3411",
        is_demo=is_demo,
    )
    firm.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
    return firm


@pytest.fixture
def demo_world(world):
    zone = Zone.objects.create(
        name="演示经济技术开发区",
        level="provincial",
        kind="economic",
        region=Region.objects.get(code="140581"),
        is_demo=True,
    )
    firms = [
        make_firm(zone, i, f"演示{i}号机械有限公司（演示）", tags=("规上", "外贸") if i == 0 else ("规上",))
        for i in range(16)
    ]
    outsiders = [
        make_firm(zone, 90, "演示规下有限公司（演示）", tags=()),  # not 规上
        make_firm(world["zone_a"], 91, "真实规上有限公司", is_demo=False),  # a real firm: never gets figures
        make_firm(world["zone_a"], 92, "非演示区企业（演示）"),  # demo firm in a real zone
    ]
    return {**world, "demo_zone": zone, "demo_firms": firms, "outsiders": outsiders}


def run():
    out = io.StringIO()
    call_command("seed_demo_stats", stdout=out)
    return out.getvalue()


def test_seed_is_idempotent_and_touches_only_demo_firms(demo_world):
    first = run()
    assert "本次新建" in first
    counts = (Value.objects.count(), DataSetAssignment.objects.count(), EnterpriseYearStatus.objects.count())
    assert "无需新建" in run()
    assert (Value.objects.count(), DataSetAssignment.objects.count(), EnterpriseYearStatus.objects.count()) == counts
    firms_with_values = set(Value.objects.values_list("enterprise_id", flat=True))
    assert firms_with_values == {f.pk for f in demo_world["demo_firms"]}
    assert set(Value.objects.values_list("source", flat=True)) == {"demo"}
    periods = demo.reporting_calendar().periods
    assert set(Value.objects.values_list("period", flat=True)) == set(periods)
    assert (periods[0], periods[-1]) == (202502, 202611)
    assert not any(period % 100 == 1 for period in periods)
    statuses = set(EnterpriseYearStatus.objects.values_list("enterprise_id", "year", "category"))
    firms = demo_world["demo_firms"]
    exit_, entrant = firms[2], firms[4]  # the zone's firms in credit-code order: one leaves, one enters
    assert statuses == {(f.pk, y, "industry") for f in firms for y in (2025, 2026)} - {
        (exit_.pk, 2026, "industry"),
        (entrant.pk, 2025, "industry"),
    }


def test_an_exit_and_an_entrant_give_the_two_growths_something_to_explain(demo_world, personas):
    from kaifaqu.stats.aggregation import StatsViewer, summarize
    from kaifaqu.stats.models import Indicator

    run()
    firms = demo_world["demo_firms"]
    exit_, entrant = firms[2], firms[4]
    assert not Value.objects.filter(enterprise=exit_, period__gte=202601).exists()
    assert not Value.objects.filter(enterprise=entrant, period__lt=202601).exists()
    entrant_values = Value.objects.filter(enterprise=entrant, period=202603)
    assert entrant_values.exists() and not entrant_values.filter(reported_prior__isnull=True).exists()
    assert DataSetAssignment.objects.get(enterprise=exit_).to_period == 202512
    assert DataSetAssignment.objects.get(enterprise=entrant).from_period == 202601
    summary = summarize(
        StatsViewer(personas["system_admin"]),
        zone_ids=[demo_world["demo_zone"].pk],
        period=202603,
        indicator=Indicator.objects.get(code="output_value"),
    )
    total = summary.total
    assert total.expected == 15 and total.firms == 15 and total.without_base == 0
    assert total.previous != total.published and total.growth_pct != total.published_growth_pct


def test_existing_figures_are_never_overwritten(demo_world):
    run()
    value = Value.objects.filter(period=202603).first()
    Value.objects.filter(pk=value.pk).update(value=value.value + 1, source="form")
    run()
    value.refresh_from_db()
    assert (
        value.source == "form"
        and Value.objects.filter(enterprise=value.enterprise, indicator=value.indicator, period=202603).count() == 1
    )


def test_figures_keep_every_active_rule(demo_world):
    run()
    rules = [
        RuleSpec.from_rule(r)
        for r in ValidationRule.objects.filter(is_active=True).select_related("left", "right", "when_indicator")
    ]
    assert any(r.kind == "cumulative" for r in rules) and any(r.severity == "hard" for r in rules)
    table = defaultdict(dict)
    for firm_id, period, code, value in Value.objects.values_list(
        "enterprise_id", "period", "indicator__code", "value"
    ):
        table[(firm_id, period)][code] = value
    for (firm_id, period), figures in table.items():
        previous = table.get((firm_id, period - 1)) if period % 100 > 2 else None
        assert check_figures(rules, figures, previous) == [], (firm_id, period)


def test_latest_period_has_late_and_missing_firms(demo_world, personas):
    run()
    data_set = DataSet.objects.get(code="industry_monthly")
    firms = Enterprise.objects.filter(zone=demo_world["demo_zone"])
    assert demo.reporting_calendar().latest == 202610  # the last closed period on 2026-12-07
    latest = completeness(firms=firms, data_set=data_set, period=202610)
    assert latest.total.assigned == 15  # 16 firms, one of which left the directory after 2025 (its duty ended)
    assert latest.total.late >= 1 and latest.total.missing >= 1 and latest.total.on_time > latest.total.late
    earlier = completeness(firms=firms, data_set=data_set, period=202609)
    assert (earlier.total.on_time, earlier.total.late, earlier.total.missing) == (15, 0, 0)


def test_figures_are_deterministic(demo_world):
    firm = demo_world["demo_firms"][3]
    assert demo.firm_figures(firm, exporter=False, jump=False) == demo.firm_figures(firm, exporter=False, jump=False)


@pytest.mark.django_db
def test_full_demo_every_zone_has_figures_and_gaps():
    call_command("seed_demo", stdout=io.StringIO())
    run()
    data_set = DataSet.objects.get(code="industry_monthly")
    assert not Value.objects.exclude(enterprise__name__endswith="（演示）").exists()
    assert not Value.objects.filter(enterprise__is_demo=False).exists()
    for zone in Zone.objects.filter(is_demo=True):
        result = completeness(
            firms=Enterprise.objects.filter(zone=zone),
            data_set=data_set,
            period=demo.reporting_calendar().latest,
        )
        assert result.total.assigned > 0 and result.total.late > 0 and result.total.missing > 0, zone.name


@pytest.mark.parametrize(
    ("today", "closed", "open_", "years"),
    [
        (datetime.date(2026, 12, 7), 202610, 202611, (2025, 2026)),  # 2026-11 due 2026-12-10: being reported
        (datetime.date(2026, 12, 10), 202610, 202611, (2025, 2026)),  # the deadline day itself is still open
        (datetime.date(2026, 12, 15), 202611, None, (2025, 2026)),
        (datetime.date(2027, 1, 15), 202612, None, (2025, 2026)),
        (datetime.date(2027, 2, 5), 202612, None, (2025, 2026)),  # January is exempt: December is the latest due
        (datetime.date(2027, 3, 5), 202612, 202702, (2026, 2027)),
    ],
)
def test_the_calendar_follows_the_date(db, today, closed, open_, years):
    calendar = demo.reporting_calendar(today)
    assert (calendar.closed, calendar.open, calendar.years) == (closed, open_, years)
    assert calendar.periods[0] == years[0] * 100 + 2 and calendar.periods[-1] == (open_ or closed)


def test_the_period_being_reported_is_partly_reported(demo_world):
    run()
    data_set = DataSet.objects.get(code="industry_monthly")
    firms = Enterprise.objects.filter(zone=demo_world["demo_zone"])
    now = completeness(firms=firms, data_set=data_set, period=202611)
    assert now.total.assigned == 15 and 0 < now.total.on_time < 15  # a real mix, nobody late yet
    assert now.total.on_time > 15 // 2  # most firms have entered it
    assert not Value.objects.filter(period__gt=202611).exists()
    assert not Value.objects.filter(entered_at__gte=DEC_7).exists()  # nothing entered in the future


def test_seeded_a_month_later_the_figures_run_through_december(demo_world):
    with time_machine.travel(datetime.datetime(2027, 1, 15, 10, 0, tzinfo=TZ), tick=False):
        run()
        assert max(Value.objects.values_list("period", flat=True)) == 202612
        data_set = DataSet.objects.get(code="industry_monthly")
        firms = Enterprise.objects.filter(zone=demo_world["demo_zone"])
        december = completeness(firms=firms, data_set=data_set, period=202612)
        assert december.total.late >= 1 and december.total.missing >= 1


def snapshot():
    values = Value.objects.values_list("enterprise_id", "indicator_id", "period", "value", "entered_at")
    targets = Target.objects.values_list("zone_id", "year", "indicator_id", "value", "growth_target_pct")
    return set(values), set(targets)


def test_the_same_date_gives_the_same_figures(demo_world):
    run()
    first = snapshot()
    assert "无需新建" in run()
    for model in (Value, Target, EnterpriseYearStatus, DataSetAssignment):
        model.objects.all().delete()
    run()
    assert snapshot() == first


def test_targets_for_both_years_near_the_schedule(demo_world):
    run()
    zone = demo_world["demo_zone"]
    targets = Target.objects.filter(zone=zone)
    assert set(targets.values_list("year", "indicator__code")) == {
        (year, code) for year in (2025, 2026) for code in ("output_value", "value_added")
    }
    current = targets.get(year=2026, indicator__code="output_value")
    figures = Value.objects.filter(zone=zone, period=202610, indicator__code="output_value")
    october = sum(figures.values_list("value", flat=True))
    assert 0.7 < october / current.value * 12 / 10 < 1.3  # completion near 时序进度 (10/12), not absurd


def enterprise_account(firm):
    from kaifaqu.accounts.models import Membership, User

    user = User.objects.create(username="gaoping_firm", display_name="演示企业")
    Membership.objects.create(user=user, role="enterprise_user", enterprise=firm, zone=firm.zone)
    return user


def test_the_enterprise_accounts_firm_has_its_form_due_and_a_flag_to_explain(demo_world):
    firm = demo_world["demo_firms"][5]  # would miss the latest closed period (index 5), were it not the account's
    enterprise_account(firm)
    run()
    periods = set(Value.objects.filter(enterprise=firm).values_list("period", flat=True))
    assert 202610 in periods and 202611 not in periods
    flag = ValidationFlag.objects.get(enterprise=firm)
    assert (flag.period, flag.status, flag.indicator.code) == (202610, "open", "output_value")
    assert not PeriodReopening.objects.exists()  # 2026-11 is still open until 2026-12-10


def test_past_the_deadline_the_enterprise_accounts_zone_gets_a_reopening(demo_world):
    firm = demo_world["demo_firms"][5]
    enterprise_account(firm)
    with time_machine.travel(datetime.datetime(2026, 12, 15, 10, 0, tzinfo=TZ), tick=False):
        run()
        periods = set(Value.objects.filter(enterprise=firm).values_list("period", flat=True))
        assert 202610 in periods and 202611 not in periods
        reopening = PeriodReopening.objects.get()
        assert (reopening.zone, reopening.period) == (firm.zone, 202611) and reopening.is_open
        assert ValidationFlag.objects.get(enterprise=firm).period == 202610
        assert "无需新建" in run()
