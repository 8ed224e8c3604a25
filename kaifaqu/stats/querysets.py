"""Reusable reads of statistics rows as queryset methods (scope comes from core.scoping.ScopedQuerySet).

The managers of DataSetAssignment and Value are built from these (`ScopedManager.from_queryset`), so
`DataSetAssignment.objects.restrict(user, "view").covering(period)` and `Value.objects.current().for_period(p)` chain.
Reads that answer with tables rather than querysets live beside them, plainly named: `periods.py` (the reporting
periods of a data set, deadlines, the lock), `reporting.py` (who must report and who did, one firm's figures beside
its form); `permissions.py` says who may do what.

This module imports no model: models.py imports it.
"""

from django.db import transaction
from django.db.models import Q

from kaifaqu.core.scoping import ScopedQuerySet


def active_assignment_q(period, prefix=""):
    """Q for assignments that cover `period` (on DataSetAssignment, or through `prefix` from another model)."""
    return Q(**{f"{prefix}from_period__lte": period}) & (
        Q(**{f"{prefix}to_period__isnull": True}) | Q(**{f"{prefix}to_period__gte": period})
    )


class DataSetAssignmentQuerySet(ScopedQuerySet):
    def covering(self, period):
        """Assignments whose span covers `period` (the firm must report it)."""
        return self.filter(active_assignment_q(period))

    def overlapping(self, from_period, to_period=None):
        """Assignments whose span meets [from_period, to_period] (open-ended when `to_period` is None)."""
        rows = self.filter(Q(to_period__isnull=True) | Q(to_period__gte=from_period))
        return rows if to_period is None else rows.filter(from_period__lte=to_period)


class ValueQuerySet(ScopedQuerySet):
    def current(self):
        """The current revision of each figure (a correction keeps the revisions it replaces, not current)."""
        return self.filter(is_current=True)

    def for_period(self, period):
        return self.filter(period=period)

    def bulk_create(self, objs, *args, **kwargs):
        """bulk_create, and the summary rows of what it wrote refreshed in the same transaction (it sends no save
        signal; the seeders and fixtures write values this way). QuerySet.update() refreshes nothing: a bulk change
        of stored values outside the services is followed by `manage.py rebuild_stats_summaries`."""
        from .summaries import refresh_written  # summaries imports the models, which import this module

        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            refresh_written({(v.enterprise_id, v.zone_id, v.indicator_id, v.period) for v in created})
        return created
