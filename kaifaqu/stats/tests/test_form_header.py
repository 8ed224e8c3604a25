"""A firm's own 联网直报 copy with a two-row merged header (本年 | 上年同期 over 本月 | 1—本月) imports like the
one-row copy: real .xlsx files with merged cells, through the same upload path, 千元 converted and written."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import CODE_FIRM_1
from kaifaqu.core.imports import request_commit, start_import
from kaifaqu.core.models import ImportModeChoices, ImportStatusChoices
from kaifaqu.stats.importers import KIND_FORM, detect_layout, merged_form_header
from kaifaqu.stats.models import DataSet, DataSetAssignment, Value
from kaifaqu.stats.services import Submission, record_values

OPEN = timezone.make_aware(datetime.datetime(2025, 4, 5, 12))  # 2025-03 open (due 2025-04-10)
TITLE = [["规模以上工业企业财务状况（B203表）"], ["统一社会信用代码：" + CODE_FIRM_1, None, None, "2025年1—3月"]]
DATA = [
    ["一、营业收入", "301", "千元", 4000, "12,345.6", 3000, 10000],
    ["营业成本", "307", "千元", 3000, 9000, 2500, 8000],
    ["利润总额", "327", "千元", 100, -250, 80, 200],
    ["其中：出口交货值", "04", "千元", 100, 300, None, None],
    ["工业总产值（当年价格）", "01", "千元", 5000, 15000, None, None],
    ["企业用电量", "05", "万千瓦时", 10, 31.5, 9, 27],
    ["资产总计", "", "千元", 80000, 79000, 70000, 70000],
]
WRITTEN = {
    "revenue": Decimal("1234.5600"),
    "total_profit": Decimal("-25.0000"),
    "export_delivery": Decimal("30.0000"),
    "output_value": Decimal("1500.0000"),
    "electricity": Decimal("31.5000"),
    "total_assets": Decimal("8000.0000"),  # a stock takes 本年本月 (period end)
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def monthly(world):
    data_set = DataSet.objects.get(code="industry_monthly")
    DataSetAssignment.objects.create(data_set=data_set, enterprise=world["firm_1"], from_period=202401)
    return data_set


def xlsx(rows, merges):
    """A real workbook with merged cells, as a firm's copy of its form is."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "数据"
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def merged_copy(data=DATA):
    """Rows 3–4: 指标名称/代码/计量单位 merged down over both rows, 本年 over D:E, 上年同期 over F:G."""
    header = [
        ["指标名称", "代码", "计量单位", "本年", None, "上年同期", None],
        [None, None, None, "本月", "1—本月", "本月", "1—本月"],
    ]
    return xlsx(TITLE + header + data, ["A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:G3"])


def run(user, content, name="B203.xlsx", **options):
    options.setdefault("data_set", "industry_monthly")
    with time_machine.travel(OPEN, tick=False):
        return start_import(
            actor=user,
            kind=KIND_FORM,
            uploaded_file=SimpleUploadedFile(name, content),
            mode=ImportModeChoices.UPSERT,
            options=options,
        )


def commit(job):
    with time_machine.travel(OPEN, tick=False):
        assert request_commit(job), job.errors
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.COMMITTED
    return job


def written(firm, period=202503):
    return {
        v.indicator.code: v.value
        for v in Value.objects.filter(enterprise=firm, period=period, is_current=True).select_related("indicator")
    }


def test_calamine_gives_a_merged_cell_once_and_blanks_after_it():
    """What the importer relies on: the value in the span's first cell, "" in the others."""
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(merged_copy())).get_sheet_by_name("数据")
    rows = sheet.to_python(skip_empty_area=False)
    assert rows[2] == ["指标名称", "代码", "计量单位", "本年", "", "上年同期", ""]
    assert rows[3] == ["", "", "", "本月", "1—本月", "本月", "1—本月"]


def test_a_merged_two_row_header_imports_like_the_one_row_copy(personas, world, monthly):
    with time_machine.travel(timezone.make_aware(datetime.datetime(2024, 4, 5, 12)), tick=False):
        record_values(
            actor=personas["staff_a"],
            data_set=monthly,
            submissions=[Submission(world["firm_1"], 202403, {"revenue": Decimal("999.0000")})],
            source="form",
        )
    job = run(personas["staff_a"], merged_copy())
    assert job.errors == [], job.errors
    assert (job.options["enterprise"], job.options["period"]) == (world["firm_1"].pk, 202503)  # from the title
    assert job.options["ignored_rows"] == 1  # 营业成本 is not in the data set; the header's second row is no row
    warnings = job.options["warnings"]
    assert [(w["row"], w["column"]) for w in warnings] == [(5, "上年同期1—本月")]  # 上年同期 joined to 1—本月
    assert "999.0000" in warnings[0]["message"] and "1000.0000" in warnings[0]["message"]
    commit(job)
    assert written(world["firm_1"]) == WRITTEN


def test_labels_in_the_second_row_and_the_spans_in_another_order(personas, world, monthly):
    """指标名称/代码/计量单位 written in the second row, 上年同期 before 本年, a row of column numbers under the header:
    every figure is taken from the column its two header cells name."""
    header = [
        [None, None, None, "上年同期", None, "本年", None],
        ["指标名称", "代码", "计量单位", "本月", "1—本月", "本月", "1—本月"],
        ["甲", "乙", "丙", 1, 2, 3, 4],
    ]
    data = [[name, code, unit, *figures[2:4], *figures[0:2]] for name, code, unit, *figures in DATA]
    job = run(personas["staff_a"], xlsx(TITLE + header + data, ["D3:E3", "F3:G3"]))
    assert job.errors == [], job.errors
    commit(job)
    assert written(world["firm_1"]) == WRITTEN


def test_a_bad_cell_is_named_by_its_joined_header_and_excel_row(personas, world, monthly):
    data = [["营业收入", "301", "千元", 1, "一万", None, None], ["税金总额", "", "千元", 1, -3, None, None]]
    job = run(personas["staff_a"], merged_copy(data))
    assert {(e["row"], e["column"]) for e in job.errors} == {(5, "本年1—本月"), (6, "本年1—本月")}
    assert any("不能为负数" in e["message"] for e in job.errors if e["row"] == 6)
    assert not request_commit(job)
    assert not Value.objects.exists()


def test_the_merged_header_is_recognised_and_the_one_row_header_is_left_alone():
    rows = CalamineWorkbook.from_filelike(io.BytesIO(merged_copy())).get_sheet_by_name("数据").to_python()
    header = merged_form_header(rows)
    assert header.second_row == 4
    assert header.positions == {"month": 3, "cumulative": 4, "last_month": 5, "last_cumulative": 6}
    assert header.headers["cumulative"] == "本年1—本月"
    assert detect_layout(rows) == KIND_FORM
    one_row = [*TITLE, ["指标名称", "代码", "计量单位", "本年本月", "本年1—本月", "上年同期本月", "上年同期1—本月"]]
    assert merged_form_header(one_row + DATA) is None
    assert merged_form_header([[""] * 7, *one_row[2:], *DATA]) is None  # a blank row above is no first header row


def test_a_first_row_naming_a_column_twice_is_not_a_merged_header():
    rows = [["指标名称", "本年", None, "本年", None], [None, "本月", "1—本月", "本月", "1—本月"]]
    assert merged_form_header(rows) is None
