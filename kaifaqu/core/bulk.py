"""Bulk INSERT of many rows of a plain model without the SQL compiler's work per value.

bulk_create compiles every value of every row (field_as_sql, prepare_value, pre_save_val: five calls a value), which
was most of an enterprise import's commit. `insert_rows` prepares each value with its field's get_db_prep_save, or
not at all for the text and integers most columns hold (which it would return unchanged), and sends multi-row
INSERTs; `insert_objects` does the same for unsaved model instances and sets their keys, as bulk_create does. For
models written without signals or multi-table inheritance (bulk_create sends no signals either).
"""

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from operator import attrgetter
from types import SimpleNamespace

from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    Field,
    ForeignKey,
    IntegerField,
    JSONField,
    PositiveIntegerField,
    TextField,
)
from django.utils import timezone

BATCH_ROWS = 1000
UNNEST_ROWS = 5000  # rows per INSERT … SELECT FROM UNNEST on PostgreSQL
PLAIN_PRE_SAVE = (Field.pre_save, DateField.pre_save, DateTimeField.pre_save)  # a value, or auto_now(_add)
MEMO_TYPES = (datetime, date, bool)  # hashable, and equal only when they are the same value
# Field types whose get_db_prep_save returns a value of one Python type as it is: text for text, int for integers.
TEXT_TYPES = (CharField, TextField)
INTEGER_TYPES = (IntegerField, BigIntegerField, PositiveIntegerField, AutoField, BigAutoField)


def plain_type(field):
    """str, int or Decimal when the field (or the key a foreign key points at) passes values of that type, and None,
    through get_db_prep_save unchanged (a Decimal only when finite); None for the fields whose values must be
    prepared (dates, booleans…)."""
    target = field.target_field if type(field) is ForeignKey else field
    if type(target) in TEXT_TYPES:
        return str
    if type(target) in INTEGER_TYPES:
        return int
    if passes_decimals(target):
        return Decimal
    return None


def passes_decimals(field):
    """A decimal field whose get_db_prep_save gives a finite Decimal back as an equal Decimal of the same digits
    (Decimal(value), then the backend's adapt_decimalfield_value, which neither SQLite's nor PostgreSQL's changes),
    and raises for NaN and infinities."""
    return (
        isinstance(field, DecimalField)
        and type(field).get_db_prep_save is Field.get_db_prep_save
        and type(field).get_db_prep_value is DecimalField.get_db_prep_value
        and type(connection.ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value
    )


def as_it_is(value, kind):
    """Whether get_db_prep_save of a field of plain type `kind` would give `value` back unchanged."""
    return type(value) is kind and (kind is not Decimal or value.is_finite())


def prepared(rows, fields):
    """The query parameters of `rows`, flat (row after row): each value as its field's get_db_prep_save gives it."""
    return list(chain.from_iterable(zip(*prepared_columns(rows, fields), strict=True)))


def prepared_columns(rows, fields):
    """The values of `rows` column by column, each as its field's get_db_prep_save gives it."""
    return [prepared_column(values, field) for values, field in zip(zip(*rows, strict=True), fields, strict=True)]


def prepared_column(values, field):
    """One column's values prepared. A column holding only its field's plain type (and NULL) is taken as it is after
    one look at the set of its types (no Python per value); dates, times and booleans are prepared once per distinct
    value (an import's rows share their timestamps and many dates)."""
    kind, null = plain_type(field), not isinstance(field, JSONField)  # NULL is NULL, but JSON may say null
    types = set(map(type, values))
    if types <= ({kind, type(None)} if null else {kind}) and (
        kind is not Decimal or all(value is None or value.is_finite() for value in values)
    ):
        return list(values)
    prep, seen, column = field.get_db_prep_save, {}, []
    append = column.append
    for value in values:
        if as_it_is(value, kind) or (value is None and null):
            append(value)
        elif type(value) in MEMO_TYPES:
            try:
                append(seen[value])
            except KeyError:
                append(seen.setdefault(value, prep(value, connection)))
        else:
            append(prep(value, connection))
    return column


def batch_size(fields):
    """Rows per INSERT: within the database's limit of parameters (SQLite's own, not the 999 Django assumes for old
    versions; 65,535 for PostgreSQL's protocol) and BATCH_ROWS."""
    limit = connection.features.max_query_params or 65535
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(BATCH_ROWS, limit // len(fields)))


def insert_rows(model, fields, rows, *, returning=False):
    """INSERT `rows` (tuples of Python values in the order of `fields`, model fields) into `model`'s table; the new
    primary keys in the order of `rows` when `returning` (the database's order of RETURNING, as bulk_create trusts)."""
    if not rows:
        return []
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    head = f"INSERT INTO {quote(meta.db_table)} ({columns})"
    suffix = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    keys = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and unnestable(fields):
            # One array a column, as Django's bulk_create does on PostgreSQL: psycopg parses a query of thousands of
            # placeholders in Python, every time (it caches queries of at most 50 parameters).
            types = [field.db_type(connection).split("(")[0] for field in fields]
            arrays = ", ".join(f"(%s)::{kind}[]" for kind in types)
            sql = f"{head} SELECT * FROM UNNEST({arrays}){suffix}"  # noqa: S608 names and types from the model
            size = UNNEST_ROWS
            for start in range(0, len(rows), size):
                cursor.execute(sql, prepared_columns(rows[start : start + size], fields))
                if returning:
                    keys.extend(key for (key,) in cursor.fetchall())
            return keys
        size = batch_size(fields)
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            sql = f"{head} VALUES {', '.join([one] * len(batch))}{suffix}"
            cursor.execute(sql, prepared(batch, fields))
            if returning:
                keys.extend(key for (key,) in cursor.fetchall())
    return keys


def unnestable(fields):
    """Fields whose values PostgreSQL can take as arrays (the test Django's own UNNEST insert makes)."""
    return not any(
        hasattr(field, "get_placeholder")
        or (field.target_field if field.is_relation else field).get_internal_type() not in connection.data_types
        for field in fields
    )


def attributes(names):
    """A function giving the tuple of an object's attributes `names` (operator.attrgetter, which reads them in C; a
    tuple for a single name too)."""
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return attrgetter(*names)


class NewRow(SimpleNamespace):
    """A new row of a model as plain attributes (see new_rows)."""

    pk_name = "id"

    @property
    def pk(self):
        return getattr(self, self.pk_name)


def new_rows(model):
    """A maker of new rows of `model` as plain objects: every field's default under its attname, as Model() sets
    them, without Model.__init__ (which cost as much as the row's INSERT). insert_objects writes them; they stand in
    for the instance wherever only the field values are read (history rows, keys)."""
    fields = model._meta.concrete_fields
    fixed = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
    computed = [f for f in fields if f.has_default() and callable(f.default)]
    kind = type(f"New{model.__name__}", (NewRow,), {"pk_name": model._meta.pk.attname})

    def make(**values):
        """A new row: `values` by attname, the other fields' defaults (a callable default only when not given)."""
        row = kind(**{**fixed, **values})
        for field in computed:
            if field.attname not in values:
                setattr(row, field.attname, field.get_default())
        return row

    return make


def insert_objects(model, objs):
    """bulk_create for unsaved instances (or NewRows) of a plain model whose key the database assigns: the fields'
    values as they are (auto_now and auto_now_add set, the only pre_save of plain fields), one multi-row INSERT per
    batch, the keys set on the objects."""
    if not objs:
        return objs
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    if any(type(field).pre_save not in PLAIN_PRE_SAVE for field in fields):  # a file field, a custom field
        raise ValueError(f"insert_objects: {model.__name__} has a field with a pre_save of its own")
    # auto_now and auto_now_add: one time for the whole INSERT (pre_save would read the clock for every object).
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            stamp = now if isinstance(field, DateTimeField) else date.today()  # as their pre_save reads the clock
            for obj in objs:
                setattr(obj, field.attname, stamp)
    values = attributes([field.attname for field in fields])
    rows = [values(obj) for obj in objs]
    keys = insert_rows(model, fields, rows, returning=True)
    for obj, key in zip(objs, keys, strict=True):
        setattr(obj, model._meta.pk.attname, key)
        if hasattr(obj, "_state"):  # a model instance, not a NewRow
            obj._state.adding = False
            obj._state.db = connection.alias
    return objs
