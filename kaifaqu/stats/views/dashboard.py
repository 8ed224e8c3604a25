"""Leaders' pages: the zone dashboard, the firm rows behind a figure, the region ranking, targets (the 规上/四上
directory page is views/directory.py).

Every page reads through kaifaqu.stats.aggregation (bounded queries, suppression for viewers not entitled to
individual figures). A zone outside the viewer's scope is a 404.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core.periods import (
    cumulative_label,
    cumulative_title,
    format_period,
    make_period,
    month_name,
    parse_period,
    previous_month,
    year_of,
)

from .. import exports, reference
from ..aggregation import (
    CARD_INDICATORS,
    NO_NARROWING,
    Narrowing,
    StatsViewer,
    Totals,
    completeness_counts,
    dashboard_figures,
    firm_rows,
    headline_indicator,
    headline_table,
    indicator_cards,
    latest_period,
    monthly_trend,
    published_summary,
    published_tables_of,
    rank_zones,
    schedule_pct,
    scope_of,
    summarize,
    zone_headlines,
)
from ..forms import DashboardFilterForm, RankingFilterForm, TargetForm
from ..models import Target
from ..permissions import may_import_stats
from ..reconciliation import explain, firm_figures, firm_figures_of, reconcile
from ..reference import active_indicator, active_indicators
from ..services import set_target

TOP_CONTRIBUTORS = 10
ROWS_PER_PAGE = 100


# -- shared -----------------------------------------------------------------------------------------------------------


default_indicator = headline_indicator


def chosen_indicator(params):
    code = (params.get("indicator") or "").strip()
    if code:
        indicator = active_indicator(code)
        if indicator is None:
            raise Http404
        return indicator
    indicator = default_indicator()
    if indicator is None:
        raise Http404
    return indicator


def chosen_period(params, viewer, zone_ids, indicator):
    text = (params.get("period") or "").strip()
    if text:
        try:
            return parse_period(text)
        except ValueError:
            pass
    latest = latest_period(viewer, zone_ids, indicator) or latest_period(viewer, zone_ids)
    if latest:
        return latest
    today = timezone.localdate()
    return previous_month(make_period(today.year, today.month))


def completeness_url(zone, period):
    """The full completeness page of the zone and period."""
    return f"{reverse('stats:completeness')}?{urlencode({'zone': zone.pk, 'period': format_period(period)})}"


class ZoneStatsMixin(LoginRequiredMixin):
    """The zone in the URL, if the viewer may see its figures (404 otherwise); period, indicator, narrowing."""

    entitled_only = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.viewer = StatsViewer(request.user)
        allowed = self.viewer.entitled_zone_ids if self.entitled_only else self.viewer.zone_ids
        if kwargs["zone_pk"] not in allowed:
            raise Http404
        self.zone = reference.zone(kwargs["zone_pk"])
        self.zone_ids = [self.zone.pk]
        return super().dispatch(request, *args, **kwargs)

    def read_choices(self):
        params = self.request.GET
        self.indicator = chosen_indicator(params)
        self.period = chosen_period(params, self.viewer, self.zone_ids, self.indicator)
        # 统计法: viewers not entitled to firm figures get the published tables only — no free filters, whose
        # intersections could be differenced back to one firm.
        self.entitled = self.viewer.entitled(self.zone_ids)
        self.narrowing = Narrowing.from_params(params) if self.entitled else NO_NARROWING

    def query(self, **extra):
        """The current choices as a query string, with `extra` added (for drill-down links and exports)."""
        params = {"period": format_period(self.period), "indicator": self.indicator.code, **self.narrowing.params()}
        params.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(params)


# -- dashboard ------------------------------------------------------------------------------------------------------


def dashboard_data(viewer, zone, period, indicator, narrowing):
    """Everything the dashboard shows (and exports) for one zone, period, indicator and narrowing."""
    zone_ids = [zone.pk]
    entitled = viewer.entitled(zone_ids)
    scope = scope_of(zone_ids, period, indicator)
    common = {"zone_ids": zone_ids, "period": period, "narrowing": narrowing, "scope": scope}
    published = None
    read = {}  # what the page's figures are rolled up from, when the summaries hold them
    if entitled:
        cards = [i.pk for i in active_indicators() if i.code in CARD_INDICATORS or i.pk == indicator.pk]
        figures = dashboard_figures(zone_ids, period, cards, narrowing=narrowing, scope=scope, trend_of=indicator.pk)
        if figures is not None:
            read = {group: figures.rolled_up(group, indicator.pk) for group in ("park", "division")}
            read |= {"cards": figures.rolled_up(), "trend": figures.trend}
        by_park = summarize(viewer, indicator=indicator, group_by="park", grouped=read.get("park"), **common)
        by_industry = summarize(
            viewer, indicator=indicator, group_by="division", grouped=read.get("division"), **common
        )
    else:  # published tables: each indicator's firm figures read and its suppression decided once for the page
        shown = [i for i in active_indicators() if i.code in CARD_INDICATORS or i.pk == indicator.pk]
        figures = firm_figures_of(viewer.values(zone_ids), scope, shown)
        published = {i.pk: (figures[i.pk], published_tables_of(figures[i.pk], i)) for i in shown}
        rows, tables = published[indicator.pk]
        given = {"zone_ids": zone_ids, "indicator": indicator, "scope": scope, "rows": rows, "tables": tables}
        by_park = published_summary(viewer, group_by="park", **given)
        by_industry = published_summary(viewer, group_by="division", **given)
    data = {
        "entitled": entitled,
        "scope": scope,
        "cards": indicator_cards(viewer, published=published, figures=read.get("cards"), **common),
        "summary": by_park,
        "by_park": by_park.groups,
        "by_industry": by_industry.groups,
        "trend": monthly_trend(viewer, indicator=indicator, table=read.get("trend"), **common),
        "completeness": completeness_counts(viewer, zone_ids=zone_ids, period=period, narrowing=narrowing)
        if entitled
        else None,
        "top": [],
        "reconciliation": None,
    }
    if not entitled:
        align_trend(data["trend"], period, by_park.total)
    if entitled:
        total = Totals(current=by_park.total.current, comparable=by_park.total.previous)
        data["top"] = firm_rows(viewer, indicator=indicator, total=total, limit=TOP_CONTRIBUTORS, **common)
        data["reconciliation"] = scope_reconciliation(viewer, zone_ids, scope, indicator, narrowing)
    return data


def align_trend(trend, period, total):
    """The selected month of the trend is the zone total again (this year) and last year's published figure (last
    year): for a viewer of published tables it shows what the tables' decision shows there, nothing more."""
    month = period % 100
    trend["this"][month - 1] = total.current
    trend["last"][month - 1] = total.published


def scope_reconciliation(viewer, zone_ids, scope, indicator, narrowing):
    """The 口径差 table (entitled viewers): why the comparable base differs from last year's published figure."""
    table = reconcile(firm_figures(viewer.values(zone_ids), scope, indicator, narrowing, chains=False))
    table.summary = explain(table)
    return table


class DashboardHomeView(LoginRequiredMixin, TemplateView):
    """统计看板: the zones whose figures the user may read, and the region ranking for region viewers."""

    template_name = "stats/dashboard_home.html"

    def get(self, request, *args, **kwargs):
        viewer = StatsViewer(request.user)
        zones = list(viewer.zones())
        if len(zones) == 1 and not viewer.is_region_viewer:
            return redirect("stats:dashboard", zone_pk=zones[0].pk)
        indicator, period, ranked = zone_headlines(viewer)
        query = urlencode({"indicator": indicator.code, "period": format_period(period)}) if period else ""
        for row in ranked:
            row.url = f"{reverse('stats:dashboard', args=[row.zone.pk])}?{query}"
        ranked_ids = {row.zone.pk for row in ranked}
        return self.render_to_response(
            {
                "rows": ranked,
                "others": [zone for zone in zones if zone.pk not in ranked_ids],  # aggregates only, or no figures
                "indicator": indicator,
                "period": period,
                "period_label": cumulative_label(period) if period else "",
                "year": year_of(period) if period else None,
                "is_money": indicator is not None and indicator.is_money,
                "may_rank": viewer.is_region_viewer and bool(zones),
            }
        )


class DashboardView(ZoneStatsMixin, TemplateView):
    template_name = "stats/dashboard.html"

    def get_context_data(self, **kwargs):
        self.read_choices()
        data = dashboard_data(self.viewer, self.zone, self.period, self.indicator, self.narrowing)
        rows_url = reverse("stats:dashboard_rows", args=[self.zone.pk]) if data["entitled"] else ""
        chart = {
            "indicator": self.indicator.label,
            "unit": str(self.indicator.unit_label),  # the axis name, in the user's language
            "months": [month_name(m) for m in data["trend"]["months"]],
            "this_year": data["trend"]["this"],
            "last_year": data["trend"]["last"],
            "this_label": _("%(year)s年") % {"year": year_of(self.period)},
            "last_label": _("%(year)s年") % {"year": year_of(self.period) - 1},
            "parks": [
                {"name": c.label, "value": c.current, "url": self.drill(rows_url, park=c.key)} for c in data["by_park"]
            ],
            "industries": [
                {"name": c.label, "value": c.current, "url": self.drill(rows_url, division=c.key)}
                for c in data["by_industry"]
            ],
        }
        for card in data["cards"]:
            card["url"] = self.drill(rows_url, indicator=card["indicator"].code)
        for cell in data["by_park"]:
            cell.url = self.drill(rows_url, park=cell.key)
        for cell in data["by_industry"]:
            cell.url = self.drill(rows_url, division=cell.key)
        context = super().get_context_data(**kwargs)
        context.update(
            data,
            zone=self.zone,
            indicator=self.indicator,
            period=self.period,
            period_label=cumulative_label(self.period),
            period_title=cumulative_title(self.period),
            year=year_of(self.period),
            form=DashboardFilterForm(
                self.request.GET or None, zone=self.zone, entitled=data["entitled"], initial=self.initial()
            ),
            chart=chart,
            rows_url=f"{rows_url}?{self.query()}" if rows_url else "",
            export_url=f"{reverse('stats:dashboard_export', args=[self.zone.pk])}?{self.query()}",
            completeness_url=completeness_url(self.zone, self.period),
            targets_url=reverse("stats:target_list", args=[self.zone.pk]) if data["entitled"] else "",
            status_url=reverse("stats:status_list", args=[self.zone.pk]) if data["entitled"] else "",
            may_rank=self.viewer.is_region_viewer,
            # staff who keep the figures go from the dashboard to the import of the month's workbook
            import_url=reverse("stats:value_import") if may_import_stats(self.request.user) else "",
            narrowed=bool(self.narrowing),
        )
        return context

    def initial(self):
        return {"period": format_period(self.period), "indicator": self.indicator.code}

    def drill(self, rows_url, **extra):
        """The firm rows behind one figure (empty for viewers who may not see firm rows)."""
        if not rows_url:
            return ""
        if "park" in extra and extra["park"] is None:
            extra["park"] = "none"
        if "division" in extra and extra["division"] is None:
            return ""
        return f"{rows_url}?{self.query(**extra)}"


class DashboardRowsView(ZoneStatsMixin, TemplateView):
    """The firm rows behind a dashboard figure: same zone, period, indicator and narrowing (entitled viewers), with
    the firms of the directory that have not reported (未报) apart from those that left it (退出名录)."""

    template_name = "stats/dashboard_rows.html"
    entitled_only = True

    def get_context_data(self, **kwargs):
        self.read_choices()
        scope = scope_of(self.zone_ids, self.period, self.indicator)
        common = {"zone_ids": self.zone_ids, "period": self.period, "indicator": self.indicator, "scope": scope}
        narrowing = self.narrowing
        summary = summarize(self.viewer, narrowing=narrowing, **common)
        total = Totals(current=summary.total.current, comparable=summary.total.previous)
        rows = firm_rows(self.viewer, narrowing=narrowing, total=total, **common)
        reconciliation = scope_reconciliation(self.viewer, self.zone_ids, scope, self.indicator, narrowing)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(self.request.GET.get("page"))
        context = super().get_context_data(**kwargs)
        context.update(
            zone=self.zone,
            indicator=self.indicator,
            period=self.period,
            period_label=cumulative_label(self.period),
            period_title=cumulative_title(self.period),
            summary=summary,
            page=page,
            row_count=len(rows),
            reconciliation=reconciliation,
            form=DashboardFilterForm(self.request.GET or None, zone=self.zone, initial=self.initial()),
            query=self.query(),
            dashboard_url=f"{reverse('stats:dashboard', args=[self.zone.pk])}?{self.query()}",
            export_url=f"{reverse('stats:dashboard_export', args=[self.zone.pk])}?{self.query()}",
        )
        return context

    def initial(self):
        return {"period": format_period(self.period), "indicator": self.indicator.code}


class DashboardExportView(ZoneStatsMixin, TemplateView):
    """Everything on the dashboard, as .xlsx (firm rows only for entitled viewers)."""

    def get(self, request, *args, **kwargs):
        self.read_choices()
        data = dashboard_data(self.viewer, self.zone, self.period, self.indicator, self.narrowing)
        rows = []
        if data["entitled"]:
            rows = firm_rows(
                self.viewer,
                zone_ids=self.zone_ids,
                period=self.period,
                indicator=self.indicator,
                narrowing=self.narrowing,
                scope=data["scope"],
            )
        headline = headline_table(
            self.viewer, zone_id=self.zone.pk, period=self.period, codes=CARD_INDICATORS, scope=data["scope"]
        )
        record_event(
            AuditEventChoices.EXPORT,
            request=request,
            obj=self.zone,
            detail={"export": "stats_dashboard", "period": self.period, "indicator": self.indicator.code},
        )
        return exports.dashboard_workbook(
            zone=self.zone, period=self.period, indicator=self.indicator, data=data, rows=rows, headline=headline
        )


# -- region ranking -------------------------------------------------------------------------------------------------


class RankingMixin(LoginRequiredMixin):
    """Zones of a region viewer's region (or every zone for the system administrator), ranked."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.viewer = StatsViewer(request.user)
        if not self.viewer.is_region_viewer or not self.viewer.entitled_zone_ids:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def ranking(self):
        params = self.request.GET
        zone_ids = sorted(self.viewer.entitled_zone_ids)
        self.indicator = chosen_indicator(params)
        self.period = chosen_period(params, self.viewer, zone_ids, self.indicator)
        self.order = "growth" if params.get("order") == "growth" else "value"
        return rank_zones(
            self.viewer, zone_ids=zone_ids, period=self.period, indicator=self.indicator, order=self.order
        )

    def query(self):
        return urlencode({"period": format_period(self.period), "indicator": self.indicator.code, "order": self.order})


class RankingView(RankingMixin, TemplateView):
    template_name = "stats/ranking.html"

    def get_context_data(self, **kwargs):
        rows = self.ranking()
        for row in rows:
            row.url = f"{reverse('stats:dashboard', args=[row.zone.pk])}?{self.query()}"
        context = super().get_context_data(**kwargs)
        context.update(
            rows=rows,
            indicator=self.indicator,
            period=self.period,
            period_label=cumulative_label(self.period),
            period_title=cumulative_title(self.period),
            # Zone totals are large: money in 亿元, one unit for the column (its header says which).
            table_unit="亿元" if self.indicator.is_money else self.indicator.unit,
            order=self.order,
            form=RankingFilterForm(
                self.request.GET or None,
                initial={"period": format_period(self.period), "indicator": self.indicator.code},
            ),
            export_url=f"{reverse('stats:ranking_export')}?{self.query()}",
        )
        return context


class RankingExportView(RankingMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        rows = self.ranking()
        record_event(
            AuditEventChoices.EXPORT,
            request=request,
            detail={"export": "stats_ranking", "period": self.period, "indicator": self.indicator.code},
        )
        return exports.ranking_workbook(rows=rows, period=self.period, indicator=self.indicator, order=self.order)


# -- targets --------------------------------------------------------------------------------------------------------


class ZoneWriteMixin:
    """POST needs write rights in the zone for the model's domain (statistics); otherwise 404, nothing written."""

    write_model = None

    def may_write(self):
        return self.request.user.can_add_in_zone(self.write_model.scope, self.zone.pk)

    def post(self, request, *args, **kwargs):
        if not self.may_write():
            raise Http404
        form = self.get_form(request.POST)
        if form.is_valid():
            self.save(form)
            messages.success(request, _("已保存。"))
            return redirect(f"{request.path}?{urlencode({'year': form.cleaned_data['year']})}")
        return self.render_to_response(self.get_context_data(form=form))


def chosen_year(params):
    text = (params.get("year") or "").strip()
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return timezone.localdate().year


class TargetListView(ZoneStatsMixin, ZoneWriteMixin, TemplateView):
    """全年目标 of a zone for a year, and the headline table as in the monthly report."""

    template_name = "stats/target_list.html"
    entitled_only = True
    write_model = Target

    def get_form(self, data=None):
        return TargetForm(data, initial={"year": chosen_year(self.request.GET), "source": "zone"})

    def save(self, form):
        data = form.cleaned_data
        set_target(
            actor=self.request.user,
            zone=self.zone,
            year=data["year"],
            indicator=data["indicator"],
            value=data["value"],
            growth_target_pct=data["growth_target_pct"],
            source=data["source"],
        )

    def get_context_data(self, **kwargs):
        year = chosen_year(self.request.GET)
        text = (self.request.GET.get("period") or "").strip()
        try:
            period = parse_period(text) if text else None
        except ValueError:
            period = None
        if period is None or year_of(period) != year:
            latest = latest_period(self.viewer, self.zone_ids)
            period = latest if latest and year_of(latest) == year else make_period(year, 12)
        targets = Target.objects.restrict(self.request.user, "view").filter(zone=self.zone, year=year)
        context = super().get_context_data(**kwargs)
        context.update(
            zone=self.zone,
            year=year,
            period=period,
            period_label=cumulative_label(period),
            period_title=cumulative_title(period),
            schedule=schedule_pct(period),
            headline=headline_table(self.viewer, zone_id=self.zone.pk, period=period, codes=CARD_INDICATORS),
            targets=targets.select_related("indicator").order_by("indicator__sort_order"),
            may_write=self.may_write(),
            form=kwargs.get("form") or self.get_form(),
            dashboard_url=reverse("stats:dashboard", args=[self.zone.pk]),
        )
        return context
