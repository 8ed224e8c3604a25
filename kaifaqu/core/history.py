"""Change history as users read it: who, when, what changed from what to what (django-simple-history).

Related objects are shown by name, not by id, and the page costs a fixed number of queries however long the history:
many-to-many snapshots are read in one query per field (simple-history's diff_against would run two per record)
and the names behind changed foreign keys in one query per related model.
"""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import ManyToManyField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bulk import attributes, insert_rows

CHANGE_TYPES = {"+": _("创建"), "~": _("修改"), "-": _("删除")}
LINKS_PER_QUERY = 2000  # objects whose many-to-many links one query reads


def attributed(obj, actor, reason=""):
    """Name who makes the next save or delete of `obj` (and why) in its history — every write is attributable.

    django-simple-history reads these two attributes when it writes the history row; set them here, not by hand."""
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    return obj


def display_value(field, value, names=None):
    """`names` maps (related model, pk) to the object's text for relations; yes/no for booleans, not True/False."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if field.is_relation and names is not None:
        model = field.related_model
        if isinstance(value, list | tuple | set | frozenset):
            return "、".join(names.get((model, pk), f"#{pk}") for pk in value) or "—"
        return names.get((model, value), f"#{value}")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


def m2m_snapshots(records, m2m_fields):
    """{field name: {history_id: frozenset of related pks}} for every record, one query per field."""
    if not records:
        return {}
    history_model = type(records[0])
    ids = [record.history_id for record in records]
    snapshots = {}
    for field in m2m_fields:
        through = getattr(history_model, field.name).model
        related = f"{field.m2m_reverse_field_name()}_id"
        rows = defaultdict(set)
        for history_id, pk in through.objects.filter(history_id__in=ids).values_list("history_id", related):
            rows[history_id].add(pk)
        snapshots[field.name] = {history_id: frozenset(pks) for history_id, pks in rows.items()}
    return snapshots


def history_entries(obj, limit=50):
    """The newest `limit` changes of `obj`, each with its field-level differences."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    m2m_fields = list(getattr(type(records[0]), "_history_m2m_fields", [])) if records else []
    snapshots = m2m_snapshots(records, m2m_fields)
    order = {field.name: index for index, field in enumerate(obj._meta.get_fields())}
    wanted = defaultdict(set)  # related model -> pks whose names are shown
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=[field.name for field in m2m_fields])
            changes = [(obj._meta.get_field(change.field), change.old, change.new) for change in delta.changes]
            for field in m2m_fields:
                old = snapshots[field.name].get(previous.history_id, frozenset())
                new = snapshots[field.name].get(record.history_id, frozenset())
                if old != new:
                    changes.append((obj._meta.get_field(field.name), sorted(old), sorted(new)))
            changes.sort(key=lambda change: order.get(change[0].name, len(order)))
            for field, old, new in changes:
                if field.is_relation:
                    for value in (old, new):
                        wanted[field.related_model].update(value if isinstance(value, list) else [value])
        entries.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": CHANGE_TYPES.get(record.history_type, record.history_type),
                "reason": record.history_change_reason,
                "changes": changes,
            }
        )
    names = {
        (model, pk): str(related)
        for model, pks in wanted.items()
        for pk, related in model._base_manager.in_bulk([pk for pk in pks if pk is not None]).items()
    }
    for entry in entries:
        entry["changes"] = [
            {
                "field": getattr(field, "verbose_name", field.name),
                "old": display_value(field, old, names),
                "new": display_value(field, new, names),
            }
            for field, old, new in entry["changes"]
        ]
    return entries


# Writing history for bulk writes (bulk_create/bulk_update skip the signals): attributable, with many-to-many fields.


HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user")


def bulk_history(model, objs, *, user, reason="", update=False):
    """Historical records for objects written with bulk_create/bulk_update, with their m2m state; returns
    {object id: history id}."""
    from simple_history.utils import get_change_reason_from_object

    history_model = model.history.model
    if not objs or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return {}
    tracked = list(history_model.tracked_fields)
    fields = [history_model._meta.get_field(f.name) for f in tracked] + [
        history_model._meta.get_field(name) for name in HISTORY_FIELDS
    ]
    if {f.name for f in history_model._meta.concrete_fields} != {f.name for f in fields} | {"history_id"}:
        # No history model of ours adds fields of its own; one that does needs its values here, not silent blanks.
        raise ImproperlyConfigured(f"bulk_history: {history_model.__name__} has fields beyond the tracked ones")
    # The rows simple-history's bulk_history_create would build as model instances, as plain tuples: an instance a
    # row cost as much as the INSERT itself (see kaifaqu/core/bulk.py).
    now = timezone.now()
    history_type = "~" if update else "+"
    values = attributes([f.attname for f in tracked])
    rows = [
        (
            *values(obj),
            getattr(obj, "_history_date", now),
            get_change_reason_from_object(obj) or reason,
            history_type,
            getattr(getattr(obj, "_history_user", user), "pk", None),
        )
        for obj in objs
    ]
    keys = insert_rows(history_model, fields, rows, returning=True)
    by_object = {obj.pk: key for obj, key in zip(objs, keys, strict=True)}
    m2m_history_rows(model, history_model, by_object)
    return by_object


def m2m_history_rows(model, history_model, by_object):
    """The many-to-many state of each object beside its new historical record (`by_object`: object id → history
    id), as simple-history keeps it: a row per link, one query per LINKS_PER_QUERY objects."""
    m2m_fields = [f for f in getattr(history_model, "_history_m2m_fields", ()) if isinstance(f, ManyToManyField)]
    for m2m_field in m2m_fields:
        through = m2m_field.remote_field.through
        m2m_history = _m2m_history_model(model, m2m_field)
        source = m2m_field.m2m_field_name()
        target = m2m_field.m2m_reverse_field_name()
        rows = []
        for links in links_of(through, source, sorted(by_object)):
            links = links.values_list("id", f"{source}_id", f"{target}_id")
            rows += [(link, obj, other, by_object[obj]) for link, obj, other in links if obj in by_object]
        fields = [m2m_history._meta.get_field(name) for name in ("id", source, target, "history")]
        insert_rows(m2m_history, fields, rows)


def links_of(through, source, ids):
    """Querysets of the `through` rows of the objects `ids` (sorted). Keys of one bulk INSERT are about consecutive:
    then one range query (the caller drops the rows of other objects in it) instead of LINKS_PER_QUERY keys a query,
    each prepared by Django one by one."""
    if ids and ids[-1] - ids[0] < 2 * len(ids):
        yield through.objects.filter(**{f"{source}_id__gte": ids[0], f"{source}_id__lte": ids[-1]})
        return
    for start in range(0, len(ids), LINKS_PER_QUERY):
        yield through.objects.filter(**{f"{source}_id__in": ids[start : start + LINKS_PER_QUERY]})


def _m2m_history_model(model, m2m_field):
    from simple_history.models import HistoricalRecords

    for candidate_field, history_model in HistoricalRecords.m2m_models.items():
        if candidate_field is m2m_field or (candidate_field.model is model and candidate_field.name == m2m_field.name):
            return history_model
    raise LookupError(f"no m2m history model for {model.__name__}.{m2m_field.name}")
