"""Reporting calendar: when a period's figures are due and whether the period is still open (pure)."""

import datetime

from kaifaqu.core.periods import month_of, year_of


def deadline(period, *, period_type, deadline_day, annual_deadline_month=3):
    """The last day figures for `period` may be entered: day N of the next month (annual: of month M next year)."""
    year, month = year_of(period), month_of(period)
    if period_type == "annual":
        return datetime.date(year + 1, annual_deadline_month, deadline_day)
    if month == 12:
        return datetime.date(year + 1, 1, deadline_day)
    return datetime.date(year, month + 1, deadline_day)


def is_due_period(period, *, january_exempt):
    """January of a data set that exempts it is not a reporting period (1—2月 comes in February)."""
    return not (january_exempt and month_of(period) == 1)
