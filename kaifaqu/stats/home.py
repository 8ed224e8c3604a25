"""The statistics parts of the home page (kaifaqu/home.py composes them per role): the zone's headline figures of
the last closed period with targets, sparklines and the zone's rank among its province's zones; the forms not
reported (late, or still to chase); a firm's forms due, figures sent back and latest figures; the zones ranked for
a region viewer. Other apps read figures through the stats app (kaifaqu/stats/read.py, this module), never its
models; every function runs a fixed number of queries.
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kaifaqu.core.money import amount_in, unit_name
from kaifaqu.core.periods import (
    cumulative_label,
    format_period,
    growth_pct,
    year_of,
)
from kaifaqu.core.views import url_with_query as url
from kaifaqu.stats import reference
from kaifaqu.stats.aggregation import (
    StatsViewer,
    closed_latest_period,
    headline_table,
    latest_period,
    make_cell,
    monthly_trend,
    price_index_for,
    schedule_pct,
    scope_of,
    totals,
    zone_headlines,
)
from kaifaqu.stats.aggregation_math import competition_ranks
from kaifaqu.stats.choices import FlagStatusChoices
from kaifaqu.stats.models import DataSet, DataSetAssignment, Indicator, ValidationFlag, Value
from kaifaqu.stats.periods import (
    due_date,
    last_closed_period,
    latest_due_period,
    open_periods,
    period_label,
)
from kaifaqu.stats.quality import missing_count
from kaifaqu.stats.read import firm_figures
from kaifaqu.zones.models import Zone

HEADLINE_CODES = ("output_value", "value_added", "main_revenue", "tax")  # the four figures a leader reads first
FIRM_CODES = ("output_value", "main_revenue", "revenue")  # a firm's own figures on its home page


def monthly_data_sets():
    return list(DataSet.objects.filter(period_type="monthly").order_by("pk"))


def zone_figures(user, zone, today):
    """The headline figures of the zone's last closed period (the latest whose deadline has passed, so every firm's
    report is in): 1—N月, comparable growth, target completion against 时序进度, this year's and last year's months
    for a sparkline, and the zone's rank among the zones of its province."""
    viewer = StatsViewer(user)
    zone_ids = [zone.pk]
    period = headline_period(viewer, zone_ids, today) if viewer.entitled(zone_ids) else None
    if period is None:
        return None
    rows = headline_table(viewer, zone_id=zone.pk, period=period, codes=HEADLINE_CODES)
    rows = sorted(
        (r for r in rows if r.indicator.code in HEADLINE_CODES), key=lambda r: HEADLINE_CODES.index(r.indicator.code)
    )
    scope = scope_of(zone_ids, period, rows[0].indicator) if rows else None
    peers = peer_zone_ids(zone)
    ranks = peer_ranks(zone, peers, period, [row.indicator for row in rows])
    for row in rows:
        decorate_headline(viewer, zone, row, period, scope)
        row.rank, row.rank_growth = ranks.get(row.indicator.pk, (None, None))
    return {
        "period": period,
        "year": year_of(period),
        "label": cumulative_label(period),
        "schedule_pct": schedule_pct(period),
        "rows": rows,
        "peer_count": len(peers),
        "targets_url": url("stats:target_list", zone.pk, query={"year": period // 100}),
        "sparks": [row.spark for row in rows],
    }


def headline_period(viewer, zone_ids, today):
    """The latest period with figures, but never one still being reported: a half-reported month would read as a
    fall. The monthly form of the headline indicator says which periods are closed."""
    indicator = reference.active_indicator(HEADLINE_CODES[0])
    if indicator is None:
        return latest_period(viewer, zone_ids)
    return closed_latest_period(viewer, zone_ids, indicator, today)


class PeerFigures:
    """The figures of the peer zones, for a rank only. The province's 通报 ranks every zone and sends the order to
    each of them; a zone's leader sees where the zone stands (第 N / M 名), never another zone's figure."""

    def values(self, zone_ids):
        return Value.objects.filter(zone_id__in=zone_ids, is_current=True)


def peer_zone_ids(zone):
    """Zones of the same province (the first two digits of GB/T 2260), demo zones with demo zones."""
    province = zone.region_id[:2]
    peers = Zone.objects.filter(region__code__startswith=province, is_demo=zone.is_demo)
    return list(peers.order_by("pk").values_list("pk", flat=True))


def peer_ranks(zone, peer_ids, period, indicators):
    """{indicator id: (rank by 1—N月 value, rank by comparable growth)} of the zone among its peers, ranked as the
    ranking page ranks (kaifaqu.stats.aggregation.rank_zones), all indicators in one GROUP BY; empty when alone."""
    if len(peer_ids) < 2 or not indicators:
        return {}
    grouped = totals(
        PeerFigures().values(peer_ids),
        period=period,
        indicator_ids=[i.pk for i in indicators],
        group="zone",
        across_zones=True,
        scope=scope_of(peer_ids, period, indicators[0]),
    )
    at = peer_ids.index(zone.pk)
    ranks = {}
    for indicator in indicators:
        index = price_index_for(indicator, period)
        cells = [make_cell(pk, "", grouped.get((indicator.pk, pk)), price_index=index) for pk in peer_ids]
        by_value = competition_ranks([cell.current for cell in cells])
        by_growth = competition_ranks([cell.growth_pct for cell in cells])
        ranks[indicator.pk] = (by_value[at], by_growth[at])
    return ranks


def decorate_headline(viewer, zone, row, period, scope):
    """Add to a HeadlineRow its sparkline (this year's and last year's months), dashboard link and format."""
    trend = monthly_trend(viewer, zone_ids=[zone.pk], period=period, indicator=row.indicator, scope=scope)
    row.spark = {"id": f"spark-{row.indicator.code}", "this": trend["this"], "last": trend["last"]}
    query = urlencode({"indicator": row.indicator.code, "period": format_period(period)})
    row.url = f"{reverse('stats:dashboard', args=[zone.pk])}?{query}"
    row.is_money = row.indicator.is_money


def late_reports(user, zone, data_set, today):
    """Firms of the zone assigned to a monthly form that have not reported the last period whose deadline passed."""
    period = last_closed_period(data_set, today)
    assignments = DataSetAssignment.objects.restrict(user, "view").filter(enterprise__zone=zone)
    query = {"zone": zone.pk, "data_set": data_set.code, "period": format_period(period), "status": "missing"}
    return {
        "label": _("%(form)s逾期未报（%(period)s）")
        % {"form": data_set.label, "period": period_label(period, data_set)},
        "count": missing_count(assignments=assignments, data_set=data_set, period=period),
        "url": url("stats:completeness", query=query),
        "id": f"overdue-reports-{data_set.code}",
    }


def reports_to_chase(user, zone, data_set, today):
    """Firms of the zone that have not reported the period being reported now (deadline passed or not)."""
    period = latest_due_period(data_set, today)
    assignments = DataSetAssignment.objects.restrict(user, "view").filter(enterprise__zone=zone)
    query = {"zone": zone.pk, "data_set": data_set.code, "period": format_period(period), "status": "missing"}
    return {
        "label": _("%(form)s未报（%(period)s）") % {"form": data_set.label, "period": period_label(period, data_set)},
        "deadline": due_date(data_set, period),
        "count": missing_count(assignments=assignments, data_set=data_set, period=period),
        "url": url("stats:completeness", query=query),
    }


def forms_due(firm, today):
    """The firm's forms of the period being reported now that it has not reported yet, with the entry link while
    the period is open, and whether it reports any form at all. A few queries per form the firm reports (one or
    two)."""
    due = []
    data_sets = list(DataSet.objects.filter(assignments__enterprise=firm).distinct().order_by("pk"))
    for data_set in data_sets:
        period = latest_due_period(data_set, today)
        if not DataSetAssignment.objects.covering(period).filter(data_set=data_set, enterprise=firm).exists():
            continue
        if Value.objects.current().for_period(period).filter(enterprise=firm, data_set=data_set).exists():
            continue
        is_open = bool(open_periods(data_set, firm.zone_id, [period]))
        due.append(
            {
                "data_set": data_set,
                "label": period_label(period, data_set),
                "deadline": due_date(data_set, period),
                "late": due_date(data_set, period) < today,
                "url": reverse("stats:entry", args=[firm.pk, data_set.code, format_period(period)]) if is_open else "",
            }
        )
    return {"forms_due": due, "reports_forms": bool(data_sets)}


def my_figures(user, firm):
    """The firm's latest figures (the latest period it reported any of FIRM_CODES) with their growth."""
    figures = firm_figures(user, firm, FIRM_CODES)
    if not figures:
        return None
    period = max(p for p, _code in figures)
    rows = []
    for code in FIRM_CODES:
        figure = figures.get((period, code))
        if figure is not None:
            rows.append({"code": code, "value": figure.value, "growth": growth_pct(figure.value, figure.base)})
    names = {i.code: i.label for i in Indicator.objects.filter(code__in=FIRM_CODES)}
    for row in rows:
        row["name"] = names.get(row["code"], row["code"])
    return {"period": period, "year": year_of(period), "label": cumulative_label(period), "rows": rows}


def zone_ranking(user, today):
    """The zones the user reads, ranked on the headline indicator at the last closed period, with the chart's data
    (money in 亿元, as the table beside it)."""
    indicator, period, rows = zone_headlines(StatsViewer(user), today=today)
    if period is None:
        return None
    query = urlencode({"indicator": indicator.code, "period": format_period(period)})
    for row in rows:
        row.url = f"{reverse('stats:dashboard', args=[row.zone.pk])}?{query}"
    money = indicator.is_money  # the chart in 亿元, as the table beside it
    chart = {
        "id": "chart-ranking",
        "unit": unit_name("亿元") if money else indicator.unit_label,
        "names": [str(row.zone) for row in rows],
        "values": [amount_in(row.cell.current, "亿元") if money else row.cell.current for row in rows],
        "growth": [row.cell.growth_pct for row in rows],
        "urls": [row.url for row in rows],
    }
    return {
        "indicator": indicator,
        "period": period,
        "year": year_of(period),
        "label": cumulative_label(period),
        "rows": rows,
        "chart": chart,
        "is_money": money,
        "ranking_url": url("stats:ranking", query={"indicator": indicator.code, "period": format_period(period)}),
    }


def flags_sent_back(user, firm, rows):
    """The firm's figures sent back for checking (待核实): the first `rows`, their count and the list's link."""
    flags = ValidationFlag.objects.restrict(user, "view").filter(enterprise=firm, status=FlagStatusChoices.OPEN)
    return {
        "flags": list(flags.select_related("indicator").order_by("-period", "pk")[:rows]),
        "flag_count": flags.count(),
        "flags_url": url("stats:flag_list", query={"status": FlagStatusChoices.OPEN}),
    }
