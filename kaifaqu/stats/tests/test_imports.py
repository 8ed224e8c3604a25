"""Import of statistics figures: three layouts through the shared engine and the one write path (record_values).

Every bad input is named by row and column; nothing is written unless every row passes; the 联网直报 layout converts
千元 exactly; a locked period is refused by the import as by the form; only statistics writers reach the pages.
"""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook
from stdnum.cn import uscc

from conftest import CODE_FIRM_1, CODE_FIRM_2, CODE_FIRM_B
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.models import AuditEvent
from kaifaqu.core.imports import request_commit, start_import
from kaifaqu.core.models import ImportJob, ImportModeChoices, ImportStatusChoices
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats.importers import KIND_FORM, KIND_LONG, KIND_WIDE, detect_layout, to_period
from kaifaqu.stats.models import DataSet, DataSetAssignment, ValidationFlag, Value
from kaifaqu.stats.services import Submission, SubmissionError, record_values

# 2025-03 is due 2025-04-10 (规上工业月报, deadline day 10): open on 2025-04-05, locked on 2025-04-11.
OPEN = timezone.make_aware(datetime.datetime(2025, 4, 5, 12))
OPEN_FEBRUARY = timezone.make_aware(datetime.datetime(2025, 3, 5, 12))
LATE = timezone.make_aware(datetime.datetime(2025, 4, 11, 12))
LONG_HEADERS = ["统一社会信用代码", "企业名称", "报告期", "指标", "数值", "单位"]
CODE_FIRM_3 = "91140500MA0K00004N"  # zone A, not assigned to 规上工业月报
UNKNOWN_CODE = "91140500MA0K09999X"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def now():
    with time_machine.travel(OPEN, tick=False):
        yield


@pytest.fixture
def monthly(world, now):
    data_set = DataSet.objects.get(code="industry_monthly")
    for key in ("firm_1", "firm_2", "firm_b"):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=world[key], from_period=202501)
    world["firm_3"] = Enterprise.objects.create(
        credit_code=CODE_FIRM_3, name="高平丁化工有限公司", zone=world["zone_a"], industry_id="2651"
    )
    return data_set


def workbook(rows, title="统计数据"):
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(user, rows, kind=KIND_LONG, name="figures.xlsx", **options):
    options.setdefault("data_set", "industry_monthly")
    return start_import(
        actor=user,
        kind=kind,
        uploaded_file=SimpleUploadedFile(name, workbook(rows)),
        mode=ImportModeChoices.UPSERT,
        options=options,
    )


def commit(job):
    assert request_commit(job), job.errors
    job.refresh_from_db()
    return job


def errors_of(job):
    return {(e["row"], e["column"]): e["message"] for e in job.errors}


def figures():
    return {
        (v.enterprise.credit_code, v.period, v.indicator.code): v.value
        for v in Value.objects.filter(is_current=True).select_related("enterprise", "indicator")
    }


def record(actor, data_set, firm, period, **values):
    record_values(
        actor=actor,
        data_set=data_set,
        submissions=[Submission(firm, period, {k: Decimal(str(v)) for k, v in values.items()})],
        source="form",
    )


# ------------------------------------------------------------------------------------------------------ long layout


def test_each_bad_input_is_named_by_row_and_column_and_nothing_is_written(personas, world, monthly):
    with time_machine.travel(OPEN_FEBRUARY, tick=False):
        record(personas["staff_a"], monthly, world["firm_2"], 202502, revenue=200)
    before = Value.objects.count()
    rows = [
        LONG_HEADERS,
        [CODE_FIRM_1, "甲", "2025-03", "营业收入", 100, "万元"],  # 2: fine
        [UNKNOWN_CODE, "", "2025-03", "营业收入", 1, ""],  # 3: unknown firm
        [CODE_FIRM_B, "", "2025-03", "营业收入", 1, ""],  # 4: zone B firm, staff of zone A
        [CODE_FIRM_3, "", "2025-03", "营业收入", 1, ""],  # 5: not assigned to the data set
        [CODE_FIRM_1, "", "2025-03", "利润总额", "十万", ""],  # 6: not a number
        [CODE_FIRM_1, "", "2025-03", "税金总额", -5, ""],  # 7: negative where not allowed
        [CODE_FIRM_1, "", "2025-03", "销售额", 1, ""],  # 8: unknown indicator
        [CODE_FIRM_1, "", "2025-03", "工业总产值", 50, ""],  # 9: duplicate of 10
        [CODE_FIRM_1, "", "202503", "output_value", 50, ""],  # 10: duplicate of 9
        [CODE_FIRM_2, "", "2025年3月", "营业收入", 150, ""],  # 11: below February's 200
        [CODE_FIRM_1, "", "2025-02", "营业收入", 10, ""],  # 12: February is locked on 2025-04-05
        [CODE_FIRM_1, "", "2025-03", "用电量", 5, "万元"],  # 13: money unit on a non-money indicator
        [CODE_FIRM_1, "", "2025-13", "营业收入", 1, ""],  # 14: no such period
        [CODE_FIRM_1, "", "2025-03", "固定资产投资", 1, ""],  # 15: not in this data set
    ]
    job = run(personas["staff_a"], rows)
    assert job.status == ImportStatusChoices.VALIDATED
    found = errors_of(job)
    expected = {
        (3, "统一社会信用代码"): "未找到",
        (4, "统一社会信用代码"): "无权",
        (5, "统一社会信用代码"): "未被指定报送",
        (6, "数值"): "不是有效的数字",
        (7, "数值"): "不能为负数",
        (8, "指标"): "未知指标",
        (9, "指标"): "文件内重复：与第 10 行",
        (10, "指标"): "文件内重复：与第 9 行",
        (11, "数值"): "不能低于上月累计",
        (12, "报告期"): "锁定",
        (13, "单位"): "不是金额指标",
        (14, "报告期"): "格式不正确",
        (15, "指标"): "不含指标",
    }
    assert set(found) == set(expected), found
    for where, text in expected.items():
        assert text in found[where], (where, found[where])
    assert job.error_row_count == 13 and not job.can_commit
    assert not request_commit(job)
    assert Value.objects.count() == before
    # The error workbook holds the user's rows with 错误说明 in front.
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(job.error_file.read())).get_sheet_by_index(0).to_python()
    assert sheet[0][:2] == ["错误说明", "统一社会信用代码"]
    assert "未找到" in sheet[2][0] and sheet[1][0] == ""


def test_staff_of_zone_b_cannot_import_figures_of_a_zone_a_firm(personas, monthly):
    job = run(personas["staff_b"], [LONG_HEADERS, [CODE_FIRM_1, "", "2025-03", "营业收入", 1, ""]])
    assert list(errors_of(job)) == [(2, "统一社会信用代码")]
    assert "无权" in job.errors[0]["message"]
    assert not Value.objects.exists()


def test_a_clean_file_commits_every_figure_with_units_converted(personas, world, monthly):
    rows = [
        LONG_HEADERS,
        [CODE_FIRM_1, "甲", "2025-03", "营业收入", "12,345.6", "千元"],
        [CODE_FIRM_1, "甲", "2025-03", "main_revenue", 123456789, "元"],
        [CODE_FIRM_1, "甲", "2025-03", "工业总产值", 1.5, "亿元"],
        [CODE_FIRM_1, "甲", "2025-03", "工业增加值（万元）", 3000, ""],
        [CODE_FIRM_1, "甲", "2025-03", "用电量", 12.5, "万千瓦时"],
        [CODE_FIRM_2, "乙", datetime.datetime(2025, 3, 31), "从业人员期末人数", 120, "人"],
        [CODE_FIRM_2, "乙", 202503, "利润总额", -8.25, None],
    ]
    job = run(personas["staff_a"], rows)
    assert job.errors == [] and job.row_count == 7 and job.new_count == 7
    assert not Value.objects.exists()  # the preview writes nothing
    job = commit(job)
    assert job.status == ImportStatusChoices.COMMITTED
    assert figures() == {
        (CODE_FIRM_1, 202503, "revenue"): Decimal("1234.5600"),
        (CODE_FIRM_1, 202503, "main_revenue"): Decimal("12345.6789"),
        (CODE_FIRM_1, 202503, "output_value"): Decimal("15000.0000"),
        (CODE_FIRM_1, 202503, "value_added"): Decimal("3000.0000"),
        (CODE_FIRM_1, 202503, "electricity"): Decimal("12.5000"),
        (CODE_FIRM_2, 202503, "employees"): Decimal("120.0000"),
        (CODE_FIRM_2, 202503, "total_profit"): Decimal("-8.2500"),
    }
    value = Value.objects.get(enterprise=world["firm_1"], indicator__code="revenue")
    assert (value.source, value.entered_by, value.zone_id) == ("import", personas["staff_a"], world["zone_a"].pk)
    assert "figures.xlsx" in value.reason
    event = AuditEvent.objects.filter(event=AuditEventChoices.IMPORT).latest("pk")
    assert event.detail["values"] == 7 and event.detail["data_set"] == "industry_monthly"


def test_a_correction_is_a_new_revision_and_same_figures_are_unchanged(personas, world, monthly):
    commit(run(personas["staff_a"], [LONG_HEADERS, [CODE_FIRM_1, "", "2025-03", "营业收入", 100, ""]]))
    rows = [
        LONG_HEADERS,
        [CODE_FIRM_1, "", "2025-03", "营业收入", 110, ""],
        [CODE_FIRM_1, "", "2025-03", "主营业务收入", 90, ""],
    ]
    job = run(personas["staff_a"], rows)
    assert (job.new_count, job.update_count, job.unchanged_count) == (1, 1, 0)
    commit(job)
    revisions = Value.objects.filter(enterprise=world["firm_1"], indicator__code="revenue").order_by("revision")
    assert [(v.value, v.is_current) for v in revisions] == [(Decimal(100), False), (Decimal(110), True)]
    job = run(personas["staff_a"], rows)
    assert job.unchanged_count == 2


def test_one_hard_rule_breach_means_nothing_is_written(personas, monthly):
    rows = [
        LONG_HEADERS,
        [CODE_FIRM_2, "", "2025-03", "营业收入", 500, ""],
        [CODE_FIRM_1, "", "2025-03", "工业总产值", 100, ""],
        [CODE_FIRM_1, "", "2025-03", "工业增加值", "100.0001", ""],
    ]
    job = run(personas["staff_a"], rows)
    assert list(errors_of(job)) == [(4, "数值")]
    assert "工业增加值不能大于工业总产值" in job.errors[0]["message"]
    assert not request_commit(job)
    assert not Value.objects.exists()


def test_cumulative_below_last_month_within_the_same_file(personas, monthly):
    rows = [
        LONG_HEADERS,
        [CODE_FIRM_1, "", "2025-03", "营业收入", 90, ""],
        [CODE_FIRM_1, "", "2025-02", "营业收入", 100, ""],
    ]
    with time_machine.travel(OPEN_FEBRUARY, tick=False):  # February open; March is not due yet but open
        job = run(personas["staff_a"], rows)
    assert list(errors_of(job)) == [(2, "数值")]
    assert "不能低于上月累计" in job.errors[0]["message"]


def test_a_soft_rule_is_a_warning_and_is_flagged_after_commit(personas, world, monthly):
    rows = [
        LONG_HEADERS,
        [CODE_FIRM_1, "", "2025-03", "营业收入", 10, ""],
        [CODE_FIRM_1, "", "2025-03", "税金总额", 11, ""],
    ]
    job = run(personas["staff_a"], rows)
    assert job.errors == []
    assert job.options["warning_count"] == 1 and job.options["warnings"][0]["row"] == 3
    job = commit(job)  # soft rules are checked again at commit: the warning stands, and is flagged
    assert job.options["warning_count"] == 1 and job.options["warnings"][0]["row"] == 3
    assert ValidationFlag.objects.filter(enterprise=world["firm_1"], status="open").count() == 1


def test_a_locked_period_is_refused_by_the_import_as_by_the_form(personas, world, monthly):
    row = [CODE_FIRM_1, "", "2025-03", "营业收入", 10, ""]
    job = run(personas["staff_a"], [LONG_HEADERS, row])
    assert job.can_commit
    with time_machine.travel(LATE, tick=False):
        with pytest.raises(SubmissionError) as form_refusal:
            record(personas["staff_a"], monthly, world["firm_1"], 202503, revenue=10)
        request_commit(job)  # claimed, then validated again at commit time: refused, nothing written
        job.refresh_from_db()
        assert job.status == ImportStatusChoices.VALIDATED
        assert list(errors_of(job)) == [(2, "报告期")]
        assert job.errors[0]["message"] == form_refusal.value.problems[0][2]
        again = run(personas["staff_a"], [LONG_HEADERS, row])
        assert "锁定" in again.errors[0]["message"]
    assert not Value.objects.exists()


def test_validation_queries_do_not_grow_with_rows(personas, world, monthly):
    firms = []
    for i in range(40):
        first = f"91140500MA1K{i:05d}"
        firms.append(
            Enterprise.objects.create(
                credit_code=first + uscc.calc_check_digit(first),
                name=f"批量{i}号",
                zone=world["zone_a"],
                industry_id="2651",
            )
        )
        DataSetAssignment.objects.create(data_set=monthly, enterprise=firms[-1], from_period=202501)

    def queries(count):
        rows = [LONG_HEADERS]
        for firm in firms[:count]:
            rows += [
                [firm.credit_code, "", "2025-03", name, 10, ""] for name in ("营业收入", "主营业务收入", "税金总额")
            ]
        with CaptureQueriesContext(connection) as captured:
            job = run(personas["staff_a"], rows)
        assert job.errors == [] and job.row_count == 3 * count
        return len(captured)

    assert queries(40) == queries(4)


# ------------------------------------------------------------------------------------------------ 联网直报 layout

FORM_ROWS = [
    ["规模以上工业企业财务状况（B203表）"],
    ["统一社会信用代码：" + CODE_FIRM_1, None, None, "2025年1—3月"],
    ["指标名称", "代码", "计量单位", "本年本月", "本年1—本月", "上年同期本月", "上年同期1—本月"],
    ["一、营业收入", "301", "千元", 4000, "12,345.6", 3000, 10000],
    ["营业成本", "307", "千元", 3000, 9000, 2500, 8000],
    ["利润总额", "327", "千元", 100, -250, 80, 200],
    ["其中：出口交货值", "04", "千元", 100, 300, None, None],
    ["工业总产值（当年价格）", "01", "千元", 5000, 15000, None, None],
    ["企业用电量", "05", "万千瓦时", 10, 31.5, 9, 27],
    ["资产总计", "", "千元", 80000, 79000, 70000, 70000],
]


def test_lianwang_form_copy_converts_thousand_yuan_exactly_and_warns_on_last_year(personas, world, monthly):
    with time_machine.travel(timezone.make_aware(datetime.datetime(2024, 4, 5, 12)), tick=False):
        DataSetAssignment.objects.filter(enterprise=world["firm_1"]).update(from_period=202401)
        record(personas["staff_a"], monthly, world["firm_1"], 202403, revenue="999.0000")
    job = run(personas["staff_a"], FORM_ROWS, kind=KIND_FORM, name="B203.xlsx")
    assert job.errors == [], job.errors
    assert (job.options["enterprise"], job.options["period"]) == (world["firm_1"].pk, 202503)  # from the title
    assert job.options["ignored_rows"] == 1  # 营业成本 is not in the data set
    warnings = job.options["warnings"]
    assert [(w["row"], w["column"]) for w in warnings] == [(4, "上年同期1—本月")]
    assert "999.0000" in warnings[0]["message"] and "1000.0000" in warnings[0]["message"]
    commit(job)
    stored = {code: value for (_c, period, code), value in figures().items() if period == 202503}
    assert stored == {
        "revenue": Decimal("1234.5600"),
        "total_profit": Decimal("-25.0000"),
        "export_delivery": Decimal("30.0000"),
        "output_value": Decimal("1500.0000"),
        "electricity": Decimal("31.5000"),
        "total_assets": Decimal("8000.0000"),  # a stock takes 本年本月 (period end)
    }


def test_lianwang_form_firm_and_period_chosen_on_upload_and_bad_cells_named(personas, world, monthly):
    rows = [FORM_ROWS[2], ["营业收入", "", "千元", 1, "一万"], ["税金总额", "", "千元", 1, -3]]
    job = run(personas["staff_a"], rows, kind=KIND_FORM, enterprise=world["firm_2"].pk, period=202503)
    assert errors_of(job).keys() == {(2, "本年1—本月"), (3, "本年1—本月")}
    assert "不能为负数" in errors_of(job)[(3, "本年1—本月")]


def test_lianwang_form_of_a_firm_outside_the_users_zones_fails(personas, world, monthly):
    job = run(personas["staff_b"], FORM_ROWS, kind=KIND_FORM)
    assert job.status == ImportStatusChoices.FAILED and "无权" in job.message
    assert not Value.objects.exists()


# ------------------------------------------------------------------------------------------------- system template


def test_template_download_fill_and_upload(personas, world, monthly, client_for):
    client = client_for(personas["staff_a"])
    response = client.get(reverse("stats:import_template"), {"data_set": "industry_monthly", "period": "2025-03"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    )
    sheet = book["数据"]
    assert "规上工业月报" in sheet["A1"].value and "2025-03" in sheet["A1"].value
    assert sheet.freeze_panes == "C3" and "说明" in book.sheetnames
    headers = [c.value for c in sheet[2]]
    assert headers[:3] == ["统一社会信用代码", "企业名称", "主营业务收入（万元）"]
    firms = [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)]
    assert set(firms) == {CODE_FIRM_1, CODE_FIRM_2}  # zone A firms assigned to the data set; not firm 3 or zone B
    column = {h: i + 1 for i, h in enumerate(headers)}
    first, second = (3, 4) if firms[0] == CODE_FIRM_1 else (4, 3)
    sheet.cell(row=first, column=column["营业收入（万元）"], value=500)
    sheet.cell(row=first, column=column["工业总产值（万元）"], value=800)
    sheet.cell(row=second, column=column["营业收入（万元）"], value="abc")
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("template.xlsx", buffer.getvalue())
    response = client.post(
        reverse("stats:value_import"), {"file": upload, "layout": "auto", "data_set": "industry_monthly"}
    )
    job = ImportJob.objects.latest("pk")
    assert response.status_code == 302 and job.kind == KIND_WIDE and job.options["period"] == 202503
    assert list(errors_of(job)) == [(second, "营业收入（万元）")]
    page = client.get(reverse("stats:import_job", args=[job.pk]))
    assert "不是有效的数字" in page.content.decode()
    # Fix the row and upload again; commit through the page.
    sheet.cell(row=second, column=column["营业收入（万元）"]).value = None
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        reverse("stats:value_import"),
        {
            "file": SimpleUploadedFile("template.xlsx", buffer.getvalue()),
            "layout": "auto",
            "data_set": "industry_monthly",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    job = ImportJob.objects.latest("pk")
    assert job.errors == [] and job.can_commit
    client.post(reverse("stats:import_job", args=[job.pk]), {"action": "commit"})
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.COMMITTED
    assert figures() == {
        (CODE_FIRM_1, 202503, "revenue"): Decimal(500),
        (CODE_FIRM_1, 202503, "output_value"): Decimal(800),
    }


def test_layout_detection_and_period_cells():
    assert detect_layout([LONG_HEADERS]) == KIND_LONG
    assert detect_layout(FORM_ROWS) == KIND_FORM
    assert (
        detect_layout([["规上工业月报 报告期：2025-03"], ["统一社会信用代码", "企业名称", "营业收入（万元）"]])
        == KIND_WIDE
    )
    assert [to_period(v) for v in ("2025-03", "2025年3月", "202503", 202503, 45747, datetime.date(2025, 3, 31))] == [
        202503
    ] * 6
    assert to_period("2025-13") is None and to_period("March") is None


# ---------------------------------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("system_admin", 404),  # 三员分立: he reads the figures but imports none
        ("zone_admin_a", 200),
        ("staff_a", 200),
        ("staff_b", 200),
        ("projects_staff_a", 404),
        ("leader_a", 404),
        ("region_viewer", 404),
        ("firm_1_user", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_open_the_import_pages(personas, monthly, client_for, persona, status):
    client = client_for(personas[persona])
    assert client.get(reverse("stats:value_import")).status_code == status
    template = client.get(reverse("stats:import_template"), {"data_set": "industry_monthly", "period": "2025-03"})
    assert template.status_code == status
    upload = SimpleUploadedFile("f.xlsx", workbook([LONG_HEADERS, [CODE_FIRM_1, "", "2025-03", "营业收入", 1, ""]]))
    response = client.post(
        reverse("stats:value_import"), {"file": upload, "layout": KIND_LONG, "data_set": "industry_monthly"}
    )
    assert response.status_code == (302 if status != 404 else 404)
    assert ImportJob.objects.exists() == (status == 200)
    assert not Value.objects.exists()


def test_a_job_is_visible_only_to_its_owner(personas, monthly, client_for):
    job = run(personas["staff_a"], [LONG_HEADERS, [CODE_FIRM_1, "", "2025-03", "营业收入", 1, ""]])
    url = reverse("stats:import_job", args=[job.pk])
    assert client_for(personas["staff_a"]).get(url).status_code == 200
    assert client_for(personas["zone_admin_a"]).get(url).status_code == 404
    assert client_for(personas["zone_admin_a"]).post(url, {"action": "commit"}).status_code == 404
    assert not Value.objects.exists()


@pytest.mark.parametrize("value", [1e25, 1e30, "1E+400", "-1e30"])
def test_a_huge_figure_is_too_large_at_its_row_and_column(personas, monthly, value):
    """Once an uncaught decimal error: 处理文件时发生内部错误, with no row or column."""
    rows = [
        LONG_HEADERS,
        [CODE_FIRM_1, "", "2025-03", "营业收入", 100, "万元"],
        [CODE_FIRM_1, "", "2025-03", "用电量", value, ""],  # not money: kept as typed, 4 decimals
        [CODE_FIRM_1, "", "2025-03", "利润总额", value, "亿元"],  # money: converted to 万元
    ]
    job = run(personas["staff_a"], rows)
    assert job.status == ImportStatusChoices.VALIDATED, job.message
    found = errors_of(job)
    assert set(found) == {(3, "数值"), (4, "数值")}, found
    assert all("数值过大" in message for message in found.values())


def test_the_form_template_writes_names_like_formulas_as_text(personas, monthly, client_for):
    """Issue 11: names administrators choose (the data set, its indicators) reach the template's title, headers and
    说明 sheet; one beginning with = + - @ must stay text."""
    DataSet.objects.filter(pk=monthly.pk).update(name='=HYPERLINK("http://x","月报")')
    indicator = monthly.items.order_by("order").first().indicator
    type(indicator).objects.filter(pk=indicator.pk).update(name="-1+1")
    response = client_for(personas["staff_a"]).get(
        reverse("stats:import_template"), {"data_set": monthly.code, "period": "2025-03"}
    )
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    )
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [f"{cell.parent.title}!{cell.coordinate}" for cell in cells if cell.data_type == "f"]
    assert book["数据"]["A1"].value.startswith("'=HYPERLINK")


def test_who_may_import_figures_and_the_directory(personas):
    """stats.permissions: writers of statistics (or of the directory) in some zone; not the system admin (三员分立)."""
    from kaifaqu.stats.permissions import may_import_directory, may_import_stats

    for name in ("zone_admin_a", "staff_a"):
        assert may_import_stats(personas[name]) and may_import_directory(personas[name]), name
    for name in ("system_admin", "firm_1_user", "leader_a", "region_viewer", "audit_admin"):
        assert not may_import_stats(personas[name]) and not may_import_directory(personas[name]), name
