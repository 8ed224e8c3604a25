"""Reads of firms' reporting: which firms must report a data set for a period and which have, and one firm's figures
beside its form (other periods, the 上年同期 it reported, the revisions of each figure). Each is a fixed number of
queries."""

from collections import defaultdict

from django.db.models import Exists, OuterRef

from .models import DataSetAssignment, Value


def assigned_enterprises(enterprises, data_set, period):
    """The firms of `enterprises` (a queryset) assigned to report `data_set` for `period`."""
    assignments = DataSetAssignment.objects.covering(period).filter(data_set=data_set)
    return enterprises.filter(pk__in=assignments.values("enterprise_id"))


def with_reported(enterprises, data_set, period):
    """Annotate `is_reported`: the firm has a current figure of one of the data set's indicators for the period."""
    reported = (
        Value.objects.current()
        .for_period(period)
        .filter(enterprise=OuterRef("pk"), indicator__in=data_set.indicators.values("pk"))
    )
    return enterprises.annotate(is_reported=Exists(reported))


# -- one firm's figures beside its form ----------------------------------------------------------------------------


def figures_by_period(enterprise, indicator_ids, periods):
    """{period: {indicator_id: Decimal}} of the current values of one firm (one query)."""
    table = defaultdict(dict)
    values = Value.objects.current().filter(
        enterprise=enterprise, indicator_id__in=indicator_ids, period__in=[p for p in periods if p]
    )
    for period, indicator_id, value in values.values_list("period", "indicator_id", "value"):
        table[period][indicator_id] = value
    return table


def reported_priors(enterprise, period, items):
    """{indicator code: Decimal} of the 上年同期 the firm reported with its current figures of the period."""
    rows = (
        Value.objects.current()
        .for_period(period)
        .filter(
            enterprise=enterprise,
            indicator_id__in=[item.indicator_id for item in items],
            reported_prior__isnull=False,
        )
    )
    return dict(rows.values_list("indicator__code", "reported_prior"))


def revisions_by_indicator(enterprise, period, indicator_ids):
    """{indicator_id: [revision dicts, newest first]} with the value each revision replaced (one query)."""
    rows = (
        Value.objects.for_period(period)
        .filter(enterprise=enterprise, indicator_id__in=indicator_ids)
        .select_related("entered_by")
        .order_by("indicator_id", "revision")
    )
    history = defaultdict(list)
    for row in rows:
        earlier = history[row.indicator_id]
        earlier.append(
            {
                "revision": row.revision,
                "user": row.entered_by,
                "at": row.entered_at,
                "old": earlier[-1]["new"] if earlier else None,
                "new": row.value,
                "reason": row.reason,
                "source": row.get_source_display(),
                "is_current": row.is_current,
            }
        )
    return {key: list(reversed(items)) for key, items in history.items()}
