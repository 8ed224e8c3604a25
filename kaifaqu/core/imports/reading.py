"""Reading an uploaded file: CSV (UTF-8 or GB18030) or a spreadsheet, its header found and mapped to the importer's
columns, its rows counted against the caps.

Every reader is lazy and bounded: it yields the rows that hold a value one at a time, never allocates for the size a
sheet declares (a 5 KB .xlsx can declare a cell at XFD1048576: a reader that builds the grid asks for 550 GB), and
stops at the first row past IMPORT_MAX_ROWS data rows or the first value past IMPORT_MAX_COLUMNS columns. .xlsx is
read with openpyxl's streaming parser, .ods with a streaming parse of its content.xml, .xls with calamine (the
format itself bounds its grid at 65,536 × 256). A formula cell is read as a `Formula` (its text), never as its
cached value: the engine reports it at its row and column.
"""

import codecs
import csv
import io
import logging
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


def capped(number, cells):
    """`cells` without trailing blanks, or the file error when a value lies past the column cap."""
    end = len(cells)
    while end and is_blank(cells[end - 1]):
        end -= 1
    if end > settings.IMPORT_MAX_COLUMNS:
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
# .xlsx: openpyxl's streaming parser, one <row> at a time


def xlsx_rows(data, sheet_title):
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
    sheet = workbook.get_sheet_by_name(chosen_sheet(names, sheet_title))
    start = sheet.start
    if start is None:
        return
    # iter_rows yields every row from the first (blank ones included) but only the columns from the first used one.
    padding = [None] * start[1]
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        cells = capped(number, padding + list(cells))
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
