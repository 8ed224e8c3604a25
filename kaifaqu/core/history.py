"""Change history as users read it: who, when, what changed from what to what (django-simple-history).

Related objects are shown by name, not by id, and the page costs a fixed number of queries however long the history:
many-to-many snapshots are read in one query per field (simple-history's diff_against would run two per record)
and the names behind changed foreign keys in one query per related model.
"""

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

CHANGE_TYPES = {"+": _("创建"), "~": _("修改"), "-": _("删除")}


def attributed(obj, actor, reason=""):
    """Name who makes the next save or delete of `obj` (and why) in its history — every write is attributable.

    django-simple-history reads these two attributes when it writes the history row; set them here, not by hand."""
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    return obj


def display_value(field, value, names=None):
    """`names` maps (related model, pk) to the object's text for relations."""
    if value in (None, ""):
        return "—"
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
