"""Enterprise writes that change several rows or the firm's state."""

from django.db import transaction

from kaifaqu.core.cache import bump, zone_version
from kaifaqu.core.history import attributed

from .models import Relocation


@transaction.atomic
def relocate_enterprise(*, actor, enterprise, to_zone, to_park, moved_on, reason=""):
    """Move a firm to another park or zone, keeping where it came from as a Relocation record."""
    relocation = Relocation.objects.create(
        enterprise=enterprise,
        moved_on=moved_on,
        from_zone_id=enterprise.zone_id,
        from_park_id=enterprise.park_id,
        to_zone=to_zone,
        to_park=to_park,
        reason=reason,
        recorded_by=actor,
    )
    if to_zone.pk != enterprise.zone_id:
        enterprise.chains.clear()  # chains belong to a zone; a firm's chain memberships do not travel with it
        enterprise.service_department = None  # so does its liaison department (包联部门)
    enterprise.zone = to_zone
    enterprise.park = to_park
    attributed(enterprise, actor, reason)
    enterprise.save()
    bump(zone_version(relocation.from_zone_id))  # the save bumped the zone it moved to
    return relocation
