"""Money in 万元, Decimal, 4 places: unit conversion and display (headline, table, counts, form inputs, periods)."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kaifaqu.core.forms import BootstrapFormMixin
from kaifaqu.core.money import format_figure, format_quantity, format_wan, money_in, plain_decimal, to_wan, unit_name
from kaifaqu.core.periods import cumulative_label, cumulative_title, month_names, month_title


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


@pytest.mark.parametrize(
    ("value", "chinese", "english"),
    [
        (Decimal("9999.99"), "9,999.99万元", "9,999.99 (RMB 10,000)"),
        (Decimal("9999.994999"), "9,999.99万元", "9,999.99 (RMB 10,000)"),
        (Decimal("9999.995"), "1.00亿元", "1.00 (RMB 100 million)"),
        (Decimal("10000"), "1.00亿元", "1.00 (RMB 100 million)"),
        (Decimal("864890.6"), "86.49亿元", "86.49 (RMB 100 million)"),
        (Decimal("5321.4"), "5,321.40万元", "5,321.40 (RMB 10,000)"),
        (Decimal("-9999.995"), "-1.00亿元", "-1.00 (RMB 100 million)"),
        (Decimal("-5321.4"), "-5,321.40万元", "-5,321.40 (RMB 10,000)"),
        (Decimal("0"), "0.00万元", "0.00 (RMB 10,000)"),
        (None, "—", "—"),
    ],
)
def test_headline_format_in_both_languages(value, chinese, english):
    """The same digits in both languages; only the unit's name changes."""
    with translation.override("zh-hans"):
        assert format_wan(value) == chinese
    with translation.override("en"):
        assert format_wan(value) == english


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("864890.6"), "亿元", "86.49"),
        (Decimal("9999.995"), "亿元", "1.00"),
        (Decimal("9999.994"), "亿元", "1.00"),  # 0.9999994亿 rounds to 1.00 as well: the column's unit is fixed
        (Decimal("500"), "亿元", "0.05"),
        (Decimal("169773.8832"), "万元", "169,773.88"),
        (Decimal("-20000"), "亿元", "-2.00"),
        (Decimal("0"), "万元", "0.00"),
        (None, "亿元", "—"),
        ("1234.5", "万元", "1,234.50"),
    ],
)
def test_money_in_a_fixed_unit_is_the_number_only(value, unit, expected):
    assert money_in(value, unit) == expected


def test_money_in_refuses_an_unknown_unit():
    with pytest.raises(ValueError):
        money_in(Decimal(1), "美元")


def test_unit_names_in_both_languages():
    with translation.override("zh-hans"):
        assert (unit_name("亿元"), unit_name("万元")) == ("亿元", "万元")
    with translation.override("en"):
        assert (unit_name("亿元"), unit_name("万元")) == ("RMB 100 million", "RMB 10,000")
        assert unit_name("人") == "persons"


def test_template_filters_and_unit_header():
    template = Template(
        '{% load core_tags %}<th>{% money_unit "亿元" %}</th><th>总投资{% money_unit "亿元" brackets=True %}</th>'
        '<td>{{ v|money_in:"亿元" }}</td><td>{{ v|wan }}</td><td>{{ n|figure:"人" }}</td>'
        "<td>{{ p|period_title }}</td>"
    )
    context = Context({"v": Decimal("864890.6"), "n": Decimal("3077.0000"), "p": 202510})
    with translation.override("zh-hans"):
        assert template.render(context) == (
            "<th>亿元</th><th>总投资（亿元）</th><td>86.49</td><td>86.49亿元</td><td>3,077</td><td>2025年1—10月</td>"
        )
    with translation.override("en"):
        assert template.render(context) == (
            "<th>RMB 100 million</th><th>总投资 (RMB 100 million)</th><td>86.49</td>"
            "<td>86.49 (RMB 100 million)</td><td>3,077</td><td>Jan–Oct 2025</td>"
        )


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("3077.0000"), "人", "3,077"),
        (Decimal("3077.6"), "人", "3,078"),
        (Decimal("12"), "家", "12"),
        (Decimal("1234567"), "个", "1,234,567"),
        (Decimal("-3"), "项", "-3"),
        (Decimal("1234.5678"), "万千瓦时", "1,234.57"),
        (Decimal("864890.6"), "亿元", "86.49"),
        (None, "人", "—"),
    ],
)
def test_counts_are_integers_and_other_figures_two_places(value, unit, expected):
    assert format_figure(value, unit) == expected


def test_exact_figure_keeps_the_reported_decimals_without_trailing_zeros():
    assert format_figure(Decimal("169773.8832"), "万元", places=None) == "169,773.8832"
    assert format_figure(Decimal("6876.0000"), "万元", places=None) == "6,876"
    assert format_figure(Decimal("3077.0000"), "人", places=None) == "3,077"


def test_a_figure_in_a_message_carries_its_unit():
    with translation.override("zh-hans"):
        assert format_quantity(Decimal("6876.0000"), "万元") == "6,876.00万元"
        assert format_quantity(Decimal("3077.0000"), "人") == "3,077 人"
    with translation.override("en"):
        assert format_quantity(Decimal("6876.0000"), "万元") == "6,876.00 (RMB 10,000)"
        assert format_quantity(Decimal("3077.0000"), "人") == "3,077 persons"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (Decimal("169773.8832"), "169773.8832"),
        (Decimal("3077.0000"), "3077"),
        (Decimal("12.5000"), "12.5"),
        (Decimal("0.0000"), "0"),
        (Decimal("-20.1000"), "-20.1"),
        (Decimal("100000"), "100000"),  # never 1E+5
        (None, None),
    ],
)
def test_plain_decimal(stored, shown):
    result = plain_decimal(stored)
    assert (None if result is None else str(result)) == shown


class FigureForm(BootstrapFormMixin, forms.Form):
    amount = forms.DecimalField(max_digits=18, decimal_places=4, required=False)
    people = forms.DecimalField(max_digits=18, decimal_places=4, required=False)
    name = forms.CharField(required=False)


def test_form_inputs_show_figures_without_trailing_zeros_and_clean_to_the_same_value():
    form = FigureForm(initial={"amount": Decimal("169773.8832"), "people": Decimal("3077.0000"), "name": "1.0"})
    html = str(form["amount"]) + str(form["people"]) + str(form["name"])
    assert 'value="169773.8832"' in html and 'value="3077"' in html and 'value="1.0"' in html
    assert "3077.0000" not in html
    # Submitting the page unchanged changes nothing: what is stored stays what it was.
    bound = FigureForm(data={"amount": "169773.8832", "people": "3077", "name": "1.0"}, initial=form.initial)
    assert bound.is_valid()
    assert bound.cleaned_data["people"] == Decimal("3077.0000")
    assert not bound.has_changed()


def test_a_bound_form_shows_what_the_user_typed():
    form = FigureForm(data={"amount": "12.5000"})
    assert 'value="12.5000"' in str(form["amount"])


@pytest.mark.parametrize(
    ("period", "chinese", "english"),
    [
        (202510, "2025年1—10月", "Jan–Oct 2025"),
        (202501, "2025年1月", "Jan 2025"),
        (202502, "2025年1—2月", "Jan–Feb 2025"),
        (202512, "2025年1—12月", "Jan–Dec 2025"),
    ],
)
def test_cumulative_period_title_in_both_languages(period, chinese, english):
    with translation.override("zh-hans"):
        assert cumulative_title(period) == chinese
    with translation.override("en"):
        assert cumulative_title(period) == english


def test_period_labels_and_month_axes_in_both_languages():
    with translation.override("zh-hans"):
        assert (cumulative_label(202510), cumulative_label(202501), month_title(202503)) == (
            "1—10月",
            "1月",
            "2025年3月",
        )
        assert month_names() == [f"{m}月" for m in range(1, 13)]
    with translation.override("en"):
        assert (cumulative_label(202510), cumulative_label(202501), month_title(202503)) == (
            "Jan–Oct",
            "Jan",
            "Mar 2025",
        )
        assert month_names() == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def render(text, **context):
    return Template("{% load core_tags %}" + text).render(Context(context))


def test_figure_or_dash_takes_the_unit_given_else_the_pages_else_its_indicators():
    class Indicator:
        unit = "人"

    assert render("{% figure_or_dash v %}", v=Decimal("1234.5")) == "1,234.50"
    assert render("{% figure_or_dash v unit='家' %}", v=Decimal("1234")) == "1,234"
    assert render("{% figure_or_dash v %}", v=Decimal("12"), indicator=Indicator()) == "12"
    assert render("{% figure_or_dash v %}", v=Decimal("12"), unit="万元", indicator=Indicator()) == "12.00"


def test_figure_or_dash_shows_a_dash_with_the_reason_escaped():
    assert render("{% figure_or_dash v %}", v=None) == '<span class="text-muted">—</span>'
    shown = render("{% figure_or_dash v reason=r %}", v=None, r='少于3家 <"保密">')
    assert shown == '<span class="text-muted" title="少于3家 &lt;&quot;保密&quot;&gt;">—</span>'
    assert render("{% figure_or_dash v %}", v=None, reason="页面的原因") == (
        '<span class="text-muted" title="页面的原因">—</span>'
    )


@pytest.mark.parametrize(
    ("growth", "shown"),
    [
        (None, '<span class="text-muted">—</span>'),
        (Decimal("0"), '<span class="text-danger">+0%</span>'),
        (Decimal("6.77"), '<span class="text-danger">+6.77%</span>'),
        (Decimal("-0.01"), '<span class="text-success">-0.01%</span>'),
    ],
)
def test_growth_badge_is_red_up_and_green_down(growth, shown):
    assert render("{% growth_badge g %}", g=growth) == shown
