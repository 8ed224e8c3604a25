"""The one tabular import engine: parse → validate every row → preview all errors → commit all-or-nothing.

An app describes its sheet with an `Importer` subclass in its `importers.py` (columns, the key column, lookups,
cross-field rules, the bulk commit) and registers it with `@register`. An `ImportJob` carries one uploaded file
through `validate_job` (dry run: counts, every error as (row, column, message), an error workbook) and
`commit_job` (validates again, then writes everything in one transaction or nothing). `kaifaqu.core.tasks` runs
both through django-tasks: inline with the immediate backend, in a worker with the database backend.

Row numbers are the ones the user sees in Excel (the header is row 1). Messages are in the job's language.
"""

import codecs
import csv
import gc
import io
import json
import logging
import re
import unicodedata
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ManyToManyField
from django.http import FileResponse, Http404
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from .exports import (
    ERROR_FILL,
    ERROR_FONT,
    HEADER_FILL,
    HEADER_FONT,
    REQUIRED_FILL,
    WRAP,
    XLSX_CONTENT_TYPE,
    escape_cell,
    sheet_title,
    unescape_cell,
)
from .models import ImportJob, ImportModeChoices, ImportStatusChoices
from .money import to_wan

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")
SPREADSHEET_EXTENSIONS = (".xlsx", ".xls", ".ods")
STORED_ERRORS = 1000  # kept on the job; the error workbook always holds them all
PREVIEW_ERRORS = 200  # listed on the job page
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in office sheets
IN_CHUNK = 2000  # keys per `__in` query
ERROR_HEADER = gettext_lazy("错误说明")
OPTIONS_SHEET = "选项"
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


class ImportFileError(Exception):
    """The file as a whole cannot be used (unreadable, no header, missing columns, too many rows)."""

    def __init__(self, message, errors=()):
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


class CellError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------------------------
# Cell values


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def is_blank_row(cells):
    """True when every cell is blank. A loop, not all(is_blank(...)): it runs over every cell of the sheet, twice."""
    for value in cells:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        return False
    return True


def cell_text(value):
    """The text of a cell as the user typed it: 140581.0 → "140581", dates as YYYY-MM-DD, quotes unescaped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_cell(value.strip())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def source_text(text):
    """A translatable text in the source language (Chinese): files keep Chinese headers whatever the UI language."""
    with translation.override(None):
        return str(text)


def normalize_label(text):
    """Compare headers and labels loosely: full-width forms, spaces and required-markers (*) do not matter."""
    return re.sub(r"[\s*]", "", unicodedata.normalize("NFKC", str(text))).lower()


# ---------------------------------------------------------------------------------------------------------------
# Parsers: one per cell type. A parser turns a non-blank cell into a value or raises CellError.


class Parser:
    empty = None  # the value of a blank cell
    depends_on = ()  # column keys parsed before this one (e.g. the unit of a money column)
    number_format = "@"  # template column format: text, so Excel keeps leading zeros and long codes
    # True when parse() depends on the cell alone (not on `row`) and returns an immutable value or a shared
    # object: the engine then parses each distinct cell of a column once (a sheet repeats codes, periods, names).
    # A subclass whose parse reads the row, or returns a list or dict, must set it False.
    cacheable = False

    def parse(self, value, row):
        return cell_text(value)

    def options(self, importer):
        """Drop-down values for the template: a list of (value, note), or None."""
        return None

    def hint(self):
        return _("文本")


class Text(Parser):
    """Text, optionally upper-cased and checked by `clean` (a validator raising ValidationError)."""

    empty = ""
    cacheable = True

    def __init__(self, max_length=None, *, upper=False, clean=None, hint=None):
        self.max_length = max_length
        self.upper = upper
        self.clean = clean
        self._hint = hint

    def parse(self, value, row):
        text = cell_text(value)
        if self.upper:
            text = text.upper()
        if self.clean is not None:
            try:
                text = self.clean(text)
            except ValidationError as invalid:
                raise CellError("；".join(invalid.messages)) from invalid
        if self.max_length and len(text) > self.max_length:
            raise CellError(
                _("长度不能超过 %(n)d 个字符（当前 %(len)d 个）") % {"n": self.max_length, "len": len(text)}
            )
        return text

    def hint(self):
        if self._hint:
            return str(self._hint)
        if self.max_length:
            return _("文本，最长 %(n)d 个字符") % {"n": self.max_length}
        return _("文本")


DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class Date(Parser):
    """Excel date cells, Excel serial numbers, YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, YYYY年M月D日."""

    number_format = "yyyy-mm-dd"
    cacheable = True

    def __init__(self, *, allow_future=False):
        self.allow_future = allow_future

    def parse(self, value, row):
        parsed = self.to_date(value)
        if parsed is None:
            raise CellError(
                _("日期格式不正确：“%(value)s”，应为 2020-05-18、2020/5/18 或 2020年5月18日")
                % {"value": cell_text(value)}
            )
        if not self.allow_future and parsed > timezone.localdate():
            raise CellError(_("日期不能晚于今天"))
        return parsed

    @staticmethod
    def to_date(value):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            if float(value).is_integer() and 10000101 <= value <= 99991231:
                value = str(int(value))
            elif 1 <= value <= EXCEL_MAX_SERIAL:
                return EXCEL_EPOCH + timedelta(days=int(value))
            else:
                return None
        text = cell_text(value)
        for pattern in DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return date(*(int(part) for part in match.groups()[:3]))
                except ValueError:
                    return None
        return None

    def hint(self):
        return _("日期，如 2020-05-18、2020/5/18 或 2020年5月18日") + ("" if self.allow_future else _("，不能晚于今天"))


class Number(Parser):
    """A Decimal (never float), with a lower bound and the field's digits."""

    number_format = "0.####"
    cacheable = True

    def __init__(self, *, min_value=None, max_digits=18, decimal_places=4):
        self.min_value = min_value
        self.max_digits = max_digits
        self.decimal_places = decimal_places

    def to_decimal(self, value):
        if isinstance(value, bool):
            raise CellError(_("不是有效的数字：“%(value)s”") % {"value": cell_text(value)})
        if isinstance(value, int | float):
            text = repr(value) if isinstance(value, float) else str(value)
        else:
            text = re.sub(r"[\s,，]", "", cell_text(value))
        try:
            amount = Decimal(text)
        except InvalidOperation as bad:
            raise CellError(_("不是有效的数字：“%(value)s”") % {"value": cell_text(value)}) from bad
        if not amount.is_finite():
            raise CellError(_("不是有效的数字：“%(value)s”") % {"value": cell_text(value)})
        return amount

    def check(self, amount):
        if self.min_value is not None and amount < self.min_value:
            if self.min_value == 0:
                raise CellError(_("不能为负数"))
            raise CellError(_("不能小于 %(min)s") % {"min": self.min_value})
        if abs(amount) >= Decimal(10) ** (self.max_digits - self.decimal_places):
            raise CellError(_("数值过大"))
        return amount

    def parse(self, value, row):
        return self.check(self.to_decimal(value).quantize(Decimal(1).scaleb(-self.decimal_places)))

    def hint(self):
        if self.min_value == 0:
            return _("数字，不能为负数")
        return _("数字")


class Money(Number):
    """An amount in the unit named by another column of the row (元/千元/万元/亿元), stored in 万元."""

    cacheable = False  # the unit comes from the row

    def __init__(self, *, unit_key=None, default_unit="万元", min_value=Decimal(0)):
        super().__init__(min_value=min_value)
        self.unit_key = unit_key
        self.default_unit = default_unit
        self.depends_on = (unit_key,) if unit_key else ()

    def parse(self, value, row):
        unit = self.default_unit
        if self.unit_key:
            if self.unit_key in row.failed:
                return None  # the unit cell already carries the error
            unit = row.values.get(self.unit_key) or self.default_unit
        amount = self.to_decimal(value)
        try:
            wan = to_wan(amount, unit)
        except ValueError as bad:
            raise CellError(str(bad)) from bad
        return self.check(wan)

    def hint(self):
        if self.unit_key:
            return _("数字，不能为负数；按“金额单位”列换算为万元，未填单位即为万元")
        return _("数字（万元），不能为负数")


class Choice(Parser):
    """One of a set of choices, written as its label (在营) or its code (active)."""

    cacheable = True

    def __init__(self, choices, *, default=None):
        self.choices = [(str(value), str(label)) for value, label in choices]
        self.accepted = {}  # label in the UI language, label in Chinese, code → code
        for value, label in choices:
            for name in (label, source_text(label), value):
                self.accepted.setdefault(normalize_label(name), str(value))
        self.empty = default if default is not None else ""

    def parse(self, value, row):
        text = cell_text(value)
        code = self.accepted.get(normalize_label(text))
        if code is not None:
            return code
        raise CellError(
            _("“%(value)s”不是可选值，应为：%(options)s")
            % {"value": text, "options": "、".join(label for _code, label in self.choices)}
        )

    def options(self, importer):
        return [(label, "") for _code, label in self.choices]

    def label(self, code):
        return dict(self.choices).get(code, code)

    def hint(self):
        return _("从下拉列表选择")


class Lookup(Parser):
    """A reference to another row by name or code. `load(importer)` returns {normalized key: object} once.

    A value of the table may be a CellError (e.g. an ambiguous short name), which is raised for that key.
    `key(cell)` normalizes the raw cell (e.g. "0111 稻谷种植" or the number 111 → "0111"); `unknown` is the
    message for a value not in the table, with %(value)s.
    """

    cacheable = True

    def __init__(self, load, *, unknown, key=None, options=None, hint=None):
        self.load = load
        self.unknown = unknown
        self.key = key or (lambda cell: normalize_label(cell_text(cell)))
        self._options = options
        self._hint = hint
        self._table = None

    def table(self, importer):
        if self._table is None:
            self._table = self.load(importer)
        return self._table

    def parse(self, value, row):
        text = cell_text(value)
        found = self.table(row.importer).get(self.key(value))
        if found is None:
            raise CellError(self.unknown % {"value": text})
        if isinstance(found, CellError):
            raise found
        return found

    def options(self, importer):
        return self._options(importer) if self._options else None

    def hint(self):
        return str(self._hint) if self._hint else _("填写名称或代码")


class Split(Parser):
    """A list written in one cell, separated by any of `separators` (a regex character class)."""

    def __init__(self, separators=r"[;；\n\r]", *, item_max_length=None, hint=None):
        self.separators = re.compile(separators)
        self.item_max_length = item_max_length
        self._hint = hint

    @property
    def empty(self):
        return []

    def parse(self, value, row):
        items = []
        for part in self.separators.split(cell_text(value)):
            item = part.strip()
            if item and item not in items:
                if self.item_max_length and len(item) > self.item_max_length:
                    raise CellError(_("“%(item)s”超过 %(n)d 个字符") % {"item": item, "n": self.item_max_length})
                items.append(item)
        return items

    def hint(self):
        return str(self._hint) if self._hint else _("多项之间用分号分隔")


# ---------------------------------------------------------------------------------------------------------------
# Columns, rows, importers


@dataclass
class Column:
    key: str
    header: str
    parser: Parser
    required: bool = False
    help_text: str = ""
    example: str = ""
    width: int = 16
    aliases: tuple = ()
    options: object = None  # callable(importer) → [(value, note)] for the template's drop-down, else the parser's
    options_sheet: str = ""  # long drop-down lists get their own visible sheet (e.g. 行业代码)

    def template_options(self, importer):
        return self.options(importer) if self.options else self.parser.options(importer)

    def labels(self):
        names = (self.header, source_text(self.header), self.key, *self.aliases)
        return {normalize_label(name) for name in names}


@dataclass(eq=False)
class Row:
    importer: "Importer"
    number: int
    cells: list
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # (column key or "", message)
    failed: set = field(default_factory=set)  # keys of columns with an error
    existing: object = None  # the registered object the key matched
    instance: object = None  # the object this row will write (new, or `existing` with the row's values)
    action: str = ""  # create / update / unchanged
    changed: set = field(default_factory=set)  # for updates: the model fields that change

    def error(self, key, message):
        self.errors.append((key, str(message)))
        if key:
            self.failed.add(key)

    @property
    def ok(self):
        return not self.errors


class Importer:
    """Describe a sheet (columns, key), how rows meet existing data, and how valid rows are written."""

    kind = ""  # "app_label.name", unique
    verbose_name = ""
    sheet_title = gettext_lazy("数据")
    key = ""  # the column identifying a row (e.g. the credit code)
    template_filename = "template.xlsx"
    instructions = ()  # paragraphs for the 说明 sheet

    def __init__(self, *, user, mode=ImportModeChoices.CREATE, zone=None, job=None):
        self.user = user
        self.mode = mode
        self.zone = zone
        self.job = job
        self.columns = self.get_columns()
        self.by_key = {c.key: c for c in self.columns}
        self.present = set()  # keys of the columns found in the file
        self.file_headers = {}  # key → the header as written in the file

    @property
    def update_mode(self):
        return self.mode == ImportModeChoices.UPSERT

    def get_columns(self):
        raise NotImplementedError

    def header(self, key):
        if not key:
            return ""
        return self.file_headers.get(key) or str(self.by_key[key].header)

    # Hooks, in the order the engine calls them.
    def clean_row(self, row):
        """Cross-column rules of one row (values of failed columns are absent)."""

    def load_existing(self, keys):
        """{key: existing object} for the keys of the file; prefetch what check_existing and commit need."""
        return {}

    def check_new(self, row):
        """A row that will create an object: permission and other rules."""

    def check_existing(self, row, obj):
        """A row that matches `obj` in update mode: permission; set row.changed to the fields that change."""

    def checked_state(self, result):
        """A clean validation's rows as JSON-able data from which `recheck` can commit without reading the file
        again; None (the default) makes the commit validate the stored file again."""
        return None

    def recheck(self, state):
        """At commit, inside its transaction: check a `checked_state` against the current data (the database may have
        changed since the preview) and return a Result whose rows carry their action, as validate_table's would."""
        raise NotImplementedError

    def commit(self, rows):
        """Write the valid rows (inside the engine's transaction). Return a summary dict of counts."""
        raise NotImplementedError

    def record_commit(self, job, summary):
        """Write the audit record of a committed import: audit_import with the importer's own counts."""
        raise NotImplementedError

    def audit_import(self, job, **counts):
        """The audit event of a committed import: the job, its file, mode and rows, and `counts`."""
        from kaifaqu.accounts.audit import record_event  # accounts imports the engine for its own imports
        from kaifaqu.accounts.choices import AuditEventChoices

        detail = {"kind": self.kind, "job": job.pk, "file": job.original_name, "mode": job.mode, "rows": job.row_count}
        record_event(AuditEventChoices.IMPORT, user=self.user, obj=job, detail={**detail, **counts})


_importers = {}


def register(importer_class):
    _importers[importer_class.kind] = importer_class
    return importer_class


def get_importer_class(kind):
    if kind not in _importers:
        autodiscover_modules("importers")
    return _importers[kind]


# ---------------------------------------------------------------------------------------------------------------
# Reading files


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


# ---------------------------------------------------------------------------------------------------------------
# Validation


@dataclass
class Result:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # dicts row / column / message, sorted

    @property
    def counts(self):
        ok = [r for r in self.rows if r.ok]
        return {
            "row_count": len(self.rows),
            "new_count": sum(1 for r in ok if r.action == "create"),
            "update_count": sum(1 for r in ok if r.action == "update"),
            "unchanged_count": sum(1 for r in ok if r.action == "unchanged"),
            "error_count": len(self.errors),
            "error_row_count": sum(1 for r in self.rows if not r.ok),
        }


BLANK = object()  # what parse_cell returns for a blank cell


def parse_order(importer, positions):
    """Present columns, those that depend on others last, as (key, position, cache or None, parser, required).

    The caches live as long as one validation: a file repeats the same codes, periods and names thousands of times.
    Plain tuples: parse_row reads them for every cell of the sheet.
    """
    present = sorted(
        ((importer.by_key[key], position) for key, position in positions.items()),
        key=lambda item: bool(item[0].parser.depends_on),
    )
    return [
        (column.key, position, {} if column.parser.cacheable else None, column.parser, column.required)
        for column, position in present
    ]


def parse_cell(parser, raw, row):
    """The parsed value of one cell, BLANK, or the CellError it raised."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return BLANK
    try:
        return parser.parse(raw, row)
    except CellError as bad:
        return bad


def parse_row(importer, number, cells, ordered, absent):
    row = Row(importer, number, cells)
    values = row.values
    for column in absent:
        values[column.key] = column.parser.empty
    width = len(cells)
    for key, position, cache, parser, required in ordered:
        raw = cells[position] if position < width else None
        if cache is None:
            parsed = parse_cell(parser, raw, row)
        else:  # inline, not a function: this runs for every cell of the sheet
            # str keys as they are; other types with their type, since 1 == 1.0 == True but they read differently
            cache_key = raw if type(raw) is str else (type(raw), raw)
            try:
                parsed = cache[cache_key]
            except KeyError:
                parsed = cache[cache_key] = parse_cell(parser, raw, row)
            except TypeError:  # an unhashable cell (not from calamine or csv)
                parsed = parse_cell(parser, raw, row)
        if parsed is BLANK:
            if required:
                row.error(key, _("必填项不能为空"))
            else:
                values[key] = parser.empty
        elif isinstance(parsed, CellError):
            row.error(key, parsed.message)
        else:
            values[key] = parsed
    return row


def mark_duplicates(importer, rows):
    first = {}  # key → its first row; a list only for keys seen twice (most keys are unique)
    groups = {}
    for row in rows:
        key = row.values.get(importer.key)
        if key and importer.key not in row.failed:
            seen = first.setdefault(key, row)
            if seen is not row:
                groups.setdefault(key, [seen]).append(row)
    for group in groups.values():
        for row in group:
            others = [str(r.number) for r in group if r is not row]
            shown = "、".join(others[:10]) + ("…" if len(others) > 10 else "")
            row.error(importer.key, _("文件内重复：与第 %(rows)s 行相同") % {"rows": shown})


def match_existing(importer, rows):
    keys = {row.values[importer.key] for row in rows if importer.key not in row.failed and row.values.get(importer.key)}
    existing = importer.load_existing(keys) if keys else {}
    for row in rows:
        if importer.key in row.failed or not row.values.get(importer.key):
            continue
        obj = existing.get(row.values[importer.key])
        if obj is None:
            row.action = "create"
            importer.check_new(row)
        elif not importer.update_mode:
            row.existing = obj
            row.error(importer.key, _("已登记；如需修改已登记的数据，请选择“新增或更新”方式"))
        else:
            row.existing = obj
            importer.check_existing(row, obj)
            row.action = "update" if row.changed else "unchanged"


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector over a validation or a commit.

    Both allocate several objects per cell and keep them all to the end, so every full collection on the way walks
    every row read so far: a third of a 50,000-row validation. Reference counting still frees what they drop; the
    few cycles they leave (rows and their importer) are collected once the collector resumes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validate_table(importer, table, positions):
    with paused_gc():
        return validate_rows(importer, table, positions)


def validate_rows(importer, table, positions):
    ordered = parse_order(importer, positions)
    absent = [c for c in importer.columns if c.key not in positions]
    result = Result()
    for offset, cells in enumerate(table.rows[table.header_row :]):
        if is_blank_row(cells):
            continue
        row = parse_row(importer, table.header_row + 1 + offset, cells, ordered, absent)
        importer.clean_row(row)
        result.rows.append(row)
    mark_duplicates(importer, result.rows)
    match_existing(importer, result.rows)
    result.errors = row_errors(importer, result.rows)
    return result


def row_errors(importer, rows):
    """Every error of the rows as dicts row / column / message, by row and then in the sheet's column order."""
    order = {c.key: i for i, c in enumerate(importer.columns)}
    errors = []
    for row in rows:
        if not row.errors:
            continue
        for key, message in sorted(row.errors, key=lambda e: order.get(e[0], -1)):
            errors.append({"row": row.number, "column": importer.header(key), "message": message})
    return errors


# ---------------------------------------------------------------------------------------------------------------
# The error workbook: the user's rows again, with 错误说明 in front, so it can be fixed and uploaded again.


def error_workbook(table, errors):
    by_row = defaultdict(list)
    for error in errors:
        prefix = f"【{error['column']}】" if error["column"] else ""
        by_row[error["row"]].append(prefix + error["message"])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("错误说明")))
    sheet.freeze_panes = f"B{table.header_row + 1}" if table.header_row else "B2"
    sheet.column_dimensions["A"].width = 60
    for number, cells in enumerate(table.rows, start=1):
        messages = by_row.get(number)
        if number == table.header_row:
            first = WriteOnlyCell(sheet, value=str(ERROR_HEADER))
            first.font = HEADER_FONT
            first.fill = HEADER_FILL
            rest = []
            for value in cells:
                cell = WriteOnlyCell(sheet, value=escape_cell(value))
                cell.font = HEADER_FONT
                cell.fill = HEADER_FILL
                rest.append(cell)
            sheet.append([first, *rest])
            continue
        first = WriteOnlyCell(sheet, value=escape_cell("；".join(messages)) if messages else None)
        if messages:
            first.font = ERROR_FONT
            first.fill = ERROR_FILL
            first.alignment = WRAP
        sheet.append([first, *(escape_cell(value) for value in cells)])
    file_errors = by_row.get(None)
    if file_errors:
        sheet.append([escape_cell("；".join(file_errors))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Jobs: start, validate (dry run), commit


def start_import(*, actor, kind, uploaded_file, mode, zone=None, options=None):
    """Store the upload as a job and queue its validation (inline with the immediate backend)."""
    from .tasks import validate_import  # tasks import this module

    job = ImportJob(
        kind=kind,
        options=options or {},
        original_name=PurePath(uploaded_file.name).name[:255],
        mode=mode,
        zone=zone,
        created_by=actor,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    job.file.save(uploaded_file.name, uploaded_file, save=False)
    job.save()
    validate_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


def request_commit(job):
    """Move a clean, validated job to 导入中 and queue its commit. False when it is not committable."""
    from .tasks import commit_import

    claimed = ImportJob.objects.filter(
        pk=job.pk, status=ImportStatusChoices.VALIDATED, error_count=0, row_count__gt=0
    ).update(status=ImportStatusChoices.COMMITTING, updated_at=timezone.now())
    if not claimed:
        return False
    commit_import.enqueue(job.pk)
    job.refresh_from_db()
    return True


def importer_for(job):
    return get_importer_class(job.kind)(user=job.created_by, mode=job.mode, zone=job.zone, job=job)


def load_job_table(job, importer):
    with job.file.open("rb") as handle:
        data = handle.read()
    return read_table(importer, data, job.original_name)


def store_result(job, result, table):
    for name, value in result.counts.items():
        setattr(job, name, value)
    job.errors = result.errors[:STORED_ERRORS]
    if job.error_file:
        job.error_file.delete(save=False)
    if result.errors:
        job.error_file.save("errors.xlsx", ContentFile(error_workbook(table, result.errors)), save=False)


def store_checked(job, importer, result):
    """Keep what a clean validation parsed, when the importer can commit from it (see Importer.checked_state)."""
    drop_checked(job)
    state = importer.checked_state(result) if not result.errors else None
    if state is not None:
        data = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
        job.checked_file.save("checked.json", ContentFile(data), save=False)


def drop_checked(job):
    if job.checked_file:
        job.checked_file.delete(save=False)


def load_checked(job):
    """The stored checked state of a job, or None when it has none (or it cannot be read: validate again)."""
    if not job.checked_file:
        return None
    try:
        with job.checked_file.open("rb") as handle, paused_gc():  # a list per figure: see paused_gc
            return json.loads(handle.read())
    except (OSError, ValueError):
        logger.warning("import job %s: checked state unreadable, validating the file again", job.pk)
        return None


def store_file_error(job, bad):
    job.status = ImportStatusChoices.FAILED
    job.message = bad.message
    job.errors = bad.errors[:STORED_ERRORS]
    job.error_count = len(bad.errors)
    job.row_count = job.new_count = job.update_count = job.unchanged_count = job.error_row_count = 0


def validate_job(job_id):
    """Dry run: parse and validate every row, store counts, errors and the error workbook. Writes no data."""
    job = ImportJob.objects.select_related("created_by", "zone").get(pk=job_id)
    if job.status not in (ImportStatusChoices.UPLOADED, ImportStatusChoices.VALIDATING):
        return job.status
    job.status = ImportStatusChoices.VALIDATING
    job.save(update_fields=["status", "updated_at"])
    with translation.override(job.language):
        try:
            importer = importer_for(job)
            table, positions = load_job_table(job, importer)
            with paused_gc():  # the rows stay alive until their errors and checked figures are stored
                result = validate_table(importer, table, positions)
                store_result(job, result, table)
                store_checked(job, importer, result)
            job.status = ImportStatusChoices.VALIDATED
            job.message = (
                _("校验通过，可以导入。")
                if not result.errors
                else ngettext(
                    "发现 %(n)d 处错误，请修改后重新上传。未写入任何数据。",
                    "发现 %(n)d 处错误，请修改后重新上传。未写入任何数据。",
                    len(result.errors),
                )
                % {"n": len(result.errors)}
            )
        except ImportFileError as bad:
            store_file_error(job, bad)
        except Exception:
            logger.exception("import job %s: validation crashed", job.pk)
            job.status = ImportStatusChoices.FAILED
            job.message = _("处理文件时发生内部错误，未写入任何数据。请联系系统管理员。")
        job.validated_at = timezone.now()
        job.save()
    return job.status


def commit_job(job_id):
    """Validate again against the current data, then write every row in one transaction — or nothing."""
    job = ImportJob.objects.select_related("created_by", "zone").get(pk=job_id)
    if job.status != ImportStatusChoices.COMMITTING:
        return job.status
    with translation.override(job.language):
        try:
            importer = importer_for(job)
            state = load_checked(job)
            table = None
            if state is None:
                table, positions = load_job_table(job, importer)
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.status != ImportStatusChoices.COMMITTING:
                    return locked.status
                if state is None:
                    result = validate_table(importer, table, positions)
                else:  # the preview's parsed rows, checked again against the current data only
                    with paused_gc():
                        result = importer.recheck(state)
                if result.errors:
                    if table is None:  # the error workbook repeats the user's rows
                        table, _positions = load_job_table(job, importer)
                    store_result(job, result, table)
                    drop_checked(job)
                    job.status = ImportStatusChoices.VALIDATED
                    job.message = _("提交前复核发现错误（数据可能已被他人修改），未写入任何数据。请修改后重新上传。")
                else:
                    with paused_gc():
                        summary = importer.commit([row for row in result.rows if row.action in ("create", "update")])
                    store_result(job, result, table)
                    drop_checked(job)
                    job.new_count = summary.get("created", job.new_count)
                    job.update_count = summary.get("updated", job.update_count)
                    job.status = ImportStatusChoices.COMMITTED
                    job.committed_at = timezone.now()
                    job.message = _("导入完成：新增 %(new)d 条，更新 %(updated)d 条，无变化 %(same)d 条。") % {
                        "new": job.new_count,
                        "updated": job.update_count,
                        "same": job.unchanged_count,
                    }
                    job.save()
                    importer.record_commit(job, summary)
        except ImportFileError as bad:
            store_file_error(job, bad)
        except Exception:
            logger.exception("import job %s: commit failed", job.pk)
            job.status = ImportStatusChoices.FAILED
            job.committed_at = None
            job.message = _("导入时发生错误，已全部撤销，未写入任何数据。请重新上传或联系系统管理员。")
        job.save()
    return job.status


# ---------------------------------------------------------------------------------------------------------------
# History for bulk writes (django-simple-history): attributable to the user, including many-to-many fields.


def chunks(items, size=IN_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_history(model, objs, *, user, reason="", update=False):
    """Historical records for objects written with bulk_create/bulk_update, with their m2m state."""
    manager = model.history
    records = manager.bulk_history_create(
        objs, update=update, default_user=user, default_change_reason=reason, batch_size=500
    )
    history_model = manager.model
    m2m_fields = [f for f in getattr(history_model, "_history_m2m_fields", ()) if isinstance(f, ManyToManyField)]
    if not m2m_fields or not records or records[0].pk is None:
        return records
    by_object = {record.id: record for record in records}
    for m2m_field in m2m_fields:
        through = m2m_field.remote_field.through
        m2m_history = _m2m_history_model(model, m2m_field)
        source = m2m_field.m2m_field_name()
        target = m2m_field.m2m_reverse_field_name()
        rows = []
        for ids in chunks(by_object):
            links = through.objects.filter(**{f"{source}_id__in": ids}).values("id", f"{source}_id", f"{target}_id")
            for link in links:
                rows.append(
                    m2m_history(
                        id=link["id"],
                        history=by_object[link[f"{source}_id"]],
                        **{f"{source}_id": link[f"{source}_id"], f"{target}_id": link[f"{target}_id"]},
                    )
                )
        m2m_history.objects.bulk_create(rows, batch_size=1000)
    return records


def _m2m_history_model(model, m2m_field):
    from simple_history.models import HistoricalRecords

    for candidate_field, history_model in HistoricalRecords.m2m_models.items():
        if candidate_field is m2m_field or (candidate_field.model is model and candidate_field.name == m2m_field.name):
            return history_model
    raise LookupError(f"no m2m history model for {model.__name__}.{m2m_field.name}")


# ---------------------------------------------------------------------------------------------------------------
# The template: headers, frozen row, widths, drop-downs, a 说明 sheet with the format of every column.


def template_workbook(importer):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(importer.sheet_title)
    options_sheet = None
    lists = 0
    max_row = settings.IMPORT_MAX_ROWS + 1
    explained = []
    for index, column in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=str(column.header))
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        if column.help_text:
            cell.comment = Comment(str(column.help_text), "Kaifaqu", width=260, height=120)
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].number_format = column.parser.number_format
        options = column.template_options(importer)
        allowed = ""
        if options:
            if column.options_sheet:
                ref_sheet = workbook.create_sheet(title=column.options_sheet)
                ref_sheet.append([str(column.header), _("名称")])
                for value, note in options:
                    ref_sheet.append([escape_cell(value), escape_cell(note)])
                ref_sheet.freeze_panes = "A2"
                ref_sheet.column_dimensions["A"].width = 12
                ref_sheet.column_dimensions["B"].width = 50
                ref = f"{quote_sheetname(column.options_sheet)}!$A$2:$A${len(options) + 1}"
                allowed = _("见“%(sheet)s”工作表") % {"sheet": column.options_sheet}
            else:
                if options_sheet is None:
                    options_sheet = workbook.create_sheet(title=OPTIONS_SHEET)
                    options_sheet.sheet_state = "hidden"
                lists += 1
                options_column = get_column_letter(lists)
                options_sheet[f"{options_column}1"] = str(column.header)
                for offset, (value, _note) in enumerate(options, start=2):
                    options_sheet[f"{options_column}{offset}"] = escape_cell(value)
                ref = f"{quote_sheetname(OPTIONS_SHEET)}!${options_column}$2:${options_column}${len(options) + 1}"
                shown = [str(value) for value, _note in options]
                allowed = "、".join(shown[:30]) + ("…" if len(shown) > 30 else "")
            validation = DataValidation(type="list", formula1=ref, allow_blank=True, showDropDown=False)
            validation.error = _("请从下拉列表中选择")
            validation.errorTitle = str(column.header)
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{max_row}")
        elif isinstance(column.parser, Number):
            validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            validation.error = _("请填写不小于 0 的数字")
            validation.errorTitle = str(column.header)
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{max_row}")
        explained.append((column, allowed))
    sheet.freeze_panes = "A2"
    explain_sheet(workbook, importer, explained)
    if options_sheet is not None:  # the hidden list sheet goes last
        workbook.move_sheet(options_sheet, offset=len(workbook.worksheets) - 1 - workbook.index(options_sheet))
    return workbook


def explain_sheet(workbook, importer, explained):
    sheet = workbook.create_sheet(title=str(_("说明")), index=1)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 40
    sheet.column_dimensions["D"].width = 40
    sheet.column_dimensions["E"].width = 50
    sheet.column_dimensions["F"].width = 28
    sheet.append([str(_("填写说明"))])
    sheet["A1"].font = HEADER_FONT
    steps = [
        _("1. 在“%(sheet)s”工作表第 2 行起逐行填写，每行一条；请勿修改第一行表头。") % {"sheet": importer.sheet_title},
        _("2. 橙色表头为必填列；带下拉箭头的列请从列表中选择。"),
        _(
            "3. 上传后系统先校验全部数据并列出每个错误（行号、列、原因），全部无误后才能确认导入；"
            "导入要么全部成功，要么不写入任何数据。"
        ),
        _("4. 下方“示例”列和示例行仅为填写示例，不会被导入。"),
        *[f"• {p}" for p in importer.instructions],
    ]
    for line in steps:
        sheet.append([escape_cell(str(line))])
    sheet.append([])
    header = [_("列名"), _("必填"), _("格式"), _("可选值"), _("说明"), _("示例")]
    sheet.append([str(h) for h in header])
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column, allowed in explained:
        sheet.append(
            [
                str(column.header),
                str(_("是")) if column.required else str(_("否")),
                escape_cell(column.parser.hint()),
                escape_cell(allowed),
                escape_cell(str(column.help_text)),
                escape_cell(str(column.example)),
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    sheet.append([])
    sheet.append([str(_("示例行（仅供参考，请在“%(sheet)s”工作表填写）") % {"sheet": importer.sheet_title})])
    sheet.append([str(column.header) for column, _allowed in explained])
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
    sheet.append([escape_cell(str(column.example)) for column, _allowed in explained])


# ---------------------------------------------------------------------------------------------------------------
# The upload form every import page uses.


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"), help_text=gettext_lazy("支持 .xlsx、.xls、.ods、.csv"))
    mode = forms.ChoiceField(
        label=gettext_lazy("导入方式"),
        choices=ImportModeChoices.choices,
        initial=ImportModeChoices.CREATE,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        ext = extension(upload.name)
        if ext not in ALLOWED_EXTENSIONS:
            raise ValidationError(
                _("不支持的文件类型“%(ext)s”，请上传 %(allowed)s 文件"),
                params={"ext": ext or "—", "allowed": "、".join(ALLOWED_EXTENSIONS)},
                code="extension",
            )
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("文件大小 %(size)s 超过上限 %(max)s"),
                params={"size": human_size(upload.size), "max": human_size(settings.UPLOAD_MAX_BYTES)},
                code="size",
            )
        if upload.size == 0:
            raise ValidationError(_("文件是空的"), code="empty")
        return upload


def human_size(size):
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def job_preview_context(job):
    """What a job page shows of the errors: the first PREVIEW_ERRORS, and whether there are more."""
    return {
        "errors": job.errors[:PREVIEW_ERRORS],
        "preview_limit": PREVIEW_ERRORS,
        "more_errors": job.error_count > PREVIEW_ERRORS,
    }


def error_workbook_response(job):
    """The user's rows again with an added 错误说明 column: every error, not only the previewed ones."""
    if not job.error_file:
        raise Http404
    stem = job.original_name.rsplit(".", 1)[0]
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=_("错误说明-%(name)s.xlsx") % {"name": stem},
        content_type=XLSX_CONTENT_TYPE,
    )
