"""Reporting periods and the arithmetic of statistics (pure functions, no ORM).

A monthly period is the integer yyyymm. Flow indicators are cumulative from January (1—N月); January and
February are reported together as 1—2月 when a data set exempts January. 时序进度 = months elapsed ÷ 12.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext, gettext_noop

PERCENT = Decimal("0.01")
PERIOD_PATTERN = re.compile(r"^\s*(\d{4})\s*[-/年.]?\s*(\d{1,2})\s*月?\s*$")


def make_period(year, month):
    if not 1 <= month <= 12:
        raise ValueError("month must be 1..12")
    return year * 100 + month


def year_of(period):
    return period // 100


def month_of(period):
    return period % 100


def parse_period(text):
    """'2025-03', '2025/3', '202503', '2025年3月' → 202503. Raises ValueError otherwise."""
    text = str(text).strip()
    if re.fullmatch(r"\d{6}", text):
        year, month = int(text[:4]), int(text[4:])
    else:
        match = PERIOD_PATTERN.match(text)
        if not match:
            raise ValueError(f"not a period: {text!r}")
        year, month = int(match.group(1)), int(match.group(2))
    return make_period(year, month)


def format_period(period):
    return f"{year_of(period)}-{month_of(period):02d}"


def previous_month(period):
    year, month = year_of(period), month_of(period)
    return make_period(year - 1, 12) if month == 1 else make_period(year, month - 1)


def same_period_last_year(period):
    return period - 100


# The months' names in the user's language: "1月" / "Jan" (chart axes, period titles).
MONTH_NAMES = (
    gettext_noop("1月"),
    gettext_noop("2月"),
    gettext_noop("3月"),
    gettext_noop("4月"),
    gettext_noop("5月"),
    gettext_noop("6月"),
    gettext_noop("7月"),
    gettext_noop("8月"),
    gettext_noop("9月"),
    gettext_noop("10月"),
    gettext_noop("11月"),
    gettext_noop("12月"),
)


def month_name(month):
    """ "10月" / "Oct"."""
    return gettext(MONTH_NAMES[month - 1])


def month_names():
    """The twelve months' names, for a chart's axis."""
    return [month_name(m) for m in range(1, 13)]


def cumulative_label(period):
    """The months of a cumulative figure without the year: "1—10月" / "Jan–Oct" ("1月" / "Jan" for January)."""
    month = month_of(period)
    if month == 1:
        return month_name(1)
    return gettext("1—%(last)s") % {"last": month_name(month)}


def cumulative_title(period):
    """THE title of a cumulative period: "2025年1—10月" / "Jan–Oct 2025" ("2025年1月" / "Jan 2025" for January)."""
    year, month = year_of(period), month_of(period)
    if month == 1:
        return month_title(period)
    return gettext("%(year)d年1—%(last)s") % {"year": year, "last": month_name(month)}


def month_title(period):
    """One month with its year: "2025年3月" / "Mar 2025"."""
    return gettext("%(year)d年%(month)s") % {"year": year_of(period), "month": month_name(month_of(period))}


def schedule_share(period):
    """时序进度: the share of the year elapsed at the end of the period (1—2月 = 2/12 = 16.67%)."""
    return Decimal(month_of(period)) / Decimal(12)


def growth_pct(current, previous):
    """Growth in percent, rounded to 0.01; None when there is nothing to compare with (previous 0 or missing)."""
    if current is None or previous is None or previous == 0:
        return None
    return ((Decimal(current) / Decimal(previous) - 1) * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def share_pct(part, whole):
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole) * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def contribution_pct(current, previous, previous_total):
    """拉动: a firm's contribution to the group's growth, in percentage points."""
    if not previous_total:
        return None
    return ((Decimal(current or 0) - Decimal(previous or 0)) / Decimal(previous_total) * 100).quantize(
        PERCENT, rounding=ROUND_HALF_UP
    )


def schedule_gap_points(value, target, period):
    """超/低于时序进度: completion of the annual target minus the share of the year elapsed, in points."""
    if value is None or not target:
        return None
    completion = Decimal(value) / Decimal(target)
    return ((completion - schedule_share(period)) * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def monthly_from_cumulative(cumulative, *, january_exempt=False):
    """Current-month figures derived from 1—N月 cumulative figures {month: value} of one year.

    With January exempt, February's figure is 1—2月 as a whole. A month whose predecessor is missing has no
    derived figure (None): it is never guessed.
    """
    months = {}
    for month in sorted(cumulative):
        value = cumulative[month]
        if month == 1 or (month == 2 and january_exempt):
            months[month] = value
        elif month - 1 in cumulative and value is not None and cumulative[month - 1] is not None:
            months[month] = value - cumulative[month - 1]
        else:
            months[month] = None
    return months
