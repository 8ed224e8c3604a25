"""The import engine: an `Importer` describes a sheet (columns, the key column, look-ups, cross-field rules, the bulk
commit); `validate_table` parses every row, runs the importer's hooks and collects every error as (row, column,
message) — nothing is written here.

The hooks, in the order the engine calls them:
1. `clean_row(row)` — cross-column rules of one row, as each row is parsed;
2. in-file duplicates of the key are marked;
3. `check_batch(rows)` — the whole file at once (checks that need every row together, one query for all);
4. `load_existing(keys)` — the registered objects the keys match; then `check_new(row)` or `check_existing(row, obj)`.
At commit, `commit(rows)` writes (inside the engine's transaction) and `record_commit(job, summary)` audits.
"""

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..audit import IMPORT, record_audit
from ..models import ImportModeChoices
from .parsers import CellError, Formula, Parser, is_blank_row, normalize_label, source_text
from .worker import advance

IN_CHUNK = 2000  # keys per `__in` query


def chunks(items, size=IN_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
    # Empty and shared until the row's first error: a list and a set for each of 50,000 clean rows cost more to make
    # (and for the paused collector to walk once it resumes) than the rest of the row.
    errors: list = ()  # (column key or "", message)
    failed: set = frozenset()  # keys of columns with an error
    existing: object = None  # the registered object the key matched
    instance: object = None  # the object this row will write (new, or `existing` with the row's values)
    action: str = ""  # create / update / unchanged
    changed: set = field(default_factory=set)  # for updates: the model fields that change

    def error(self, key, message):
        if not self.errors:
            self.errors = []
        self.errors.append((key, str(message)))
        if key:
            if not self.failed:
                self.failed = set()
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

    def check_batch(self, rows):
        """Every row of the file at once, after each was parsed and cleaned and in-file duplicates were marked, before
        they meet the registered data: the checks that need all rows together (one query for the whole file, totals
        across rows). Report problems with row.error; rows with errors are among `rows`."""

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
        detail = {"kind": self.kind, "job": job.pk, "file": job.original_name, "mode": job.mode, "rows": job.row_count}
        record_audit(IMPORT, user=self.user, obj=job, detail={**detail, **counts})


_importers = {}


def register(importer_class):
    _importers[importer_class.kind] = importer_class
    return importer_class


def get_importer_class(kind):
    if kind not in _importers:
        autodiscover_modules("importers")
    return _importers[kind]


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
    if type(raw) is Formula:  # its cached value may be stale or absent: the user pastes the values
        return CellError(_("公式单元格不接受，请粘贴为数值"))
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
    advance(done=0, total=len(table.rows))
    for number, cells in table.rows:
        if number <= table.header_row or is_blank_row(cells):
            continue
        row = parse_row(importer, number, cells, ordered, absent)
        importer.clean_row(row)
        result.rows.append(row)
        advance(done=len(result.rows))
    mark_duplicates(importer, result.rows)
    importer.check_batch(result.rows)
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
