"""Project write pages: scope, bad input refused with the field named, every write in the history with its user,
and the approval and problem queues (filters, export, bounded queries)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaifaqu.projects import services
from kaifaqu.projects.models import (
    AnnualPlan,
    Approval,
    ApprovalKind,
    Inspection,
    Problem,
    ProductionLine,
    ProgressReport,
    Project,
    ProjectPhase,
    ProjectStage,
    StageDefinition,
    StageEvidence,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
# 2025-04-05 10:00 in Shanghai: March is still open (deadline 04-10), April is the current month.
APRIL_5 = datetime.datetime(2025, 4, 5, 2, tzinfo=datetime.UTC)
# Queries of a queue page whatever the number of rows: session, user and memberships; the filter's choices (kinds,
# zones, departments; inspections); the overdue rows (approvals: one more to compare the time limits); the count,
# the page's rows and which of them the user may change; the session's savepoint and release.
APPROVAL_LIST_QUERIES = 13
PROBLEM_LIST_QUERIES = 11


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def stage(zone, milestone):
    return StageDefinition.objects.get(zone=zone, milestone=milestone)


@pytest.fixture
def project_a(world, personas):
    return services.save_project(
        actor=personas["zone_admin_a"],
        project=Project(
            zone=world["zone_a"], name="TPU薄膜项目", investor=world["firm_1"], total_investment=Decimal("22000")
        ),
    )


@pytest.fixture
def project_b(world, personas):
    return services.save_project(
        actor=personas["system_admin"],
        project=Project(
            zone=world["zone_b"], name="灵石装备项目", investor=world["firm_b"], total_investment=Decimal("5000")
        ),
    )


@pytest.fixture
def as_user(personas, client_for):
    return lambda name: client_for(personas[name])


def last_history_user(obj):
    return obj.history.order_by("-history_date", "-history_id").first().history_user


# ------------------------------------------------------------------------------------------------------- projects
def project_post(world, **changes):
    data = {
        "zone": world["zone_a"].pk,
        "name": "聚砜项目",
        "investor_name": "平定某化工公司",
        "level": "province",
        "kind": "industry",
        "status": "active",
        "total_investment": "100000",
        "fixed_asset_investment": "100000",
        "capacity_quantity": "10000",
        "capacity_unit": "吨/年",
    }
    return {**data, **changes}


def test_create_project_gives_the_zone_its_ladder_and_history(world, personas, as_user):
    response = as_user("projects_staff_a").post(reverse("projects:project_add"), project_post(world))
    project = Project.objects.get(name="聚砜项目")
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert project.fixed_asset_investment == project.total_investment == Decimal("100000")
    assert StageDefinition.objects.filter(zone=world["zone_a"]).count() == 14
    assert ApprovalKind.objects.filter(zone=world["zone_a"], name="环评").exists()
    assert last_history_user(project) == personas["projects_staff_a"]


def test_create_project_refuses_fixed_above_total_on_the_field(world, as_user):
    response = as_user("projects_staff_a").post(
        reverse("projects:project_add"), project_post(world, fixed_asset_investment="100000.0001")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["fixed_asset_investment"] == ["固定资产投资不能大于总投资"]
    assert "固定资产投资不能大于总投资" in response.content.decode()
    assert not Project.objects.exists()


@pytest.mark.parametrize("persona", ["staff_a", "leader_a", "firm_1_user", "region_viewer", "staff_b"])
def test_non_writers_cannot_add_projects(world, as_user, persona):
    client = as_user(persona)
    assert client.get(reverse("projects:project_add")).status_code == 404
    assert client.post(reverse("projects:project_add"), project_post(world)).status_code == 404
    assert not Project.objects.exists()


def test_writer_of_zone_a_cannot_create_in_zone_b(world, as_user):
    response = as_user("zone_admin_a").post(
        reverse("projects:project_add"), project_post(world, zone=world["zone_b"].pk)
    )
    assert response.status_code == 200 and "zone" in response.context["form"].errors
    assert not Project.objects.exists()


def test_edit_project_records_the_user(project_a, personas, world, as_user):
    data = project_post(world, name=project_a.name, investor=world["firm_1"].pk, investor_name="", leader="副主任")
    response = as_user("projects_staff_a").post(reverse("projects:project_edit", args=[project_a.pk]), data)
    assert response.status_code == 302
    project_a.refresh_from_db()
    assert project_a.leader == "副主任" and project_a.investor_name == world["firm_1"].name
    assert last_history_user(project_a) == personas["projects_staff_a"]
    assert as_user("staff_a").get(reverse("projects:project_edit", args=[project_a.pk])).status_code == 404


def test_delete_is_refused_with_progress_reports(project_a, personas, as_user):
    with time_machine.travel(APRIL_5):
        services.record_progress(
            actor=personas["projects_staff_a"], project=project_a, period=202503, amount=Decimal("5")
        )
    client = as_user("zone_admin_a")
    url = reverse("projects:project_delete", args=[project_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'id="delete-refused"' in page.content.decode()
    response = client.post(url, follow=True)
    assert Project.objects.filter(pk=project_a.pk).exists()
    assert "已有进度填报记录，不能删除" in response.content.decode()


def test_delete_by_writer_and_not_by_department_staff(project_a, personas, as_user):
    url = reverse("projects:project_delete", args=[project_a.pk])
    assert as_user("staff_a").post(url).status_code == 404
    assert as_user("leader_a").post(url).status_code == 404
    response = as_user("projects_staff_a").post(url)
    assert response.status_code == 302 and response["Location"] == reverse("projects:project_list")
    assert not Project.objects.filter(pk=project_a.pk).exists()
    deleted = Project.history.filter(id=project_a.pk, history_type="-").get()
    assert deleted.history_user == personas["projects_staff_a"]


def test_link_prospective_investor(world, personas, as_user):
    project = services.save_project(
        actor=personas["zone_admin_a"], project=Project(zone=world["zone_a"], name="意向项目", investor_name="乙机械")
    )
    url = reverse("projects:link_investor", args=[project.pk])
    refused = as_user("projects_staff_a").post(url, {"enterprise": world["firm_b"].pk})
    assert refused.status_code == 200 and "enterprise" in refused.context["form"].errors
    assert as_user("projects_staff_a").post(url, {"enterprise": world["firm_2"].pk}).status_code == 302
    project.refresh_from_db()
    assert project.investor == world["firm_2"]
    assert last_history_user(project) == personas["projects_staff_a"]
    # The firm now sees its project.
    assert Project.objects.restrict(personas["firm_2_user"]).filter(pk=project.pk).exists()


# --------------------------------------------------------------------------------------------------------- stages
def stage_url(project, milestone):
    return reverse("projects:stage_edit", args=[project.pk, stage(project.zone, milestone).pk])


def test_start_before_signing_needs_confirmation_and_reason(project_a, personas, as_user):
    client = as_user("projects_staff_a")
    assert client.post(stage_url(project_a, "signed"), {"actual_on": "2023-05-29"}).status_code == 302
    url = stage_url(project_a, "started")
    refused = client.post(url, {"actual_on": "2023-05-28"})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "开工的实际日期早于签约的实际日期" in " ".join(refused.context["form"].errors["actual_on"])
    assert 'id="out-of-order"' in html and "日期顺序例外说明" in html
    assert refused.context["form"].errors["confirm"]
    confirmed_no_reason = client.post(url, {"actual_on": "2023-05-28", "confirm": "on", "out_of_order_reason": ""})
    assert confirmed_no_reason.status_code == 200
    assert confirmed_no_reason.context["form"].errors["out_of_order_reason"]
    reason_not_confirmed = client.post(url, {"actual_on": "2023-05-28", "out_of_order_reason": "先行开工"})
    assert reason_not_confirmed.status_code == 200 and reason_not_confirmed.context["form"].errors["confirm"]
    assert not ProjectStage.objects.filter(project=project_a, stage__milestone="started").exists()
    accepted = client.post(
        url, {"actual_on": "2023-05-28", "confirm": "on", "out_of_order_reason": "先行开工，后补签约"}
    )
    assert accepted.status_code == 302
    row = ProjectStage.objects.get(project=project_a, stage__milestone="started")
    assert (row.actual_on, row.out_of_order_reason) == (datetime.date(2023, 5, 28), "先行开工，后补签约")
    assert last_history_user(row) == personas["projects_staff_a"]
    project_a.refresh_from_db()
    assert project_a.current_stage.milestone == "started"
    # The page shows the confirmation again with the kept reason; the same day as signing needs none.
    assert 'id="out-of-order"' in client.get(url).content.decode()
    assert client.post(url, {"actual_on": "2023-05-29"}).status_code == 302
    assert ProjectStage.objects.get(pk=row.pk).out_of_order_reason == ""


def test_stage_of_another_zone_is_404(project_a, project_b, as_user):
    url = reverse("projects:stage_edit", args=[project_a.pk, stage(project_b.zone, "signed").pk])
    assert as_user("system_admin").get(url).status_code == 404


def test_future_actual_date_is_refused(project_a, as_user):
    response = as_user("projects_staff_a").post(stage_url(project_a, "signed"), {"actual_on": "2999-01-01"})
    assert response.status_code == 200 and response.context["form"].errors["actual_on"] == ["实际日期不能晚于今天"]


def test_scenario_7_lines_through_the_forms(project_a, as_user):
    client = as_user("projects_staff_a")
    for milestone, day in (("signed", "2023-05-29"), ("filed", "2023-06-05"), ("started", "2023-10-01")):
        assert client.post(stage_url(project_a, milestone), {"actual_on": day}).status_code == 302
    url = reverse("projects:line_add", args=[project_a.pk])
    for number in range(1, 5):
        status = "trial" if number < 4 else "commissioning"
        data = {"name": f"{number}号线", "status": status, "status_on": "2025-03-01", "order": number}
        assert client.post(url, data).status_code == 302
    duplicate = client.post(url, {"name": "1号线", "status": "trial", "order": 5})
    assert duplicate.status_code == 200 and duplicate.context["form"].errors["name"] == ["本项目已有同名记录"]
    assert ProductionLine.objects.filter(project=project_a, status="trial").count() == 3
    assert ProductionLine.objects.filter(project=project_a, status="commissioning").count() == 1


# ------------------------------------------------------------------------------------------------------ approvals
@pytest.fixture
def approvals(project_a, world):
    kind = ApprovalKind.objects.get(zone=project_a.zone, name="环评")
    mine = Approval.objects.create(project=project_a, kind=kind, department=world["dept_a"])
    other = Approval.objects.create(project=project_a, kind=kind, department=world["dept_a_projects"])
    return mine, other


def approval_data(approval, **changes):
    data = {
        "kind": approval.kind_id,
        "department": approval.department_id,
        "status": "submitted",
        "submitted_on": "2025-03-01",
        "document_number": "",
        "note": "",
    }
    return {**data, **changes}


def test_department_edits_its_approval_only(approvals, world, personas, as_user):
    mine, other = approvals
    client = as_user("staff_a")
    url = reverse("projects:approval_edit", args=[mine.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].fields["department"].disabled
    # Handing the matter to another department is refused on the field, nothing saved (as through the API).
    refused = client.post(
        url, approval_data(mine, department=world["dept_a_projects"].pk, document_number="高环审〔2025〕5号")
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["department"] == [
        "您只能修改办理情况：状态、批复文号、受理日期、批复日期、说明"
    ]
    mine.refresh_from_db()
    assert (mine.status, mine.department, mine.document_number) == ("not_started", world["dept_a"], "")
    # The browser posts no disabled field: the handling is saved, the rest kept.
    data = approval_data(mine, document_number="高环审〔2025〕5号")
    del data["kind"], data["department"]
    response = client.post(url, data)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.department, mine.document_number) == ("submitted", world["dept_a"], "高环审〔2025〕5号")
    assert last_history_user(mine) == personas["staff_a"]
    assert client.get(reverse("projects:approval_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("projects:approval_edit", args=[other.pk]), approval_data(other)).status_code == 404
    assert as_user("staff_b").get(url).status_code == 404


def test_department_cannot_add_approvals(project_a, as_user):
    url = reverse("projects:approval_add", args=[project_a.pk])
    kind = ApprovalKind.objects.get(zone=project_a.zone, name="安评")
    assert as_user("staff_a").get(url).status_code == 404
    assert as_user("staff_a").post(url, {"kind": kind.pk, "status": "not_started"}).status_code == 404
    assert not Approval.objects.exists()


def test_add_approval_with_kind_defaults(project_a, world, personas, as_user):
    kind = ApprovalKind.objects.get(zone=project_a.zone, name="能评")
    kind.default_department = world["dept_a"]
    kind.save()
    client = as_user("projects_staff_a")
    url = reverse("projects:approval_add", args=[project_a.pk])
    page = client.get(url, {"kind": kind.pk})
    assert page.context["form"].initial["time_limit_days"] == 30
    assert client.post(url, {"kind": kind.pk, "status": "not_started", "is_agency": "on"}).status_code == 302
    approval = Approval.objects.get(project=project_a, kind=kind)
    assert (approval.time_limit_days, approval.department, approval.is_agency) == (30, world["dept_a"], True)
    assert last_history_user(approval) == personas["projects_staff_a"]


# ------------------------------------------------------------------------------------------------------- problems
@pytest.fixture
def problem(project_a, world, personas):
    return Problem.objects.create(
        zone=project_a.zone,
        project=project_a,
        category="roads",
        description="进园道路未贯通",
        department=world["dept_a"],
        raised_on=datetime.date(2025, 3, 1),
        deadline=datetime.date(2025, 3, 31),
        raised_by=personas["projects_staff_a"],
    )


def test_problem_add_edit_and_resolve(project_a, problem, world, personas, as_user):
    writer = as_user("projects_staff_a")
    url = reverse("projects:problem_add", args=[project_a.pk])
    data = {
        "category": "living",
        "description": "宿舍食堂未落实",
        "department": world["dept_a"].pk,
        "raised_on": "2025-03-01",
        "deadline": "2025-02-28",
        "status": "open",
    }
    refused = writer.post(url, data)
    assert refused.context["form"].errors["deadline"] == ["解决时限不能早于提出日期"]
    assert writer.post(url, {**data, "deadline": "2025-03-01"}).status_code == 302
    added = Problem.objects.get(description="宿舍食堂未落实")
    assert (added.zone, added.raised_by) == (world["zone_a"], personas["projects_staff_a"])
    assert last_history_user(added) == personas["projects_staff_a"]
    # The responsible department (经济运行部) moves its problem on; it cannot add problems.
    department = as_user("staff_a")
    assert department.get(url).status_code == 404
    edit = reverse("projects:problem_edit", args=[problem.pk])
    changed = {
        "category": "roads",
        "description": "进园道路未贯通（施工中）",
        "department": world["dept_a_projects"].pk,
        "raised_on": "2025-03-01",
        "deadline": "2026-12-31",
        "status": "in_progress",
    }
    refused = department.post(edit, changed)
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"description", "department", "deadline"}
    problem.refresh_from_db()
    assert (problem.status, problem.description) == ("open", "进园道路未贯通")
    # The browser posts the status only (the other fields are disabled for the department).
    assert department.post(edit, {"status": "in_progress"}).status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.department, problem.deadline, problem.description) == (
        "in_progress",
        world["dept_a"],
        datetime.date(2025, 3, 31),
        "进园道路未贯通",
    )
    resolve = reverse("projects:problem_resolve", args=[problem.pk])
    assert department.post(resolve, {"resolution": "", "resolved_on": "2025-03-20"}).status_code == 200
    assert department.post(resolve, {"resolution": "道路已贯通", "resolved_on": "2025-03-20"}).status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.resolved_on) == ("resolved", datetime.date(2025, 3, 20))
    assert last_history_user(problem) == personas["staff_a"]
    other = Problem.objects.create(
        zone=project_a.zone,
        project=project_a,
        category="land",
        description="用地",
        department=world["dept_a_projects"],
        deadline=datetime.date(2025, 3, 31),
        raised_on=datetime.date(2025, 3, 1),
        raised_by=personas["projects_staff_a"],
    )
    assert department.get(reverse("projects:problem_edit", args=[other.pk])).status_code == 404
    assert department.get(reverse("projects:problem_resolve", args=[other.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------- plans, phases
def test_plan_created_then_updated(project_a, personas, as_user):
    client = as_user("projects_staff_a")
    url = reverse("projects:plan_edit", args=[project_a.pk, 2025])
    refused = client.post(url, {"planned_investment": "-1"})
    assert refused.context["form"].errors["planned_investment"] == ["不能为负数"]
    assert client.post(url, {"planned_investment": "0"}).status_code == 302
    assert (
        client.post(url, {"planned_investment": "6000", "progress_goal": "主体封顶", "planned_start": "on"}).status_code
        == 302
    )
    plan = AnnualPlan.objects.get(project=project_a, year=2025)
    assert (plan.planned_investment, plan.planned_start, plan.planned_completion) == (Decimal("6000"), True, False)
    assert plan.history.count() == 2 and last_history_user(plan) == personas["projects_staff_a"]
    assert client.get(reverse("projects:plan_edit", args=[project_a.pk, 1999])).status_code == 404
    assert as_user("firm_1_user").get(url).status_code == 404


def test_phase_added_and_edited(project_a, personas, as_user):
    client = as_user("zone_admin_a")
    assert (
        client.post(
            reverse("projects:phase_add", args=[project_a.pk]), {"name": "一期", "total_investment": "22000"}
        ).status_code
        == 302
    )
    phase = ProjectPhase.objects.get(project=project_a)
    over = client.post(
        reverse("projects:phase_edit", args=[phase.pk]), {"name": "一期", "total_investment": "22000.0001"}
    )
    assert "不能大于项目总投资" in over.context["form"].errors["total_investment"][0]
    assert client.post(reverse("projects:phase_edit", args=[phase.pk]), {"name": "一期工程"}).status_code == 302
    phase.refresh_from_db()
    assert phase.name == "一期工程" and last_history_user(phase) == personas["zone_admin_a"]


# ------------------------------------------------------------------------------------------------------- progress
def progress(client, project, **data):
    return client.post(reverse("projects:progress_add", args=[project.pk]), {"decade": "0", **data})


@time_machine.travel(APRIL_5)
def test_a_closed_month_renders_read_only_with_the_reason(project_a, personas, as_user):
    url = reverse("projects:progress_add", args=[project_a.pk])
    firm = as_user("firm_1_user")
    closed = firm.get(url, {"period": "2025-02"})  # February's deadline was 2025-03-10
    page = closed.content.decode()
    assert "2025年2月已截止（截止日 2025-03-10），如需修改请联系管委会重新开放" in page
    assert 'type="submit"' not in page.split('id="progress-form"', 1)[1].split("</form>", 1)[0]
    assert all(field.field.disabled for field in closed.context["form"])
    assert 'id="reopen-link"' not in page  # the firm asks the committee
    admin = as_user("zone_admin_a").get(url, {"period": "2025-02"}).content.decode()
    assert 'id="reopen-link"' in admin
    future = firm.get(url, {"period": "2025-05"}).content.decode()
    assert "2025-05 尚未到来，不能填报" in future
    open_month = firm.get(url, {"period": "2025-03"})
    assert not open_month.context["read_only"] and open_month.context["form"].initial["period"] == "2025-03"
    assert 'id="period-locked"' not in firm.get(url).content.decode()  # no month asked: the likely open one


@time_machine.travel(APRIL_5)
def test_investor_reports_progress_for_its_project_only(project_a, project_b, world, personas, as_user):
    firm = as_user("firm_1_user")
    page = firm.get(reverse("projects:progress_add", args=[project_a.pk]))
    assert page.status_code == 200 and page.context["form"].initial["period"] == "2025-03"
    response = progress(firm, project_a, period="2025-03", amount="500", image_progress="主体封顶")
    assert response.status_code == 302
    report = ProgressReport.objects.get(project=project_a)
    assert (report.amount, report.since_start, report.reported_by) == (
        Decimal("500"),
        Decimal("500"),
        personas["firm_1_user"],
    )
    assert last_history_user(report) == personas["firm_1_user"]
    assert progress(firm, project_b, period="2025-03", amount="1").status_code == 404
    other = services.save_project(
        actor=personas["zone_admin_a"], project=Project(zone=world["zone_a"], name="乙项目", investor=world["firm_2"])
    )
    assert firm.get(reverse("projects:progress_add", args=[other.pk])).status_code == 404
    assert as_user("firm_2_user").get(reverse("projects:progress_add", args=[project_a.pk])).status_code == 404
    assert as_user("staff_a").get(reverse("projects:progress_add", args=[project_a.pk])).status_code == 404
    assert ProgressReport.objects.count() == 1


@time_machine.travel(APRIL_5)
def test_progress_refusals_name_the_field(project_a, personas, as_user):
    client = as_user("projects_staff_a")
    assert progress(client, project_a, period="2025-03", since_start="1200").status_code == 302
    lower = progress(client, project_a, period="2025-04", since_start="1199.9999")
    assert "不能少于上期累计" in lower.context["form"].errors["since_start"][0]
    equal = progress(client, project_a, period="2025-04", since_start="1200")
    assert equal.status_code == 302 and ProgressReport.objects.get(period=202504).amount == 0
    negative = progress(client, project_a, period="2025-04", amount="-0.0001")
    assert negative.context["form"].errors["amount"] == ["当期完成投资不能为负数"]
    closed = progress(client, project_a, period="2025-02", amount="1")
    assert closed.context["form"].errors["period"] == ["2025-02 的进度填报已截止"]
    assert ProgressReport.objects.count() == 2


@time_machine.travel(APRIL_5)
def test_progress_page_shows_previous_report_and_plan(project_a, personas, as_user):
    services.record_progress(
        actor=personas["projects_staff_a"], project=project_a, period=202503, amount=Decimal("1500")
    )
    AnnualPlan.objects.create(
        project=project_a, year=2025, planned_investment=Decimal("6000"), progress_goal="主体封顶"
    )
    page = as_user("projects_staff_a").get(reverse("projects:progress_add", args=[project_a.pk]))
    html = page.content.decode()
    assert page.context["completion"] == Decimal("25.00") and page.context["schedule"] == Decimal("25.00")
    assert "1,500.00万元" in html and "6,000.00万元" in html and "主体封顶" in html


@time_machine.travel(APRIL_5)
def test_progress_photos_become_evidence(project_a, personas, as_user, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client = as_user("projects_staff_a")
    big = SimpleUploadedFile("现场.png", PNG + b"0" * 100)
    refused = progress(client, project_a, period="2025-03", amount="1", photos=[big])
    assert "超过上限" in refused.context["form"].errors["photos"][0] and not ProgressReport.objects.exists()
    photo = SimpleUploadedFile("现场.png", PNG)
    assert progress(client, project_a, period="2025-03", amount="1", photos=[photo]).status_code == 302
    evidence = StageEvidence.objects.get(project=project_a)
    assert evidence.progress == ProgressReport.objects.get() and evidence.uploaded_by == personas["projects_staff_a"]


# ---------------------------------------------------------------------------------------------------------- files
def test_file_upload_limits_and_download_scope(project_a, personas, as_user, settings):
    settings.UPLOAD_MAX_BYTES = 50
    client = as_user("projects_staff_a")
    url = reverse("projects:file_add", args=[project_a.pk])
    too_big = client.post(url, {"file": SimpleUploadedFile("批复.pdf", PDF + b"0" * 42)})
    assert "超过上限" in too_big.context["form"].errors["file"][0]
    wrong = client.post(url, {"file": SimpleUploadedFile("批复.exe", PDF)})
    assert "不支持的文件类型" in wrong.context["form"].errors["file"][0]
    assert not StageEvidence.objects.exists()
    assert (
        client.post(url, {"file": SimpleUploadedFile("批复.pdf", PDF + b"0" * 41), "caption": "立项批复"}).status_code
        == 302
    )
    evidence = StageEvidence.objects.get()
    assert evidence.uploaded_by == personas["projects_staff_a"]
    download = reverse("projects:file_download", args=[evidence.pk])
    response = as_user("firm_1_user").get(download)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(PDF)
    for persona in ("firm_2_user", "staff_b", "security_admin"):
        assert as_user(persona).get(download).status_code == 404
    assert as_user("firm_1_user").get(url).status_code == 404  # investors report progress, not files


def test_missing_file_is_404(project_a, personas, as_user):
    evidence = StageEvidence(project=project_a, uploaded_by=personas["zone_admin_a"])
    evidence.file.save("gone.pdf", ContentFile(PDF))
    evidence.file.storage.delete(evidence.file.name)
    assert as_user("zone_admin_a").get(reverse("projects:file_download", args=[evidence.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------------- queues
def make_approvals(project, world, count):
    kinds = list(ApprovalKind.objects.filter(zone=project.zone))
    rows = []
    for index in range(count):
        rows.append(
            Approval.objects.create(
                project=project,
                kind=kinds[index % len(kinds)],
                department=world["dept_a"] if index % 2 else world["dept_a_projects"],
                status="submitted",
                submitted_on=datetime.date(2025, 3, 1),
                time_limit_days=30 if index % 3 else 3650,
                is_commitment=index % 4 == 0,
            )
        )
    return rows


@pytest.mark.parametrize("count", [2, 20])
def test_approval_list_query_count(project_a, world, as_user, django_assert_num_queries, count):
    make_approvals(project_a, world, count)
    client = as_user("staff_a")
    with django_assert_num_queries(APPROVAL_LIST_QUERIES):
        response = client.get(reverse("projects:approval_list"), {"overdue": "true"})
    assert response.status_code == 200
    edits = response.content.decode().count('class="approval-edit"')
    assert edits == sum(1 for a in response.context["object_list"] if a.department_id == world["dept_a"].pk)


def test_approval_queue_filters_and_export(project_a, project_b, world, as_user):
    rows = make_approvals(project_a, world, 8)
    services.ensure_zone_defaults(project_b.zone)
    Approval.objects.create(project=project_b, kind=ApprovalKind.objects.filter(zone=project_b.zone).first())
    client = as_user("staff_a")
    listed = client.get(reverse("projects:approval_list"), {"department": world["dept_a"].pk, "overdue": "true"})
    expected = {a.pk for a in rows if a.department == world["dept_a"] and a.is_overdue}
    assert {a.pk for a in listed.context["object_list"]} == expected and expected
    commitment = client.get(reverse("projects:approval_list"), {"is_commitment": "true"})
    assert {a.pk for a in commitment.context["object_list"]} == {a.pk for a in rows if a.is_commitment}
    export = client.get(reverse("projects:approval_export"), {"department": world["dept_a"].pk, "overdue": "true"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    lines = list(book.active.iter_rows(values_only=True))
    assert lines[0][:3] == ("开发区", "项目名称", "事项") and len(lines) == 1 + len(expected)
    assert all(line[3] == "经济运行部" and line[13] == "是" for line in lines[1:])
    everything = client.get(reverse("projects:approval_list"))
    assert project_b.name not in everything.content.decode()


@pytest.fixture
def inspection(project_a, world, personas):
    return services.record_inspection(
        actor=personas["projects_staff_a"],
        zone=project_a.zone,
        held_on=datetime.date(2025, 3, 1),
        kind="on_site",
        leaders="市长",
        projects=[project_a],
        issues=[
            {
                "project": project_a,
                "category": "roads",
                "description": "现场办公：道路",
                "department": world["dept_a"],
                "deadline": datetime.date(2025, 3, 31),
            },
        ],
    )


def make_problems(project, world, personas, count):
    return [
        Problem.objects.create(
            zone=project.zone,
            project=project if index % 2 else None,
            category="land",
            description=f"问题{index}",
            department=world["dept_a"],
            raised_on=datetime.date(2025, 3, 1),
            deadline=datetime.date(2025, 3, 31) if index % 3 else datetime.date(2999, 1, 1),
            raised_by=personas["projects_staff_a"],
        )
        for index in range(count)
    ]


@pytest.mark.parametrize("count", [2, 20])
def test_problem_list_query_count(project_a, world, personas, inspection, as_user, django_assert_num_queries, count):
    make_problems(project_a, world, personas, count)
    client = as_user("leader_a")
    with django_assert_num_queries(PROBLEM_LIST_QUERIES):
        response = client.get(reverse("projects:problem_list"), {"category": "land"})
    assert response.status_code == 200 and len(response.context["object_list"]) == count


def test_problem_queue_filters_and_export(project_a, world, personas, inspection, as_user):
    rows = make_problems(project_a, world, personas, 6)
    client = as_user("staff_a")
    from_inspection = client.get(reverse("projects:problem_list"), {"inspection": inspection.pk})
    assert [p.description for p in from_inspection.context["object_list"]] == ["现场办公：道路"]
    not_inspection = client.get(reverse("projects:problem_list"), {"inspection": "null"})
    assert {p.pk for p in not_inspection.context["object_list"]} == {p.pk for p in rows}
    overdue = client.get(reverse("projects:problem_list"), {"overdue": "true", "project": project_a.pk})
    expected = {p.description for p in rows if p.project_id and p.is_overdue} | {"现场办公：道路"}
    assert {p.description for p in overdue.context["object_list"]} == expected
    by_name = client.get(reverse("projects:problem_list"), {"project": "TPU"})
    assert len(by_name.context["object_list"]) == 1 + sum(1 for p in rows if p.project_id)
    export = client.get(reverse("projects:problem_export"), {"overdue": "true", "project": project_a.pk})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    lines = list(book.active.iter_rows(values_only=True))[1:]
    assert {line[3] for line in lines} == expected
    assert all(line[8] == "是" for line in lines)
    assert list(as_user("firm_2_user").get(reverse("projects:problem_list")).context["object_list"]) == []


def test_inspection_problem_shows_overdue_in_the_queue(inspection, as_user):
    with time_machine.travel(datetime.datetime(2025, 3, 31, 12, tzinfo=datetime.UTC)):
        on_time = as_user("leader_a").get(reverse("projects:problem_list"), {"overdue": "true"})
        assert list(on_time.context["object_list"]) == []
    with time_machine.travel(datetime.datetime(2025, 4, 1, 12, tzinfo=datetime.UTC)):
        late = as_user("leader_a").get(reverse("projects:problem_list"), {"overdue": "true"})
        assert [p.description for p in late.context["object_list"]] == ["现场办公：道路"]
    assert Inspection.objects.count() == 1
