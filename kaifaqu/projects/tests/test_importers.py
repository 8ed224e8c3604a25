"""Project imports through the core engine, with real .xlsx files: every bad row named by row, column and message,
nothing written until the whole file passes, commits through the services (history, stage order, current stage),
idempotent re-imports, and the progress import's cumulative, period and scope rules."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc

from conftest import CODE_FIRM_1, CODE_FIRM_B, make_user
from kaifaqu.accounts.choices import AuditEventChoices, RoleChoices
from kaifaqu.accounts.models import AuditEvent, Membership, User
from kaifaqu.core.imports import request_commit, start_import
from kaifaqu.core.models import ImportJob, ImportModeChoices, ImportStatusChoices
from kaifaqu.projects import services
from kaifaqu.projects.importers import KIND_PROGRESS, KIND_PROJECTS
from kaifaqu.projects.models import ProgressReport, Project, ProjectStage, StageDefinition
from kaifaqu.zones.models import IndustryChain

pytestmark = pytest.mark.django_db

ZONE_A = "高平经济技术开发区"
ZONE_B = "灵石经济技术开发区"
PROJECT_HEADERS = [
    "项目名称", "投资方", "园区", "行业代码", "产业链", "重点项目级别", "项目类型", "挂点领导", "责任部门",
    "建设地点", "建设内容", "总投资（万元）", "固定资产投资（万元）", "用地（亩）", "建筑面积（平方米）", "主要产品",
    "设计产能", "产能单位", "达产后年产值（万元）", "达产后年税收（万元）", "达产后新增就业（人）", "建设起始年",
    "建设截止年", "形象进度", "签约日期", "立项/备案日期", "开工日期", "计划开工日期", "计划投产日期",
    "日期顺序例外说明",
]  # fmt: skip
PROGRESS_HEADERS = ["项目名称", "报告期", "旬", "当期完成投资（万元）", "开工至报告期累计（万元）", "形象进度"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def chain_a(world):
    return IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链")


def xlsx(rows, headers, title="项目清单"):
    """A workbook as users send it: a header row, then rows (dicts by header)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(user, kind, rows, headers, *, mode=ImportModeChoices.CREATE, zone=None, unit="万元", name="导入.xlsx"):
    content = xlsx(rows, headers)
    return start_import(
        actor=user,
        kind=kind,
        uploaded_file=SimpleUploadedFile(name, content),
        mode=mode,
        zone=zone,
        options={"unit": unit},
    )


def import_projects(user, rows, headers=PROJECT_HEADERS, **kwargs):
    return upload(user, KIND_PROJECTS, rows, headers, **kwargs)


def import_progress(user, rows, headers=PROGRESS_HEADERS, **kwargs):
    kwargs.setdefault("mode", ImportModeChoices.UPSERT)
    return upload(user, KIND_PROGRESS, rows, headers, **kwargs)


def commit(job):
    assert request_commit(job), job.errors or job.message
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.COMMITTED, job.message
    return job


def errors(job):
    return {(e["row"], e["column"], e["message"]) for e in job.errors}


def project(n, **values):
    """A complete, valid row: the polysulfone project of scenario 1 (numbered)."""
    row = {
        "项目名称": f"年产1万吨聚砜树脂项目{n}",
        "投资方": CODE_FIRM_1,
        "园区": "高平新材料园",
        "行业代码": "2651",
        "产业链": "新材料产业链",
        "重点项目级别": "省重点",
        "项目类型": "产业项目",
        "挂点领导": "王副主任",
        "责任部门": "项目服务中心",
        "建设地点": "高平经开区新材料园",
        "建设内容": "四栋厂房及配套设施",
        "总投资（万元）": 150000,
        "固定资产投资（万元）": 120000,
        "用地（亩）": 260,
        "建筑面积（平方米）": 88000,
        "主要产品": "聚砜、聚醚砜、聚苯砜",
        "设计产能": 10000,
        "产能单位": "吨/年",
        "达产后年产值（万元）": 100000,
        "达产后年税收（万元）": 8000,
        "达产后新增就业（人）": 300,
        "建设起始年": 2023,
        "建设截止年": 2025,
        "形象进度": "四栋厂房主体封顶",
        "签约日期": "2023-03-01",
        "立项/备案日期": "2023-03-20",
        "开工日期": "2023-06-01",
        "计划开工日期": "2023-05-15",
        "计划投产日期": "2025-06-30",
    }
    row.update(values)
    return row


def credit_code(prefix17):
    return prefix17 + uscc.calc_check_digit(prefix17)


def wrong_check(code):
    return code[:-1] + ("0" if code[-1] != "0" else "1")


# ------------------------------------------------------------------------------------------ project list: bad rows

BAD_ROWS = [
    # (row values, column, message)
    ({"园区": "不存在园"}, "园区", "开发区“高平经开区”中没有园区“不存在园”"),
    ({"投资方": wrong_check(CODE_FIRM_1)}, "投资方", "统一社会信用代码校验位错误"),
    (
        {"重点项目级别": "特级重点"},
        "重点项目级别",
        "“特级重点”不是可选值，应为：省重点、市重点、县重点、区重点、一般项目",
    ),
    ({"总投资（万元）": -5, "固定资产投资（万元）": None}, "总投资（万元）", "不能为负数"),
    ({"固定资产投资（万元）": 160000}, "固定资产投资（万元）", "固定资产投资不能大于总投资"),
    (
        {"开工日期": "2023-02-01", "立项/备案日期": None},
        "开工日期",
        "开工的实际日期早于签约的实际日期；如确属实际情况，请在“日期顺序例外说明”列写明原因",
    ),
    ({"责任部门": "招商局"}, "责任部门", "开发区“高平经开区”中没有部门“招商局”，请填写该开发区的部门名称"),
    ({"产业链": "光伏产业链"}, "产业链", "开发区“高平经开区”中没有产业链“光伏产业链”"),
]


def test_a_file_with_bad_rows_reports_exactly_those_rows_and_writes_nothing(personas, chain_a):
    user = personas["projects_staff_a"]
    rows = [project(0)] + [project(n + 1, **values) for n, (values, _c, _m) in enumerate(BAD_ROWS)]
    rows += [project(20), project(20, 建设地点="重名")]  # the same name twice in one zone
    before = (Project.objects.count(), ProjectStage.objects.count(), Project.history.count())
    job = import_projects(user, rows)
    assert job.status == ImportStatusChoices.VALIDATED
    expected = {(n + 3, column, message) for n, (_v, column, message) in enumerate(BAD_ROWS)}
    duplicates = len(BAD_ROWS) + 3
    expected |= {
        (duplicates, "项目名称", f"文件内重复：与第 {duplicates + 1} 行相同"),
        (duplicates + 1, "项目名称", f"文件内重复：与第 {duplicates} 行相同"),
    }
    assert errors(job) == expected
    assert (job.row_count, job.error_row_count, job.new_count) == (len(rows), len(BAD_ROWS) + 2, 1)
    assert not job.can_commit
    assert not request_commit(job)
    assert (Project.objects.count(), ProjectStage.objects.count(), Project.history.count()) == before

    # The same file, fixed: everything is written in one go, through the services.
    fixed = [project(n) for n in range(len(BAD_ROWS) + 1)] + [project(20), project(21)]
    job = commit(import_projects(user, fixed))
    assert (job.new_count, job.update_count) == (len(fixed), 0)
    assert Project.objects.count() == before[0] + len(fixed)
    polysulfone = Project.objects.get(name="年产1万吨聚砜树脂项目0")
    assert polysulfone.zone == personas["projects_staff_a"].active_memberships[0].zone
    assert (polysulfone.investor.credit_code, polysulfone.investor_name) == (CODE_FIRM_1, polysulfone.investor.name)
    assert (polysulfone.park.name, polysulfone.chain, polysulfone.department.name) == (
        "高平新材料园",
        chain_a,
        "项目服务中心",
    )
    assert (polysulfone.level, polysulfone.kind, polysulfone.industry_id) == ("province", "industry", "2651")
    assert polysulfone.total_investment == Decimal("150000")
    assert polysulfone.fixed_asset_investment == Decimal("120000")
    assert (polysulfone.land_mu, polysulfone.floor_area_m2) == (Decimal("260"), Decimal("88000"))
    assert (polysulfone.capacity_quantity, polysulfone.capacity_unit) == (Decimal("10000"), "吨/年")
    assert (polysulfone.expected_jobs, polysulfone.start_year, polysulfone.end_year) == (300, 2023, 2025)
    dates = {s.stage.code: (s.planned_on, s.actual_on) for s in polysulfone.stages.select_related("stage")}
    assert dates == {
        "signed": (None, datetime.date(2023, 3, 1)),
        "filed": (None, datetime.date(2023, 3, 20)),
        "started": (datetime.date(2023, 5, 15), datetime.date(2023, 6, 1)),
        "production": (datetime.date(2025, 6, 30), None),
    }
    assert polysulfone.current_stage.code == "started"
    first = polysulfone.history.earliest()
    assert (first.history_type, first.history_user, first.history_change_reason) == ("+", user, "导入：导入.xlsx")
    assert set(ProjectStage.history.filter(project_id=polysulfone.pk).values_list("history_user", flat=True)) == {
        user.pk
    }
    event = AuditEvent.objects.get(event=AuditEventChoices.IMPORT)
    assert (event.detail["kind"], event.detail["created"]) == (KIND_PROJECTS, len(fixed))


def test_reimport_is_idempotent_and_updates_only_what_changed(personas, chain_a):
    user = personas["zone_admin_a"]
    rows = [project(1), project(2)]
    commit(import_projects(user, rows))
    histories = Project.history.count()
    stage_rows = ProjectStage.history.count()

    again = commit(import_projects(user, rows, mode=ImportModeChoices.UPSERT))
    assert (again.new_count, again.update_count, again.unchanged_count) == (0, 0, 2)
    assert (Project.history.count(), ProjectStage.history.count()) == (histories, stage_rows)

    # In 新增 mode a registered project is an error, named on its row.
    create_again = import_projects(user, rows[:1])
    assert errors(create_again) == {(2, "项目名称", "已登记；如需修改已登记的数据，请选择“新增或更新”方式")}

    changed = [project(1, 形象进度="设备安装"), project(2, **{"总投资（万元）": 160000, "竣工日期": "2024-12-20"})]
    headers = PROJECT_HEADERS + ["竣工日期"]
    job = commit(import_projects(user, changed, headers=headers, mode=ImportModeChoices.UPSERT))
    assert (job.new_count, job.update_count, job.unchanged_count) == (0, 2, 0)
    first, second = Project.objects.get(name=project(1)["项目名称"]), Project.objects.get(name=project(2)["项目名称"])
    assert first.image_progress == "设备安装"
    assert second.total_investment == Decimal("160000")
    assert second.current_stage.code == "completed"
    # Project 1: its row; project 2: its row, then its current stage (竣工) maintained by record_stage.
    assert Project.history.count() == histories + 3
    latest = second.history.latest()
    assert (latest.history_user, latest.total_investment) == (user, Decimal("160000"))


def test_update_keeps_dates_the_file_leaves_blank_and_columns_it_does_not_have(personas, chain_a):
    user = personas["projects_staff_a"]
    commit(import_projects(user, [project(1)]))
    registered = Project.objects.get(name=project(1)["项目名称"])
    # Only the name, a new actual start date and the progress text: the planned start and the rest stay.
    headers = ["项目名称", "开工日期", "形象进度"]
    job = commit(
        import_projects(
            user,
            [{"项目名称": registered.name, "开工日期": "2023-06-05", "形象进度": "主体施工"}],
            headers=headers,
            mode=ImportModeChoices.UPSERT,
        )
    )
    assert job.update_count == 1
    registered.refresh_from_db()
    started = registered.stages.get(stage__code="started")
    assert (started.planned_on, started.actual_on) == (datetime.date(2023, 5, 15), datetime.date(2023, 6, 5))
    assert (registered.total_investment, registered.park.name) == (Decimal("150000"), "高平新材料园")
    assert registered.image_progress == "主体施工"


def test_dates_out_of_order_with_a_reason_are_kept_with_it(personas, chain_a):
    row = project(1, 开工日期="2023-02-01", 日期顺序例外说明="先行开工，后补签约")
    commit(import_projects(personas["projects_staff_a"], [row]))
    started = ProjectStage.objects.get(project__name=row["项目名称"], stage__code="started")
    assert started.out_of_order_reason == "先行开工，后补签约"
    signed = ProjectStage.objects.get(project__name=row["项目名称"], stage__code="signed")
    assert signed.out_of_order_reason == ""


def test_moving_registered_dates_later_is_recorded_in_an_order_the_service_accepts(personas, chain_a):
    user = personas["projects_staff_a"]
    commit(import_projects(user, [project(1)]))
    # 签约 03-01 → 07-01 and 开工 06-01 → 08-01: in ladder order the intermediate 签约 07-01 > 开工 06-01 would be
    # refused; the import records 开工 first.
    headers = ["项目名称", "签约日期", "立项/备案日期", "开工日期"]
    row = {
        "项目名称": project(1)["项目名称"],
        "签约日期": "2023-07-01",
        "立项/备案日期": "2023-07-10",
        "开工日期": "2023-08-01",
    }
    job = commit(import_projects(user, [row], headers=headers, mode=ImportModeChoices.UPSERT))
    assert job.update_count == 1
    stages = dict(ProjectStage.objects.filter(project__name=row["项目名称"]).values_list("stage__code", "actual_on"))
    assert stages["signed"] == datetime.date(2023, 7, 1)
    assert stages["started"] == datetime.date(2023, 8, 1)
    assert not ProjectStage.objects.exclude(out_of_order_reason="").exists()


def test_investor_by_code_by_registered_name_or_a_prospective_name(personas, world, chain_a):
    rows = [
        project(1, 投资方=CODE_FIRM_1.lower()),
        project(2, 投资方="高平乙机械有限公司"),
        project(3, 投资方="浙江某新材料集团"),
        project(4, 投资方=CODE_FIRM_B),  # registered, but in zone B
        project(5, 投资方=credit_code("91140500MA0K09990")),  # valid, not registered
    ]
    job = import_projects(personas["projects_staff_a"], rows)
    message = "开发区“高平经开区”中没有统一社会信用代码为 %s 的已登记企业；尚未登记的投资方请填写名称"
    assert errors(job) == {
        (5, "投资方", message % CODE_FIRM_B),
        (6, "投资方", message % credit_code("91140500MA0K09990")),
    }
    commit(import_projects(personas["projects_staff_a"], rows[:3]))
    by_name = {p.name: p for p in Project.objects.all()}
    assert by_name[project(1)["项目名称"]].investor == world["firm_1"]
    assert by_name[project(2)["项目名称"]].investor == world["firm_2"]
    prospective = by_name[project(3)["项目名称"]]
    assert (prospective.investor, prospective.investor_name) == (None, "浙江某新材料集团")


def test_money_in_the_unit_of_the_header_or_of_the_upload(personas, chain_a):
    headers = ["项目名称", "投资方", "总投资（亿元）", "固定资产投资", "达产后年产值（元）"]
    row = {
        "项目名称": "TPU薄膜项目",
        "投资方": CODE_FIRM_1,
        "总投资（亿元）": 2.2,
        "固定资产投资": 1.8,
        "达产后年产值（元）": 200000000,
    }
    commit(import_projects(personas["projects_staff_a"], [row], headers=headers, unit="亿元"))
    tpu = Project.objects.get(name="TPU薄膜项目")
    assert tpu.total_investment == Decimal("22000")
    assert tpu.fixed_asset_investment == Decimal("18000")  # no unit in the header: the upload's 亿元
    assert tpu.expected_output_value == Decimal("20000")


def test_zone_column_and_scope(personas, world, chain_a):
    headers = ["所属开发区", "项目名称", "投资方"]
    rows = [
        {"所属开发区": "高平经开区", "项目名称": "甲项目", "投资方": "某公司"},
        {"所属开发区": ZONE_B, "项目名称": "乙项目", "投资方": "某公司"},
        {"所属开发区": "火星开发区", "项目名称": "丙项目", "投资方": "某公司"},
    ]
    job = import_projects(personas["zone_admin_a"], rows, headers=headers)
    assert errors(job) == {
        (3, "所属开发区", f"未找到开发区“{ZONE_B}”，或您无权在该开发区登记项目"),
        (4, "所属开发区", "未找到开发区“火星开发区”，或您无权在该开发区登记项目"),
    }
    # A writer of both zones (the zone admin of each; the system administrator writes no projects, 三员分立); without
    # a zone column nor a zone chosen, rows name none.
    admin = admin_of_both_zones(world)
    assert errors(import_projects(personas["system_admin"], rows[:1], headers=headers))  # his rows are refused
    job = import_projects(admin, rows[:2], headers=headers)
    assert errors(job) == set()
    job = import_projects(admin, [{"项目名称": "丁项目", "投资方": "某公司"}], headers=["项目名称", "投资方"])
    assert errors(job) == {(2, "所属开发区", "请填写所属开发区")}
    job = import_projects(admin, rows[:2], headers=headers, zone=world["zone_a"])
    assert errors(job) == {(3, "所属开发区", "与上传时选择的开发区“高平经开区”不一致")}
    # The same name in two zones is two projects.
    job = commit(import_projects(admin, [dict(rows[0]), {**rows[1], "项目名称": "甲项目"}], headers=headers))
    assert job.new_count == 2
    assert set(Project.objects.filter(name="甲项目").values_list("zone__name", flat=True)) == {ZONE_A, ZONE_B}


def admin_of_both_zones(world):
    user = make_user("admin_ab", RoleChoices.ZONE_ADMIN, zone=world["zone_a"])
    Membership.objects.create(user=user, role=RoleChoices.ZONE_ADMIN, zone=world["zone_b"])
    return User.objects.get(pk=user.pk)  # memberships read afresh


def test_who_may_update_a_registered_project(personas, world, chain_a):
    services.save_project(
        actor=personas["system_admin"],
        project=Project(zone=world["zone_b"], name="灵石项目", investor_name="某公司"),
    )
    job = import_projects(
        admin_of_both_zones(world),
        [{"所属开发区": ZONE_B, "项目名称": "灵石项目", "投资方": "另一公司"}],
        headers=["所属开发区", "项目名称", "投资方"],
        mode=ImportModeChoices.UPSERT,
    )
    assert (errors(job), job.update_count) == (set(), 1)


def test_stage_columns_follow_the_zone_ladder(personas, world, chain_a):
    zone = world["zone_a"]
    services.ensure_zone_defaults(zone)
    StageDefinition.objects.filter(zone=zone, code="signed").update(name="正式签约")
    StageDefinition.objects.filter(zone=zone, code="land").update(is_active=False)
    headers = ["项目名称", "投资方", "正式签约日期", "供地日期"]
    job = import_projects(
        personas["projects_staff_a"],
        [{"项目名称": "甲项目", "投资方": "某公司", "正式签约日期": "2024-01-05", "供地日期": "2024-02-01"}],
        headers=headers,
    )
    # 供地 is switched off, so its column is not one of the import's: the file's column is ignored.
    assert errors(job) == set()
    commit(job)
    assert dict(ProjectStage.objects.values_list("stage__code", "actual_on")) == {"signed": datetime.date(2024, 1, 5)}


# ------------------------------------------------------------------------------------------ template and pages


def test_template_has_the_zone_stage_columns_and_drop_downs(personas, client_for, chain_a):
    client = client_for(personas["projects_staff_a"])
    response = client.get(reverse("projects:project_import_template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["项目清单"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["所属开发区", "项目名称", "投资方"]
    for header in ("签约日期", "开工日期", "计划开工日期", "计划投产日期", "日期顺序例外说明", "总投资（万元）"):
        assert header in headers
    assert "计划协议日期" not in headers  # planned dates only for the pipeline stages
    lists = {str(v.sqref).split(":")[0][:-1] for v in sheet.data_validations.dataValidation if v.type == "list"}
    letters = {headers[i]: openpyxl.utils.get_column_letter(i + 1) for i in range(len(headers))}
    for column in ("所属开发区", "园区", "产业链", "重点项目级别", "项目类型", "责任部门", "行业代码"):
        assert letters[column] in lists, column
    assert "说明" in book.sheetnames
    options = [row[0].value for row in book["选项"].iter_rows(min_row=1) if row[0].value]
    assert "高平经济技术开发区" in options


def test_upload_preview_and_commit_through_the_pages(personas, client_for, chain_a):
    client = client_for(personas["projects_staff_a"])
    page = client.get(reverse("projects:project_import"))
    assert page.status_code == 200
    content = xlsx([project(1), project(2, 园区="不存在园")], PROJECT_HEADERS)
    response = client.post(
        reverse("projects:project_import"),
        {"file": SimpleUploadedFile("项目.xlsx", content), "mode": "create", "unit": "万元"},
    )
    job = ImportJob.objects.get(kind=KIND_PROJECTS)
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:import_job", args=[job.pk])
    assert job.zone.name == ZONE_A  # the user's only zone, chosen for them
    preview = client.get(response["Location"])
    assert "开发区“高平经开区”中没有园区“不存在园”" in preview.content.decode()
    errors_file = client.get(reverse("projects:import_job_errors", args=[job.pk]))
    assert errors_file.status_code == 200
    assert client.post(response["Location"], {"action": "commit"}).status_code == 302
    assert not Project.objects.exists()

    content = xlsx([project(1), project(2)], PROJECT_HEADERS)
    response = client.post(
        reverse("projects:project_import"),
        {"file": SimpleUploadedFile("项目.xlsx", content), "mode": "create", "unit": "万元"},
    )
    client.post(response["Location"], {"action": "commit"})
    assert Project.objects.count() == 2
    assert "已于" in client.get(response["Location"]).content.decode()


# ------------------------------------------------------------------------------------------ progress import

TODAY = datetime.datetime(2025, 3, 5, 10, 0, tzinfo=datetime.UTC)  # 2025-02 open until 03-10; 2025-01 closed


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def projects(frozen, world, personas):
    """Two projects in zone A (one of firm_1) and one in zone B, each with 2025-01 progress reported."""
    made = {}
    for key, zone, name, investor in (
        ("a1", world["zone_a"], "TPU薄膜项目", world["firm_1"]),
        ("a2", world["zone_a"], "聚砜树脂项目", world["firm_2"]),
        ("b", world["zone_b"], "灵石装备项目", world["firm_b"]),
    ):
        made[key] = services.save_project(
            actor=personas["system_admin"], project=Project(zone=zone, name=name, investor=investor)
        )
    with time_machine.travel(datetime.datetime(2025, 2, 5, tzinfo=datetime.UTC), tick=False):
        for key in made:
            services.record_progress(
                actor=personas["system_admin"], project=made[key], period=202501, amount=Decimal(100)
            )
    return made


def progress(name, period, amount=None, since_start=None, **values):
    return {
        "项目名称": name,
        "报告期": period,
        "当期完成投资（万元）": amount,
        "开工至报告期累计（万元）": since_start,
        **values,
    }


def reports(project):
    return [
        (r.period, r.decade, r.amount, r.year_to_date, r.since_start)
        for r in ProgressReport.objects.filter(project=project).order_by("period", "decade")
    ]


def test_progress_rows_are_written_through_record_progress(projects, personas):
    user = personas["projects_staff_a"]
    rows = [
        progress("TPU薄膜项目", "2025-03", since_start=600, 形象进度="三条线试生产，第四条调试"),
        progress("TPU薄膜项目", "2025-02", amount=200),
        progress("聚砜树脂项目", "2025-03", amount=50, 旬="上旬"),
    ]
    job = commit(import_progress(user, rows))
    assert (job.new_count, job.update_count) == (3, 0)
    assert reports(projects["a1"]) == [
        (202501, 0, Decimal(100), Decimal(100), Decimal(100)),
        (202502, 0, Decimal(200), Decimal(300), Decimal(300)),
        (202503, 0, Decimal(300), Decimal(600), Decimal(600)),
    ]
    assert reports(projects["a2"])[-1] == (202503, 1, Decimal(50), Decimal(150), Decimal(150))
    projects["a1"].refresh_from_db()
    assert projects["a1"].image_progress == "三条线试生产，第四条调试"
    report = ProgressReport.objects.get(project=projects["a1"], period=202503)
    assert (report.reported_by, report.history.latest().history_user) == (user, user)
    # The same file again: nothing to change.
    again = commit(import_progress(user, rows))
    assert (again.new_count, again.update_count, again.unchanged_count) == (0, 0, 3)


def test_a_cumulative_total_lower_than_before_is_refused_counting_earlier_rows_of_the_file(projects, personas):
    user = personas["projects_staff_a"]
    before = reports(projects["a1"])
    rows = [
        progress("TPU薄膜项目", "2025-03", since_start=250),  # row 2: below 100 (January) + 200 (row 3, February)
        progress("TPU薄膜项目", "2025-02", amount=200),
        progress("聚砜树脂项目", "2025-02", since_start=90),  # row 4: below January's 100
        progress("聚砜树脂项目", "2025-03", amount=10, since_start=150),  # row 5: 100 + 10 ≠ 150
    ]
    job = import_progress(user, rows)
    assert errors(job) == {
        (
            2,
            "开工至报告期累计（万元）",
            "开工至报告期累计（250.00万元）少于此前的累计（300.00万元），累计投资不能减少",
        ),
        (
            4,
            "开工至报告期累计（万元）",
            "开工至报告期累计（90.00万元）少于此前的累计（100.00万元），累计投资不能减少",
        ),
        (
            5,
            "开工至报告期累计（万元）",
            "开工至报告期累计（150.00万元）不等于此前累计（100.00万元）加当期完成投资（10.00万元）",
        ),
    }
    assert not request_commit(job)
    assert reports(projects["a1"]) == before
    # Exactly the previous total is allowed (nothing completed this month).
    job = commit(import_progress(user, [rows[1], progress("TPU薄膜项目", "2025-03", since_start=300)]))
    assert reports(projects["a1"])[-1] == (202503, 0, Decimal(0), Decimal(300), Decimal(300))


def test_closed_periods_negative_amounts_duplicates_and_unknown_projects(projects, personas, world):
    user = personas["projects_staff_a"]
    rows = [
        progress("TPU薄膜项目", "2025-02", amount=-1),
        progress("TPU薄膜项目", "2025-01", amount=5),  # closed on 2025-02-10
        progress("TPU薄膜项目", "2025-04", amount=5),  # the future
        progress("灵石装备项目", "2025-03", amount=5),  # zone B: unknown to a zone A user
        progress("聚砜树脂项目", "2025-03", amount=5),
        progress("聚砜树脂项目", "2025年3月", amount=6),
        progress("聚砜树脂项目", "2025-13", amount=6),
        progress("聚砜树脂项目", "2025-02"),
    ]
    job = import_progress(user, rows)
    assert errors(job) == {
        (2, "当期完成投资（万元）", "不能为负数"),
        (3, "报告期", "2025-01 的进度填报已截止；如需补报，请管委会管理员重新开放该报告期"),
        (4, "报告期", "报告期不能晚于本月"),
        (5, "项目名称", "未找到项目“灵石装备项目”，或您无权查看"),
        (6, "报告期", "文件内重复：与第 7 行相同"),
        (7, "报告期", "文件内重复：与第 6 行相同"),
        (8, "报告期", "报告期格式不正确：“2025-13”，应为 2025-03、2025年3月 或 202503"),
        (9, "当期完成投资（万元）", "请填写当期完成投资或开工至报告期累计"),
    }
    # Reopened by the zone admin, January may be corrected (and the totals after it follow).
    services.reopen_progress_period(
        actor=personas["zone_admin_a"],
        zone=world["zone_a"],
        period=202501,
        reason="补报",
        closes_at=timezone.now() + datetime.timedelta(days=3),
    )
    job = commit(import_progress(user, [rows[1]]))
    assert (job.update_count, reports(projects["a1"])) == (1, [(202501, 0, Decimal(5), Decimal(5), Decimal(5))])


def test_projects_by_number_and_ambiguous_names(projects, personas, world):
    admin = admin_of_both_zones(world)
    services.save_project(actor=admin, project=Project(zone=world["zone_b"], name="TPU薄膜项目", investor_name="某"))
    headers = ["项目编号", "项目名称", "所属开发区", "报告期", "当期完成投资（万元）"]
    rows = [
        {"项目名称": "TPU薄膜项目", "报告期": "2025-03", "当期完成投资（万元）": 1},
        {"项目名称": "TPU薄膜项目", "所属开发区": ZONE_A, "报告期": "2025-03", "当期完成投资（万元）": 1},
        {"项目编号": projects["b"].pk, "报告期": "2025-03", "当期完成投资（万元）": 1},
        {"项目编号": projects["b"].pk, "项目名称": "聚砜树脂项目", "报告期": "2025-02", "当期完成投资（万元）": 1},
    ]
    job = import_progress(admin, rows, headers=headers)
    assert errors(job) == {
        (2, "项目名称", "有 2 个名为“TPU薄膜项目”的项目，请填写项目编号或所属开发区"),
        (5, "项目名称", f"与项目编号 {projects['b'].pk} 的项目名称“灵石装备项目”不一致"),
    }
    job = commit(import_progress(admin, rows[1:3], headers=headers))
    assert job.new_count == 2
    # A zone A user does not reach zone B's project by its number either.
    job = import_progress(personas["projects_staff_a"], [rows[2]], headers=headers)
    assert errors(job) == {(2, "项目编号", f"未找到编号为 {projects['b'].pk} 的项目，或您无权查看")}


def test_enterprise_users_report_only_their_own_projects(projects, personas, client_for):
    user = personas["firm_1_user"]
    job = import_progress(
        user, [progress("TPU薄膜项目", "2025-03", amount=40), progress("聚砜树脂项目", "2025-03", amount=1)]
    )
    assert errors(job) == {(3, "项目名称", "未找到项目“聚砜树脂项目”，或您无权查看")}
    commit(import_progress(user, [progress("TPU薄膜项目", "2025-03", amount=40)]))
    assert reports(projects["a1"])[-1][:3] == (202503, 0, Decimal(40))
    client = client_for(user)
    assert client.get(reverse("projects:progress_import")).status_code == 200
    assert client.get(reverse("projects:project_import")).status_code == 404
    template = client.get(reverse("projects:progress_import_template"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    assert [row[0].value for row in book["项目"].iter_rows(min_row=2)] == ["TPU薄膜项目"]
    # firm_2 invests in 聚砜树脂项目: its user imports too (its own project only).
    assert client_for(personas["firm_2_user"]).get(reverse("projects:progress_import")).status_code == 200


def test_progress_upload_page_sets_the_unit_and_zone(projects, personas, client_for):
    client = client_for(personas["zone_admin_a"])
    headers = ["项目名称", "报告期", "当期完成投资"]
    content = xlsx([{"项目名称": "TPU薄膜项目", "报告期": "2025-03", "当期完成投资": 0.5}], headers, title="项目进度")
    response = client.post(
        reverse("projects:progress_import"), {"file": SimpleUploadedFile("进度.xlsx", content), "unit": "亿元"}
    )
    assert response.status_code == 302
    job = ImportJob.objects.get(kind=KIND_PROGRESS)
    assert (job.mode, job.zone.name, job.options) == (ImportModeChoices.UPSERT, ZONE_A, {"unit": "亿元"})
    client.post(response["Location"], {"action": "commit"})
    assert reports(projects["a1"])[-1][:3] == (202503, 0, Decimal(5000))


@pytest.mark.parametrize("value", [1e25, 1e30, "1E+400"])
def test_a_huge_investment_is_too_large_at_its_row_and_column(personas, chain_a, value):
    """Once an uncaught decimal error: 处理文件时发生内部错误, with no row or column."""
    job = import_projects(personas["projects_staff_a"], [project(0), project(1, **{"总投资（万元）": value})])
    assert job.status == ImportStatusChoices.VALIDATED, job.message
    assert errors(job) == {(3, "总投资（万元）", "数值过大")}


def test_a_stage_named_like_a_formula_is_written_as_text_everywhere_in_the_template(personas, world, client_for):
    """Issue 11: a stage renamed =cmd|' /C calc'!A0 was written as a formula (项目清单!Z1, 说明!A38 and Z65)."""
    zone = world["zone_a"]
    services.ensure_zone_defaults(zone)
    hostile = "=cmd|' /C calc'!A0"
    StageDefinition.objects.filter(zone=zone, code="signed").update(name=hostile)
    response = client_for(personas["projects_staff_a"]).get(
        reverse("projects:project_import_template"), {"zone": zone.pk}
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    written = [cell for cell in cells if isinstance(cell.value, str) and hostile in cell.value]
    assert len(written) >= 3  # the header, the column's line in 说明 and the example row's header
    assert all(cell.value.startswith("'") or not cell.value.startswith("=") for cell in written)
    # The escaped header still reads back as the stage's column.
    header = next(cell.value for cell in book["项目清单"][1] if cell.value and hostile in cell.value)
    job = import_projects(
        personas["projects_staff_a"],
        [{"项目名称": "甲项目", "投资方": "某公司", header: "2024-01-05"}],
        headers=["项目名称", "投资方", header],
    )
    assert errors(job) == set()
    commit(job)
    assert dict(ProjectStage.objects.values_list("stage__code", "actual_on")) == {"signed": datetime.date(2024, 1, 5)}
