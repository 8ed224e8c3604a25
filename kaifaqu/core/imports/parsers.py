"""Cells and parsers of the import engine: one parser per cell type, written once for every import.

A parser turns a non-blank cell into a value or raises CellError; the engine reports the message at the cell's row
and column. The shared readings of office sheets live here: text, dates, numbers, integers, years, report periods,
money in a declared unit (元/千元/万元/亿元 → 万元), choices, look-ups and lists in one cell.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..exports import unescape_cell
from ..money import TOO_LARGE, UNIT_FACTORS, to_wan
from ..periods import make_period, parse_period

EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
FIRST_PERIOD_NUMBER = 190001  # a whole number from here on is read as yyyymm; below it, as an Excel date serial
UNIT_IN_HEADER = re.compile(r"[(（]\s*(" + "|".join(UNIT_FACTORS) + r")\s*[)）]")
YEAR_TEXT = re.compile(r"^(\d{4})\s*年?$")


class CellError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------------------------
# Cell values


class Formula(str):
    """A formula cell as the readers give it: the formula's text (=SUM(A1:A3)), never its cached value."""


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


def shown(value, limit=40):
    """A cell's text for a message, cut at `limit` characters."""
    try:
        text = cell_text(value)
    except ValueError:  # str() of an int of more than 4,300 digits
        return "…"
    return text if len(text) <= limit else text[:limit] + "…"


def source_text(text):
    """A translatable text in the source language (Chinese): files keep Chinese headers whatever the UI language."""
    with translation.override(None):
        return str(text)


def normalize_label(text):
    """Compare headers and labels loosely: full-width forms, spaces and required-markers (*) do not matter."""
    return re.sub(r"[\s*]", "", unicodedata.normalize("NFKC", str(text))).lower()


def header_unit(header):
    """The money unit a header names in brackets (“总投资（亿元）” → 亿元), or None."""
    match = UNIT_IN_HEADER.search(header or "")
    return match.group(1) if match else None


def in_wan(amount, unit):
    """A Decimal `amount` in `unit` (元/千元/万元/亿元) as 万元, 4 places; an unknown unit is a CellError."""
    try:
        return to_wan(amount, unit)
    except ValueError as bad:
        raise CellError(str(bad)) from bad


def to_period(value, *, first_year=1900, last_year=2999):
    """A report period (yyyymm) from a cell — 2025-03, 2025/3, 2025年3月, 202503, an Excel date, serial or 20250331 —
    with its year in [first_year, last_year]; None when the cell is none of these."""
    period = read_period(value)
    if period is None or not first_year <= period // 100 <= last_year:
        return None
    return period


def read_period(value):
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return make_period(value.year, value.month)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            return None
        number = int(value)
        if FIRST_PERIOD_NUMBER <= number <= 999912:
            return number if 1 <= number % 100 <= 12 else None
        if 10000101 <= number <= 99991231:
            found = Date.to_date(number)
            return make_period(found.year, found.month) if found else None
        if 1 <= number < FIRST_PERIOD_NUMBER:
            found = EXCEL_EPOCH + timedelta(days=number)
            return make_period(found.year, found.month)
        return None
    text = cell_text(value)
    try:
        return parse_period(text)
    except ValueError:
        found = Date.to_date(text)
        return make_period(found.year, found.month) if found else None


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


class Period(Parser):
    """报告期: YYYY-MM, 2025年3月, 202503, or a date cell (Excel turns 2025-03 into 2025-03-01) → its month."""

    cacheable = True  # a file repeats a few periods: the engine parses each once

    def __init__(self, *, first_year=1900, last_year=2999):
        self.first_year = first_year
        self.last_year = last_year

    def parse(self, value, row):
        period = to_period(value, first_year=self.first_year, last_year=self.last_year)
        if period is None:
            raise CellError(
                _("报告期格式不正确：“%(value)s”，应为 2025-03、2025年3月 或 202503") % {"value": cell_text(value)}
            )
        return period

    def hint(self):
        return _("报告期，如 2025-03、2025年3月 或 202503")


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
        try:
            if isinstance(value, int | float):
                text = repr(value) if isinstance(value, float) else str(value)
            else:
                text = re.sub(r"[\s,，]", "", cell_text(value))
            amount = Decimal(text)
        except (InvalidOperation, ValueError) as bad:  # ValueError: an int of more than 4,300 digits
            raise CellError(_("不是有效的数字：“%(value)s”") % {"value": shown(value)}) from bad
        if not amount.is_finite():  # inf, nan (floats and text alike)
            raise CellError(_("不是有效的数字：“%(value)s”") % {"value": shown(value)})
        if amount.copy_abs() >= TOO_LARGE:  # before any arithmetic (abs() itself overflows at 1E+1000000)
            raise CellError(_("数值过大"))
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
        amount = self.to_decimal(value)
        if abs(amount) >= Decimal(10) ** (self.max_digits - self.decimal_places):
            raise CellError(_("数值过大"))  # before quantize: its 28-digit context refuses larger figures
        return self.check(amount.quantize(Decimal(1).scaleb(-self.decimal_places)))

    def hint(self):
        if self.min_value == 0:
            return _("数字，不能为负数")
        return _("数字")


class Integer(Number):
    """A whole number (an int), at least `min_value` and at most `max_value`."""

    number_format = "0"

    def __init__(self, *, min_value=0, max_value=None, hint=None):
        super().__init__(min_value=min_value, decimal_places=0)
        self.max_value = max_value
        self._hint = hint

    def parse(self, value, row):
        number = self.to_decimal(value)
        if number != number.to_integral_value():
            raise CellError(_("应为整数：“%(value)s”") % {"value": cell_text(value)})
        if self.max_value is not None and number > self.max_value:
            raise CellError(_("不能大于 %(max)s") % {"max": self.max_value})
        return int(self.check(number))

    def hint(self):
        return str(self._hint) if self._hint else _("整数，不能为负数")


class Year(Parser):
    """A four-digit year (2025, 2025年 or the number 2025) in [first, last]; `last` may be a callable (next year).

    `message` is the error of any other cell, formatted with %(value)s, %(first)d and %(last)d."""

    number_format = "0"
    cacheable = True

    def __init__(self, *, first=1949, last=2100, message=None, hint=None):
        self.first = first
        self.last = last
        self.message = message
        self._hint = hint

    def last_year(self):
        return self.last() if callable(self.last) else self.last

    def parse(self, value, row):
        text = cell_text(value)
        match = YEAR_TEXT.match(text)
        last = self.last_year()
        if match and self.first <= int(match.group(1)) <= last:
            return int(match.group(1))
        message = self.message or _("应为 4 位年份，如 2024：“%(value)s”")
        raise CellError(message % {"value": text, "first": self.first, "last": last})

    def hint(self):
        return str(self._hint) if self._hint else _("4 位年份，如 2024")


class Money(Number):
    """An amount stored in 万元, read in the unit `unit(row)` gives: by default the row's `unit_key` column
    (元/千元/万元/亿元), else `default_unit`. Subclasses take the unit from elsewhere (the header, the upload)."""

    cacheable = False  # the unit comes from the row

    def __init__(self, *, unit_key=None, default_unit="万元", min_value=Decimal(0)):
        super().__init__(min_value=min_value)
        self.unit_key = unit_key
        self.default_unit = default_unit
        self.depends_on = (unit_key,) if unit_key else ()

    def unit(self, row):
        if self.unit_key:
            return row.values.get(self.unit_key) or self.default_unit
        return self.default_unit

    def parse(self, value, row):
        if self.unit_key and self.unit_key in row.failed:
            return None  # the unit cell already carries the error
        return self.check(in_wan(self.to_decimal(value), self.unit(row)))

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
