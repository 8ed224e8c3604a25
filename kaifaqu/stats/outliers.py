"""Outlier checks suited to skewed enterprise figures (pure: no ORM, no Django).

Enterprise figures are heavily skewed (a few large firms, many small ones), so the checks are relative to each
firm's own figures, never to a zone-wide mean and standard deviation:

- (a) YoY: the change of a firm's 1—N月 cumulative figure against the same period last year beyond a band;
- (b) MoM: a jump of the derived current-month figure against the previous month's beyond a band;
- (c) robust: the current-month figure far from the firm's own recent history, measured by the median and the
  median absolute deviation (MAD) — a modified z-score |x − median| / (1.4826 · MAD), 1.4826 making the MAD
  consistent with the standard deviation of a normal distribution (Iglewicz & Hoaglin's 3.5 cut-off).

Arithmetic is exact (fractions.Fraction over Decimal input), so scaling every figure by the same factor (万元 vs
元) never changes a result. Missing input is not zero: a check whose inputs are missing is skipped, never guessed.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# Band of acceptable YoY change of a cumulative figure, in percent: growth above +100% (more than doubled) or
# below -50% (halved) is flagged. Boundaries themselves pass ("beyond the band").
YOY_BAND = (Decimal(-50), Decimal(100))
# Band for the derived current-month figure against the previous month's: single months are more volatile than
# cumulative figures (shutdowns, lumpy orders), so the band is wider: above +200% or below -67%.
MOM_BAND = (Decimal(-67), Decimal(200))
# Robust score cut-off, the MAD's normal-consistency constant, how many derived months form the history and how
# many must be present for the score to mean anything.
ROBUST_THRESHOLD = Decimal("3.5")
MAD_SCALE = Decimal("1.4826")
HISTORY_MONTHS = 12
MIN_HISTORY = 6

CHECK_YOY = "yoy"
CHECK_MOM = "mom"
CHECK_ROBUST = "robust"


@dataclass(frozen=True)
class Finding:
    """One check that fired: `value` against `reference` (last year, last month, or the history's median)."""

    check: str
    value: Decimal
    reference: Decimal
    score: Decimal  # growth in percent (yoy, mom) or the robust score


def _fraction(value):
    return Fraction(Decimal(value)) if not isinstance(value, Fraction) else value


def _decimal(fraction, places="0.01"):
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


def change_pct(current, previous):
    """(current / previous − 1) × 100 exactly, or None when there is no positive base to compare with.

    A base of 0, a missing base or a negative base (a loss last year) gives no meaningful growth rate.
    """
    if current is None or previous is None:
        return None
    previous = _fraction(previous)
    if previous <= 0:
        return None
    return (_fraction(current) / previous - 1) * 100


def outside_band(pct, band):
    low, high = band
    return pct is not None and (pct < _fraction(low) or pct > _fraction(high))


def yoy_finding(current, last_year, band=YOY_BAND):
    """(a) The cumulative figure changed beyond `band` (percent) against the same period last year."""
    pct = change_pct(current, last_year)
    if not outside_band(pct, band):
        return None
    return Finding(CHECK_YOY, Decimal(current), Decimal(last_year), _decimal(pct))


def mom_finding(current_month, previous_month, band=MOM_BAND):
    """(b) The derived current-month figure jumped beyond `band` (percent) against the previous month's."""
    pct = change_pct(current_month, previous_month)
    if not outside_band(pct, band):
        return None
    return Finding(CHECK_MOM, Decimal(current_month), Decimal(previous_month), _decimal(pct))


def median(values):
    ordered = sorted(_fraction(v) for v in values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def robust_score(value, history, min_points=MIN_HISTORY):
    """|value − median| / (1.4826 · MAD) over `history` (exact Fraction), or None when it cannot be computed:
    fewer than `min_points` figures, or MAD = 0 (at least half the figures are equal: no spread to measure by)."""
    points = [_fraction(v) for v in history if v is not None]
    if value is None or len(points) < min_points:
        return None
    centre = median(points)
    mad = median([abs(p - centre) for p in points])
    if mad == 0:
        return None
    return abs(_fraction(value) - centre) / (_fraction(MAD_SCALE) * mad)


def robust_finding(value, history, threshold=ROBUST_THRESHOLD, min_points=MIN_HISTORY):
    """(c) The figure lies more than `threshold` robust units from the firm's own history."""
    score = robust_score(value, history, min_points)
    if score is None or score <= _fraction(threshold):
        return None
    return Finding(
        CHECK_ROBUST, Decimal(value), _decimal(median([v for v in history if v is not None]), "0.0001"), _decimal(score)
    )


def monthly_series(cumulative, *, january_exempt=True):
    """Per-month figures {period: value} derived from 1—N月 cumulative figures {period: value} over any years.

    The current-month figure is the difference of consecutive cumulative figures of the same year. When January
    is exempt, 1—2月 covers two months, so February's per-month figure is half of it (comparable with the other
    months in the history and in the month-on-month check). A month whose predecessor is missing is left out.
    """
    series = {}
    for period in sorted(cumulative):
        value = cumulative[period]
        if value is None:
            continue
        month = period % 100
        if month == 1:
            series[period] = Decimal(value)
        elif month == 2 and january_exempt:
            series[period] = Decimal(value) / 2
        elif cumulative.get(period - 1) is not None:
            series[period] = Decimal(value) - Decimal(cumulative[period - 1])
    return series


def previous_months(period, count):
    """The `count` monthly periods before `period` (yyyymm), newest first."""
    periods, year, month = [], period // 100, period % 100
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        periods.append(year * 100 + month)
    return periods


def check_firm(
    period, cumulative, *, january_exempt=True, yoy_band=YOY_BAND, mom_band=MOM_BAND, threshold=ROBUST_THRESHOLD
):
    """Every finding for one firm's flow indicator at `period`, given its cumulative figures {period: value}
    (at least this year's and last year's). Returns a list of Finding (possibly empty)."""
    findings = []
    if (found := yoy_finding(cumulative.get(period), cumulative.get(period - 100), yoy_band)) is not None:
        findings.append(found)
    months = monthly_series(cumulative, january_exempt=january_exempt)
    current = months.get(period)
    if current is None:
        return findings
    before = previous_months(period, HISTORY_MONTHS)
    # The month before February is December when January is exempt (1—2月 is one reporting period).
    prior = before[1] if january_exempt and period % 100 == 2 else before[0]
    previous = months.get(prior)
    if (found := mom_finding(current, previous, mom_band)) is not None:
        findings.append(found)
    history = [months[p] for p in before if p in months]
    if (found := robust_finding(current, history, threshold)) is not None:
        findings.append(found)
    return findings
