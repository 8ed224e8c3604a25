"""Reading an uploaded file: CSV (UTF-8 or GB18030) or a spreadsheet (calamine), its header found and mapped to the
importer's columns, its rows counted against the cap."""

import codecs
import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from .parsers import cell_text, is_blank, is_blank_row, normalize_label

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
    rows: list  # every row of the sheet as read, from row 1
    header_row: int = 0  # 1-based
    headers: list = field(default_factory=list)


def extension(filename):
    return PurePath(filename or "").suffix.lower()


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


def read_csv(data):
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def read_spreadsheet(data, sheet_title=None):
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        if not names:
            raise ImportFileError(_("文件中没有工作表"))
        wanted = normalize_label(sheet_title) if sheet_title else None
        name = next((n for n in names if wanted and normalize_label(n) == wanted), names[0])
        return workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except ImportFileError:
        raise
    except Exception as bad:  # calamine raises its own error types for zip, xml, password, format problems
        logger.info("unreadable spreadsheet: %s", bad)
        raise ImportFileError(_("无法读取文件：请确认是未加密的 Excel（.xlsx/.xls）、.ods 或 CSV 文件")) from bad


def read_rows(data, filename, sheet_title=None):
    ext = extension(filename)
    if ext == ".csv":
        return read_csv(data)
    if ext in SPREADSHEET_EXTENSIONS:
        return read_spreadsheet(data, sheet_title)
    raise ImportFileError(
        _("不支持的文件类型“%(ext)s”，请上传 %(allowed)s 文件") % {"ext": ext, "allowed": "、".join(ALLOWED_EXTENSIONS)}
    )


def find_header(importer, rows):
    """Map file columns to importer columns. Raise ImportFileError when the header or required columns miss."""
    labels = {}
    for column in importer.columns:
        for label in column.labels():
            labels.setdefault(label, column.key)
    required = [c for c in importer.columns if c.required]
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
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
        header_row = index + 1
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
    rows = read_rows(data, filename, importer.sheet_title)
    header_row, positions = find_header(importer, rows)
    data_rows = sum(1 for cells in rows[header_row:] if not is_blank_row(cells))
    if data_rows == 0:
        raise ImportFileError(_("文件中没有数据行"))
    if data_rows > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("文件有 %(n)d 行数据，超过每次导入的上限 %(max)d 行，请分成几个文件导入")
            % {"n": data_rows, "max": settings.IMPORT_MAX_ROWS}
        )
    return Table(rows=rows, header_row=header_row, headers=rows[header_row - 1]), positions
