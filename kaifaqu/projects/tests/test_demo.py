"""seed_demo_projects: scenarios 1, 2, 7 and 8 as reported, synthetic parts marked, idempotent; and the demo data
files as a whole: every record of every file (zones, accounts, firms' parameters, scenarios) is in the database
after seeding, a second `make demo` changes no row, and a bad reference in a file is named by file and record.

The demo zones and firms (seed_demo), their statistics and the demo projects are seeded once per module, on a frozen
date (2026-12-07: 2026-11 is being reported, due 2026-12-10), inside a transaction that is rolled back at the end, so
other test modules never see them; each test runs in its own savepoint on top.
"""

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from kaifaqu.accounts.demo import accounts_file, demo_accounts
from kaifaqu.accounts.models import User
from kaifaqu.core.demo import DemoDataError, read, read_path
from kaifaqu.enterprises.demo import DEMO_MARK
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.projects.choices import BATCH_MILESTONES, CampaignBatchChoices, LineStatusChoices, ProjectLevelChoices
from kaifaqu.projects.demo import scenario_files, seed_demo_projects
from kaifaqu.projects.models import (
    AnnualPlan,
    Approval,
    Campaign,
    CampaignOverride,
    Inspection,
    Problem,
    ProductionLine,
    ProgressReport,
    Project,
    ProjectPhase,
    ProjectStage,
)
from kaifaqu.projects.permissions import is_investor_user
from kaifaqu.projects.rules import batch_members
from kaifaqu.stats.demo import demo_firms
from kaifaqu.stats.models import Target, ValidationFlag, Value
from kaifaqu.zones.demo import zone_records
from kaifaqu.zones.models import Zone

# The scenario facts as the news reported them (and the demo files say them).
TPU_FILM = "TPU薄膜项目"
POLYSULFONE = "年产1万吨聚砜（PSU/PES/PPSU）项目"
INSPECTION_PLACE = "永济经开区纵三路施工现场"
LATE_SIGNING = "高平经开区再生资源综合利用项目（演示）"
LATE_SIGNING_REASON = "签约仪式于2024年12月28日举行，按市里通知计入2025年第一季度签约一批（演示数据）"
YI = Decimal(10000)  # 1亿元 in 万元
TODAY = datetime.date(2026, 12, 7)
NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))

MODELS = (
    Project,
    ProjectPhase,
    ProjectStage,
    ProductionLine,
    Approval,
    AnnualPlan,
    ProgressReport,
    Inspection,
    Problem,
    Campaign,
    CampaignOverride,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed the demo zones and the demo projects once for the module; roll everything back afterwards."""
    with time_machine.travel(NOW, tick=False), django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        call_command("seed_demo_stats", stdout=StringIO())
        out = StringIO()
        call_command("seed_demo_projects", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def seeded_db(seeded, db):
    return seeded


def project(name):
    return Project.objects.select_related("zone").get(name=name, is_demo=True)


def row_counts():
    counts = {}
    for model in MODELS:
        counts[model._meta.label] = model.objects.count()
        if hasattr(model, "history"):
            counts[model.history.model._meta.label] = model.history.model.objects.count()
    counts["inspection_projects"] = Inspection.projects.through.objects.count()
    return counts


def plan_year(file, record):
    return record.get("plan_year", (file.get("defaults") or {}).get("plan_year"))


def every_model_count():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models(include_auto_created=True)}


def test_second_run_changes_nothing(seeded_db):
    assert "本次新建" in seeded_db
    before = row_counts()
    out = StringIO()
    call_command("seed_demo_projects", stdout=out)
    assert "无需新建" in out.getvalue()
    assert row_counts() == before


def test_make_demo_twice_gives_the_same_rows_in_every_table(seeded_db):
    before = every_model_count()
    for command in ("seed_demo", "seed_demo_stats", "seed_demo_projects"):
        out = StringIO()
        call_command(command, stdout=out)
        assert "无需新建" in out.getvalue(), command
    assert every_model_count() == before


def test_every_record_of_the_demo_files_is_in_the_database(seeded_db):
    # Zones and their parts: the same names, zone by zone.
    zones = {z.name: z for z in Zone.objects.filter(is_demo=True)}
    records = zone_records()
    assert set(zones) == {r["name"] for r in records}
    for record in records:
        zone = zones[record["name"]]
        assert zone.short_name == record["short_name"]
        assert set(zone.parks.values_list("name", flat=True)) == {p["name"] for p in record["parks"]}
        assert set(zone.departments.values_list("name", flat=True)) == set(record["departments"])
        assert set(zone.chains.values_list("name", flat=True)) == {c["name"] for c in record["chains"]}
    # Accounts: each with its role; firms: as many as the parameters ask for, zone by zone.
    for account in demo_accounts():
        assert User.objects.get(username=account["username"]).memberships.get().role == account["role"]
    for plan in read("enterprises", "firms").records("zones"):
        assert Enterprise.objects.filter(zone__short_name=plan["zone"], is_demo=True).count() == plan["firms"]
    # Scenarios: every project, part, inspection, campaign and override the files list; each expansion is one
    # generated project with its seven stage dates and one filing.
    expected = dict.fromkeys(("project", "phase", "stage", "line", "approval", "plan", "current_plan", "problem"), 0)
    expected.update(inspection=0, campaign=0, override=0)
    for file in scenario_files():
        zone = Zone.objects.get(short_name=file["zone"], is_demo=True)
        projects = file.records("projects")
        names = {p["name"] for p in projects}
        assert names <= set(Project.objects.filter(zone=zone, is_demo=True).values_list("name", flat=True))
        expansions = file.records("expansions")
        expected["project"] += len(projects) + len(expansions)
        expected["stage"] += 7 * len(expansions)
        expected["approval"] += len(expansions)
        expected["plan"] += sum(e["level"] != "none" for e in expansions)  # of the scenario year
        for record in projects:
            expected["phase"] += len(record.get("phases") or ())
            expected["stage"] += len(record.get("stages") or ())
            expected["line"] += len(record.get("lines") or ())
            expected["approval"] += len(record.get("approvals") or ())
            expected["plan"] += bool(record.get("plan")) and plan_year(file, record) != "current"
            expected["current_plan"] += bool(record.get("plan")) and plan_year(file, record) == "current"
            expected["problem"] += len(record.get("problems") or ())
        for record in file.records("inspections"):
            expected["inspection"] += 1
            expected["problem"] += len(record["issues"])
            assert Inspection.objects.filter(zone=zone, location=record["location"], is_demo=True).count() == 1
        for record in file.records("campaigns"):
            expected["campaign"] += 1
            expected["override"] += len(record.get("overrides") or ())
            assert Campaign.objects.filter(zone=zone, name=record["name"]).exists()
    # Plans: the scenario year's as the files say; the current year's (2026) for the records that ask for it and
    # for the scenario projects still being built (follow-on plans, not counted here).
    year = 2025
    expected["plan"] = (expected["plan"], expected.pop("current_plan"))
    plans = (
        AnnualPlan.objects.filter(year=year).count(),
        AnnualPlan.objects.filter(
            year=2026,
            project__name__in=[
                r["name"]
                for f in scenario_files()
                for r in f.records("projects")
                if plan_year(f, r) == "current" and r.get("plan")
            ],
        ).count(),
    )
    models = {
        "project": Project,
        "phase": ProjectPhase,
        "stage": ProjectStage,
        "line": ProductionLine,
        "approval": Approval,
        "problem": Problem,
        "inspection": Inspection,
        "campaign": Campaign,
        "override": CampaignOverride,
    }
    assert {key: model.objects.count() for key, model in models.items()} | {"plan": plans} == expected


SCENARIO = """
zone: 平定经开区
projects:
- name: 某化工项目（演示）
  investor_name: 某投资方（演示）
  park: {park}
  stages: [[signed, null, 2024-01-02]]
  approvals:
  - {{kind: {kind}, status: approved}}
"""


@pytest.mark.parametrize(
    ("park", "kind", "where", "message"),
    [
        (
            "平定经开区不存在的产业园",
            "环评",
            "projects #1（某化工项目（演示））",
            "unknown park '平定经开区不存在的产业园'",
        ),
        (
            "平定经开区化工新材料产业园",
            "水评",
            "projects #1（某化工项目（演示）） › approvals #1",
            "unknown approval matter '水评'",
        ),
    ],
)
def test_a_bad_reference_in_a_scenario_file_names_the_file_and_the_record(
    seeded_db, tmp_path, park, kind, where, message
):
    path = Path(tmp_path) / "scenario_bad.yaml"
    path.write_text(SCENARIO.format(park=park, kind=kind), encoding="utf-8")
    before = row_counts()
    with pytest.raises(DemoDataError) as error:
        seed_demo_projects(files=[read_path(path)])
    assert str(error.value) == f"{path}, {where}: {message}"
    assert row_counts() == before  # all or nothing: the project of the bad record is not left behind


def test_scenario_7_tpu_film_has_exactly_the_three_reported_dates_and_its_lines(seeded_db):
    tpu = project(TPU_FILM)
    assert tpu.zone.short_name == "山西转型综改示范区"
    assert (tpu.land_mu, tpu.floor_area_m2) == (Decimal(26), Decimal(35000))
    assert (tpu.total_investment, tpu.expected_output_value) == (Decimal(22000), Decimal(20000))
    stages = tpu.stages.select_related("stage").order_by("stage__order")
    assert [(s.stage.milestone, s.planned_on, s.actual_on) for s in stages] == [
        ("signed", None, datetime.date(2023, 5, 29)),
        ("filed", None, datetime.date(2023, 6, 5)),
        ("started", None, datetime.date(2023, 10, 1)),
    ]
    assert tpu.current_stage.milestone == "started"
    lines = list(tpu.lines.order_by("order").values_list("name", "status"))
    assert [status for _name, status in lines] == [LineStatusChoices.TRIAL] * 3 + [LineStatusChoices.COMMISSIONING]
    assert tpu.investor.is_demo and tpu.investor.name.endswith(DEMO_MARK)


def test_scenario_1_polysulfone_has_four_topped_out_buildings_and_three_cleared_assessments(seeded_db):
    psu = project(POLYSULFONE)
    assert psu.zone.short_name == "平定经开区"
    assert (psu.capacity_quantity, psu.capacity_unit) == (Decimal(10000), "吨/年")
    assert psu.expected_output_value == Decimal(100000) and "预计产值超10亿元" in psu.content
    topped_out = psu.stages.get(stage__milestone="topped_out")
    assert topped_out.actual_on is not None and psu.current_stage.milestone == "topped_out"
    buildings = list(psu.lines.all())
    assert len(buildings) == 4
    assert all("主体封顶" in b.note and b.status_on <= topped_out.actual_on for b in buildings)
    cleared = psu.approvals.filter(kind__name__in=("环评", "安评", "能评"), status="approved")
    assert sorted(cleared.values_list("kind__name", flat=True)) == ["安评", "环评", "能评"]
    assert all(a.document_number.endswith(DEMO_MARK) and a.approved_on for a in cleared)
    first_phase = psu.phases.get(name="一期")
    assert first_phase.expected_production_on == datetime.date(2025, 6, 30)
    production = psu.stages.get(stage__milestone="production")
    assert (production.planned_on, production.actual_on, production.phase) == (
        datetime.date(2025, 6, 30),
        None,
        first_phase,
    )


def test_scenario_8_inspection_problems_fall_overdue_after_their_deadlines(seeded_db):
    inspection = Inspection.objects.get(location=INSPECTION_PLACE, is_demo=True)
    assert inspection.zone.short_name == "永济经开区" and inspection.kind == "on_site"
    assert inspection.projects.count() == 4
    assert set(inspection.projects.values_list("level", flat=True)) <= {"city", "district"}
    problems = inspection.problems.all()
    assert sorted(problems.values_list("category", flat=True)) == ["land", "living", "living", "roads"]
    assert all(p.department.zone_id == inspection.zone_id for p in problems)
    assert problems.get(category="land").status == "resolved"
    # The canteen is due 2025-04-30 and the dormitories 2025-05-31; the road is not due until 2027.
    assert problems.overdue(datetime.date(2025, 4, 30)).count() == 0
    assert [p.category for p in problems.overdue(datetime.date(2025, 5, 1))] == ["living"]
    assert problems.overdue(datetime.date(2025, 6, 1)).count() == 2
    assert problems.overdue(datetime.date(2027, 7, 1)).count() == 3


def milestone_dates(zone, milestone):
    return dict(
        ProjectStage.objects.filter(
            project__zone=zone, stage__milestone=milestone, actual_on__isnull=False
        ).values_list("project_id", "actual_on")
    )


def test_scenario_2_campaign_batches_by_hand(seeded_db):
    campaign = Campaign.objects.get(zone__short_name="高平经开区", zone__is_demo=True, name="2025年三个一批")
    zone = campaign.zone
    projects = {p.pk: p for p in Project.objects.filter(zone=zone)}
    members = {}
    for batch, milestone in BATCH_MILESTONES.items():
        overrides = campaign.overrides.filter(batch=batch).values_list("project_id", "include")
        members[batch] = batch_members(
            milestone_dates(zone, milestone), campaign.starts_on, campaign.ends_on, overrides
        )
    signed = members[CampaignBatchChoices.SIGNED]
    assert len(signed) == 7
    assert sum(projects[pk].total_investment >= YI for pk in signed) == 5
    assert project(LATE_SIGNING).pk in signed  # included by hand, with the reason kept
    assert campaign.overrides.get().reason == LATE_SIGNING_REASON
    assert len(members[CampaignBatchChoices.STARTED]) == 4
    produced = [projects[pk] for pk in members[CampaignBatchChoices.PRODUCTION]]
    assert len(produced) == 4
    # Producers are demo 规上 firms that seed_demo_stats reports for, so the batch has output to show.
    reporting = set(demo_firms().filter(zone=zone).values_list("pk", flat=True))
    assert all(p.producer_id in reporting and p.producer_id == p.investor_id for p in produced)
    quarters = Campaign.objects.filter(zone=zone, name__contains="季度").order_by("starts_on")
    assert [(q.starts_on, q.ends_on) for q in quarters] == [
        (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)),
        (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)),
        (datetime.date(2025, 7, 1), datetime.date(2025, 9, 30)),
        (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31)),
    ]
    quarterly = sum(len(batch_members(milestone_dates(zone, "started"), q.starts_on, q.ends_on)) for q in quarters)
    assert quarterly == len(members[CampaignBatchChoices.STARTED])


def test_scenario_2_key_projects_have_plans_and_progress_through_the_calendar(seeded_db):
    plans = AnnualPlan.objects.filter(project__zone__short_name="高平经开区", project__is_demo=True, year=2025)
    levels = set(plans.values_list("project__level", flat=True))
    assert {ProjectLevelChoices.PROVINCE, ProjectLevelChoices.CITY, ProjectLevelChoices.DISTRICT} <= levels
    assert set(plans.values_list("project__kind", flat=True)) == {"industry", "infrastructure", "livelihood"}
    assert (
        plans.filter(planned_start=True).count()
        > plans.filter(
            planned_start=True, project__stages__stage__milestone="started", project__stages__actual_on__year=2025
        ).count()
    )  # one planned start has not happened: 开工率 below 100%
    reports = ProgressReport.objects.filter(project__in=plans.values("project"))
    for plan in plans:
        rows = list(reports.filter(project=plan.project).order_by("period"))
        if not rows:
            continue
        of_2025 = [r for r in rows if r.period // 100 == 2025]
        assert of_2025[-1].period == 202512  # the scenario year runs through December
        assert of_2025[-1].year_to_date == sum(r.amount for r in of_2025)
        assert rows[-1].since_start == sum(r.amount for r in rows)
        assert all("演示数据" in r.image_progress or not r.image_progress for r in rows)
    # This year (2026): plans for the projects still being built, progress through October (closed) and, for most,
    # November (being reported until 2026-12-10).
    current = AnnualPlan.objects.filter(project__zone__short_name="高平经开区", year=2026)
    assert current.count() >= 5
    assert not current.filter(project__name="高平经开区人才公寓项目（演示）").exists()  # completed in 2025
    this_year = ProgressReport.objects.filter(project__in=current.values("project"), period__gte=202601)
    reporting = set(this_year.values_list("project_id", flat=True))
    assert reporting and all(this_year.filter(project_id=pk, period=202610).exists() for pk in reporting)
    november = set(this_year.filter(period=202611).values_list("project_id", flat=True))
    assert 0 < len(november) < len(reporting)
    assert not ProgressReport.objects.filter(period__gt=202611).exists()
    zone = plans.first().project.zone
    assert Problem.objects.filter(zone=zone).overdue(TODAY).exists()
    assert Approval.objects.filter(project__zone=zone).overdue(TODAY).exists()
    assert ProjectStage.objects.filter(project__zone=zone, actual_on__isnull=True, planned_on__lt=TODAY).exists()
    assert Approval.objects.filter(project__is_demo=True, is_commitment=True).exists()
    assert Approval.objects.filter(project__is_demo=True, is_agency=True).exists()


def test_the_enterprise_account_has_a_due_form_an_open_flag_and_a_project_to_report(seeded_db):
    user = User.objects.get(username="gaoping_firm")
    firm = user.memberships.get().enterprise
    assert firm.zone.short_name == "高平经开区" and firm.tags.filter(name="规上").exists()
    periods = set(Value.objects.filter(enterprise=firm).values_list("period", flat=True))
    assert 202610 in periods and 202611 not in periods  # closed month reported, the month due now not yet
    flag = ValidationFlag.objects.get(enterprise=firm)
    assert flag.status == "open" and flag.period == 202610 and flag.message
    project = Project.objects.get(investor=firm)
    assert project.current_stage.milestone == "started" and is_investor_user(user, project)
    assert project.plans.filter(year=2026).exists()
    periods = set(project.progress.values_list("period", flat=True))
    assert 202610 in periods and 202611 not in periods  # November's progress is the firm's to report
    assert Target.objects.filter(zone=firm.zone, year=2026).exists()


def test_the_project_department_account_sees_its_overdue_approval_and_problem(seeded_db):
    user = User.objects.get(username="gaoping_projects")
    membership = user.memberships.get()
    assert membership.role == "department_staff" and membership.department.name == "项目服务中心"
    approvals = Approval.objects.restrict(user, "view").filter(department=membership.department).overdue(TODAY)
    assert approvals.exists()
    problems = Problem.objects.restrict(user, "view").filter(department=membership.department).overdue(TODAY)
    assert problems.exists()


def test_only_synthetic_firms_and_every_synthetic_part_marked(seeded_db):
    projects = Project.objects.filter(is_demo=True).select_related("investor", "producer", "zone")
    assert projects.count() == Project.objects.count()
    assert all(p.zone.is_demo for p in projects)
    for p in projects:
        for firm in (p.investor, p.producer):
            assert firm is None or (firm.is_demo and firm.name.endswith(DEMO_MARK)), p
        if p.name not in (TPU_FILM, POLYSULFONE):
            assert p.name.endswith(DEMO_MARK)
        assert "演示数据" in p.content or "据公开报道" in p.content
        assert not p.investor_id or p.investor.zone_id == p.zone_id
    assert all("演示数据" in note for note in Approval.objects.values_list("note", flat=True))
    assert all("演示数据" in goal for goal in AnnualPlan.objects.values_list("progress_goal", flat=True))
    assert all("演示数据" in c.note for c in Campaign.objects.all())
    marked = ProjectStage.objects.exclude(note__contains="演示数据").exclude(note="据公开报道")
    assert not marked.exists()
    assert not ProjectStage.objects.filter(note="据公开报道").exclude(project__name=TPU_FILM).exists()


def test_rows_are_attributed_to_an_account_that_cannot_sign_in(seeded_db):
    actor = User.objects.get(username=accounts_file()["recorder"]["username"])
    assert not actor.is_active and not actor.has_usable_password() and not actor.memberships.exists()
    tpu = project(TPU_FILM)
    assert {h.history_user_id for h in tpu.history.all()} == {actor.pk}
    assert {r.reported_by_id for r in ProgressReport.objects.all()} == {actor.pk}


def test_a_row_the_rules_refuse_is_the_error_of_its_record(seeded_db, tmp_path):
    path = Path(tmp_path) / "scenario_invalid.yaml"
    path.write_text("zone: 平定经开区\nprojects:\n- {name: 无投资方的项目（演示）, kind: industry}\n", encoding="utf-8")
    with pytest.raises(DemoDataError) as error:
        seed_demo_projects(files=[read_path(path)])
    assert str(error.value) == f"{path}, projects #1（无投资方的项目（演示））: 请选择已登记的投资企业或填写投资方名称"
    assert not Project.objects.filter(name="无投资方的项目（演示）").exists()
