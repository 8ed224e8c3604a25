"""The tabular import engine on its own: cells, parsers, files, headers, duplicates, the error workbook."""

import codecs
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kaifaqu.core.exports import escape_cell, unescape_cell
from kaifaqu.core.imports import (
    CellError,
    Choice,
    Column,
    Date,
    Importer,
    ImportFileError,
    ImportUploadForm,
    Money,
    Number,
    Row,
    Split,
    Text,
    cell_text,
    decode_csv,
    error_workbook,
    read_rows,
    read_table,
    validate_table,
)


class PeopleImporter(Importer):
    """A small importer with no database behind it."""

    kind = "test.people"
    sheet_title = "人员"
    key = "code"

    def get_columns(self):
        return [
            Column("code", "编号", Text(6, upper=True), required=True),
            Column("name", "姓名", Text(10), required=True),
            Column("born", "出生日期", Date()),
            Column("pay", "工资(万元)", Money(unit_key="unit")),
            Column("unit", "金额单位", Choice([(u, u) for u in ("元", "千元", "万元", "亿元")], default="万元")),
            Column("level", "级别", Choice([("high", "高"), ("low", "低")])),
            Column("aliases", "别名", Split()),
        ]

    def clean_row(self, row):
        if row.values.get("level") == "high" and not row.values.get("pay"):
            row.error("pay", "级别为高时须填写工资")


def importer():
    return PeopleImporter(user=None)


def xlsx(rows, title="人员"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def validate(rows, filename="people.xlsx"):
    imp = importer()
    data = xlsx(rows) if filename.endswith(".xlsx") else rows
    table, positions = read_table(imp, data, filename)
    return validate_table(imp, table, positions), table


def errors_at(result):
    return {(e["row"], e["column"]) for e in result.errors}


# ---------------------------------------------------------------------------------------------------- cells


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  abc ", "abc"),
        (140581.0, "140581"),
        (12.5, "12.5"),
        (7, "7"),
        (date(2020, 5, 18), "2020-05-18"),
        (datetime(2020, 5, 18), "2020-05-18"),
        ("'=1+1", "=1+1"),
        ("'plain", "'plain"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"])
def test_escape_cell_neutralizes_formulas(text):
    escaped = escape_cell(text)
    assert escaped == "'" + text
    assert unescape_cell(escaped) == text


def test_escape_cell_keeps_numbers_dates_and_plain_text():
    assert escape_cell(-5) == -5
    assert escape_cell(Decimal("-1.5")) == Decimal("-1.5")
    assert escape_cell(date(2020, 1, 1)) == date(2020, 1, 1)
    assert escape_cell("高平经开区") == "高平经开区"
    assert escape_cell("a\x00b") == "ab"


def test_text_that_already_looks_escaped_survives_the_round_trip():
    assert escape_cell("'=1") == "''=1"
    assert unescape_cell("''=1") == "'=1"
    assert unescape_cell("'abc") == "'abc"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
def test_escape_round_trips_through_unescape(text):
    assert unescape_cell(escape_cell(text)) == text


# -------------------------------------------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    "value",
    [
        date(2020, 5, 18),
        datetime(2020, 5, 18, 0, 0),
        "2020-05-18",
        "2020-5-18",
        "2020/5/18",
        "2020.05.18",
        "20200518",
        20200518,
        "2020年5月18日",
        "2020 年 5 月 18 日",
        43969.0,  # the Excel serial number of 2020-05-18
        "2020-05-18 00:00:00",
    ],
)
def test_date_formats(value):
    assert Date().parse(value, None) == date(2020, 5, 18)


@pytest.mark.parametrize("value", ["2020-13-01", "18/05/2020", "昨天", "2020-02-30", -3])
def test_bad_dates(value):
    with pytest.raises(CellError, match="日期格式不正确"):
        Date().parse(value, None)


def test_future_date_is_refused_unless_allowed():
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(CellError, match="不能晚于今天"):
        Date().parse(tomorrow, None)
    assert Date(allow_future=True).parse(tomorrow, None) == tomorrow


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31)))
def test_every_written_form_of_a_date_parses_back(day):
    for text in (day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日"):
        assert Date(allow_future=True).parse(text, None) == day
    serial = (day - date(1899, 12, 30)).days
    assert Date(allow_future=True).parse(float(serial), None) == day


def test_money_converts_units_to_wan():
    parser = Money(unit_key="unit")
    row = Row(importer=None, number=2, cells=[])
    for unit, amount, wan in [
        ("元", "12345", Decimal("1.2345")),
        ("千元", 500, Decimal("50")),
        ("万元", "1,234.5", Decimal("1234.5")),
        ("亿元", 1.5, Decimal("15000")),
    ]:
        row.values["unit"] = unit
        assert parser.parse(amount, row) == wan


@pytest.mark.parametrize(("value", "message"), [("-1", "不能为负数"), ("abc", "不是有效的数字"), ("1e20", "数值过大")])
def test_money_errors(value, message):
    row = Row(importer=None, number=2, cells=[], values={"unit": "万元"})
    with pytest.raises(CellError, match=message):
        Money(unit_key="unit").parse(value, row)


def test_number_is_decimal_never_float():
    assert Number().parse(0.1, None) == Decimal("0.1")
    assert isinstance(Number().parse(3, None), Decimal)


def test_choice_by_label_or_code():
    parser = Choice([("active", "在营"), ("closed", "注销")])
    assert parser.parse("在营", None) == "active"
    assert parser.parse("CLOSED", None) == "closed"
    with pytest.raises(CellError, match="在营、注销"):
        parser.parse("歇业", None)


def test_split_lists():
    assert Split().parse("甲公司；乙公司;甲公司\n丙公司", None) == ["甲公司", "乙公司", "丙公司"]
    assert Split(r"[,，、]").parse("专精特新、 高新技术企业,专精特新", None) == ["专精特新", "高新技术企业"]
    with pytest.raises(CellError, match="超过 3 个字符"):
        Split(item_max_length=3).parse("四个字符", None)


def test_text_length():
    with pytest.raises(CellError, match="长度不能超过 3 个字符"):
        Text(3).parse("abcd", None)


# ---------------------------------------------------------------------------------------------------- files


def test_csv_in_utf8_with_bom_and_gb18030_and_plain_utf8():
    text = "编号,姓名\nA1,张三\n"
    for data in (codecs.BOM_UTF8 + text.encode("utf-8"), text.encode("gb18030"), text.encode("utf-8")):
        assert read_rows(data, "people.csv") == [["编号", "姓名"], ["A1", "张三"]]


def test_csv_that_is_neither_utf8_nor_gbk_is_refused():
    with pytest.raises(ImportFileError, match="编码"):
        decode_csv(b"\x81\x30\xff\xff\xfe")


def test_unreadable_spreadsheet_and_unknown_extension():
    with pytest.raises(ImportFileError, match="无法读取文件"):
        read_rows(b"not a workbook", "people.xlsx")
    with pytest.raises(ImportFileError, match="不支持的文件类型"):
        read_rows(b"x", "people.txt")


def test_headers_match_chinese_text_english_key_and_loose_forms():
    result, _table = validate([["code", " 姓 名 ", "工资（万元）", "*级别"], ["a1", "张三", 5, "低"]])
    assert result.errors == []
    row = result.rows[0]
    assert row.values["code"] == "A1"
    assert row.values["pay"] == Decimal("5")
    assert row.values["level"] == "low"


def test_title_rows_above_the_header_keep_excel_row_numbers():
    result, _table = validate([["人员名单"], [], ["编号", "姓名"], ["A1", ""]])
    assert result.errors == [{"row": 4, "column": "姓名", "message": "必填项不能为空"}]


def test_missing_required_column_is_reported_by_name():
    with pytest.raises(ImportFileError) as raised:
        validate([["编号", "出生日期"], ["A1", "2000-01-01"]])
    assert [(e["row"], e["column"]) for e in raised.value.errors] == [(1, "姓名")]
    assert "缺少必填列“姓名”" in raised.value.errors[0]["message"]


def test_no_header_and_no_rows():
    with pytest.raises(ImportFileError, match="未找到表头"):
        validate([["随便"], ["什么"]])
    with pytest.raises(ImportFileError, match="没有数据行"):
        validate([["编号", "姓名"], [None, None]])


@override_settings(IMPORT_MAX_ROWS=3)
def test_row_limit():
    with pytest.raises(ImportFileError, match="超过 3 行上限"):
        validate([["编号", "姓名"], *[[f"A{i}", "某"] for i in range(4)]])


# ------------------------------------------------------------------------------------------------- validation


def test_every_row_is_validated_and_errors_are_named_by_row_and_column():
    result, _table = validate(
        [
            ["编号", "姓名", "出生日期", "工资(万元)", "金额单位", "级别"],
            ["A1", "张三", "2000-01-01", 10, "万元", "高"],
            ["A2", "", "2000/13/01", -1, "万元", "低"],
            [None, None, None, None, None, None],  # blank rows are skipped but still counted by Excel
            ["A3", "王五", None, None, "美元", "高"],
            ["A4", "赵六", None, None, None, "高"],
        ]
    )
    assert errors_at(result) == {
        (3, "姓名"),
        (3, "出生日期"),
        (3, "工资(万元)"),
        (5, "金额单位"),
        (5, "工资(万元)"),  # the importer's cross-column rule
        (6, "工资(万元)"),
    }
    assert result.counts == {
        "row_count": 4,
        "new_count": 1,
        "update_count": 0,
        "unchanged_count": 0,
        "error_count": 6,
        "error_row_count": 3,
    }


def test_duplicate_keys_are_errors_on_each_duplicate_row():
    result, _table = validate([["编号", "姓名"], ["A1", "甲"], ["A2", "乙"], ["a1", "丙"], ["A1", "丁"]])
    duplicates = [e for e in result.errors if "重复" in e["message"]]
    assert [(e["row"], e["column"]) for e in duplicates] == [(2, "编号"), (4, "编号"), (5, "编号")]
    assert "4、5" in duplicates[0]["message"]


def test_error_workbook_repeats_every_row_with_an_error_column():
    result, table = validate([["编号", "姓名"], ["A1", "甲"], ["A2", None], ["@SUM(A1)", "丙"]])
    book = openpyxl.load_workbook(io.BytesIO(error_workbook(table, result.errors)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("错误说明", "编号", "姓名")
    assert rows[1] == (None, "A1", "甲")
    assert rows[2][0] == "【姓名】必填项不能为空"
    assert rows[3][1] == "'@SUM(A1)"  # the user's text, never a formula
    assert "长度不能超过" in rows[3][0]


def test_upload_form_checks_extension_and_size():
    bad_ext = ImportUploadForm(data={"mode": "create"}, files={"file": SimpleUploadedFile("a.txt", b"x")})
    assert not bad_ext.is_valid()
    assert "不支持的文件类型" in bad_ext.errors["file"][0]
    with override_settings(UPLOAD_MAX_BYTES=10):
        too_big = ImportUploadForm(data={"mode": "create"}, files={"file": SimpleUploadedFile("a.xlsx", b"x" * 11)})
        assert not too_big.is_valid()
        assert "超过上限" in too_big.errors["file"][0]
    ok = ImportUploadForm(data={"mode": "upsert"}, files={"file": SimpleUploadedFile("a.CSV", b"x")})
    assert ok.is_valid()
