"""Configuration writes of the system administrator: a form's (报表's) settings and its indicators, and the validation
rules. Attributed in the history and audited as a configuration change."""

from dataclasses import dataclass

from django.db import transaction

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core.cache import REFERENCE, bump
from kaifaqu.core.history import attributed

from ..models import DataSetIndicator
from .common import save_with_history


@dataclass(frozen=True)
class FormItem:
    """An indicator on a form, at a position, required or not."""

    indicator: object
    order: int
    is_required: bool = True


@transaction.atomic
def save_data_set(*, actor, data_set, items, changed=(), request=None):
    """Save the form's settings (`changed`: the names of the settings that changed, for the audit) and make its
    indicators exactly `items`: new ones added, missing ones removed, the others reordered. Figures already
    entered stay; assignments and the scope of past periods are not touched."""
    save_with_history(data_set, actor)
    current = {
        item.indicator_id: item
        for item in DataSetIndicator.objects.filter(data_set=data_set).select_related("indicator")
    }
    wanted = {item.indicator.pk: item for item in items}
    removed = [item for pk, item in current.items() if pk not in wanted]
    for item in removed:
        item.delete()
    added, reordered = [], []
    for pk, want in wanted.items():
        row = current.get(pk)
        if row is None:
            added.append(
                DataSetIndicator(
                    data_set=data_set, indicator=want.indicator, order=want.order, is_required=want.is_required
                )
            )
        elif (row.order, row.is_required) != (want.order, want.is_required):
            row.order, row.is_required = want.order, want.is_required
            reordered.append(row)
    DataSetIndicator.objects.bulk_create(added)
    DataSetIndicator.objects.bulk_update(reordered, ["order", "is_required"])
    bump(REFERENCE)  # bulk writes send no signals: the cached forms of each indicator
    codes = {item.indicator.pk: item.indicator.code for item in items}
    record_event(
        AuditEventChoices.CONFIG_CHANGE,
        request=request,
        user=actor,
        obj=data_set,
        detail={
            "action": "data_set_edit",
            "data_set": data_set.code,
            "changed": sorted(changed),
            "added": sorted(codes[item.indicator_id] for item in added),
            "removed": sorted(item.indicator.code for item in removed),
            "reordered": sorted(codes[item.indicator_id] for item in reordered),
        },
    )
    return {"added": len(added), "removed": len(removed), "reordered": len(reordered)}


@transaction.atomic
def save_validation_rule(*, actor, rule, changed=(), request=None):
    """A validation rule added or edited by the system administrator (the rule form has run its full_clean)."""
    adding = rule.pk is None
    attributed(rule, actor).save()
    record_event(
        AuditEventChoices.CONFIG_CHANGE,
        request=request,
        user=actor,
        obj=rule,
        detail={"action": "validation_rule_add" if adding else "validation_rule_edit", "changed": list(changed)},
    )
    return rule
