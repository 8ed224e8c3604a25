"""Outlier checks (pure): band boundaries on both sides, the robust score, and hypothesis properties."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaifaqu.stats.outliers import (
    CHECK_MOM,
    CHECK_ROBUST,
    CHECK_YOY,
    check_firm,
    median,
    mom_finding,
    monthly_series,
    robust_finding,
    robust_score,
    yoy_finding,
)

D = Decimal


# -- (a) YoY of the cumulative figure: growth > +100% or < -50% --------------------------------------------------
@pytest.mark.parametrize(
    ("current", "last_year", "flagged"),
    [
        ("200", "100", False),  # exactly +100%: on the band, passes
        ("200.0001", "100", True),  # just above
        ("50", "100", False),  # exactly -50%
        ("49.9999", "100", True),  # just below
        ("120", "100", False),
        ("0", "100", True),  # -100%
        ("500", "0", False),  # no base: skipped, not flagged
        ("500", None, False),  # last year missing
        (None, "100", False),  # this year missing
        ("500", "-10", False),  # a loss last year: growth rate meaningless
    ],
)
def test_yoy_band(current, last_year, flagged):
    finding = yoy_finding(current and D(current), last_year and D(last_year))
    assert (finding is not None) == flagged
    if flagged:
        assert finding.check == CHECK_YOY


def test_yoy_finding_reports_growth_in_percent():
    assert yoy_finding(D(300), D(100)).score == D("200.00")


def test_bands_are_configurable():
    assert yoy_finding(D(150), D(100), band=(D(-10), D(40))) is not None
    assert yoy_finding(D(150), D(100)) is None


# -- (b) month-on-month jump of the derived monthly figure -------------------------------------------------------
@pytest.mark.parametrize(
    ("current", "previous", "flagged"),
    [("300", "100", False), ("300.01", "100", True), ("33", "100", False), ("32.99", "100", True), ("5", "0", False)],
)
def test_mom_band(current, previous, flagged):
    finding = mom_finding(D(current), D(previous))
    assert (finding is not None) == flagged
    if flagged:
        assert finding.check == CHECK_MOM


# -- (c) robust score: |x - median| / (1.4826 MAD) > 3.5 ---------------------------------------------------------
HISTORY = [D(v) for v in (10, 11, 12, 13, 14, 15)]  # median 12.5, MAD 1.5 → unit 2.2239


def test_median_and_score_by_hand():
    assert median(HISTORY) == D("12.5")
    score = robust_score(D("20"), HISTORY)
    assert round(float(score), 4) == round(7.5 / (1.4826 * 1.5), 4)


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        (D("12.5") + D("3.5") * D("1.4826") * D("1.5"), False),  # exactly 3.5: not beyond
        (D("12.5") + D("3.5") * D("1.4826") * D("1.5") + D("0.0001"), True),
        (D("12.5") - D("3.5") * D("1.4826") * D("1.5"), False),
        (D("12.5") - D("3.5") * D("1.4826") * D("1.5") - D("0.0001"), True),
    ],
)
def test_robust_threshold_both_sides(value, flagged):
    finding = robust_finding(value, HISTORY)
    assert (finding is not None) == flagged
    if flagged:
        assert finding.check == CHECK_ROBUST and finding.reference == D("12.5")


def test_robust_needs_six_points():
    assert robust_score(D(1000), HISTORY[:5]) is None
    assert robust_score(D(1000), HISTORY) is not None


def test_robust_skips_zero_mad():
    # More than half the history equal: MAD = 0, no spread to measure by, no flag however far the value is.
    assert robust_score(D(1000), [D(5)] * 4 + [D(6), D(7)]) is None


# -- the series and a whole firm -------------------------------------------------------------------------------
def test_monthly_series_halves_january_february():
    series = monthly_series({202402: D(200), 202403: D(350), 202405: D(600)}, january_exempt=True)
    assert series == {202402: D(100), 202403: D(150)}  # May has no April: not derived


def cumulative_year(year, months, per_month):
    """1—N月 cumulative figures with `per_month` each month (1—2月 counts two)."""
    return {year * 100 + m: D(per_month) * m for m in months}


def test_steady_firm_has_no_finding():
    history = {**cumulative_year(2024, range(2, 13), 100), **cumulative_year(2025, range(2, 11), 110)}
    # Equal months give MAD 0: robust skipped; YoY +10% and MoM 0% inside the bands.
    assert check_firm(202510, history) == []


def test_a_jump_fires_mom_and_robust_but_not_yoy():
    months = {2: 200, 3: 95, 4: 105, 5: 98, 6: 102, 7: 97, 8: 103, 9: 100, 10: 350, 11: 99, 12: 101}
    cumulative, total = {}, D(0)
    for month, amount in months.items():
        total += D(amount)
        cumulative[202400 + month] = total
    earlier = {period - 100: value for period, value in cumulative.items()}
    this_year = {p: v for p, v in cumulative.items() if p <= 202410}
    checks = {f.check for f in check_firm(202410, {**earlier, **this_year})}
    assert checks == {CHECK_MOM, CHECK_ROBUST}


def test_february_compares_with_december():
    cumulative = {**cumulative_year(2024, range(2, 13), 100), 202502: D(2000)}  # 1—2月 = 1000 a month
    checks = {f.check for f in check_firm(202502, cumulative)}
    assert CHECK_MOM in checks and CHECK_YOY in checks


# -- properties ------------------------------------------------------------------------------------------------
amounts = st.decimals(min_value=D("0.0001"), max_value=D("1000000"), places=4, allow_nan=False, allow_infinity=False)
factors = st.decimals(min_value=D("0.001"), max_value=D("10000"), places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(value=amounts, history=st.lists(amounts, min_size=6, max_size=12), factor=factors)
def test_robust_score_is_scale_invariant(value, history, factor):
    """万元 or 元 (or any unit): scaling every figure by the same positive factor leaves the score unchanged."""
    assert robust_score(value * factor, [h * factor for h in history]) == robust_score(value, history)


@settings(max_examples=200, deadline=None)
@given(value=amounts, history=st.lists(amounts, min_size=6, max_size=12), shift=amounts)
def test_robust_score_is_shift_invariant(value, history, shift):
    assert robust_score(value + shift, [h + shift for h in history]) == robust_score(value, history)


@settings(max_examples=200, deadline=None)
@given(level=amounts, months=st.integers(min_value=6, max_value=12))
def test_constant_series_is_never_flagged(level, months):
    history = [level] * months
    assert robust_finding(level, history) is None
    assert mom_finding(level, level) is None
    assert yoy_finding(level, level) is None


@settings(max_examples=100, deadline=None)
@given(per_month=amounts, growth=st.decimals(min_value=D("0.5"), max_value=D("2"), places=2))
def test_steady_growth_inside_the_band_is_never_flagged(per_month, growth):
    history = {
        **cumulative_year(2024, range(2, 13), per_month),
        **cumulative_year(2025, range(2, 11), per_month * growth),
    }
    assert all(f.check != CHECK_YOY for f in check_firm(202510, history))
