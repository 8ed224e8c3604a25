"""The projects pages people read: the list (filters, export), the pipeline board and the project page.

Every read goes through `restrict()`; a project outside the user's scope is a 404. Writes live on the edit pages
(projects:*_edit, *_add), linked from here only for users who may write.
"""

from collections import Counter, defaultdict
from decimal import Decimal

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from kaifaqu.core.history import history_entries
from kaifaqu.core.money import unit_name
from kaifaqu.core.periods import format_period, month_names, month_of, year_of
from kaifaqu.core.views import ScopedDetailView, ScopedObjectMixin
from kaifaqu.zones.filtersets import shows_one_zone
from kaifaqu.zones.models import Park, Zone

from .. import production
from ..choices import (
    LineStatusChoices,
    ProjectStatusChoices,
    StagePhaseChoices,
)
from ..exports import export_projects
from ..filtersets import NO_STAGE, ProjectFilterSet
from ..forms import BoardFilterForm
from ..models import Approval, Inspection, Problem, Project, StageDefinition
from ..permissions import may_add_project, may_configure_stages, may_edit_project, may_report_progress
from ..rules import pct
from ..tables import ProjectTable, annotate_for_list, overdue_approval_project_ids, overdue_badges

CARDS_PER_STAGE = 8
# The board follows projects still being pursued; terminated ones (终止) are left out, as in the dispatch tables.
BOARD_STATUSES = (ProjectStatusChoices.ACTIVE, ProjectStatusChoices.PAUSED)


def board_zones(user):
    return Zone.objects.restrict(user, "view").order_by("name")


# -- list -------------------------------------------------------------------------------------------------------------


class ProjectListView(ScopedObjectMixin, SingleTableMixin, FilterView):
    model = Project
    table_class = ProjectTable
    filterset_class = ProjectFilterSet
    template_name = "projects/project_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        today = timezone.localdate()
        queryset = (
            super().get_queryset().select_related("zone", "park", "investor", "current_stage").order_by("name", "pk")
        )
        return annotate_for_list(queryset, today.year, today)

    def get_table_kwargs(self):
        return {"year": timezone.localdate().year}

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if shows_one_zone(self.request.user):
            table.columns.hide("zone")  # everything listed is in the user's one zone
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            may_add=may_add_project(user),
            query=self.request.GET.urlencode(),
        )
        return context


class ProjectExportView(LoginRequiredMixin, View):
    """The project list as .xlsx: same GET parameters as the list page, same scope (restrict), audited."""

    def get(self, request):
        return export_projects(request)


# -- pipeline board ---------------------------------------------------------------------------------------------------


def chosen_zone(request, zones):
    """The zone asked for (404 when outside the user's scope), else the user's own zone, else the oldest one."""
    raw = request.GET.get("zone", "").strip()
    by_pk = {zone.pk: zone for zone in zones}
    if raw:
        try:
            return by_pk[int(raw)]
        except (KeyError, ValueError) as missing:
            raise Http404 from missing
    own = [pk for pk in request.user.zone_ids() if pk in by_pk]
    return by_pk[min(own or by_pk)]  # the lowest id: the same choice on every database, whatever its collation


class BoardView(LoginRequiredMixin, TemplateView):
    """看板: one column per stage of the zone's ladder with its count, total investment and largest projects.

    No drag and drop: a stage changes on the project page, through the dated stage form.
    """

    template_name = "projects/board.html"

    def get(self, request, *args, **kwargs):
        zones = list(board_zones(request.user))
        if not zones:
            raise Http404
        self.zones = zones
        self.zone = chosen_zone(request, zones)
        return super().get(request, *args, **kwargs)

    def narrowing(self, form):
        """The chosen park, level and kind (invalid values are ignored; the form shows why)."""
        data = form.cleaned_data if form.is_valid() else {}
        return {
            "park": data.get("park"),
            "level": data.get("level") or "",
            "kind": data.get("kind") or "",
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, zone = self.request.user, self.zone
        data = self.request.GET.copy()
        data["zone"] = zone.pk
        parks = {park.pk: park for park in Park.objects.filter(zone=zone).order_by("name")}
        form = BoardFilterForm(data, zones=self.zones, parks=parks.values())
        chosen = self.narrowing(form)
        chosen["park"] = parks.get(chosen["park"])
        projects = Project.objects.restrict(user, "view").filter(zone=zone, status__in=BOARD_STATUSES)
        if chosen["park"]:
            projects = projects.filter(park=chosen["park"])
        if chosen["level"]:
            projects = projects.filter(level=chosen["level"])
        if chosen["kind"]:
            projects = projects.filter(kind=chosen["kind"])
        context.update(
            form=form,
            zone=zone,
            show_zone_choice=len(self.zones) > 1,
            may_configure=may_configure_stages(user, zone),
            **self.board(projects, chosen),
        )
        return context

    def list_url(self, chosen, stage_code=None):
        params = [("zone", self.zone.pk)] + ([("stage", stage_code)] if stage_code else [])
        params += [("status", status) for status in BOARD_STATUSES]
        if chosen["park"]:
            params.append(("park", chosen["park"].pk))
        for name in ("level", "kind"):
            if chosen[name]:
                params.append((name, chosen[name]))
        return f"{reverse('projects:project_list')}?{urlencode(params)}"

    def board(self, projects, chosen):
        """Counts and investment per stage in one GROUP BY query; the first cards of every column in one more."""
        today = timezone.localdate()
        totals = {
            row["current_stage"]: (row["count"], row["investment"])
            for row in projects.order_by()
            .values("current_stage")
            .annotate(count=Count("pk"), investment=Sum("total_investment"))
        }
        ranked = (
            projects.annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("current_stage")],
                    order_by=[F("total_investment").desc(nulls_last=True), F("name").asc(), F("pk").asc()],
                )
            )
            .filter(rank__lte=CARDS_PER_STAGE)
            .with_overdue(today)
            .select_related("investor")
            .order_by("current_stage", "rank")
        )
        cards = defaultdict(list)
        for project in ranked:
            cards[project.current_stage_id].append(project)
        late_approvals = overdue_approval_project_ids([p.pk for c in cards.values() for p in c], today)
        for column in cards.values():
            for project in column:
                project.badges = overdue_badges(project, project.pk in late_approvals)
        stages = StageDefinition.objects.filter(zone=self.zone).filter(Q(is_active=True) | Q(pk__in=list(totals)))
        rows = {StagePhaseChoices.TALKS: [], StagePhaseChoices.PIPELINE: []}

        def column(key, name, code, stage=None):
            count, investment = totals.get(key, (0, None))
            shown = cards.get(key, [])
            return {
                "stage": stage,
                "name": name,
                "count": count,
                "investment": investment,
                "projects": shown,
                "more": count - len(shown),
                "url": self.list_url(chosen, code),
            }

        if None in totals:
            rows[StagePhaseChoices.TALKS].append(column(None, _("未记录阶段"), NO_STAGE))
        for stage in stages.order_by("order"):
            rows[stage.phase].append(column(stage.pk, stage.label, stage.code, stage))
        count = sum(c for c, _i in totals.values())
        investment = sum((i for _c, i in totals.values() if i is not None), Decimal(0))
        return {
            "ladders": [
                {"label": label, "columns": rows[phase]} for phase, label in StagePhaseChoices.choices if rows[phase]
            ],
            "total_count": count,
            "total_investment": investment if count else None,
            "all_url": self.list_url(chosen),
        }


# -- project page -----------------------------------------------------------------------------------------------------


def line_summary(lines):
    """ "3 条线试生产，1 条线调试": counts of the lines in each status, the most advanced status first."""
    counts = Counter(line.status for line in lines)
    order = list(reversed(LineStatusChoices.values))
    labels = dict(LineStatusChoices.choices)
    return "，".join(
        _("%(count)d 条线%(status)s") % {"count": counts[status], "status": labels[status]}
        for status in order
        if counts[status]
    )


def timeline(project, definitions, recorded, today):
    """The zone's ladder with the project's planned and actual dates, split in talks and pipeline."""
    ladders = {StagePhaseChoices.TALKS: [], StagePhaseChoices.PIPELINE: []}
    for stage in definitions:
        row = recorded.get(stage.pk)
        if row is None and not stage.is_active:
            continue
        planned = row.planned_on if row else None
        actual = row.actual_on if row else None
        delay = (actual - planned).days if planned and actual else None
        ladders[stage.phase].append(
            {
                "stage": stage,
                "row": row,
                "planned_on": planned,
                "actual_on": actual,
                "late": actual is None and planned is not None and planned < today,
                "late_days": (today - planned).days if actual is None and planned and planned < today else None,
                "delay": delay,
                "done": actual is not None,
                "current": stage.pk == project.current_stage_id,
            }
        )
    return [
        {"label": label, "phase": phase, "stages": ladders[phase]}
        for phase, label in StagePhaseChoices.choices
        if ladders[phase]
    ]


def progress_rows(reports, plans, total_investment):
    rows = []
    for report in reports:
        plan = plans.get(year_of(report.period))
        rows.append(
            {
                "report": report,
                "period": format_period(report.period),
                "plan_pct": pct(report.year_to_date, plan.planned_investment if plan else None),
                "total_pct": pct(report.since_start, total_investment),
            }
        )
    return rows


def progress_chart(reports, plan, year):
    """ECharts data for one year: monthly completion (bars), year to date (line), the annual plan (line)."""
    monthly = [Decimal(0)] * 12
    ytd = [None] * 12
    seen = [False] * 12
    for report in reports:
        if year_of(report.period) != year:
            continue
        index = month_of(report.period) - 1
        monthly[index] += report.amount
        seen[index] = True
        ytd[index] = max(ytd[index] or Decimal(0), report.year_to_date)
    return {
        "year": year,
        "months": month_names(),
        "monthly": [amount if seen[i] else None for i, amount in enumerate(monthly)],
        "year_to_date": ytd,
        "plan": [plan.planned_investment if plan else None] * 12,
        "labels": {
            "monthly": _("当期完成"),
            "year_to_date": _("年初至报告期累计"),
            "plan": _("年度计划投资"),
            "unit": unit_name("万元"),
        },
    }


def chosen_year(request, years, today):
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    return max(years) if years else today.year


class ProjectView(ScopedDetailView):
    model = Project
    template_name = "projects/project.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("zone", "park", "investor", "producer", "industry", "chain", "department", "current_stage")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request, user, project = self.request, self.request.user, self.object
        today = timezone.localdate()
        definitions = list(StageDefinition.objects.filter(zone=project.zone_id).order_by("order"))
        recorded = {row.stage_id: row for row in project.stages.select_related("phase", "recorded_by")}
        lines = list(project.lines.all())
        approvals = list(project.approvals.select_related("kind", "department"))
        problems = list(project.problems.select_related("department", "inspection"))
        plans = {plan.year: plan for plan in project.plans.all()}
        reports = list(project.progress.select_related("reported_by").order_by("-period", "-decade"))
        years = sorted({year_of(r.period) for r in reports} | set(plans))
        year = chosen_year(request, years, today)
        may_write = may_edit_project(user, project)
        context.update(
            project=project,
            today=today,
            may_write=may_write,
            may_report=may_report_progress(user, project),
            ladders=timeline(project, definitions, recorded, today),
            out_of_order=[row for row in recorded.values() if row.out_of_order_reason],
            phases=list(project.phases.all()),
            lines=lines,
            line_summary=line_summary(lines),
            approvals=approvals,
            changeable_approvals=set(
                Approval.objects.restrict(user, "change").filter(project=project).values_list("pk", flat=True)
            ),
            overdue_approvals=sum(1 for a in approvals if a.is_overdue),
            problems=problems,
            changeable_problems=set(
                Problem.objects.restrict(user, "change").filter(project=project).values_list("pk", flat=True)
            ),
            overdue_problems=sum(1 for p in problems if p.is_overdue),
            plans=[plans[y] for y in sorted(plans, reverse=True)],
            year=year,
            years=years,
            year_plan=plans.get(year),
            progress=progress_rows(reports, plans, project.total_investment),
            chart=progress_chart(reports, plans.get(year), year) if reports or plans else None,
            inspections=Inspection.objects.restrict(user, "view").filter(projects=project).order_by("-held_on"),
            files=evidence(project),
            history=history_entries(project),
            production=production.production_summary(project, user, today),
            capacity=capacity_text(project),
        )
        return context


def evidence(project):
    files = list(project.files.select_related("stage__stage", "progress", "uploaded_by"))
    for f in files:
        f.period_label = format_period(f.progress.period) if f.progress_id else ""
    return files


def capacity_text(project):
    if project.capacity_quantity is None:
        return ""
    return f"{project.capacity_quantity.normalize():,f} {project.capacity_unit}".strip()
