"""Shared reads of the statistics app: reporting periods, assignments, reported status, figures beside a form.

Several pages (entry, dashboard, quality) use these; append new helpers rather than changing existing ones.
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.core.periods import format_period, make_period, month_of, parse_period, previous_month, year_of

from .calendar import deadline, is_due_period
from .models import DataSetAssignment, PeriodReopening, Value

# -- periods -------------------------------------------------------------------------------------------------------


def period_label(period, data_set=None):
    """2025-03 → "2025年1—3月" style labels as the forms read; annual periods → "2025年"."""
    if data_set is not None and data_set.period_type == "annual":
        return _("%(year)s年") % {"year": year_of(period)}
    month = month_of(period)
    if data_set is not None and data_set.january_exempt and month == 2:
        return _("%(year)s年1—2月") % {"year": year_of(period)}
    return _("%(year)s年%(month)s月") % {"year": year_of(period), "month": month}


def latest_due_period(data_set, today=None):
    """The period firms report now: last month (skipping an exempt January), or last year for an annual set."""
    today = today or timezone.localdate()
    if data_set.period_type == "annual":
        return make_period(today.year - 1, 12)
    period = previous_month(make_period(today.year, today.month))
    if not is_due_period(period, january_exempt=data_set.january_exempt):
        period = previous_month(period)
    return period


def due_periods(data_set, today=None, count=24):
    """The most recent `count` due periods of a data set, newest first, from the one being reported now (last month;
    January left out when exempt)."""
    today = today or timezone.localdate()
    if data_set.period_type == "annual":
        return [make_period(today.year - 1 - n, 12) for n in range(max(count // 12, 3))]
    periods, period = [], latest_due_period(data_set, today)
    while len(periods) < count:
        if is_due_period(period, january_exempt=data_set.january_exempt):
            periods.append(period)
        period = previous_month(period)
    return periods


def parse_due_period(text, data_set):
    """A due period of the data set from "YYYY-MM", or None when the text is not one."""
    try:
        period = parse_period(text)
    except (TypeError, ValueError):
        return None
    if data_set.period_type == "annual":
        return make_period(year_of(period), 12)
    return period if is_due_period(period, january_exempt=data_set.january_exempt) else None


def period_choices(data_set, periods):
    return [(format_period(p), period_label(p, data_set)) for p in periods]


# -- assignments and reported status -------------------------------------------------------------------------------


def active_assignment_q(period, prefix=""):
    """Q for assignments that cover `period` (on DataSetAssignment, or through `prefix` from another model)."""
    return Q(**{f"{prefix}from_period__lte": period}) & (
        Q(**{f"{prefix}to_period__isnull": True}) | Q(**{f"{prefix}to_period__gte": period})
    )


def assigned_enterprises(enterprises, data_set, period):
    """The firms of `enterprises` (a queryset) assigned to report `data_set` for `period`."""
    assignments = DataSetAssignment.objects.filter(active_assignment_q(period), data_set=data_set)
    return enterprises.filter(pk__in=assignments.values("enterprise_id"))


def with_reported(enterprises, data_set, period):
    """Annotate `is_reported`: the firm has a current figure of one of the data set's indicators for the period."""
    reported = Value.objects.filter(
        enterprise=OuterRef("pk"),
        period=period,
        is_current=True,
        indicator__in=data_set.indicators.values("pk"),
    )
    return enterprises.annotate(is_reported=Exists(reported))


# -- who may enter figures -----------------------------------------------------------------------------------------


def is_enterprise_user_of(user, enterprise):
    return any(
        m.role == RoleChoices.ENTERPRISE_USER and m.enterprise_id == enterprise.pk for m in user.active_memberships
    )


def may_enter_figures(user, enterprise):
    """Staff with the statistics domain in the firm's zone, its zone admin, the firm's own users, system admin.

    Visibility (the firm in the user's view scope) is decided by restrict() before this is asked.
    """
    if not user.is_authenticated:
        return False
    return user.can_add_in_zone(Value.scope, enterprise.zone_id) or is_enterprise_user_of(user, enterprise)


# -- figures beside the form ---------------------------------------------------------------------------------------


def comparison_periods(data_set, period):
    """(previous period of the same series, same period last year, and the period before that last year)."""
    if data_set.period_type == "annual":
        return None, period - 100, None
    return previous_month(period), period - 100, previous_month(period - 100)


def figures_by_period(enterprise, indicator_ids, periods):
    """{period: {indicator_id: Decimal}} of the current values of one firm (one query)."""
    table = defaultdict(dict)
    values = Value.objects.filter(
        enterprise=enterprise, indicator_id__in=indicator_ids, period__in=[p for p in periods if p], is_current=True
    )
    for period, indicator_id, value in values.values_list("period", "indicator_id", "value"):
        table[period][indicator_id] = value
    return table


def reported_priors(enterprise, period, items):
    """{indicator code: Decimal} of the 上年同期 the firm reported with its current figures of the period."""
    rows = Value.objects.filter(
        enterprise=enterprise,
        period=period,
        is_current=True,
        indicator_id__in=[item.indicator_id for item in items],
        reported_prior__isnull=False,
    )
    return dict(rows.values_list("indicator__code", "reported_prior"))


def revisions_by_indicator(enterprise, period, indicator_ids):
    """{indicator_id: [revision dicts, newest first]} with the value each revision replaced (one query)."""
    rows = (
        Value.objects.filter(enterprise=enterprise, period=period, indicator_id__in=indicator_ids)
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


def open_periods(data_set, zone_id, periods, now=None):
    """The periods of `periods` still open for entry in a zone (one query; the rule of services.period_is_open)."""
    now = now or timezone.now()
    if not data_set.lock_after_deadline:
        return list(periods)
    reopened = set(
        PeriodReopening.objects.filter(
            data_set=data_set, zone_id=zone_id, period__in=list(periods), closes_at__gt=now
        ).values_list("period", flat=True)
    )
    return [
        p
        for p in periods
        if p in reopened
        or now.date()
        <= deadline(
            p,
            period_type=data_set.period_type,
            deadline_day=data_set.deadline_day,
            annual_deadline_month=data_set.annual_deadline_month,
        )
    ]
