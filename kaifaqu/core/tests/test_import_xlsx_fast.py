""".xlsx read by python-calamine when a scan of the sheet's XML shows a small grid, by openpyxl's streaming parser
otherwise: both give the same rows, and every doubt (a far cell, a formula, an error value, a cell without its
place) falls back to the streaming parser, in bounded memory."""

import io
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from django.test import override_settings

from kaifaqu.core.imports import ImportFileError, cell_text, read_table
from kaifaqu.core.imports.reading import xlsx_extent, xlsx_rows, xlsx_stream_rows
from kaifaqu.core.tests.test_import_bounds import FirmsImporter, read_bounded, workbook

SHEET = "xl/worksheets/sheet1.xml"


def rewritten(data, change):
    """The workbook with its first sheet's XML passed through `change` (bytes → bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item.filename, change(content) if item.filename == SHEET else content)
    return buffer.getvalue()


def extent(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return xlsx_extent(archive, SHEET)


def as_text(rows):
    """What the parsers see of a row: calamine reads 5 as 5.0 and a date cell as a date, openpyxl as 5 and a
    datetime; cell_text (and every parser) reads them alike."""
    return [(number, [cell_text(value) for value in cells]) for number, cells in rows]


MIXED = [
    ["编号", "名称", "注册资本", "成立日期", "备注"],
    ["A1", "甲公司", 12.5, date(2020, 5, 18), True],
    ["A2", "  ", 7, datetime(2021, 1, 2, 3, 4), None],
    [None, None, None, None, "只在最后一列"],
]


def test_a_small_sheet_is_read_by_calamine_with_the_streaming_parsers_rows():
    data = workbook(MIXED, {"C9": "x", "A700": "远处的一行"})
    assert extent(data) == (700, 5)
    fast = list(xlsx_rows(data, "企业"))
    assert as_text(fast) == as_text(xlsx_stream_rows(data, "企业"))
    assert [number for number, _cells in fast] == [1, 2, 3, 4, 9, 700]
    assert fast[2][1][1] is None  # a blank string is a blank cell, as the streaming parser gives it
    assert fast[4][1] == [None, None, "x"]


def test_the_sheet_is_chosen_by_title_as_before():
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["请看下一张表"])
    book.create_sheet("企业").append(["编号", "名称"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert list(xlsx_rows(buffer.getvalue(), "企业")) == [(1, ["编号", "名称"])]
    assert list(xlsx_rows(buffer.getvalue(), "没有这张表")) == [(1, ["请看下一张表"])]


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ({"B2": "=1+2"}, "a formula: calamine would give its cached value"),
        ({"B2": "#N/A"}, "an error value: calamine would give a blank"),
        ({"Z200000": "x"}, "a grid of 26 × 200,000 cells"),
    ],
)
def test_what_calamine_would_read_differently_or_too_large_goes_to_the_streaming_parser(extra, why):
    data = workbook([["编号", "名称"], ["A1", "甲"]], extra)
    assert extent(data) is None, why


@override_settings(IMPORT_MAX_COLUMNS=3)
def test_a_value_past_the_column_cap_is_reported_by_the_streaming_parser():
    data = workbook([["编号", "名称"]], {"D2": 1})
    assert extent(data) is None
    with pytest.raises(ImportFileError, match="第 2 行第 D 列有内容，超过 3 列上限"):
        read_table(FirmsImporter(user=None), data, "企业.xlsx")


def test_cells_whose_place_the_scan_cannot_see_go_to_the_streaming_parser():
    data = workbook([["编号", "名称"], ["A1", "甲"]])
    assert extent(data) == (2, 2)
    # A cell without r= (its place implicit), r= not first, a prefixed cell: the searches would miss its place.
    for pattern, replacement in ((rb'<c r="B2"', b"<c"), (rb'<c r="B2" t=', b'<c t="inlineStr" r="B2" x=')):
        assert extent(rewritten(data, lambda xml, p=pattern, r=replacement: re.sub(p, r, xml))) is None
    prefixed = rewritten(
        data,
        lambda xml: xml.replace(
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
            b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        ),
    )
    assert extent(prefixed) is None


def without_dimension(data):
    return rewritten(data, lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml))


def test_a_cell_at_xfd1048576_without_a_dimension_is_found_by_the_scan_and_refused_in_bounded_memory():
    data = without_dimension(workbook([["编号", "名称"], ["A1", "甲公司"]], {"XFD1048576": "x"}))
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    assert extent(data) is None
    message = read_bounded(data)
    assert "第 1048576 行第 XFD 列有内容" in message


def test_a_declared_dimension_past_the_grid_falls_back_even_when_the_cells_are_few():
    data = rewritten(
        workbook([["编号", "名称"], ["A1", "甲"]]), lambda xml: re.sub(rb'ref="A1:B2"', b'ref="A1:XFD1048576"', xml)
    )
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    assert extent(data) is None
    assert list(xlsx_rows(data, None)) == [(1, ["编号", "名称"]), (2, ["A1", "甲"])]


def test_a_sheet_cut_short_is_unreadable_as_before():
    data = rewritten(workbook([["编号", "名称"], ["A1", "甲"]]), lambda xml: xml[: xml.index(b"</sheetData>")])
    assert extent(data) is None
    with pytest.raises(ImportFileError, match="无法读取文件"):
        read_table(FirmsImporter(user=None), data, "企业.xlsx")


def test_a_tag_of_megabytes_is_not_carried_along_by_the_scan():
    spaces = b" " * (3 * 1024 * 1024)  # one cell's tag of 3 MB, valid XML (a zip bomb would make it gigabytes)
    data = workbook([["编号", "名称"], ["A1", "甲"]])
    data = rewritten(data, lambda xml: xml.replace(b'<c r="B2"', b'<c r="B2"' + spaces))
    assert extent(data) is None
