"""Reading an uploaded file: CSV (UTF-8 or GB18030) or a spreadsheet, its header found and mapped to the importer's
columns, its rows counted against the caps.

Every reader is lazy and bounded: it yields the rows that hold a value one at a time, never allocates for the size a
sheet declares (a 5 KB .xlsx can declare a cell at XFD1048576: a reader that builds the grid asks for 550 GB), and
stops at the first row past IMPORT_MAX_ROWS data rows or the first value past IMPORT_MAX_COLUMNS columns. .xlsx is
read with python-calamine once a scan of the sheet's XML has shown that its grid is small (`xlsx_extent`), else with
openpyxl's streaming parser; .ods with a streaming parse of its content.xml, .xls with calamine (the format itself
bounds its grid at 65,536 × 256). A formula cell is read as a `Formula` (its text), never as its cached value: the
engine reports it at its row and column.
"""

import codecs
import csv
import io
import logging
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser
from python_calamine import CalamineWorkbook

from .parsers import Formula, cell_text, is_blank, is_blank_row, normalize_label

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")
SPREADSHEET_EXTENSIONS = (".xlsx", ".xls", ".ods")
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in office sheets


class ImportFileError(Exception):
    """The file as a whole cannot be used (unreadable, no header, missing columns, too many rows)."""

    def __init__(self, message, errors=()):
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


@dataclass
class Table:
    rows: list  # (row number, cells) of every row of the sheet that holds a value, in order
    header_row: int = 0  # 1-based
    headers: list = field(default_factory=list)


def extension(filename):
    return PurePath(filename or "").suffix.lower()


# ---------------------------------------------------------------------------------------------------------------
# The caps


def too_wide(number, column):
    """The file error of a value past the column cap (a stray cell at XFD1048576 is the classic)."""
    limit = settings.IMPORT_MAX_COLUMNS
    return ImportFileError(
        _("第 %(row)d 行第 %(column)s 列有内容，超过 %(max)d 列上限：请删除表格右侧多余的内容后重新上传")
        % {"row": number, "column": get_column_letter(min(column, 18278)), "max": limit}
    )


def too_many_rows():
    limit = settings.IMPORT_MAX_ROWS
    return ImportFileError(
        _("文件超过 %(max)d 行上限：每次最多导入 %(max)d 行数据，请分成几个文件导入") % {"max": limit}
    )


def capped(number, cells, limit=None):
    """`cells` without trailing blanks, or the file error when a value lies past the column cap (`limit`, default
    IMPORT_MAX_COLUMNS: a reader of many rows passes it, read once)."""
    end = len(cells)
    while end and is_blank(cells[end - 1]):
        end -= 1
    if end > (settings.IMPORT_MAX_COLUMNS if limit is None else limit):
        raise too_wide(number, end)
    return list(cells[:end])


# ---------------------------------------------------------------------------------------------------------------
# CSV


def decode_csv(data):
    """UTF-8 (with or without BOM), else GB18030 — what Chinese office software saves as CSV."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as bad:
        raise ImportFileError(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码")) from bad


def csv_rows(data, sheet_title=None):
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
    except csv.Error as bad:  # a field past csv's size limit, a NUL byte
        raise ImportFileError(_("无法读取 CSV 文件：%(error)s") % {"error": bad}) from bad


# ---------------------------------------------------------------------------------------------------------------
# .xlsx: python-calamine when the sheet is known to be small, else openpyxl's streaming parser
#
# calamine is ≈14 times faster than the streaming parser (docs/performance.md) but builds the sheet's whole grid, a
# cell for every row × column between the first and the last value: a stray value at XFD1048576 asks for 550 GB.
# So the sheet's XML is scanned first, decompressed a megabyte at a time, for the places of its cells; calamine reads
# it only when that grid is small and the sheet holds nothing calamine reads differently (formulas, error values).

XLSX_GRID_CELLS = 3_000_000  # calamine's grid: 32 bytes a cell, ≈ 100 MB at most (the worker's cap is 2 GB)
SCAN_CHUNK = 1024 * 1024
# Plain searches over the decompressed bytes, each a few milliseconds for 50,000 rows: no per-cell Python.
CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
FORMULA = re.compile(rb"<f[ >]")  # calamine reads a formula cell as its cached value
ERROR_OR_ISO_DATE = re.compile(rb't="[ed]"')  # calamine reads an error value (#N/A) as a blank
SHEET_DATA = re.compile(rb"<sheetData[\s/>]")
UNPREFIXED_ROOT = re.compile(rb"<worksheet[\s>]")
PREFIXED_MAIN = re.compile(rb'xmlns:[\w.-]+="[^"]*(?:spreadsheetml/2006/main|ooxml/spreadsheetml/main)"')
DIMENSION = re.compile(rb'<dimension\s+ref="[A-Z]{0,3}[0-9]{0,7}:([A-Z]{1,3})([0-9]{1,7})"')
SHEET_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OFFICE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64  # bytes: A is 65
    return number


def xlsx_rows(data, sheet_title):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = worksheet_paths(archive)
        if not sheets:
            raise ImportFileError(_("文件中没有工作表"))
        name = chosen_sheet(list(sheets), sheet_title)
        small = sheets[name] is not None and xlsx_extent(archive, sheets[name]) is not None
    if small:
        yield from calamine_rows(data, name, blanks_as_none=True)
    else:
        yield from xlsx_stream_rows(data, sheet_title)


def worksheet_paths(archive):
    """{sheet name: the path of its XML in the archive, or None when it is not a plain worksheet}, in the workbook's
    order. workbook.xml and its relationships are a few KB; ElementTree refuses entity amplification (see ODS_TABLE).
    """
    with archive.open("xl/_rels/workbook.xml.rels") as rels:
        targets = {
            item.get("Id"): item.get("Target", "")
            for item in ElementTree.parse(rels).getroot()  # noqa: S314 - see ODS_TABLE
            if item.get("Type", "").endswith("/worksheet")
        }
    with archive.open("xl/workbook.xml") as workbook:
        root = ElementTree.parse(workbook).getroot()  # noqa: S314 - see ODS_TABLE
    paths = {}
    for sheet in root.iter(f"{SHEET_MAIN}sheet"):
        target = targets.get(sheet.get(f"{OFFICE_RELATIONSHIPS}id"))
        if target is not None:  # relative to xl/, or absolute from the archive's root
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        paths[sheet.get("name", "")] = target
    return paths


def xlsx_extent(archive, path):
    """(last row, last column) of the worksheet's cells when calamine may read it: its grid within XLSX_GRID_CELLS
    and the column cap, every cell `<c r="…"`, nothing calamine reads differently. Else None (the streaming parser
    reads it). Every doubt falls back: prefixed tags (`<x:c>`, which the searches would not see), a cell whose place
    is implicit, a declared extent past the limits."""
    with archive.open(path) as sheet:
        text = sheet.read(SCAN_CHUNK)
        start = SHEET_DATA.search(text)
        head = text[: start.start()] if start else text
        if not start or not UNPREFIXED_ROOT.search(head) or PREFIXED_MAIN.search(head):
            return None
        dimension = DIMENSION.search(head)
        if dimension and column_number(dimension.group(1)) * int(dimension.group(2)) > XLSX_GRID_CELLS:
            return None
        text = text[start.end() :]
        last_row = last_column = 0
        while True:
            end = text.find(b"</sheetData>")
            if end >= 0:
                part, text = text[:end], b""
            else:  # a cell cut by the chunk's end is scanned with the next chunk
                cut = text.rfind(b"<")
                cut = len(text) if cut < 0 else cut
                part, text = text[:cut], text[cut:]
                if len(text) > SCAN_CHUNK:  # a tag of megabytes: no cell; let the streaming parser judge it
                    return None
            if FORMULA.search(part) or ERROR_OR_ISO_DATE.search(part) or b"xmlns" in part:
                return None
            rows = CELL_ROW.findall(part)
            if len(rows) != part.count(b"<c ") + part.count(b"<c>"):  # a cell without r="…" first
                return None
            if rows:
                last_row = max(last_row, max(map(int, set(rows))))
                last_column = max(last_column, *(column_number(c) for c in set(CELL_COLUMN.findall(part))))
                if last_column > settings.IMPORT_MAX_COLUMNS or last_row * last_column > XLSX_GRID_CELLS:
                    return None
            if end >= 0:
                return last_row, last_column
            chunk = sheet.read(SCAN_CHUNK)
            if not chunk:  # no </sheetData>: a damaged sheet, which the streaming parser reports
                return None
            text += chunk


def xlsx_stream_rows(data, sheet_title):
    # read_only streams the sheet; data_only=False shows formulas as formulas (their cached value may be stale, or
    # absent when a program wrote the file).
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        names = workbook.sheetnames
        if not names:
            raise ImportFileError(_("文件中没有工作表"))
        sheet = workbook[chosen_sheet(names, sheet_title)]
        # The parser ReadOnlyWorksheet.iter_rows uses, without its padding: it pads every row to the declared width
        # and fills every gap with blank rows, so a cell at XFD1048576 would cost a million rows of 16,384 cells.
        with sheet._get_source() as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=False,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for number, cells in parser.parse():
                yield number, xlsx_cells(number, cells)
    finally:
        workbook.close()


def xlsx_cells(number, cells):
    limit = settings.IMPORT_MAX_COLUMNS
    row = []
    for cell in cells:
        value = cell["value"]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        column = cell["column"]
        if column > limit:
            raise too_wide(number, column)
        if cell["data_type"] == "f":
            value = Formula(value)
        if column > len(row):
            row.extend([None] * (column - len(row)))
        row[column - 1] = value
    return row


def chosen_sheet(names, sheet_title):
    wanted = normalize_label(sheet_title) if sheet_title else None
    return next((n for n in names if wanted and normalize_label(n) == wanted), names[0])


# ---------------------------------------------------------------------------------------------------------------
# .ods: content.xml streamed; repeated rows and columns expanded only up to the caps. ElementTree never fetches
# external entities, and the expat it runs on (2.4 and later) refuses entity amplification (billion laughs).

ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
ODS_CELLS = (f"{ODS_TABLE}table-cell", f"{ODS_TABLE}covered-table-cell")


def ods_rows(data, sheet_title):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        with archive.open("content.xml") as content:
            names = [
                element.get(f"{ODS_TABLE}name", "")
                for _event, element in ElementTree.iterparse(content, events=("start",))  # noqa: S314 - see ODS_TABLE
                if element.tag == f"{ODS_TABLE}table"
            ]
        if not names:
            raise ImportFileError(_("文件中没有工作表"))
        wanted = chosen_sheet(names, sheet_title)
        with archive.open("content.xml") as content:
            yield from ods_table_rows(content, wanted)


def ods_table_rows(content, wanted):
    stack = []
    inside = False
    number = 0
    for event, element in ElementTree.iterparse(content, events=("start", "end")):  # noqa: S314 - see ODS_TABLE
        if event == "start":
            stack.append(element)
            if element.tag == f"{ODS_TABLE}table":
                inside = element.get(f"{ODS_TABLE}name", "") == wanted
            continue
        stack.pop()
        if element.tag == f"{ODS_TABLE}table" and inside:
            return
        if element.tag != f"{ODS_TABLE}table-row" or not inside:
            continue
        repeat = repeat_count(element.get(f"{ODS_TABLE}number-rows-repeated"))
        cells = ods_cells(number + 1, element)
        if stack:  # drop the parsed row: the tree would otherwise hold every row of the sheet
            stack[-1].remove(element)
        if is_blank_row(cells):
            number += repeat
            continue
        for _copy in range(repeat):  # a repeated row with values: the row cap stops this early
            number += 1
            yield number, list(cells)


def repeat_count(text):
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def ods_cells(number, row):
    limit = settings.IMPORT_MAX_COLUMNS
    cells = []
    column = 0
    for cell in row:
        if cell.tag not in ODS_CELLS:
            continue
        repeat = repeat_count(cell.get(f"{ODS_TABLE}number-columns-repeated"))
        value = ods_value(cell)
        if is_blank(value):
            column += repeat
            continue
        if column + repeat > limit:
            raise too_wide(number, column + min(repeat, limit + 1))
        cells.extend([None] * (column - len(cells)))
        cells.extend([value] * repeat)
        column += repeat
    return cells


def ods_value(cell):
    formula = cell.get(f"{ODS_TABLE}formula")
    if formula:
        return Formula(formula.split(":", 1)[1] if formula.startswith("of:") else formula)
    kind = cell.get(f"{ODS_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        try:
            return float(cell.get(f"{ODS_OFFICE}value"))
        except (TypeError, ValueError):
            return None
    if kind == "date":
        text = cell.get(f"{ODS_OFFICE}date-value", "")
        try:
            return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if kind == "boolean":
        return cell.get(f"{ODS_OFFICE}boolean-value") == "true"
    if kind == "string" and cell.get(f"{ODS_OFFICE}string-value") is not None:
        return cell.get(f"{ODS_OFFICE}string-value")
    return "\n".join("".join(p.itertext()) for p in cell) or None


# ---------------------------------------------------------------------------------------------------------------
# .xls: calamine (the format bounds the grid at 65,536 rows × 256 columns)


def xls_rows(data, sheet_title):
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = workbook.sheet_names
    if not names:
        raise ImportFileError(_("文件中没有工作表"))
    yield from calamine_rows(data, chosen_sheet(names, sheet_title), workbook=workbook)


def calamine_rows(data, name, *, workbook=None, blanks_as_none=False):
    """The rows of sheet `name` as calamine reads them. blanks_as_none: blank cells as None, as the streaming .xlsx
    parser gives them (calamine gives "")."""
    workbook = workbook or CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = workbook.get_sheet_by_name(name)
    start = sheet.start
    if start is None:
        return
    # iter_rows yields every row from the first (blank ones included) but only the columns from the first used one.
    padding = [None] * start[1]
    limit = settings.IMPORT_MAX_COLUMNS
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if blanks_as_none:
            cells = [None if type(value) is str and not value.strip() else value for value in cells]
        cells = capped(number, padding + cells if padding else cells, limit)
        if cells:
            yield number, cells


# ---------------------------------------------------------------------------------------------------------------
# Any file


def sheet_rows(data, filename, sheet_title=None):
    """(row number, cells) of every row with a value, lazily; unreadable files are an ImportFileError."""
    ext = extension(filename)
    readers = {".csv": csv_rows, ".xlsx": xlsx_rows, ".ods": ods_rows, ".xls": xls_rows}
    if ext not in readers:
        raise ImportFileError(
            _("不支持的文件类型“%(ext)s”，请上传 %(allowed)s 文件")
            % {"ext": ext, "allowed": "、".join(ALLOWED_EXTENSIONS)}
        )
    rows = readers[ext](data, sheet_title)
    try:
        for number, cells in rows:
            if ext == ".csv":
                cells = capped(number, cells)
            if not is_blank_row(cells):
                yield number, cells
    except ImportFileError:
        raise
    except Exception as bad:  # zip, xml, password and format problems of every reader
        logger.info("unreadable spreadsheet: %s", bad)
        raise ImportFileError(_("无法读取文件：请确认是未加密的 Excel（.xlsx/.xls）、.ods 或 CSV 文件")) from bad


def bounded_rows(data, filename, sheet_title=None, data_rows=None):
    """The rows of `sheet_rows`, stopped with ImportFileError past `data_rows` rows (default IMPORT_MAX_ROWS) after
    the first HEADER_SEARCH_ROWS rows that hold a value (the header is among them)."""
    limit = (settings.IMPORT_MAX_ROWS if data_rows is None else data_rows) + HEADER_SEARCH_ROWS
    rows = []
    for row in sheet_rows(data, filename, sheet_title):
        if len(rows) >= limit:
            raise too_many_rows()
        rows.append(row)
    return rows


def read_rows(data, filename, sheet_title=None, limit=None):
    """The sheet's first rows as a list of cell lists from row 1 (blank rows as []), up to row `limit` (all rows
    within the caps when None): what the layout checks of the statistics import look at."""
    rows = []
    for number, cells in sheet_rows(data, filename, sheet_title):
        if limit is not None and number > limit:
            break
        if number > settings.IMPORT_MAX_ROWS + HEADER_SEARCH_ROWS + 1:
            raise too_many_rows()
        rows.extend([] for _gap in range(number - 1 - len(rows)))
        rows.append(cells)
    return rows


def find_header(importer, rows):
    """Map file columns to importer columns. `rows`: (number, cells) of the sheet's first rows; the header is among
    the first HEADER_SEARCH_ROWS. Raise ImportFileError when the header or required columns miss."""
    labels = {}
    for column in importer.columns:
        for label in column.labels():
            labels.setdefault(label, column.key)
    required = [c for c in importer.columns if c.required]
    for header_row, cells in rows:
        if header_row > HEADER_SEARCH_ROWS:
            break
        found = {}
        duplicates = []
        for position, cell in enumerate(cells):
            key = labels.get(normalize_label(cell_text(cell))) if not is_blank(cell) else None
            if key is None:
                continue
            if key in found:
                duplicates.append(cell_text(cell))
            else:
                found[key] = position
        if len(found) < 2 and not any(c.key in found for c in required):
            continue
        errors = [
            {"row": header_row, "column": str(c.header), "message": _("缺少必填列“%(column)s”") % {"column": c.header}}
            for c in required
            if c.key not in found
        ]
        errors += [
            {"row": header_row, "column": name, "message": _("列“%(column)s”出现了多次") % {"column": name}}
            for name in duplicates
        ]
        if errors:
            raise ImportFileError(_("表头不完整：缺少必填列或有重复列"), errors)
        importer.present = set(found)
        importer.file_headers = {key: cell_text(cells[position]) for key, position in found.items()}
        return header_row, found
    raise ImportFileError(
        _("未找到表头：第一行应为列名，如%(columns)s。请使用系统下载的模板")
        % {"columns": "、".join(f"“{c.header}”" for c in required[:3])}
    )


def read_table(importer, data, filename):
    rows = bounded_rows(data, filename, importer.sheet_title)
    header_row, positions = find_header(importer, rows)
    data_rows = sum(1 for number, _cells in rows if number > header_row)
    if data_rows == 0:
        raise ImportFileError(_("文件中没有数据行"))
    if data_rows > settings.IMPORT_MAX_ROWS:
        raise too_many_rows()
    headers = next(cells for number, cells in rows if number == header_row)
    return Table(rows=rows, header_row=header_row, headers=headers), positions
