"""Leaders' pages: what is late (milestones, approval matters, problems), the key-project tables by level and
type, and the 通报 table sorted by completion rate. Computations live in kaifaqu/projects/aggregates.py.

The zone is the user's own (zone roles) or, for region viewers and the system administrator, every zone they see
unless one is chosen; a zone outside the user's view is a 404, and users who see no zone get 404 too.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from kaifaqu.accounts.exports import export_list
from kaifaqu.core.periods import cumulative_label, cumulative_title, format_period, month_of, year_of
from kaifaqu.zones.models import Zone

from .. import aggregates
from ..forms import BulletinForm, PeriodForm, ZoneForm
from ..models import AnnualPlan
from ..rules import schedule_pct

BULLETIN_PAGE = 50


class ZonePageMixin(LoginRequiredMixin):
    """The zones a page covers: a chosen one (404 when out of scope), else the user's own zones, else all seen."""

    form_class = ZoneForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.visible = list(Zone.objects.restrict(request.user, "view").order_by("name", "pk"))
        if not self.visible:
            raise Http404
        self.today = timezone.localdate()
        self.form = self.form_class(request.GET or None, zones=self.visible)
        chosen = request.GET.get("zone", "").strip()
        by_pk = {str(z.pk): z for z in self.visible}
        if chosen:
            if chosen not in by_pk:
                raise Http404
            self.zones = [by_pk[chosen]]
        else:
            own = request.user.zone_ids()
            mine = [z for z in self.visible if z.pk in own]
            self.zones = mine or self.visible
        self.zone_ids = [z.pk for z in self.zones]
        self.data = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        return super().dispatch(request, *args, **kwargs)

    def zone_context(self):
        return {
            "form": self.form,
            "zones": self.zones,
            "several": len(self.visible) > 1,
            "query": self.request.GET.urlencode(),
            "today": self.today,
        }


class PeriodMixin(ZonePageMixin):
    form_class = PeriodForm

    def get_period(self):
        data = self.data
        if data.get("period"):
            return data["period"]
        return aggregates.default_period(self.today, data.get("year"))

    def period_context(self, period):
        return {
            "period": period,
            "period_text": format_period(period),
            "year": year_of(period),
            "cumulative": cumulative_label(period),
            "period_title": cumulative_title(period),
            "schedule_pct": schedule_pct(month_of(period)),
            "earlier_year": self.earlier_plan_year(year_of(period)),
        }

    def earlier_plan_year(self, year):
        """When no year was asked for and this year has no annual plans yet (e.g. in January), the latest earlier
        year that has some, so the page can point to it instead of showing only zeros."""
        if self.data.get("period") or self.data.get("year"):
            return None
        latest = AnnualPlan.objects.filter(project__zone_id__in=self.zone_ids, year__lte=year).aggregate(
            latest=Max("year")
        )["latest"]
        return latest if latest and latest < year else None


# -- leader's page --------------------------------------------------------------------------------------------------


class LeaderView(ZonePageMixin, TemplateView):
    template_name = "projects/leader.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        overview = aggregates.leader_overview(self.request.user, self.zone_ids, self.today)
        context.update(
            **self.zone_context(),
            stages=overview["stages"],
            approvals=overview["approvals"],
            problems=overview["problems"],
            limit=aggregates.LEADER_ROWS,
        )
        return context


# -- key projects ---------------------------------------------------------------------------------------------------


class KeyProjectsView(PeriodMixin, TemplateView):
    template_name = "projects/key_projects.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = self.get_period()
        table = aggregates.key_project_table(self.request.user, self.zone_ids, period)
        context.update(
            **self.zone_context(),
            **self.period_context(period),
            table=table,
            sections=[
                {"title": _("按项目级别"), "id": "key-by-level", "rows": [*table["by_level"], table["total"]]},
                {"title": _("按项目类型"), "id": "key-by-kind", "rows": [*table["by_kind"], table["total"]]},
            ],
        )
        return context


def key_row_cells(row):
    f = row.figures
    return [
        row.label,
        f.count,
        f.investment,
        f.plan,
        f.completed,
        row.completion_pct,
        row.schedule_pct,
        row.gap_points,
        f.planned_starts,
        f.started,
        row.start_rate,
        f.planned_completions,
        f.finished,
        row.finish_rate,
    ]


def key_headers(cumulative):
    return [
        _("分组"),
        _("项目个数"),
        _("总投资(万元)"),
        _("年度计划投资(万元)"),
        _("%(months)s完成投资(万元)") % {"months": cumulative},
        _("完成率(%)"),
        _("时序进度(%)"),
        _("超/低于时序进度(百分点)"),
        _("计划开工个数"),
        _("已开工个数"),
        _("开工率(%)"),
        _("计划竣工个数"),
        _("已竣工个数"),
        _("竣工率(%)"),
    ]


class KeyProjectsExportView(PeriodMixin, View):
    def get(self, request):
        period = self.get_period()
        table = aggregates.key_project_table(request.user, self.zone_ids, period)
        rows = [[_("按级别")]] + [key_row_cells(r) for r in table["by_level"]]
        rows += [[_("按类型")]] + [key_row_cells(r) for r in table["by_kind"]]
        rows += [key_row_cells(table["total"])]
        name = _("重点项目推进情况%(period)s") % {"period": format_period(period)}
        return export_list(
            request, name=name, headers=key_headers(cumulative_label(period)), rows=rows, widths=(16,) + (14,) * 13
        )


# -- 通报 -----------------------------------------------------------------------------------------------------------


class BulletinMixin(PeriodMixin):
    form_class = BulletinForm

    def bulletin(self):
        period = self.get_period()
        rows = aggregates.bulletin_rows(
            self.request.user,
            self.zone_ids,
            period,
            level=self.data.get("level") or "",
            kind=self.data.get("kind") or "",
        )
        return period, rows


class BulletinView(BulletinMixin, TemplateView):
    template_name = "projects/bulletin.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period, rows = self.bulletin()
        page = Paginator(rows, BULLETIN_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            **self.zone_context(),
            **self.period_context(period),
            page=page,
            rows=page.object_list,
            count=len(rows),
            first_rank=page.start_index(),
        )
        return context


class BulletinExportView(BulletinMixin, View):
    def get(self, request):
        period, rows = self.bulletin()
        cumulative = cumulative_label(period)
        headers = [
            _("序号"),
            _("所在开发区"),
            _("项目名称"),
            _("项目级别"),
            _("项目类型"),
            _("责任部门"),
            _("总投资(万元)"),
            _("年度计划投资(万元)"),
            _("%(months)s完成投资(万元)") % {"months": cumulative},
            _("完成率(%)"),
            _("时序进度(%)"),
            _("超/低于时序进度(百分点)"),
            _("开工至报告期累计(万元)"),
            _("形象进度分类"),
            _("形象进度"),
        ]
        data = (
            [
                index,
                r.project.zone.name,
                r.project.name,
                r.project.get_level_display(),
                r.project.get_kind_display(),
                str(r.project.department or ""),
                r.project.total_investment,
                r.plan.planned_investment,
                r.completed,
                r.completion_pct,
                r.schedule_pct,
                r.gap_points,
                r.since_start,
                str(r.image_label),
                r.project.image_progress,
            ]
            for index, r in enumerate(rows, start=1)
        )
        name = _("重点项目通报%(period)s") % {"period": format_period(period)}
        return export_list(
            request,
            name=name,
            headers=headers,
            rows=data,
            widths=(6, 20, 36, 10, 10, 16, 14, 14, 14, 10, 10, 12, 14, 12, 50),
        )
