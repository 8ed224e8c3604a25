"""The write path: locks, assignments, hard and soft rules, revisions — all-or-nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kaifaqu.stats.models import DataSet, DataSetAssignment, PeriodReopening, ValidationFlag, Value
from kaifaqu.stats.services import Submission, SubmissionError, record_values

# 2025-03 is due 2025-04-10; "now" inside the window:
OPEN = timezone.make_aware(datetime.datetime(2025, 4, 5, 12))
OPEN_FEBRUARY = timezone.make_aware(datetime.datetime(2025, 3, 5, 12))
LATE = timezone.make_aware(datetime.datetime(2025, 4, 11, 12))


@pytest.fixture
def monthly(world):
    data_set = DataSet.objects.get(code="industry_monthly")
    for firm in (world["firm_1"], world["firm_2"]):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=firm, from_period=202501)
    return data_set


def submit(actor, data_set, firm, period, now=OPEN, **figures):
    figures = {k: Decimal(str(v)) for k, v in figures.items()}
    return record_values(
        actor=actor, data_set=data_set, submissions=[Submission(firm, period, figures)], source="form", now=now
    )


def test_values_are_recorded_with_zone_and_actor(personas, world, monthly):
    submit(personas["staff_a"], monthly, world["firm_1"], 202503, output_value=100, value_added=30)
    value = Value.objects.get(enterprise=world["firm_1"], indicator__code="value_added")
    assert (value.zone_id, value.revision, value.entered_by) == (world["zone_a"].pk, 1, personas["staff_a"])


def test_a_hard_rule_refuses_the_whole_batch(personas, world, monthly):
    good = Submission(world["firm_2"], 202503, {"output_value": Decimal(50)})
    bad = Submission(world["firm_1"], 202503, {"output_value": Decimal(100), "value_added": Decimal("100.0001")})
    with pytest.raises(SubmissionError) as refused:
        record_values(actor=personas["staff_a"], data_set=monthly, submissions=[good, bad], source="import", now=OPEN)
    assert [(s.enterprise, code) for s, code, _m in refused.value.problems] == [(world["firm_1"], "value_added")]
    assert not Value.objects.exists()


def test_value_added_equal_to_output_passes(personas, world, monthly):
    submit(personas["staff_a"], monthly, world["firm_1"], 202503, output_value=100, value_added=100)
    assert Value.objects.count() == 2


def test_cumulative_below_last_month_is_refused(personas, world, monthly):
    submit(personas["staff_a"], monthly, world["firm_1"], 202502, now=OPEN_FEBRUARY, revenue=200)
    with pytest.raises(SubmissionError, match="不能低于上月累计"):
        submit(personas["staff_a"], monthly, world["firm_1"], 202503, revenue="199.9999")
    submit(personas["staff_a"], monthly, world["firm_1"], 202503, revenue=200)


def test_soft_rule_saves_and_flags_once(personas, world, monthly):
    for _ in range(2):
        submit(personas["staff_a"], monthly, world["firm_1"], 202503, revenue=10, tax=11)
    assert ValidationFlag.objects.filter(enterprise=world["firm_1"], status="open").count() == 1


def test_correction_adds_a_revision(personas, world, monthly):
    submit(personas["staff_a"], monthly, world["firm_1"], 202503, revenue=10)
    submit(personas["staff_a"], monthly, world["firm_1"], 202503, revenue=12)
    revisions = Value.objects.filter(enterprise=world["firm_1"]).order_by("revision")
    assert [(v.value, v.is_current) for v in revisions] == [(Decimal(10), False), (Decimal(12), True)]


def test_locked_period_refused_until_reopened(personas, world, monthly):
    with pytest.raises(SubmissionError, match="锁定"):
        submit(personas["staff_a"], monthly, world["firm_1"], 202503, now=LATE, revenue=10)
    PeriodReopening.objects.create(
        data_set=monthly,
        zone=world["zone_a"],
        period=202503,
        reason="企业补报",
        reopened_by=personas["zone_admin_a"],
        closes_at=LATE + datetime.timedelta(days=1),
    )
    submit(personas["staff_a"], monthly, world["firm_1"], 202503, now=LATE, revenue=10)
    assert Value.objects.filter(period=202503).count() == 1


@pytest.mark.parametrize(
    ("firm", "period", "figures", "message"),
    [
        ("firm_b", 202503, {"revenue": 1}, "未被指定"),
        ("firm_1", 202501, {"revenue": 1}, "1月免报"),
        ("firm_1", 202503, {"revenue": -1}, "不能为负数"),
        ("firm_1", 202503, {"fixed_asset_investment": 1}, "不含指标"),
    ],
)
def test_basic_problems(personas, world, monthly, firm, period, figures, message):
    with pytest.raises(SubmissionError, match=message):
        submit(personas["staff_a"], monthly, world[firm], period, **figures)
    assert not Value.objects.exists()


def test_negative_profit_is_allowed(personas, world, monthly):
    submit(personas["staff_a"], monthly, world["firm_1"], 202503, total_profit=-5)
    assert Value.objects.get().value == Decimal(-5)
