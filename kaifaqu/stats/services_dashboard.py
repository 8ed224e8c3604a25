"""Writes of the leaders' pages: annual targets and 规上/四上 status. Attributed through simple-history."""

from django.db import transaction

from .models import EnterpriseYearStatus, Target


def save_with_history(instance, actor):
    instance._history_user = actor
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


@transaction.atomic
def record_year_status(*, actor, enterprise, year, category, entered_on=None, note=""):
    """A firm's 四上 category in a year, as in the statistics bureau's directory (one row per firm and year)."""
    status = EnterpriseYearStatus.objects.filter(enterprise=enterprise, year=year).first() or EnterpriseYearStatus(
        enterprise=enterprise, year=year
    )
    status.category, status.entered_on, status.note = category, entered_on, note
    return save_with_history(status, actor)
