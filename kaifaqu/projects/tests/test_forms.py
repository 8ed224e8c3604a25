"""Project forms: every rule on both sides of its boundary, with the message on the field it concerns."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kaifaqu.projects import services
from kaifaqu.projects.forms import (
    ApprovalForm,
    EvidenceForm,
    LinkInvestorForm,
    PhaseForm,
    PlanForm,
    ProblemForm,
    ProgressForm,
    ProjectForm,
    ResolveProblemForm,
    StageForm,
)
from kaifaqu.projects.models import AnnualPlan, Approval, ApprovalKind, Problem, Project, ProjectPhase
from kaifaqu.zones.models import Department

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


@pytest.fixture
def project(world, personas):
    return services.save_project(
        actor=personas["zone_admin_a"],
        project=Project(
            zone=world["zone_a"], name="聚砜项目", investor=world["firm_1"], total_investment=Decimal("1000")
        ),
    )


def project_data(world, **changes):
    data = {
        "zone": world["zone_a"].pk,
        "name": "TPU薄膜项目",
        "investor_name": "山西某新材料公司",
        "level": "province",
        "kind": "industry",
        "status": "active",
        "total_investment": "22000",
        "fixed_asset_investment": "20000",
        "land_mu": "26",
        "floor_area_m2": "35000",
        "expected_output_value": "20000",
    }
    return {**data, **changes}


# -------------------------------------------------------------------------------------------------------- project
@pytest.mark.parametrize(
    ("fixed", "valid"),
    [("22000", True), ("21999.9999", True), ("22000.0001", False)],
    ids=["equal", "below", "above"],
)
def test_fixed_asset_investment_within_total(world, personas, fixed, valid):
    form = ProjectForm(project_data(world, fixed_asset_investment=fixed), user=personas["projects_staff_a"])
    assert form.is_valid() is valid
    if not valid:
        assert form.errors["fixed_asset_investment"] == ["固定资产投资不能大于总投资"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"total_investment": "-0.0001", "fixed_asset_investment": ""}, "total_investment", "不能为负数"),
        ({"expected_tax": "-1"}, "expected_tax", "不能为负数"),
        ({"land_mu": "-1"}, "land_mu", "不能为负数"),
        ({"investor_name": ""}, "investor_name", "请选择已登记的投资企业或填写投资方名称"),
        ({"start_year": "2025", "end_year": "2024"}, "end_year", "建设截止年不能早于起始年"),
        ({"park": "park_b"}, "park", "有效的选项"),
        ({"zone": "zone_b"}, "zone", "有效的选项"),
        ({"investor": "firm_b"}, "investor", "有效的选项"),
        ({"total_investment": "一亿"}, "total_investment", "数"),
    ],
    ids=[
        "negative-total",
        "negative-tax",
        "negative-land",
        "no-investor",
        "years",
        "park-b",
        "zone-b",
        "firm-b",
        "nan",
    ],
)
def test_bad_project_input_names_the_field(world, personas, changes, field, message):
    changes = {k: world[v].pk if isinstance(v, str) and v in world else v for k, v in changes.items()}
    form = ProjectForm(project_data(world, **changes), user=personas["projects_staff_a"])
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_zero_and_equal_years_are_accepted(world, personas):
    form = ProjectForm(
        project_data(world, total_investment="0", fixed_asset_investment="0", start_year="2025", end_year="2025"),
        user=personas["projects_staff_a"],
    )
    assert form.is_valid(), form.errors


def test_zone_choices_are_the_zones_the_user_writes_projects_in(world, personas):
    assert list(ProjectForm(user=personas["projects_staff_a"]).fields["zone"].queryset) == [world["zone_a"]]
    assert not ProjectForm(user=personas["staff_a"]).fields["zone"].queryset.exists()
    assert not ProjectForm(user=personas["system_admin"]).fields["zone"].queryset.exists()  # 三员分立: reads only


def test_edit_keeps_the_zone(world, personas, project):
    data = project_data(world, zone=world["zone_b"].pk, name="聚砜项目（改）", fixed_asset_investment="")
    form = ProjectForm(data, instance=project, user=personas["zone_admin_a"])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["zone"] == world["zone_a"]


def test_link_investor_offers_the_zones_firms_only(world, personas, project):
    form = LinkInvestorForm(user=personas["projects_staff_a"], project=project)
    assert set(form.fields["enterprise"].queryset) == {world["firm_1"], world["firm_2"]}
    assert not LinkInvestorForm(
        {"enterprise": world["firm_b"].pk}, user=personas["system_admin"], project=project
    ).is_valid()


def picker_options(form, name):
    return [value for value, _label in form.fields[name].widget.choices if value != ""]


def test_firm_pickers_render_the_chosen_firm_only_and_search_the_forms_zones(world, personas, project):
    # A zone registers thousands of firms: the page carries the chosen one, the rest load as the user types.
    form = ProjectForm(instance=project, user=personas["zone_admin_a"])
    assert [str(value) for value in picker_options(form, "investor")] == [str(world["firm_1"].pk)]
    assert picker_options(form, "producer") == []
    url = form.fields["investor"].widget.attrs["data-picker-url"]
    assert url == reverse("enterprises:enterprise_search") + f"?zones={world['zone_a'].pk}"
    assert "firm" not in "".join(str(label) for _value, label in form.fields["producer"].widget.choices)
    # A bound form shows what was posted; validation still uses the whole queryset of the user's firms.
    bound = ProjectForm(project_data(world, producer=world["firm_2"].pk), user=personas["projects_staff_a"])
    assert [str(value) for value in picker_options(bound, "producer")] == [str(world["firm_2"].pk)]
    assert bound.is_valid(), bound.errors and bound.cleaned_data["producer"] == world["firm_2"]
    new = ProjectForm(user=personas["system_admin"])
    assert new.fields["investor"].widget.attrs["data-picker-url"] == reverse("enterprises:enterprise_search")
    link = LinkInvestorForm(user=personas["projects_staff_a"], project=project)
    assert picker_options(link, "enterprise") == []
    assert link.fields["enterprise"].widget.attrs["data-picker-url"].endswith(f"?zones={world['zone_a'].pk}")


# ---------------------------------------------------------------------------------------------------------- stages
def test_stage_needs_a_date_and_a_reason_when_confirmed(project, personas):
    form = StageForm({"note": "x"}, project=project)
    assert form.is_valid()  # the dates are services.record_stage's to check
    signed = project.zone.project_stages.get(milestone="signed")
    with pytest.raises(ValidationError) as refused:
        services.record_stage(actor=personas["zone_admin_a"], project=project, stage=signed, note="x")
    assert refused.value.message_dict == {"actual_on": ["请填写计划日期或实际日期"]}
    form = StageForm({"actual_on": "2025-01-01", "confirm": "on", "out_of_order_reason": " "}, project=project)
    assert not form.is_valid() and "日期顺序例外说明" in form.errors["out_of_order_reason"][0]
    form = StageForm({"actual_on": "2025-01-01", "out_of_order_reason": "先行开工"}, project=project)
    assert form.is_valid() and form.reason == ""  # a reason counts only when confirmed
    form = StageForm({"actual_on": "2025-01-01", "confirm": "on", "out_of_order_reason": " 先行开工 "}, project=project)
    assert form.is_valid() and form.reason == "先行开工"


def test_stage_phase_choices_are_the_projects(project, world, personas):
    phase = ProjectPhase.objects.create(project=project, name="一期")
    other = services.save_project(
        actor=personas["system_admin"], project=Project(zone=world["zone_a"], name="另一项目", investor_name="某公司")
    )
    ProjectPhase.objects.create(project=other, name="一期")
    assert list(StageForm(project=project).fields["phase"].queryset) == [phase]


# ------------------------------------------------------------------------------------------------- phases, plans
@pytest.mark.parametrize(("amount", "valid"), [("1000", True), ("1000.0001", False), ("-1", False), ("0", True)])
def test_phase_investment_within_the_project(project, amount, valid):
    form = PhaseForm({"name": "一期", "total_investment": amount}, instance=ProjectPhase(project=project))
    assert form.is_valid() is valid


def test_phase_name_unique_in_the_project(project):
    first = ProjectPhase.objects.create(project=project, name="一期")
    form = PhaseForm({"name": " 一期 "}, instance=ProjectPhase(project=project))
    assert not form.is_valid() and form.errors["name"] == ["本项目已有同名记录"]
    assert PhaseForm({"name": "一期"}, instance=first).is_valid()  # itself is not a duplicate


@pytest.mark.parametrize(("amount", "valid"), [("0", True), ("-0.0001", False), ("6000", True)])
def test_plan_investment_not_negative(project, amount, valid):
    form = PlanForm({"planned_investment": amount}, instance=AnnualPlan(project=project, year=2025))
    assert form.is_valid() is valid
    if not valid:
        assert form.errors["planned_investment"] == ["不能为负数"]


# ------------------------------------------------------------------------------------------------------ approvals
def approval_form(project, **data):
    return ApprovalForm({"status": "not_started", **data}, instance=Approval(project=project))


def test_new_approval_takes_the_kinds_time_limit_and_department(project, world, personas):
    kind = ApprovalKind.objects.get(zone=project.zone, name="环评")
    kind.default_department = world["dept_a_projects"]
    kind.save()
    writer = personas["projects_staff_a"]
    form = approval_form(project, kind=kind.pk)
    assert form.is_valid(), form.errors
    approval = services.create_approval(actor=writer, approval=form.instance)
    assert (approval.time_limit_days, approval.department) == (30, world["dept_a_projects"])
    form = approval_form(project, kind=kind.pk, time_limit_days="10", department=world["dept_a"].pk)
    assert form.is_valid()
    approval = services.create_approval(actor=writer, approval=form.instance)
    assert (approval.time_limit_days, approval.department) == (10, world["dept_a"])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "approved"}, "approved_on", "已批复的事项须填写批复日期"),
        ({"status": "submitted"}, "submitted_on", "已受理的事项须填写受理日期"),
        ({"submitted_on": "2025-03-02", "approved_on": "2025-03-01"}, "approved_on", "批复日期不能早于受理日期"),
        ({"submitted_on": "future"}, "submitted_on", "不能晚于今天"),
        ({"department": "dept_b"}, "department", "有效的选项"),
        ({"kind": "kind_b"}, "kind", "有效的选项"),
    ],
    ids=["approved-no-date", "submitted-no-date", "approved-before-submitted", "future", "dept-b", "kind-b"],
)
def test_bad_approval_input(project, world, data, field, message):
    kinds = {"kind_a": ApprovalKind.objects.get(zone=project.zone, name="环评")}
    services.ensure_zone_defaults(world["zone_b"])
    kinds["kind_b"] = ApprovalKind.objects.get(zone=world["zone_b"], name="环评")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = {"kind": kinds["kind_a"].pk, **data}
    data = {
        k: tomorrow if v == "future" else kinds[v].pk if v in kinds else world[v].pk if v in world else v
        for k, v in data.items()
    }
    form = approval_form(project, **data)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_approval_dates_on_the_same_day_are_accepted(project):
    kind = ApprovalKind.objects.get(zone=project.zone, name="环评")
    form = approval_form(project, kind=kind.pk, status="approved", submitted_on="2025-03-01", approved_on="2025-03-01")
    assert form.is_valid(), form.errors


def test_department_staff_cannot_reassign_an_approval(project, world, personas):
    kind = ApprovalKind.objects.get(zone=project.zone, name="环评")
    approval = Approval.objects.create(project=project, kind=kind, department=world["dept_a"])
    staff = personas["staff_a"]
    # The fields the department may not change are shown disabled; unposted, they keep their value.
    form = ApprovalForm({"status": "preparing"}, instance=approval, editable=Approval.DEPARTMENT_FIELDS)
    assert form.fields["department"].disabled and form.is_valid(), form.errors
    assert services.update_approval(actor=staff, approval=form.instance).department == world["dept_a"]
    # Posted anyway, a change is refused by the service, field by field.
    data = {"kind": kind.pk, "department": world["dept_a_projects"].pk, "status": "preparing", "note": "改派"}
    form = ApprovalForm(data, instance=approval, editable=Approval.DEPARTMENT_FIELDS)
    assert form.is_valid(), form.errors
    with pytest.raises(services.DepartmentFieldsOnly) as refused:
        services.update_approval(actor=staff, approval=form.instance)
    assert list(refused.value.message_dict) == ["department"]
    approval.refresh_from_db()
    assert (approval.status, approval.department, approval.note) == ("preparing", world["dept_a"], "")


# ------------------------------------------------------------------------------------------------------- problems
def problem_form(project, personas, **data):
    instance = Problem(zone=project.zone, project=project, raised_by=personas["projects_staff_a"])
    base = {"category": "land", "description": "用地指标未落实", "raised_on": "2025-03-01", "status": "open"}
    return ProblemForm({**base, **data}, instance=instance)


@pytest.mark.parametrize(("deadline", "valid"), [("2025-03-01", True), ("2025-02-28", False)])
def test_problem_deadline_not_before_it_was_raised(project, personas, world, deadline, valid):
    form = problem_form(project, personas, department=world["dept_a"].pk, deadline=deadline)
    assert form.is_valid() is valid
    if not valid:
        assert form.errors["deadline"] == ["解决时限不能早于提出日期"]


def test_problem_department_of_the_zone_and_no_resolving_here(project, personas, world):
    form = problem_form(project, personas, department=world["dept_b"].pk, deadline="2025-04-01")
    assert not form.is_valid() and "department" in form.errors
    form = problem_form(project, personas, department=world["dept_a"].pk, deadline="2025-04-01", status="resolved")
    assert not form.is_valid() and "status" in form.errors
    assert set(form.fields["department"].queryset) == set(Department.objects.filter(zone=world["zone_a"]))


def resolve_form(problem, **data):
    return ResolveProblemForm({"resolution": "已协调解决", "resolved_on": "2025-03-01", **data})


def test_resolution_needs_text_and_a_date_in_range(project, personas, world):
    problem = Problem.objects.create(
        zone=project.zone,
        project=project,
        category="land",
        description="用地",
        department=world["dept_a"],
        raised_on=datetime.date(2025, 3, 1),
        deadline=datetime.date(2025, 3, 31),
        raised_by=personas["projects_staff_a"],
    )
    assert resolve_form(problem).is_valid()  # the day it was raised
    assert resolve_form(problem, resolution="  ").errors["resolution"]
    assert resolve_form(problem, resolved_on="").errors["resolved_on"]
    # The dates are the model's rules, checked by the service whichever way the resolution comes in.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for day, message in (
        (datetime.date(2025, 2, 28), "解决日期不能早于提出日期（2025-03-01）"),
        (tomorrow, "不能晚于今天"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.resolve_problem(actor=personas["staff_a"], problem=problem, resolution="已协调", resolved_on=day)
        assert refused.value.message_dict == {"resolved_on": [message]}
        problem.refresh_from_db()
        assert problem.status == "open"


# ------------------------------------------------------------------------------------------------------- progress
def progress_form(**data):
    return ProgressForm({"period": "2025-03", "decade": "0", **data})


def test_progress_needs_exactly_one_of_amount_and_cumulative(project, personas):
    assert progress_form(amount="100").is_valid()
    assert progress_form(since_start="100").is_valid()
    actor, today = personas["zone_admin_a"], timezone.localdate()
    period = today.year * 100 + today.month
    for values, field, message in (
        ({"amount": Decimal(100), "since_start": Decimal(100)}, "since_start", "只填一项"),
        ({}, "amount", "请填写当期完成投资或开工至报告期累计投资"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.record_progress(actor=actor, project=project, period=period, **values)
        assert message in refused.value.message_dict[field][0]


@pytest.mark.parametrize("text", ["2025-13", "三月", "2025"])
def test_progress_period_format(text):
    form = progress_form(period=text, amount="1")
    assert not form.is_valid() and "YYYY-MM" in form.errors["period"][0]


def test_progress_period_not_in_the_future(project, personas):
    today = timezone.localdate()
    following = today.replace(day=1) + datetime.timedelta(days=32)
    with pytest.raises(ValidationError) as refused:
        services.record_progress(
            actor=personas["zone_admin_a"],
            project=project,
            period=following.year * 100 + following.month,
            amount=Decimal(1),
        )
    assert "尚未到来" in refused.value.message_dict["period"][0]


def test_progress_photos_are_images(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    ok = SimpleUploadedFile("现场.png", PNG, "image/png")
    form = ProgressForm({"period": "2025-03", "decade": "0", "amount": "1"}, {"photos": [ok]})
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["photos"]) == 1
    pdf = SimpleUploadedFile("现场.pdf", PDF, "application/pdf")
    form = ProgressForm({"period": "2025-03", "decade": "0", "amount": "1"}, {"photos": [ok, pdf]})
    assert not form.is_valid() and "形象进度照片" in form.errors["photos"][0]


# ---------------------------------------------------------------------------------------------------------- files
def evidence_form(project, name, content):
    return EvidenceForm({"caption": ""}, {"file": SimpleUploadedFile(name, content)}, project=project)


def test_file_size_limit_from_settings(project, settings):
    settings.UPLOAD_MAX_BYTES = 100
    at_limit = PDF + b"0" * (100 - len(PDF))
    assert evidence_form(project, "批复.pdf", at_limit).is_valid()
    form = evidence_form(project, "批复.pdf", at_limit + b"0")
    assert not form.is_valid()
    message = form.errors["file"][0]
    assert message.startswith("文件：") and "超过上限 100 B" in message


def test_default_size_limit_is_20_mb(project, settings):
    del settings.UPLOAD_MAX_BYTES
    assert "20.0 MB" in str(EvidenceForm(project=project).fields["file"].help_text)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "不支持的文件类型“.exe”"),
        ("批复", PDF, "不支持的文件类型“—”"),
        ("批复.pdf", b"MZ\x90\x00", "内容不是 pdf 格式"),
        ("照片.jpg", PNG, "内容不是 jpg 格式"),
        ("批复.pdf", b"", "空"),
    ],
    ids=["exe", "no-extension", "renamed", "png-as-jpg", "empty"],
)
def test_wrong_file_types_are_refused(project, name, content, message):
    form = evidence_form(project, name, content)
    assert not form.is_valid()
    assert message in form.errors["file"][0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("批复.PDF", PDF),
        ("照片.jpeg", b"\xff\xd8\xff\xe0"),
        ("照片.png", PNG),
        ("合同.docx", b"PK\x03\x04"),
        ("表.xlsx", b"PK\x03\x04"),
    ],
)
def test_allowed_file_types(project, name, content):
    assert evidence_form(project, name, content).is_valid()


def test_file_stage_choices_are_the_projects_stages(project, world, personas):
    services.ensure_zone_defaults(world["zone_b"])
    other = services.save_project(
        actor=personas["system_admin"], project=Project(zone=world["zone_b"], name="乙项目", investor_name="某公司")
    )
    from kaifaqu.projects.models import StageDefinition

    for target in (project, other):
        stage = StageDefinition.objects.get(zone=target.zone, milestone="signed")
        services.record_stage(
            actor=personas["system_admin"], project=target, stage=stage, actual_on=datetime.date(2025, 1, 1)
        )
    choices = EvidenceForm(project=project).fields["stage"].queryset
    assert [row.project_id for row in choices] == [project.pk]
