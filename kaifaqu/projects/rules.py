"""Pure project rules: date order, time limits, progress totals, completion rates and 三个一批 batches (no ORM)."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from kaifaqu.core.periods import make_period, month_of, previous_month, year_of

from .choices import ApprovalStatusChoices

PERCENT = Decimal("0.01")
PENDING = {ApprovalStatusChoices.NOT_STARTED, ApprovalStatusChoices.PREPARING, ApprovalStatusChoices.SUBMITTED}


def approval_due_on(submitted_on, time_limit_days, planned_on):
    """The date an approval matter is due: the earlier of the planned date and acceptance + statutory limit."""
    candidates = [planned_on] if planned_on else []
    if submitted_on and time_limit_days is not None:
        candidates.append(submitted_on + datetime.timedelta(days=time_limit_days))
    return min(candidates) if candidates else None


def approval_overdue(status, due_on, today):
    return status in PENDING and due_on is not None and due_on < today


@dataclass(frozen=True)
class StageDate:
    order: int
    name: str
    actual_on: datetime.date | None


def out_of_order(dates):
    """Pairs (later stage, earlier stage) where the later stage of the ladder has an earlier actual date.

    E.g. 开工 2023-05-01 before 签约 2023-05-29 gives [("开工", "签约")]. Stages without a date are skipped.
    """
    dated = sorted((d for d in dates if d.actual_on), key=lambda d: d.order)
    pairs = []
    for index, later in enumerate(dated):
        for earlier in dated[:index]:
            if later.actual_on < earlier.actual_on:
                pairs.append((later.name, earlier.name))
    return pairs


def running_totals(reports):
    """Year-to-date and since-start totals for a project's reports in order: [(period, decade, amount)] →
    [(period, decade, amount, year_to_date, since_start)]. Cumulation of the year restarts in January."""
    rows, year, ytd, total = [], None, Decimal(0), Decimal(0)
    for period, decade, amount in sorted(reports, key=lambda r: (r[0], r[1])):
        if amount < 0:
            raise ValueError("amount must not be negative")
        if period // 100 != year:
            year, ytd = period // 100, Decimal(0)
        ytd += amount
        total += amount
        rows.append((period, decade, amount, ytd, total))
    return rows


def amount_from_cumulative(cumulative, previous_since_start):
    """当期完成 derived from a reported 开工至报告期累计: refused (None) when the total would decrease."""
    if cumulative < previous_since_start:
        return None
    return cumulative - previous_since_start


def pct(part, whole):
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole) * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def schedule_pct(month):
    """时序进度 in percent: months elapsed ÷ 12 (1—2月 = 16.67%)."""
    return (Decimal(month) / Decimal(12) * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def batch_members(milestone_dates, starts_on, ends_on, overrides=()):
    """Projects in a batch: those whose milestone date falls in [starts_on, ends_on], then manual overrides.

    milestone_dates: {project_id: date}; overrides: iterable of (project_id, include: bool).
    """
    members = {pid for pid, day in milestone_dates.items() if day and starts_on <= day <= ends_on}
    for project_id, include in overrides:
        if include:
            members.add(project_id)
        else:
            members.discard(project_id)
    return members


def progress_deadline(period):
    """The last day a month's progress may be reported: day N (PROJECT_PROGRESS_DEADLINE_DAY) of the next month."""
    year, month = year_of(period), month_of(period)
    day = settings.PROJECT_PROGRESS_DEADLINE_DAY
    return datetime.date(year + 1, 1, day) if month == 12 else datetime.date(year, month + 1, day)


def progress_period(today):
    """The month whose progress is being reported now: last month."""
    return previous_month(make_period(today.year, today.month))


def closed_progress_period(today):
    """The latest month whose progress deadline has passed: progress not in by then is late."""
    period = progress_period(today)
    return period if progress_deadline(period) < today else previous_month(period)


def progress_closed_reason(period):
    """Why a closed month's progress form is read-only, as the form says it (the month, its deadline, whom to ask)."""
    return _("%(year)s年%(month)s月已截止（截止日 %(deadline)s），如需修改请联系管委会重新开放") % {
        "year": year_of(period),
        "month": month_of(period),
        "deadline": progress_deadline(period).isoformat(),
    }
