"""The reporting periods of a data set: their labels, the ones due, the one firms report now, the periods shown beside
a form, the deadline and whether a period is still open for entry in a zone.

Period arithmetic without a data set is kaifaqu.core.periods, the calendar rules are .calendar (both pure); this adds
the data set's settings and, for the lock, the zone's reopenings.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.core.periods import (
    cumulative_title,
    format_period,
    make_period,
    month_of,
    month_title,
    parse_period,
    previous_month,
    year_of,
)

from .calendar import deadline, is_due_period
from .models import DataSet, PeriodReopening


def period_label(period, data_set=None):
    """A data set's period as the forms read it: "2025年3月" / "Mar 2025", an exempt January's February
    "2025年1—2月" / "Jan–Feb 2025", an annual period "2025年"."""
    if data_set is not None and data_set.period_type == "annual":
        return _("%(year)s年") % {"year": year_of(period)}
    if data_set is not None and data_set.january_exempt and month_of(period) == 2:
        return cumulative_title(period)
    return month_title(period)


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


def comparison_periods(data_set, period):
    """(previous period of the same series, same period last year, and the period before that last year)."""
    if data_set.period_type == "annual":
        return None, period - 100, None
    return previous_month(period), period - 100, previous_month(period - 100)


# -- deadline and lock ---------------------------------------------------------------------------------------------


def due_date(data_set, period):
    """The last day to report `period` of `data_set` (kaifaqu.stats.calendar.deadline with the data set's settings)."""
    return deadline(
        period,
        period_type=data_set.period_type,
        deadline_day=data_set.deadline_day,
        annual_deadline_month=data_set.annual_deadline_month,
    )


def period_is_open(data_set, zone_id, period, now=None):
    """Open until the deadline; after it, only if the data set does not lock or a zone admin reopened it."""
    now = now or timezone.now()
    if not data_set.lock_after_deadline or now.date() <= due_date(data_set, period):
        return True
    return PeriodReopening.objects.open_for(zone_id, period, now).filter(data_set=data_set).exists()


def open_periods(data_set, zone_id, periods, now=None):
    """The periods of `periods` still open for entry in a zone (one query; the rule of period_is_open)."""
    now = now or timezone.now()
    if not data_set.lock_after_deadline:
        return list(periods)
    reopened = set(
        PeriodReopening.objects.open(now)
        .filter(data_set=data_set, zone_id=zone_id, period__in=list(periods))
        .values_list("period", flat=True)
    )
    return [p for p in periods if p in reopened or now.date() <= due_date(data_set, p)]


def last_closed_period(data_set, today=None):
    """The latest due period of a data set whose deadline has passed: every firm's report is in or late."""
    today = today or timezone.localdate()
    return next(p for p in due_periods(data_set, today, count=3) if due_date(data_set, p) < today)


def closed_period_of(indicator, today=None):
    """The last closed period of the monthly form an indicator is reported on (None if no monthly form has it).
    Headlines read it rather than the month being reported now, which would read as a fall."""
    data_set = DataSet.objects.filter(period_type="monthly", indicators=indicator).order_by("pk").first()
    return last_closed_period(data_set, today) if data_set else None


def locked_reason(data_set, period):
    """Why a locked period's form is read-only, as the form says it: the period, its deadline and who can reopen it."""
    return _("%(period)s已截止并锁定（截止日 %(deadline)s），如需修改请联系管委会重新开放。") % {
        "period": period_label(period, data_set),
        "deadline": due_date(data_set, period).isoformat(),
    }
