"""Writes of the leaders' pages: annual targets (全年目标). Attributed through simple-history."""

from django.db import transaction

from ..models import Target
from .common import save_with_history


@transaction.atomic
def set_target(*, actor, zone, year, indicator, value, growth_target_pct=None, source="zone"):
    """全年目标 of a zone for an indicator: created, or changed in place (history keeps the earlier value)."""
    target = Target.objects.filter(zone=zone, year=year, indicator=indicator).first() or Target(
        zone=zone, year=year, indicator=indicator
    )
    target.value, target.growth_target_pct, target.source = value, growth_target_pct, source
    return save_with_history(target, actor)
