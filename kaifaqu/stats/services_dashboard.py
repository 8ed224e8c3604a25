"""Writes of the leaders' pages: annual targets. Attributed through simple-history. (The 规上/四上 directory and the
duties it drives are kaifaqu.stats.directory.)"""

from django.db import transaction

from kaifaqu.core.history import attributed

from .models import Target


def save_with_history(instance, actor):
    attributed(instance, actor)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def set_target(*, actor, zone, year, indicator, value, growth_target_pct=None, source="zone"):
    """全年目标 of a zone for an indicator: created, or changed in place (history keeps the earlier value)."""
    target = Target.objects.filter(zone=zone, year=year, indicator=indicator).first() or Target(
        zone=zone, year=year, indicator=indicator
    )
    target.value, target.growth_target_pct, target.source = value, growth_target_pct, source
    return save_with_history(target, actor)
