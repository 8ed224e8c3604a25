"""POST payloads of the statistics configuration pages, shared by their tests and the authorization matrix."""

from kaifaqu.stats.models import Indicator

PREFIX = "items"


def data_set_payload(data_set, *, add=(), remove=(), **changes):
    """The edit page of `data_set` as submitted: its settings (with `changes`), its indicators less the codes in
    `remove` (ticked 删除), and one new row per code in `add`."""
    data = {
        "name": data_set.name,
        "deadline_day": data_set.deadline_day,
        "scope_categories": list(data_set.scope_categories),
    }
    for flag in ("january_exempt", "lock_after_deadline"):
        if getattr(data_set, flag):
            data[flag] = "on"
    data.update(changes)
    items = list(data_set.items.select_related("indicator").order_by("order", "pk"))
    rows = [(i.pk, i.indicator_id, i.order, i.is_required, i.indicator.code in remove) for i in items]
    rows += [(None, Indicator.objects.get(code=code).pk, 90 + n, True, False) for n, code in enumerate(add)]
    data.update(
        {
            f"{PREFIX}-TOTAL_FORMS": len(rows),
            f"{PREFIX}-INITIAL_FORMS": len(items),
            f"{PREFIX}-MIN_NUM_FORMS": 0,
            f"{PREFIX}-MAX_NUM_FORMS": 1000,
        }
    )
    for n, (pk, indicator, order, required, delete) in enumerate(rows):
        data[f"{PREFIX}-{n}-id"] = pk or ""
        data[f"{PREFIX}-{n}-indicator"] = indicator
        data[f"{PREFIX}-{n}-order"] = order
        if required:
            data[f"{PREFIX}-{n}-is_required"] = "on"
        if delete:
            data[f"{PREFIX}-{n}-DELETE"] = "on"
    return {key: value for key, value in data.items() if value is not None}
