"""What the imports of the apps above zones share about zones: the 所属开发区 look-up and the zone an upload is for.

It lives here, not in the core's engine, because the core knows no zones (core ← accounts ← zones ← …).
"""

from django.utils.translation import gettext as _

from kaifaqu.core.imports.parsers import CellError, normalize_label

from .models import Zone


def zone_table(zones):
    """The table of a zone Lookup: {normalized full or short name: zone}; a short name shared by two zones is a
    CellError naming the problem (the user writes the full name)."""
    table = {}
    zones = list(zones)
    for zone in zones:
        table[normalize_label(zone.name)] = zone
    for zone in zones:
        if not zone.short_name:
            continue
        key = normalize_label(zone.short_name)
        current = table.get(key)
        if current is None:
            table[key] = zone
        elif current != zone and normalize_label(current.name) != key:
            table[key] = CellError(_("简称“%(value)s”对应多个开发区，请填写全称") % {"value": zone.short_name})
    return table


def only_zone(zone_ids):
    """The zone an upload is for when the user writes in exactly one zone (`zone_ids`), else None."""
    zone_ids = list(zone_ids or ())
    return Zone.objects.filter(pk__in=zone_ids).first() if len(zone_ids) == 1 else None
