"""The statistics panels of a firm's page (kaifaqu.enterprises.panels): its figures over time against its peers, and
its reporting record. Registered from StatsConfig.ready().

Who sees what: a firm's own figures only for users `read.may_view_firm` allows (staff and leaders of its zone,
region viewers of its region, the firm's own users); the peers' growth is an aggregate of the zone, read through
`aggregation.summarize` as the dashboards read it — entitled viewers get the computed figure, an enterprise user the
published tables with their suppression — and a peer group smaller than STATS_MIN_GROUP_SIZE firms is never shown,
to anyone: the page says why instead.

Queries: a fixed number per headline indicator (at most len(HEADLINE_CODES)), none per period or flag.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.core.periods import cumulative_title, format_period, growth_pct, make_period, month_names, year_of

from .aggregation import StatsViewer, min_group_size, scope_note, scope_of, summarize, suppression_reason
from .choices import FlagStatusChoices, ReportStatusChoices
from .models import DataSetAssignment, Indicator, ValidationFlag, Value
from .periods import due_date, due_periods, period_label
from .permissions import is_enterprise_user_of
from .quality import report_status
from .read import firm_figures, may_view_firm

# The headline indicators of a firm, in this order; the page shows those the firm reports.
HEADLINE_CODES = ("output_value", "revenue", "main_revenue", "total_profit", "tax", "employees")
ANNUAL_YEARS = 5  # past years' annual figures in the chart
REPORTING_PERIODS = 24  # due periods of a monthly form in the reporting record (annual forms: their last 3 years)
FLAGS_SHOWN = 30


# -- figures over time against peers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A peer group's growth as it may be shown: `reason` says why it is not (too few firms, suppressed)."""

    growth_pct: Decimal | None = None
    firms: int | None = None
    reason: str = ""


@dataclass
class HeadlineRow:
    indicator: Indicator
    value: Decimal | None
    base: Decimal | None
    peers: Comparison
    zone: Comparison

    @property
    def growth_pct(self):
        return growth_pct(self.value, self.base)

    @property
    def peers_and_zone(self):
        return (self.peers, self.zone)


def comparison(cell, k):
    """The growth of a summarize() cell, or why it is not shown (the minimum group size applies to every viewer)."""
    if cell is None:
        return Comparison(reason=_("无同组企业数据"))
    if cell.suppressed:
        return Comparison(reason=cell.reason or suppression_reason())
    if cell.firms is None or cell.firms < k:
        return Comparison(firms=cell.firms, reason=suppression_reason())
    return Comparison(growth_pct=cell.growth_pct, firms=cell.firms)


def peer_comparisons(user, enterprise, period, indicators):
    """({indicator code: (same division in the zone, the zone's firms in scope)}, the scope's note), each a
    Comparison; ({}, "") when the user may see no aggregate of the firm's zone."""
    viewer = StatsViewer(user)
    zone_ids = [enterprise.zone_id]
    if not indicators or enterprise.zone_id not in viewer.zone_ids:
        return {}, ""
    scope = scope_of(zone_ids, period, indicators[0])
    division, k = enterprise.industry.division, min_group_size()
    result = {}
    for indicator in indicators:
        try:
            summary = summarize(
                viewer, zone_ids=zone_ids, period=period, indicator=indicator, group_by="division", scope=scope
            )
        except PermissionError:
            return {}, ""
        cell = next((c for c in summary.groups if c.key == division), None)
        result[indicator.code] = (comparison(cell, k), comparison(summary.total, k))
    return result, scope_note(scope)


def chart_series(figures, indicators, year):
    """Per indicator: 1—N月 of `year` and of the year before by month, and the annual (December) figures of the
    last ANNUAL_YEARS years that have one. Amounts stay decimals (json_script writes them as strings)."""
    series = []
    for indicator in indicators:
        code = indicator.code

        def value(period, code=code):
            figure = figures.get((period, code))
            return figure.value if figure is not None else None

        years = sorted({year_of(p) for (p, c) in figures if c == code and p % 100 == 12})[-ANNUAL_YEARS:]
        series.append(
            {
                "code": code,
                "label": indicator.label,
                "unit": indicator.unit_label,
                "this": [value(make_period(year, m)) for m in range(1, 13)],
                "last": [value(make_period(year - 1, m)) for m in range(1, 13)],
                "years": [str(y) for y in years],
                "annual": [value(make_period(y, 12)) for y in years],
            }
        )
    return series


def figures_panel(request, enterprise):
    """The firm's headline figures of its latest period with their growth against its peers, and the chart data;
    a note when the user may not read them, None (no tab) when the firm has none."""
    user = request.user
    if not may_view_firm(user, enterprise):
        return {"allowed": False}
    figures = firm_figures(user, enterprise, HEADLINE_CODES)
    if not figures:
        return None  # a firm that reports no headline figure: no tab
    reported = {code for (_period, code) in figures}
    indicators = sorted(Indicator.objects.filter(code__in=reported), key=lambda i: HEADLINE_CODES.index(i.code))
    latest = max(period for (period, _code) in figures)
    year = year_of(latest)
    latest_indicators = [i for i in indicators if (latest, i.code) in figures]
    peers, note = peer_comparisons(user, enterprise, latest, latest_indicators)
    rows = []
    for indicator in latest_indicators:
        figure = figures[(latest, indicator.code)]
        peer, zone = peers.get(indicator.code, (Comparison(reason=_("无权查看")),) * 2)
        rows.append(HeadlineRow(indicator, figure.value, figure.base, peer, zone))
    return {
        "allowed": True,
        "rows": rows,
        "period_label": cumulative_title(latest),
        "scope_note": note,
        "division": enterprise.industry.division,
        "min_group_size": min_group_size(),
        "chart": {
            "this_label": _("%(year)s年") % {"year": year},
            "last_label": _("%(year)s年") % {"year": year - 1},
            "months": month_names(),
            "series": chart_series(figures, indicators, year),
        },
    }


# -- reporting record --------------------------------------------------------------------------------------------


@dataclass
class PeriodReport:
    """One due period of one assigned form: when it was first reported, corrections since, flags raised."""

    data_set: object
    period: int
    due: object
    first_entered_at: object
    corrections: int
    flags: list = field(default_factory=list)  # [(flag status, count)], statuses with none left out
    entry_url: str = ""
    today: object = None

    @property
    def label(self):
        return period_label(self.period, self.data_set)

    @property
    def status(self):
        """on_time / late / missing, or "pending" while nothing is in and the deadline has not passed."""
        if self.first_entered_at is None and self.today <= self.due:
            return "pending"
        return report_status(self.first_entered_at, self.due)

    @property
    def status_label(self):
        if self.status == "pending":
            return _("未到截止日")
        return ReportStatusChoices(self.status).label


def covered(assignments, data_set, period):
    return any(
        a.data_set_id == data_set.pk and a.from_period <= period and (a.to_period is None or period <= a.to_period)
        for a in assignments
    )


def reporting_panel(request, enterprise):
    """Per due period of each form the firm is assigned: on time / late / not reported, corrections, flags; and the
    firm's latest validation flags. None (no tab) for a firm with no reporting duty and no flag."""
    user = request.user
    if not may_view_firm(user, enterprise):
        return None
    assignments = list(
        DataSetAssignment.objects.restrict(user, "view").filter(enterprise=enterprise).select_related("data_set")
    )
    flags = list(
        ValidationFlag.objects.restrict(user, "view")
        .filter(enterprise=enterprise)
        .select_related("indicator")
        .order_by("-period", "-created_at", "-pk")[:FLAGS_SHOWN]
    )
    if not assignments and not flags:
        return None
    for flag in flags:
        flag.period_text = format_period(flag.period)
    today = timezone.localdate()
    data_sets = sorted({a.data_set.pk: a.data_set for a in assignments}.values(), key=lambda d: d.code)
    wanted = [(d, p) for d in data_sets for p in due_periods(d, today, REPORTING_PERIODS) if covered(assignments, d, p)]
    periods = sorted({p for _d, p in wanted})
    entries = {
        (row["data_set_id"], row["period"]): row
        for row in Value.objects.restrict(user, "view")
        .filter(enterprise=enterprise, data_set__in=[d.pk for d in data_sets], period__in=periods)
        .values("data_set_id", "period")
        .annotate(first=Min("entered_at"), corrections=Count("pk", filter=Q(revision__gt=1)))
        .order_by()
    }
    flag_counts = Counter()
    counted = ValidationFlag.objects.restrict(user, "view").filter(enterprise=enterprise, period__in=periods)
    for row in counted.values("period", "status").annotate(n=Count("pk")).order_by():
        flag_counts[(row["period"], row["status"])] = row["n"]
    links = not is_enterprise_user_of(user, enterprise)  # a firm sees its form only while the period is open
    reports = []
    for data_set, period in sorted(wanted, key=lambda pair: (-pair[1], pair[0].code)):
        entry = entries.get((data_set.pk, period), {})
        counts = [(s, flag_counts[(period, s)]) for s in FlagStatusChoices.values if flag_counts[(period, s)]]
        url = reverse("stats:entry", args=[enterprise.pk, data_set.code, format_period(period)]) if links else ""
        reports.append(
            PeriodReport(
                data_set=data_set,
                period=period,
                due=due_date(data_set, period),
                first_entered_at=entry.get("first"),
                corrections=entry.get("corrections", 0),
                flags=counts,
                entry_url=url,
                today=today,
            )
        )
    tally = Counter(report.status for report in reports)
    open_flags = sum(1 for flag in flags if flag.status == FlagStatusChoices.OPEN)
    return {
        "reports": reports,
        "tally": {status: tally.get(status, 0) for status in ("on_time", "late", "missing", "pending")},
        "flags": flags,
        "flags_capped": len(flags) == FLAGS_SHOWN,
        "badge": open_flags or None,
    }
