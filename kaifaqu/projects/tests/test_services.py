"""Project services: stage dates in order, progress totals, inspections that create problems, scope."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kaifaqu.projects import campaigns, services
from kaifaqu.projects.choices import LineStatusChoices, MilestoneChoices
from kaifaqu.projects.models import (
    Approval,
    ApprovalKind,
    Campaign,
    CampaignOverride,
    Inspection,
    Problem,
    ProductionLine,
    Project,
    StageDefinition,
)
from kaifaqu.zones.models import Department

pytestmark = pytest.mark.django_db


def stage(zone, milestone):
    return StageDefinition.objects.get(zone=zone, milestone=milestone)


@pytest.fixture
def tpu(world, personas):
    """Scenario 7: the TPU film project — 26亩, 3.5万 m², 2.2亿 total investment, 2亿 output at full capacity."""
    project = Project(
        zone=world["zone_a"],
        name="TPU薄膜项目",
        investor=world["firm_1"],
        land_mu=Decimal("26"),
        floor_area_m2=Decimal("35000"),
        total_investment=Decimal("22000"),
        expected_output_value=Decimal("20000"),
    )
    return services.save_project(actor=personas["zone_admin_a"], project=project)


def test_scenario_7_three_dates_and_four_lines(tpu, personas):
    actor, zone = personas["projects_staff_a"], tpu.zone
    for milestone, day in (
        (MilestoneChoices.SIGNED, datetime.date(2023, 5, 29)),
        (MilestoneChoices.FILED, datetime.date(2023, 6, 5)),
        (MilestoneChoices.STARTED, datetime.date(2023, 10, 1)),
    ):
        services.record_stage(actor=actor, project=tpu, stage=stage(zone, milestone), actual_on=day)
    for number in range(1, 5):
        status = LineStatusChoices.TRIAL if number < 4 else LineStatusChoices.COMMISSIONING
        ProductionLine.objects.create(project=tpu, name=f"{number}号线", status=status, order=number)
    tpu.refresh_from_db()
    assert tpu.current_stage == stage(zone, MilestoneChoices.STARTED)
    dates = {s.stage.milestone: s.actual_on for s in tpu.stages.select_related("stage")}
    assert dates == {
        "signed": datetime.date(2023, 5, 29),
        "filed": datetime.date(2023, 6, 5),
        "started": datetime.date(2023, 10, 1),
    }
    assert tpu.lines.filter(status=LineStatusChoices.TRIAL).count() == 3
    assert tpu.lines.filter(status=LineStatusChoices.COMMISSIONING).count() == 1


def test_start_before_signing_needs_a_reason(tpu, personas):
    actor, zone = personas["projects_staff_a"], tpu.zone
    services.record_stage(actor=actor, project=tpu, stage=stage(zone, "signed"), actual_on=datetime.date(2023, 5, 29))
    with pytest.raises(ValidationError) as refused:
        services.record_stage(
            actor=actor, project=tpu, stage=stage(zone, "started"), actual_on=datetime.date(2023, 5, 28)
        )
    assert "开工的实际日期早于签约的实际日期" in " ".join(refused.value.messages)
    assert not tpu.stages.filter(stage__milestone="started").exists()
    row = services.record_stage(
        actor=actor,
        project=tpu,
        stage=stage(zone, "started"),
        actual_on=datetime.date(2023, 5, 28),
        out_of_order_reason="先行开工，后补签约",
    )
    assert row.out_of_order_reason == "先行开工，后补签约"
    # The same day as signing is in order: no reason needed, and none kept.
    row = services.record_stage(
        actor=actor, project=tpu, stage=stage(zone, "started"), actual_on=datetime.date(2023, 5, 29)
    )
    assert row.out_of_order_reason == ""


@time_machine.travel(datetime.datetime(2025, 4, 5, 10, tzinfo=datetime.UTC))
def test_progress_totals_restart_each_year_and_never_decrease(tpu, personas):
    actor = personas["projects_staff_a"]
    services.record_progress(actor=actor, project=tpu, period=202503, amount=Decimal("500"))
    services.record_progress(actor=actor, project=tpu, period=202504, since_start=Decimal("1200"))
    march, april = tpu.progress.order_by("period")
    assert (april.amount, april.year_to_date, april.since_start) == (Decimal("700"), Decimal("1200"), Decimal("1200"))
    with pytest.raises(ValidationError):
        services.record_progress(actor=actor, project=tpu, period=202504, since_start=Decimal("499.9999"))
    with pytest.raises(ValidationError):
        services.record_progress(actor=actor, project=tpu, period=202504, amount=Decimal("-1"))
    # Correcting March moves April's totals with it; April's own amount is kept.
    services.record_progress(actor=actor, project=tpu, period=202503, amount=Decimal("300"))
    april.refresh_from_db()
    assert (april.amount, april.since_start) == (Decimal("700"), Decimal("1000"))


@time_machine.travel(datetime.datetime(2025, 4, 11, 10, tzinfo=datetime.UTC))
def test_closed_period_is_refused_until_reopened(tpu, personas):
    actor = personas["projects_staff_a"]
    with pytest.raises(ValidationError):
        services.record_progress(actor=actor, project=tpu, period=202503, amount=Decimal("1"))
    with pytest.raises(ValidationError):
        services.record_progress(actor=actor, project=tpu, period=202505, amount=Decimal("1"))
    services.reopen_progress_period(
        actor=personas["zone_admin_a"],
        zone=tpu.zone,
        period=202503,
        reason="企业补报",
        closes_at=datetime.datetime(2025, 4, 12, tzinfo=datetime.UTC),
    )
    assert services.record_progress(actor=actor, project=tpu, period=202503, amount=Decimal("1")).pk


def test_inspection_problems_become_overdue(tpu, personas, world):
    services.record_inspection(
        actor=personas["projects_staff_a"],
        zone=tpu.zone,
        held_on=datetime.date(2025, 3, 1),
        kind="on_site",
        leaders="市长",
        projects=[tpu],
        issues=[
            {
                "project": tpu,
                "category": "roads",
                "description": "进园道路未贯通",
                "department": world["dept_a"],
                "deadline": datetime.date(2025, 3, 31),
            }
        ],
    )
    problems = Problem.objects.filter(zone=tpu.zone)
    assert not problems.overdue(datetime.date(2025, 3, 31)).exists()
    assert problems.overdue(datetime.date(2025, 4, 1)).count() == 1


def test_department_edits_only_the_approvals_assigned_to_it(tpu, personas, world):
    kind = ApprovalKind.objects.get(zone=tpu.zone, name="环评")
    mine = Approval.objects.create(project=tpu, kind=kind, department=world["dept_a"])
    other = Approval.objects.create(project=tpu, kind=kind, department=world["dept_a_projects"])
    staff = personas["staff_a"]  # 经济运行部: not a projects department
    assert set(Approval.objects.restrict(staff, "change")) == {mine}
    assert not Approval.objects.restrict(staff, "add").exists()
    assert not Approval.objects.restrict(staff, "delete").exists()
    assert set(Approval.objects.restrict(personas["projects_staff_a"], "change")) == {mine, other}
    assert set(Approval.objects.restrict(personas["firm_1_user"], "view")) == {mine, other}
    assert not Approval.objects.restrict(personas["firm_2_user"], "view").exists()
    assert not Approval.objects.restrict(personas["staff_b"], "view").exists()


@pytest.mark.parametrize(
    ("submitted", "limit", "today", "overdue"),
    [
        (datetime.date(2025, 1, 1), 30, datetime.date(2025, 1, 31), False),
        (datetime.date(2025, 1, 1), 30, datetime.date(2025, 2, 1), True),
    ],
)
def test_approval_overdue_after_its_time_limit(tpu, submitted, limit, today, overdue):
    kind = ApprovalKind.objects.get(zone=tpu.zone, name="环评")
    Approval.objects.create(project=tpu, kind=kind, status="submitted", submitted_on=submitted, time_limit_days=limit)
    assert Approval.objects.overdue(today).exists() is overdue
    assert Project.objects.filter(pk=tpu.pk).overdue(today).exists() is overdue


def test_a_department_responsible_for_problems_is_not_deleted(tpu, personas, world, client_for):
    """Problem.department is protected: the page and the API refuse with a message, and nothing is deleted."""
    department = Department.objects.create(zone=tpu.zone, name="自然资源分局")  # no members: only the problem holds it
    Problem.objects.create(
        zone=tpu.zone,
        project=tpu,
        category="land",
        description="用地指标未落实",
        department=department,
        raised_on=datetime.date(2025, 3, 1),
        deadline=datetime.date(2025, 3, 31),
        raised_by=personas["zone_admin_a"],
    )
    client = client_for(personas["zone_admin_a"])
    url = f"/zones/departments/{department.pk}/delete/"
    response = client.post(url, follow=True)
    assert "仍有关联的项目问题，不能删除。" in response.content.decode()
    response = client.delete(f"/api/departments/{department.pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": "仍有关联的项目问题，不能删除。"}
    assert type(department).objects.filter(pk=department.pk).exists()


# -- rules that used to live in the page's forms hold for every caller (house refit) ------------------------------


def test_a_campaign_name_once_per_zone_and_dates_in_order_are_the_models(world, personas):
    actor, zone = personas["zone_admin_a"], world["zone_a"]
    dates = {"starts_on": datetime.date(2025, 1, 1), "ends_on": datetime.date(2025, 3, 31)}
    campaigns.save_campaign(actor=actor, campaign=Campaign(zone=zone, name="一季度", **dates))
    with pytest.raises(ValidationError) as refused:
        campaigns.save_campaign(actor=actor, campaign=Campaign(zone=zone, name=" 一季度 ", **dates))
    assert refused.value.message_dict == {"name": ["本开发区已有同名的三个一批活动"]}
    backwards = Campaign(zone=zone, name="二季度", starts_on=dates["ends_on"], ends_on=dates["starts_on"])
    with pytest.raises(ValidationError) as refused:
        campaigns.save_campaign(actor=actor, campaign=backwards)
    assert refused.value.message_dict == {"ends_on": ["截止日期不能早于起始日期"]}


def test_withdrawing_an_override_needs_one_and_a_reason(world, personas, tpu):
    actor = personas["zone_admin_a"]
    campaign = campaigns.save_campaign(
        actor=actor,
        campaign=Campaign(
            zone=tpu.zone, name="活动", starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 3, 31)
        ),
    )
    with pytest.raises(ValidationError) as refused:
        campaigns.withdraw_override(actor=actor, campaign=campaign, project=tpu, batch="signed", reason=" ")
    assert set(refused.value.message_dict) == {"project", "reason"}
    campaigns.override_batch(actor=actor, campaign=campaign, project=tpu, batch="signed", include=True, reason="补")
    campaigns.withdraw_override(actor=actor, campaign=campaign, project=tpu, batch="signed", reason="撤销")
    assert not CampaignOverride.objects.exists()


@time_machine.travel(datetime.datetime(2025, 3, 5, 10, tzinfo=datetime.UTC), tick=False)
def test_an_inspection_is_checked_whole_before_anything_is_written(tpu, personas, world):
    base = {"actor": personas["projects_staff_a"], "zone": tpu.zone, "kind": "on_site", "leaders": "市长"}
    issue = {"project": tpu, "category": "roads", "description": "道路", "department": world["dept_a"]}
    with pytest.raises(ValidationError) as refused:
        services.record_inspection(**base, held_on=datetime.date(2025, 3, 6))
    assert refused.value.message_dict == {"held_on": ["日期不能晚于今天"]}
    late = {**issue, "deadline": datetime.date(2025, 2, 1)}
    with pytest.raises(ValidationError):
        services.record_inspection(**base, held_on=datetime.date(2025, 3, 1), issues=[late])
    with pytest.raises(ValidationError) as refused:
        services.check_issue(zone=tpu.zone, held_on=datetime.date(2025, 3, 1), issue=late)
    assert list(refused.value.message_dict) == ["deadline"]
    assert not Inspection.objects.exists() and not Problem.objects.exists()


@time_machine.travel(datetime.datetime(2025, 3, 5, 10, tzinfo=datetime.UTC), tick=False)
def test_reopening_a_month_is_refused_by_the_service_for_every_caller(world, personas):
    def reopen(period, reason="补报", closes_at=datetime.datetime(2025, 3, 8, tzinfo=datetime.UTC)):
        return services.reopen_progress_period(
            actor=personas["zone_admin_a"], zone=world["zone_a"], period=period, reason=reason, closes_at=closes_at
        )

    for period, reason, closes_at, field in (
        (202504, "补报", datetime.datetime(2025, 3, 8, tzinfo=datetime.UTC), "period"),
        (202502, "补报", datetime.datetime(2025, 3, 8, tzinfo=datetime.UTC), "period"),
        (202501, "  ", datetime.datetime(2025, 3, 8, tzinfo=datetime.UTC), "reason"),
        (202501, "补报", datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC), "closes_at"),
    ):
        with pytest.raises(ValidationError) as refused:
            reopen(period, reason, closes_at)
        assert list(refused.value.message_dict) == [field]
    assert reopen(202501).pk
