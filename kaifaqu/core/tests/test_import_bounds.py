"""The import engine against hostile and odd files: bounded reading (rows, columns, a cell at XFD1048576), formula
cells, huge numbers in every numeric parser, formulas in the headers of the workbooks we write."""

import io
import os
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet._reader import WorkSheetParser

from kaifaqu.core.imports import (
    HEADER_SEARCH_ROWS,
    CellError,
    Column,
    Importer,
    ImportFileError,
    Integer,
    Money,
    Number,
    Row,
    Text,
    get_importer_class,
    parse_cell,
    read_table,
    validate_table,
)
from kaifaqu.core.imports.reading import xls_rows, xlsx_rows
from kaifaqu.core.money import to_wan

ROOT = Path(__file__).resolve().parents[3]


class FirmsImporter(Importer):
    kind = "test.firms"
    sheet_title = "企业"
    key = "code"

    def get_columns(self):
        return [
            Column("code", "编号", Text(20), required=True),
            Column("name", "名称", Text(50), required=True),
            Column("capital", "注册资本", Money()),
            Column("staff", "人数", Integer()),
        ]


def workbook(rows, extra=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业"
    for row in rows:
        sheet.append(row)
    for ref, value in (extra or {}).items():
        sheet[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def hostile():
    """The 5 KB workbook of issue 11: a header, one valid row and a value at XFD1048576 (the sheet's last cell)."""
    return workbook([["编号", "名称"], ["A1", "甲公司"]], {"XFD1048576": "x"})


# The reader runs in a fresh interpreter with 1 GB of address space: the grid a reader builds for XFD1048576 (550 GB)
# would end that process, not the suite. Not a fork of the test worker: its address space, grown over thousands of
# tests (and on PostgreSQL beyond 1 GB), would leave the child no room, and a fork of a threaded worker can inherit
# a held lock — either way the child hung instead of reading.
BOUNDED_READER = """
import resource, sys
import django
django.setup()
resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))
from kaifaqu.core.imports import ImportFileError, read_table
from kaifaqu.core.tests.test_import_bounds import FirmsImporter
data = sys.stdin.buffer.read()
try:
    read_table(FirmsImporter(user=None), data, sys.argv[1])
    print("read")
except ImportFileError as bad:
    print(bad.message)
"""


def read_bounded(data, filename="企业.xlsx"):
    """What reading `data` in 1 GB of memory gives: the file's error message, or "read". Fails if the reader died."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kaifaqu.settings_test", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", BOUNDED_READER, filename],
        input=data,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, "the reader ran out of its 1 GB (or crashed): " + done.stderr.decode()[-2000:]
    return done.stdout.decode()


def test_a_cell_at_xfd1048576_is_refused_with_its_place_in_bounded_memory():
    data = hostile()
    assert len(data) < 10_000
    message = read_bounded(data)
    assert "第 1048576 行第 XFD 列有内容" in message and "1000 列上限" in message


@override_settings(IMPORT_MAX_COLUMNS=3)
def test_a_value_right_of_the_column_cap_is_refused_in_csv_and_xlsx():
    for data, name in (
        ("编号,名称,,x\nA1,甲\n".encode(), "企业.csv"),
        (workbook([["编号", "名称"]], {"D2": 1}), "企业.xlsx"),
    ):
        with pytest.raises(ImportFileError, match="第 . 行第 D 列有内容，超过 3 列上限"):
            read_table(FirmsImporter(user=None), data, name)
    # Blank cells out there (a formatted column) are not values.
    table, _positions = read_table(FirmsImporter(user=None), "编号,名称,,,\nA1,甲,,,\n".encode(), "企业.csv")
    assert table.rows == [(1, ["编号", "名称"]), (2, ["A1", "甲"])]


@override_settings(IMPORT_MAX_ROWS=3)
def test_the_reader_stops_at_the_row_cap_and_never_reads_on(monkeypatch):
    parsed = []
    original = WorkSheetParser.parse

    def counting(self):  # openpyxl's parser, counted: how far the reader went into the sheet
        for item in original(self):
            parsed.append(item[0])
            yield item

    monkeypatch.setattr(WorkSheetParser, "parse", counting)
    data = workbook([["编号", "名称"], *[[f"A{n}", "某"] for n in range(5000)]])
    with pytest.raises(ImportFileError, match="文件超过 3 行上限"):
        read_table(FirmsImporter(user=None), data, "企业.xlsx")
    assert len(parsed) <= 3 + HEADER_SEARCH_ROWS + 1


def test_blank_rows_far_below_keep_their_numbers_and_cost_nothing():
    data = workbook([["编号", "名称"], ["A1", "甲"]], {"A60000": "B2", "B60000": "乙"})
    importer = FirmsImporter(user=None)
    table, positions = read_table(importer, data, "企业.xlsx")
    assert [number for number, _cells in table.rows] == [1, 2, 60000]
    result = validate_table(importer, table, positions)
    assert [row.number for row in result.rows] == [2, 60000]


def test_formula_cells_are_named_by_row_and_column():
    data = workbook([["编号", "名称", "注册资本", "人数"], ["A1", "=B9", "=1+2", 5], ["A2", "乙", 10, "=SUM(1,2)"]])
    importer = FirmsImporter(user=None)
    result = validate_table(importer, *read_table(importer, data, "企业.xlsx"))
    assert {(e["row"], e["column"], e["message"]) for e in result.errors} == {
        (2, "名称", "公式单元格不接受，请粘贴为数值"),
        (2, "注册资本", "公式单元格不接受，请粘贴为数值"),
        (3, "人数", "公式单元格不接受，请粘贴为数值"),
    }


def test_the_calamine_reader_of_xls_keeps_excel_row_and_column_numbers():
    """.xls goes through calamine (no .xls writer here: calamine reads this .xlsx with the same code path)."""
    data = workbook([], {"C3": "编号", "D3": "名称", "C4": "A1", "D4": 5, "C7": "x"})
    assert list(xls_rows(data, None)) == [
        (3, [None, None, "编号", "名称"]),
        (4, [None, None, "A1", 5.0]),
        (7, [None, None, "x"]),
    ]
    assert [number for number, _cells in xlsx_rows(data, None)] == [3, 4, 7]


def ods(rows_xml):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        f'<table:table table:name="企业">{rows_xml}</table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def cell(value, kind="string"):
    if kind == "float":
        return f'<table:table-cell office:value-type="float" office:value="{value}"/>'
    return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def test_ods_is_read_lazily_with_repeats_formulas_and_caps():
    header = f"<table:table-row>{cell('编号')}{cell('名称')}{cell('注册资本')}</table:table-row>"
    row = f"<table:table-row>{cell('A1')}{cell('甲')}{cell(12.5, 'float')}</table:table-row>"
    blank = '<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>'
    formula = (
        f"<table:table-row>{cell('A2')}{cell('乙')}"
        '<table:table-cell table:formula="of:=1+2" office:value-type="float" office:value="3"/></table:table-row>'
    )
    importer = FirmsImporter(user=None)
    table, positions = read_table(importer, ods(header + row + blank + formula), "企业.ods")
    assert [number for number, _cells in table.rows] == [1, 2, 1048003]
    result = validate_table(importer, table, positions)
    assert result.rows[0].values["capital"] == Decimal("12.5")
    assert result.errors == [{"row": 1048003, "column": "注册资本", "message": "公式单元格不接受，请粘贴为数值"}]
    # A row of values repeated a million times, or a value repeated across a million columns, stops at the caps.
    repeated = f'<table:table-row table:number-rows-repeated="1000000">{cell("A")}{cell("乙")}</table:table-row>'
    with pytest.raises(ImportFileError, match="行上限"):
        read_table(importer, ods(header + repeated), "企业.ods")
    wide = f'<table:table-row>{cell("A")}<table:table-cell table:number-columns-repeated="1000000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'  # noqa: E501
    with pytest.raises(ImportFileError, match="列上限"):
        read_table(importer, ods(header + wide), "企业.ods")


# ------------------------------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize("value", [Decimal("1E+25"), "1e30", "1E+400", "-1E+999999", "1E+1000000", 1e300])
def test_to_wan_says_too_large_for_any_size(value):
    with pytest.raises(ValueError, match="数值过大"):
        to_wan(value, "亿元")


@pytest.mark.parametrize("value", ["inf", "-Infinity", "NaN", float("inf"), float("nan"), "sNaN", "1e", "--1"])
def test_to_wan_refuses_what_is_not_a_number(value):
    with pytest.raises(ValueError, match="不是有效的数字"):
        to_wan(value)


@pytest.mark.parametrize(
    ("parser", "value", "message"),
    [
        (Number(), 1e30, "数值过大"),
        (Number(), "1E+400", "数值过大"),
        (Number(max_digits=12, decimal_places=2), 1e10, "数值过大"),
        (Integer(), "1E+400", "数值过大"),
        (Integer(), 10**5000, "不是有效的数字"),
        (Money(), float("-inf"), "不是有效的数字"),
        (Number(), "9" * 5000, "数值过大"),
    ],
    ids=["1e30", "1E+400", "12 digits", "integer 1E+400", "5000-digit int", "-inf", "5000 nines"],
)
def test_number_parsers_report_instead_of_raising(parser, value, message):
    found = parse_cell(parser, value, Row(FirmsImporter(user=None), 2, []))
    assert isinstance(found, CellError) and message in found.message


NUMBERS_TEXT = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"[-+]?\d{0,30}(\.\d{0,10})?([eE][-+]?\d{1,7})?", fullmatch=True),
    st.sampled_from(["1E+400", "1e30", "inf", "nan", "-0", "1,000", "１２３", "1e-999999", "0E+999999", "1E+1000000"]),
)
CELLS = st.one_of(
    NUMBERS_TEXT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.booleans(),
)


def importers_and_columns(personas, world):
    """Every column of every registered importer that needs no upload behind it (enterprises, projects, progress,
    the statistics' long layout and directory), with an importer to parse it."""
    from kaifaqu.stats.models import DataSet

    found = []
    data_set = DataSet.objects.filter(items__isnull=False).distinct().first()
    for kind, user in (
        ("enterprises", personas["staff_a"]),
        ("projects", personas["projects_staff_a"]),
        ("project_progress", personas["projects_staff_a"]),
        ("stats_long", personas["staff_a"]),
        ("stats_wide", personas["staff_a"]),
        ("stats_directory", personas["staff_a"]),
    ):
        cls = get_importer_class(kind)
        kwargs = {"data_set": data_set} if kind.startswith("stats_") and kind != "stats_directory" else {}
        importer = cls(user=user, zone=world["zone_a"], **kwargs)
        found += [(importer, column) for column in importer.columns]
    return found


def test_every_column_of_every_importer_gives_a_value_or_a_row_error(personas, world):
    """Arbitrary text, floats and integers in every column: a value, a blank or a CellError, never an exception
    (parse_cell returns the CellError a parser raises; anything else would propagate and fail the example)."""
    columns = importers_and_columns(personas, world)
    assert len(columns) > 40

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value=CELLS)
    def check(value):
        for importer, column in columns:
            row = Row(importer, 2, [])
            for key in column.parser.depends_on:
                row.values[key] = importer.by_key[key].parser.empty
            parse_cell(column.parser, value, row)

    check()
