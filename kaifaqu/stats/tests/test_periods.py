"""Hypothesis properties and the official cases of the period arithmetic in kaifaqu/core/periods.py."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaifaqu.core.periods import (
    contribution_pct,
    cumulative_label,
    format_period,
    growth_pct,
    make_period,
    monthly_from_cumulative,
    parse_period,
    previous_month,
    same_period_last_year,
    schedule_gap_points,
    schedule_share,
    share_pct,
)

years = st.integers(min_value=1990, max_value=2100)
months = st.integers(min_value=1, max_value=12)
periods = st.builds(make_period, years, months)
amounts = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.0001"), max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("period", "share", "label"),
    [
        (202502, Decimal("16.67"), "1—2月"),  # 1—2月 = 2 ÷ 12
        (202503, Decimal("25.00"), "1—3月"),
        (202506, Decimal("50.00"), "1—6月"),
        (202512, Decimal("100.00"), "1—12月"),
        (202501, Decimal("8.33"), "1月"),
    ],
)
def test_schedule_share_official_cases(period, share, label):
    assert (schedule_share(period) * 100).quantize(Decimal("0.01")) == share
    assert cumulative_label(period) == label


def test_schedule_gap_in_points():
    # 1—2月: 20% of the annual target done, 16.67% of the year elapsed → 3.33 points ahead.
    assert schedule_gap_points(Decimal(200), Decimal(1000), 202502) == Decimal("3.33")
    assert schedule_gap_points(Decimal(100), Decimal(1000), 202506) == Decimal("-40.00")
    assert schedule_gap_points(Decimal(100), None, 202506) is None


@given(periods)
def test_format_and_parse_round_trip(period):
    assert parse_period(format_period(period)) == period


@given(periods)
def test_previous_month_steps_back_one_month(period):
    before = previous_month(period)
    assert before < period
    steps = (period // 100) * 12 + period % 100 - ((before // 100) * 12 + before % 100)
    assert steps == 1


@given(periods)
def test_same_period_last_year_keeps_the_month(period):
    assert same_period_last_year(period) % 100 == period % 100
    assert same_period_last_year(period) // 100 == period // 100 - 1


@given(periods)
def test_schedule_share_is_months_over_twelve(period):
    assert schedule_share(period) * 12 == period % 100


@given(amounts, positive)
def test_growth_sign_and_inverse(current, previous):
    growth = growth_pct(current, previous)
    assert (growth > 0) == (current / previous - 1 > Decimal("0.00005"))
    assert growth >= Decimal("-100")
    assert growth_pct(current, Decimal(0)) is None
    assert growth_pct(None, previous) is None


@given(st.lists(st.tuples(amounts, amounts), min_size=1, max_size=20))
def test_contributions_add_up_to_the_group_growth(firms):
    previous_total = sum(p for _c, p in firms)
    current_total = sum(c for c, _p in firms)
    if previous_total == 0:
        assert contribution_pct(firms[0][0], firms[0][1], previous_total) is None
        return
    contributions = sum(contribution_pct(c, p, previous_total) for c, p in firms)
    # Each contribution is rounded to 0.01: the sum is within half a hundredth per firm of the growth.
    assert abs(contributions - growth_pct(current_total, previous_total)) <= Decimal("0.005") * (len(firms) + 1)


@given(st.lists(amounts, min_size=1, max_size=12))
def test_shares_of_a_whole_add_up_to_one_hundred(parts):
    whole = sum(parts)
    if whole == 0:
        assert share_pct(parts[0], whole) is None
        return
    assert abs(sum(share_pct(p, whole) for p in parts) - 100) <= Decimal("0.005") * len(parts)


@given(st.lists(amounts, min_size=2, max_size=12), st.booleans())
def test_monthly_figures_add_back_to_the_cumulative(increments, january_exempt):
    cumulative, running = {}, Decimal(0)
    first = 2 if january_exempt else 1
    for offset, step in enumerate(increments[: 13 - first]):
        running += step
        cumulative[first + offset] = running
    monthly = monthly_from_cumulative(cumulative, january_exempt=january_exempt)
    assert sum(monthly.values()) == cumulative[max(cumulative)]
    assert all(value >= 0 for value in monthly.values())


def test_a_missing_month_is_never_guessed():
    assert monthly_from_cumulative({1: Decimal(10), 3: Decimal(30), 4: Decimal(45)}) == {
        1: Decimal(10),
        3: None,
        4: Decimal(15),
    }
