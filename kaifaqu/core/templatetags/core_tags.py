from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from kaifaqu.core.money import format_figure, format_wan, money_in, unit_in_brackets, unit_name
from kaifaqu.core.periods import cumulative_title

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (pagination and sorting keep the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def wan(value):
    """The headline format of an amount in 万元: "86.49亿元" / "86.49 (RMB 100 million)" (kaifaqu.core.money)."""
    return format_wan(value)


@register.filter(name="money_in")
def money_in_filter(value, unit="万元"):
    """A table cell: the amount in the column's unit, number only (`{{ v|money_in:"亿元" }}`)."""
    return money_in(value, unit)


@register.simple_tag
def money_unit(unit, brackets=False):
    """A column header's unit in the user's language: "亿元" / "RMB 100 million"; with brackets "（亿元）" /
    " (RMB 100 million)"."""
    return unit_in_brackets(unit) if brackets else unit_name(unit)


@register.filter
def figure(value, unit=""):
    """A statistic in its unit: integers for counts (人/个/家/项), two decimals otherwise, thousands separated."""
    return format_figure(value, unit)


@register.filter
def exact_figure(value, unit=""):
    """A statistic as reported (up to 4 decimals, no trailing zeros; integers for counts), thousands separated."""
    return format_figure(value, unit, places=None)


@register.filter
def period_title(period):
    """202510 → "2025年1—10月" / "Jan–Oct 2025"."""
    return cumulative_title(period)


@register.simple_tag(takes_context=True)
def figure_or_dash(context, value, **given):
    """A figure in its unit, or "—" (with the reason it is hidden as its title): a tag rather than an included template
    per cell, which was a fifth of the statistics dashboard's rendering. As an include did, `unit` and `reason` not
    given are read from the page's context, and the unit falls back to the page's indicator."""
    unit = given["unit"] if "unit" in given else context.get("unit")
    reason = given["reason"] if "reason" in given else context.get("reason")
    if not unit:
        unit = getattr(context.get("indicator"), "unit", "") or ""
    if value is None:
        title = format_html(' title="{}"', reason) if reason else ""
        return format_html('<span class="text-muted"{}>—</span>', title)
    return format_figure(value, unit)


@register.simple_tag
def growth_badge(growth):
    """A growth rate in percent, red when up and green when down (the convention of Chinese economic tables)."""
    if growth is None:
        return mark_safe('<span class="text-muted">—</span>')  # noqa: S308 a constant
    if growth >= 0:
        return format_html('<span class="text-danger">+{}%</span>', localize(growth))
    return format_html('<span class="text-success">{}%</span>', localize(growth))
