"""Pure project rules: boundaries on both sides, and properties with hypothesis."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaifaqu.projects.rules import (
    StageDate,
    amount_from_cumulative,
    approval_due_on,
    approval_overdue,
    batch_members,
    out_of_order,
    pct,
    running_totals,
    schedule_pct,
)

D = datetime.date


def test_due_date_is_the_earlier_of_plan_and_statutory_limit():
    assert approval_due_on(D(2025, 1, 1), 30, None) == D(2025, 1, 31)
    assert approval_due_on(D(2025, 1, 1), 30, D(2025, 1, 20)) == D(2025, 1, 20)
    assert approval_due_on(None, 30, D(2025, 2, 1)) == D(2025, 2, 1)
    assert approval_due_on(None, 30, None) is None
    assert approval_due_on(D(2025, 1, 1), None, None) is None


@pytest.mark.parametrize(
    ("status", "today", "overdue"),
    [
        ("submitted", D(2025, 1, 31), False),  # on the due day: not yet late
        ("submitted", D(2025, 2, 1), True),
        ("preparing", D(2025, 2, 1), True),
        ("approved", D(2025, 2, 1), False),
        ("not_required", D(2025, 2, 1), False),
    ],
)
def test_overdue_only_while_pending_and_after_the_due_day(status, today, overdue):
    assert approval_overdue(status, D(2025, 1, 31), today) is overdue


def test_out_of_order_names_both_stages():
    dates = [
        StageDate(1, "签约", D(2023, 5, 29)),
        StageDate(2, "立项/备案", D(2023, 6, 5)),
        StageDate(3, "开工", D(2023, 5, 28)),
        StageDate(4, "竣工", None),
    ]
    assert out_of_order(dates) == [("开工", "签约"), ("开工", "立项/备案")]
    same_day = [StageDate(1, "签约", D(2023, 5, 29)), StageDate(3, "开工", D(2023, 5, 29))]
    assert out_of_order(same_day) == []


@given(st.lists(st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31)), max_size=8))
def test_dates_sorted_with_the_ladder_are_never_out_of_order(days):
    dates = [StageDate(order, str(order), day) for order, day in enumerate(sorted(days))]
    assert out_of_order(dates) == []


def test_running_totals_restart_in_january():
    rows = running_totals([(202411, 0, Decimal(5)), (202412, 0, Decimal(7)), (202501, 0, Decimal(3))])
    assert rows == [
        (202411, 0, Decimal(5), Decimal(5), Decimal(5)),
        (202412, 0, Decimal(7), Decimal(12), Decimal(12)),
        (202501, 0, Decimal(3), Decimal(3), Decimal(15)),
    ]
    with pytest.raises(ValueError):
        running_totals([(202501, 0, Decimal("-0.0001"))])


amounts = st.decimals(min_value=0, max_value=10**6, places=4)
periods = st.sampled_from([y * 100 + m for y in (2023, 2024, 2025) for m in range(1, 13)])


@given(st.dictionaries(st.tuples(periods, st.integers(0, 3)), amounts, max_size=30))
def test_totals_never_decrease_and_add_up(reports):
    rows = running_totals((p, d, a) for (p, d), a in reports.items())
    totals = [row[4] for row in rows]
    assert totals == sorted(totals)
    assert (totals[-1] if totals else 0) == sum(reports.values(), Decimal(0))
    for period, _decade, _amount, ytd, total in rows:
        same_year = sum((a for (p, _d), a in reports.items() if p // 100 == period // 100 and p <= period), Decimal(0))
        assert ytd <= total
        assert ytd <= same_year


def test_amount_from_cumulative_refuses_a_decrease():
    assert amount_from_cumulative(Decimal("1200"), Decimal("1200")) == 0
    assert amount_from_cumulative(Decimal("1200"), Decimal("500")) == Decimal("700")
    assert amount_from_cumulative(Decimal("1199.9999"), Decimal("1200")) is None


def test_rates():
    assert schedule_pct(2) == Decimal("16.67")  # 1—2月
    assert schedule_pct(12) == Decimal("100.00")
    assert pct(Decimal(1), Decimal(3)) == Decimal("33.33")
    assert pct(Decimal(1), 0) is None


def test_batch_members_include_both_ends_of_the_period():
    dates = {1: D(2025, 1, 1), 2: D(2025, 3, 31), 3: D(2024, 12, 31), 4: D(2025, 4, 1), 5: None}
    assert batch_members(dates, D(2025, 1, 1), D(2025, 3, 31)) == {1, 2}
    assert batch_members(dates, D(2025, 1, 1), D(2025, 3, 31), [(3, True), (1, False)]) == {2, 3}
