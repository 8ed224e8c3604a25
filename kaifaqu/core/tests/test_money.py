"""Money in 万元, Decimal, 4 places: unit conversion and display."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaifaqu.core.money import format_wan, to_wan


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        # 元: exact to the yuan, half a yuan-cent-of-万 rounds up
        ("1", "元", "0.0001"),
        ("12345", "元", "1.2345"),
        ("0.5", "元", "0.0001"),  # 0.00005 → half up
        ("0.49", "元", "0.0000"),  # 0.000049 → down
        ("-0.5", "元", "-0.0001"),  # half away from zero
        ("1,234,567", "元", "123.4567"),  # thousands separators accepted
        (" 100 ", "元", "0.0100"),
        # 千元
        ("1", "千元", "0.1000"),
        ("12.3456", "千元", "1.2346"),  # 1.23456 → up
        ("12.3454", "千元", "1.2345"),  # 1.23454 → down
        ("0.0005", "千元", "0.0001"),  # 0.00005 → half up
        # 万元
        ("1", "万元", "1.0000"),
        ("3.14159", "万元", "3.1416"),
        ("2.00005", "万元", "2.0001"),
        ("2.00004999", "万元", "2.0000"),
        # 亿元
        ("1", "亿元", "10000.0000"),
        ("0.00000001", "亿元", "0.0001"),
        ("0.000000005", "亿元", "0.0001"),  # 0.00005 万 → half up
        ("0.0000000049", "亿元", "0.0000"),
        ("12.5", "亿元", "125000.0000"),
        # numbers, not only strings
        (1500, "元", "0.1500"),
        (Decimal("7.77777"), "万元", "7.7778"),
        (0, "亿元", "0.0000"),
    ],
)
def test_to_wan(value, unit, expected):
    result = to_wan(value, unit)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -4


def test_default_unit_is_wan():
    assert to_wan("5") == Decimal("5.0000")


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        ("abc", "元"),
        ("", "万元"),
        ("1.2.3", "万元"),
        ("NaN", "万元"),
        ("Infinity", "亿元"),
        ("-inf", "元"),
        (None, "元"),
        ("12", "美元"),
        ("12", ""),
        ("12", "yuan"),
    ],
)
def test_bad_input_raises_value_error(value, unit):
    with pytest.raises(ValueError):
        to_wan(value, unit)


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6, allow_nan=False))
def test_yuan_to_wan_is_division_by_ten_thousand_rounded_half_up(amount):
    expected = (amount / Decimal(10000)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    assert to_wan(amount, "元") == expected
    assert to_wan(str(amount), "元") == expected


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4, allow_nan=False))
def test_units_agree(wan):
    """The same amount written in any unit converts to the same 万元 figure."""
    assert to_wan(wan * 10000, "元") == to_wan(wan * 10, "千元") == to_wan(wan, "万元") == to_wan(wan / 10000, "亿元")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        (Decimal("0"), "0.00万元"),
        (Decimal("1.005"), "1.01万元"),  # half up, not banker's rounding
        (Decimal("1.004"), "1.00万元"),
        (Decimal("1234.5678"), "1,234.57万元"),
        (Decimal("9999.99"), "9,999.99万元"),
        (Decimal("9999.994"), "9,999.99万元"),
        (Decimal("9999.995"), "1.00亿元"),  # rounds to 10,000万: shown in 亿元, never as "10,000.00万元"
        (Decimal("10000"), "1.00亿元"),
        (Decimal("123456789"), "12,345.68亿元"),
        (Decimal("-20000"), "-2.00亿元"),
        (Decimal("-1.5"), "-1.50万元"),
        ("250.5", "250.50万元"),
        (42, "42.00万元"),
    ],
)
def test_format_wan(value, expected):
    assert format_wan(value) == expected
