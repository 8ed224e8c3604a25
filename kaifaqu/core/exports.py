"""Writing .xlsx with openpyxl: cell escaping against formula injection, write-only sheets, file responses."""

import tempfile
from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell beginning with one of these is read as a formula (or DDE) by Excel, WPS and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX = "'"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ERROR_FONT = Font(color="9C0006")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WRAP = Alignment(wrap_text=True, vertical="top")


def escape_cell(value):
    """A value safe to put in a spreadsheet cell: text that would start a formula gets a leading quote.

    Numbers, dates and booleans pass through; Decimal stays exact; characters XML cannot hold are dropped.
    """
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return ESCAPE_PREFIX + text if needs_escape(text) else text


def needs_escape(text):
    # Quotes in front of a trigger are escaped too, so that unescape_cell(escape_cell(t)) == t for every text.
    return text.lstrip(ESCAPE_PREFIX).startswith(FORMULA_TRIGGERS)


def unescape_cell(text):
    """Undo `escape_cell` on text read back from a workbook we wrote (so an export re-imports unchanged)."""
    if text.startswith(ESCAPE_PREFIX) and needs_escape(text[1:]):
        return text[1:]
    return text


def header_cells(sheet, headers, required=()):
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=escape_cell(header))
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if header in required else HEADER_FILL
        cells.append(cell)
    return cells


def set_widths(sheet, widths):
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def write_only_workbook():
    return Workbook(write_only=True)


def sheet_title(title):
    """A title Excel accepts: at most 31 characters and no [ ] : * ? / or backslash (English titles run longer)."""
    text = str(title).translate(str.maketrans(dict.fromkeys("[]:*?/\\", " ")))
    return text[:31]


def add_table_sheet(workbook, title, headers, rows, *, widths=(), required=()):
    """A write-only sheet: frozen, styled header row then `rows` (iterables of values, escaped here).

    Returns the number of data rows written.
    """
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.freeze_panes = "A2"
    set_widths(sheet, widths)
    sheet.append(header_cells(sheet, headers, required))
    count = 0
    for row in rows:
        sheet.append([escape_cell(value) for value in row])
        count += 1
    return count


def workbook_response(workbook, filename):
    """Save to a temporary file (write-only workbooks can be large) and stream it as an attachment.

    FileResponse writes an RFC 5987 Content-Disposition (filename*=utf-8''…) for non-ASCII names.
    """
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
