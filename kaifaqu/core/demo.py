"""Demo data files: the one loader every app's demo uses (docs/adr/0004, step 6).

An app's fixed demo facts — zones, parks, accounts, the projects of the news scenarios, the parameters of the
synthetic firms and figures — are YAML files under `kaifaqu/<app>/demo/`, not Python literals. The app's
`demo/__init__.py` reads them here, resolves the references they make by natural keys (a zone by its short name, a
department by its name in the zone, a firm by its credit code, an account by its username) and creates the rows
through the app's services, in the acting demo account's name, skipping rows that exist: running `make demo` twice
gives the same data.

Anything wrong in a file — a missing field, an unknown field, a reference to nothing — raises DemoDataError, whose
message names the file, the section and the record, so whoever edits a file sees where the mistake is.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from .history import attributed

FOLDER = "demo"
LABEL_KEYS = ("name", "username", "short_name", "zone", "code", "location")


class DemoDataError(ValueError):
    """A demo file that cannot be loaded as it is; the message says where."""


def demo_folder(app_label):
    return Path(apps.get_app_config(app_label).path) / FOLDER


def shown(path):
    """A file's path as a developer types it (relative to the checkout when it lies inside)."""
    path = Path(path)
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Record:
    """One record of a demo file: a mapping in a list, that knows where it stands for error messages."""

    path: Path
    section: str
    index: int  # 1-based, as a person counts
    data: dict

    @property
    def label(self):
        return next((str(self.data[key]) for key in LABEL_KEYS if self.data.get(key)), "")

    def position(self):
        label = f"（{self.label}）" if self.label else ""
        return f"{self.section} #{self.index}{label}"

    def where(self):
        return f"{shown(self.path)}, {self.position()}"

    def error(self, message):
        return DemoDataError(f"{self.where()}: {message}")

    @contextmanager
    def writing(self):
        """The writes of this record: a row the model's rules refuse is this record's error."""
        try:
            yield
        except ValidationError as invalid:
            raise self.error("; ".join(invalid.messages)) from invalid

    def __getitem__(self, key):
        if key not in self.data:
            raise self.error(f"missing field '{key}'")
        return self.data[key]

    def __contains__(self, key):
        return key in self.data

    def get(self, key, default=None):
        return self.data.get(key, default)

    def child(self, section, data, index):
        """A record nested in this one (a project's approvals, an inspection's issues)."""
        if not isinstance(data, dict):
            raise self.error(f"{section} #{index} must be a mapping")
        return Record(self.path, f"{self.position()} › {section}", index, data)

    def children(self, section):
        return [self.child(section, data, index) for index, data in enumerate(self.get(section) or [], start=1)]


class DemoFile:
    """A parsed demo file: lists of records by section, and plain parameters."""

    def __init__(self, path, data):
        self.path = Path(path)
        if not isinstance(data, dict):
            raise DemoDataError(f"{shown(path)}: expected a mapping of sections at the top")
        self.data = data

    def __getitem__(self, key):
        if key not in self.data:
            raise DemoDataError(f"{shown(self.path)}: missing section '{key}'")
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)

    def records(self, section):
        rows = self.get(section) or []
        if not isinstance(rows, list):
            raise DemoDataError(f"{shown(self.path)}: section '{section}' must be a list of records")
        result = []
        for index, data in enumerate(rows, start=1):
            if not isinstance(data, dict):
                raise DemoDataError(f"{shown(self.path)}, {section} #{index}: a record must be a mapping")
            result.append(Record(self.path, section, index, data))
        return result


def read_path(path):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as missing:
        raise DemoDataError(f"{shown(path)}: no such demo file") from missing
    try:
        return DemoFile(path, yaml.safe_load(text))
    except yaml.YAMLError as bad:
        raise DemoDataError(f"{shown(path)}: not valid YAML: {bad}") from bad


@cache
def _read_cached(path):
    return read_path(path)


def read(app_label, name):
    """The demo file `kaifaqu/<app>/demo/<name>.yaml` (parsed once per process: the files ship with the code)."""
    return _read_cached(demo_folder(app_label) / f"{name}.yaml")


# -- references by natural key -------------------------------------------------------------------------------------


class Refs:
    """Rows looked up by natural key for the records that name them, once each; a name that matches nothing is the
    record's error, not a silent skip."""

    def __init__(self):
        self._rows = {}

    def one(self, record, model, what, **lookup):
        """The row of `model` matching `lookup` (a natural key); DemoDataError naming the record otherwise."""
        key = (model, tuple(sorted((name, str(value)) for name, value in lookup.items())))
        if key not in self._rows:
            self._rows[key] = model._default_manager.filter(**lookup).first()
        row = self._rows[key]
        if row is None:
            value = "、".join(str(v) for k, v in lookup.items() if k not in ("zone", "zone_id"))
            raise record.error(f"unknown {what} '{value}'")
        return row

    def first(self, record, model, what, names, field="name", **scope):
        """The first of `names` (one name or a list, in order of preference) that exists within `scope`."""
        names = [names] if isinstance(names, str) else list(names)
        found = {getattr(row, field): row for row in model._default_manager.filter(**{f"{field}__in": names}, **scope)}
        for name in names:
            if name in found:
                return found[name]
        raise record.error(f"unknown {what} '{'、'.join(names)}'")


# -- writing -------------------------------------------------------------------------------------------------------


def cast(record, model, values):
    """Field values of a record as `model` stores them: dates from ISO text, decimals from numbers written in the
    file (through their text, so 0.85 stays 0.85). An unknown field name is the record's error."""
    result = {}
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist as unknown:
            raise record.error(f"unknown field '{name}' of {model.__name__}") from unknown
        result[name] = cast_value(record, field, value)
    return result


def cast_value(record, field, value):
    if value is None:
        return None
    try:
        if isinstance(field, models.DecimalField):
            return Decimal(str(value))
        if isinstance(field, models.DateField) and not isinstance(value, datetime.date):
            return datetime.date.fromisoformat(str(value))
    except (ArithmeticError, ValueError) as bad:
        raise record.error(f"field '{field.name}': cannot read '{value}'") from bad
    return value


def save(obj, actor, reason):
    """Create or update `obj` as a service does: validated as a whole, saved in the actor's name with a reason."""
    obj.full_clean()
    attributed(obj, actor, reason).save()
    return obj
