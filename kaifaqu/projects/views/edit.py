"""The write pages of projects: the project itself, its stage dates, phases, production lines, approval matters,
problems, annual plans, monthly progress and files — and the approval and problem queues a department works from.

Every object is fetched through restrict() (out of scope is a 404); adding a row asks permissions.py; every
write goes through services.py — the same functions the API calls — so the rules, the refusals and the history are
the same whichever way a change comes in. A refusal shows on the field it names.
"""

import os

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from django.views.generic.base import ContextMixin, TemplateResponseMixin
from django_filters.views import FilterView

from kaifaqu.accounts.exports import export_list
from kaifaqu.core.periods import format_period, month_of, parse_period, previous_month, year_of
from kaifaqu.core.views import ScopedDeleteView, ScopedEditView

from .. import services
from ..filtersets import ApprovalFilterSet, ProblemFilterSet
from ..forms import (
    ApprovalForm,
    EvidenceForm,
    LineForm,
    LinkInvestorForm,
    PhaseForm,
    PlanForm,
    ProblemForm,
    ProgressForm,
    ProjectForm,
    ResolveProblemForm,
    StageForm,
)
from ..models import (
    AnnualPlan,
    Approval,
    Problem,
    ProductionLine,
    Project,
    ProjectPhase,
    ProjectStage,
    StageDefinition,
    StageEvidence,
)
from ..permissions import (
    may_add_file,
    may_add_project,
    may_add_row,
    may_plan,
    may_reopen_progress,
    may_report_progress,
)
from ..rules import pct, progress_closed_reason, schedule_pct

PER_PAGE = 50
FIRST_PLAN_YEAR, LAST_PLAN_YEAR = 2000, 2100


def apply_errors(form, error):
    """A service's ValidationError (or refusal of fields, DepartmentFieldsOnly) on the form: on the field it names
    when the form has it, else on the form."""
    if isinstance(error, services.DepartmentFieldsOnly):
        error = error.as_validation_error()
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def project_url(project, anchor=""):
    return project.get_absolute_url() + (f"#{anchor}" if anchor else "")


class ProjectMixin(LoginRequiredMixin):
    """Pages of one project (its pk in the URL), read through restrict(user, project_action): else a 404."""

    project_action = "change"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.project = self.get_project()
        return super().dispatch(request, *args, **kwargs)

    def get_project(self):
        projects = Project.objects.restrict(self.request.user, self.project_action).select_related("zone")
        return get_object_or_404(projects, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "project": self.project}


# -- projects ------------------------------------------------------------------------------------------------------


class ProjectEditView(ScopedEditView):
    """新增 / 编辑项目: saved by services.save_project, which gives a new zone its stage ladder and approval matters."""

    model = Project
    form_class = ProjectForm
    template_name = "projects/project_form.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and "pk" not in kwargs and not may_add_project(user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("zone")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        zone = self.request.GET.get("zone")
        return {"zone": zone} if zone and zone.isdigit() else {}

    def form_valid(self, form):
        try:
            project = services.save_project(actor=self.request.user, project=form.instance)
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("项目已保存。"))
        return redirect(project.get_absolute_url())


class ProjectDeleteView(ScopedDeleteView):
    """Only project writers delete, after confirming; a project with progress reports is kept (set it 终止)."""

    model = Project
    template_name = "projects/project_confirm_delete.html"

    def get_queryset(self):
        return super().get_queryset().select_related("zone")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.object
        context.update(
            has_progress=project.progress.exists(),
            counts={
                _("阶段日期"): project.stages.count(),
                _("审批事项"): project.approvals.count(),
                _("问题"): project.problems.count(),
                _("附件"): project.files.count(),
            },
        )
        return context

    def get_success_url(self):
        return reverse("projects:project_list")

    def form_valid(self, form):
        project = self.object
        target = self.get_success_url()
        try:
            services.delete_project(actor=self.request.user, project=project)
        except ValidationError as refused:
            for message in refused.messages:
                messages.error(self.request, message)
            return redirect(project.get_absolute_url())
        messages.success(self.request, _("项目“%(name)s”已删除。") % {"name": project.name})
        return redirect(target)


class LinkInvestorView(ProjectMixin, FormView):
    """The prospective investor has registered in the enterprise registry: link the project to it."""

    form_class = LinkInvestorForm
    template_name = "projects/link_investor_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "project": self.project}

    def get_initial(self):
        return {"enterprise": self.project.investor_id}

    def form_valid(self, form):
        try:
            services.link_investor(
                actor=self.request.user, project=self.project, enterprise=form.cleaned_data["enterprise"]
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已关联投资企业。"))
        return redirect(self.project.get_absolute_url())


# -- stages --------------------------------------------------------------------------------------------------------


class StageEditView(ProjectMixin, FormView):
    """A stage's planned and actual dates (services.record_stage): out of order only with 确认 + a reason."""

    form_class = StageForm
    template_name = "projects/stage_form.html"

    def get_project(self):
        project = super().get_project()
        self.stage = get_object_or_404(StageDefinition.objects.filter(zone=project.zone_id), pk=self.kwargs["stage"])
        self.row = ProjectStage.objects.filter(project=project, stage=self.stage).first()
        return project

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.project, "row": self.row}

    def get_initial(self):
        row = self.row
        if row is None:
            return {}
        return {
            "planned_on": row.planned_on,
            "actual_on": row.actual_on,
            "phase": row.phase_id,
            "note": row.note,
            "confirm": bool(row.out_of_order_reason),
            "out_of_order_reason": row.out_of_order_reason,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        dates = {s.stage_id: s for s in self.project.stages.all()}
        ladder = [
            {"stage": definition, "row": dates.get(definition.pk), "current": definition.pk == self.stage.pk}
            for definition in StageDefinition.objects.filter(zone=self.project.zone_id, phase=self.stage.phase)
        ]
        context.update(
            stage=self.stage,
            row=self.row,
            ladder=ladder,
            files=self.row.files.select_related("uploaded_by") if self.row else [],
            show_confirmation=form.out_of_order
            or bool(self.row and self.row.out_of_order_reason)
            or bool(form.data.get("confirm") or form.data.get("out_of_order_reason")),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.record_stage(
                actor=self.request.user,
                project=self.project,
                stage=self.stage,
                planned_on=data["planned_on"],
                actual_on=data["actual_on"],
                note=data["note"],
                phase=data["phase"],
                out_of_order_reason=form.reason,
                version=form.version,
            )
        except ValidationError as error:  # a StaleEdit too: the form shows the other change and keeps the input
            form.out_of_order = bool(services.stage_order_errors(self.project, self.stage, data["actual_on"]))
            apply_errors(form, error)
            if form.out_of_order:
                if not data["confirm"]:
                    form.add_error("confirm", _("日期顺序确属实际情况时，请勾选“确认”"))
                if not data["out_of_order_reason"].strip():
                    form.add_error("out_of_order_reason", _("请填写日期顺序例外说明"))
            return self.form_invalid(form)
        messages.success(self.request, _("%(stage)s的日期已保存。") % {"stage": self.stage.label})
        return redirect(project_url(self.project, "stages"))


# -- rows of a project: phases, lines, approvals, problems ---------------------------------------------------------


class PartEditView(LoginRequiredMixin, TemplateResponseMixin, ContextMixin, View):
    """Add (the project's pk in the URL, `add_url_name`) or edit (the row's pk) a row that belongs to a project.

    Adding needs the project writable and permissions.may_add_row for the row's model; editing needs the row in
    restrict(user, "change") — which lets a department change the approvals and problems assigned to it.
    """

    model = None
    form_class = None
    add_url_name = ""
    anchor = ""
    saved_message = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.load()
        return super().dispatch(request, *args, **kwargs)

    @property
    def adding(self):
        return self.request.resolver_match.url_name == self.add_url_name

    def load(self):
        user = self.request.user
        if self.adding:
            self.object = None
            projects = Project.objects.restrict(user, "change").select_related("zone")
            self.project = get_object_or_404(projects, pk=self.kwargs["pk"])
            if not may_add_row(user, self.model, self.project):
                raise Http404
        else:
            rows = self.model.objects.restrict(user, "change").select_related("project__zone")
            self.object = get_object_or_404(rows, pk=self.kwargs["pk"])
            self.project = self.object.project

    def new_instance(self):
        return self.model(project=self.project)

    def get_form_kwargs(self):
        return {}

    def get_form(self, data=None, files=None):
        instance = self.object or self.new_instance()
        return self.form_class(data, files, instance=instance, **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(project=self.project, object=self.object, adding=self.adding, cancel_url=self.get_success_url())
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                self.save(form.instance)
            except (ValidationError, services.DepartmentFieldsOnly) as error:
                apply_errors(form, error)
            else:
                messages.success(request, self.saved_message or _("已保存。"))
                return redirect(self.get_success_url())
        return self.render_to_response(self.get_context_data(form=form))

    def save(self, obj):
        """Write the row through its service (services.save_phase, create_approval, update_problem …)."""
        raise NotImplementedError

    def get_success_url(self):
        return project_url(self.project, self.anchor)


class PhaseEditView(PartEditView):
    model = ProjectPhase
    form_class = PhaseForm
    template_name = "projects/phase_form.html"
    add_url_name = "phase_add"
    anchor = "phases"

    def save(self, obj):
        services.save_phase(actor=self.request.user, phase=obj)


class LineEditView(PartEditView):
    """A production line or building followed on its own ("3 条线试生产, 第 4 条调试")."""

    model = ProductionLine
    form_class = LineForm
    template_name = "projects/line_form.html"
    add_url_name = "line_add"
    anchor = "lines"

    def save(self, obj):
        services.save_line(actor=self.request.user, line=obj)


class ApprovalEditView(PartEditView):
    """An approval matter. Staff of the assigned department record its handling (Approval.DEPARTMENT_FIELDS) even
    without the projects domain; only project writers add matters, reassign or redefine them."""

    model = Approval
    form_class = ApprovalForm
    template_name = "projects/approval_form.html"
    add_url_name = "approval_add"
    anchor = "approvals"

    def get_form_kwargs(self):
        if self.adding:
            return {}
        return {"editable": services.department_fields(self.request.user, Approval, self.project.zone_id)}

    def get_form(self, data=None, files=None):
        if data is None and self.adding:
            kind = self.request.GET.get("kind")
            if kind and kind.isdigit():
                form = super().get_form()
                chosen = form.fields["kind"].queryset.filter(pk=kind).first()
                if chosen is not None:
                    # What the new matter will take when left blank (services.create_approval).
                    preview = Approval(project=self.project, kind=chosen).apply_kind_defaults()
                    form.initial.update(
                        kind=chosen.pk, time_limit_days=preview.time_limit_days, department=preview.department_id
                    )
                return form
        return super().get_form(data, files)

    def save(self, obj):
        if self.adding:
            services.create_approval(actor=self.request.user, approval=obj)
        else:
            services.update_approval(actor=self.request.user, approval=obj)


class ProblemEditView(PartEditView):
    """A problem of a project. The responsible department records its handling (Problem.DEPARTMENT_FIELDS: in the
    form, the status); only project writers add problems, restate them, move deadlines or hand them on."""

    model = Problem
    form_class = ProblemForm
    template_name = "projects/problem_form.html"
    add_url_name = "problem_add"
    anchor = "problems"

    def load(self):
        user = self.request.user
        if self.adding:
            super().load()
        else:
            rows = Problem.objects.restrict(user, "change").select_related("project__zone", "zone", "inspection")
            self.object = get_object_or_404(rows, pk=self.kwargs["pk"])
            self.project = self.object.project

    @property
    def zone_id(self):
        return self.object.zone_id if self.object is not None else self.project.zone_id

    def new_instance(self):
        return Problem(
            zone=self.project.zone, project=self.project, raised_by=self.request.user, raised_on=timezone.localdate()
        )

    def get_form_kwargs(self):
        if self.adding:
            return {}
        return {"editable": services.department_fields(self.request.user, Problem, self.zone_id)}

    def save(self, obj):
        if self.adding:
            services.create_problem(actor=self.request.user, problem=obj)
        else:
            services.update_problem(actor=self.request.user, problem=obj)

    def get_success_url(self):
        if self.project is None:
            return reverse("projects:problem_list")
        return project_url(self.project, self.anchor)


class ProblemResolveView(LoginRequiredMixin, FormView):
    """办结: the resolution and its date are required (services.resolve_problem)."""

    form_class = ResolveProblemForm
    template_name = "projects/problem_resolve_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            rows = Problem.objects.restrict(request.user, "change").select_related("project", "zone", "department")
            self.problem = get_object_or_404(rows, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"resolution": self.problem.resolution, "resolved_on": self.problem.resolved_on or timezone.localdate()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "problem": self.problem, "project": self.problem.project}

    def form_valid(self, form):
        try:
            services.resolve_problem(actor=self.request.user, problem=self.problem, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("问题已办结。"))
        if self.problem.project_id:
            return redirect(project_url(self.problem.project, "problems"))
        return redirect("projects:problem_list")


# -- annual plan and progress --------------------------------------------------------------------------------------


class PlanEditView(ProjectMixin, FormView):
    """年度计划: planned investment, 形象进度目标, planned start / completion — created or updated."""

    form_class = PlanForm
    template_name = "projects/plan_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not FIRST_PLAN_YEAR <= kwargs["year"] <= LAST_PLAN_YEAR:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_project(self):
        project = super().get_project()
        if not may_plan(self.request.user, project):
            raise Http404
        self.plan = AnnualPlan.objects.filter(project=project, year=self.kwargs["year"]).first()
        return project

    def get_form_kwargs(self):
        instance = self.plan or AnnualPlan(project=self.project, year=self.kwargs["year"])
        return {**super().get_form_kwargs(), "instance": instance}

    def get_context_data(self, **kwargs):
        year = self.kwargs["year"]
        latest = self.project.progress.filter(period__gte=year * 100, period__lte=year * 100 + 12).first()
        return {
            **super().get_context_data(**kwargs),
            "year": year,
            "plan": self.plan,
            "latest": latest,
            "latest_period": format_period(latest.period) if latest else "",
        }

    def form_valid(self, form):
        try:
            plan = services.save_plan(actor=self.request.user, plan=form.instance)
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(year)s年度计划已保存。") % {"year": plan.year})
        return redirect(project_url(self.project, "plans"))


def default_progress_period(project, now=None):
    """The month most likely being reported: last month while it is still open, else this month."""
    today = timezone.localdate()
    this_month = today.year * 100 + today.month
    last_month = previous_month(this_month)
    return last_month if services.progress_period_open(project.zone_id, last_month, now) else this_month


class ProgressAddView(ProjectMixin, FormView):
    """进度填报 by project staff or the investor's enterprise user (permissions.may_report_progress); the previous
    report and the year's plan are shown beside the form."""

    form_class = ProgressForm
    template_name = "projects/progress_form.html"
    project_action = "view"

    def get_project(self):
        project = super().get_project()
        if not may_report_progress(self.request.user, project):
            raise Http404
        return project

    def asked_period(self):
        """The month the page was opened for (?period=2025-10, as a reminder links it), else the likely one."""
        try:
            return parse_period(self.request.GET.get("period", ""))
        except ValueError:
            return default_progress_period(self.project)

    def get_initial(self):
        return {"period": format_period(self.asked_period()), "decade": 0}

    @cached_property
    def closed_reason(self):
        """On GET, why the asked month can no longer be reported ("" while it is open); a form sent after the
        deadline is refused by services.record_progress with the period's error."""
        if self.request.method != "GET":
            return ""
        period = self.asked_period()
        if services.progress_period_open(self.project.zone_id, period):
            return ""
        if period > int(timezone.localdate().strftime("%Y%m")):
            return _("%(period)s 尚未到来，不能填报") % {"period": format_period(period)}
        return progress_closed_reason(period)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.closed_reason:
            for field in form.fields.values():
                field.disabled = True
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        closed = self.closed_reason
        context.update(
            read_only=bool(closed),
            closed_reason=closed,
            reopen_url=reverse("projects:progress_reopen") if closed and may_reopen_progress(self.request.user) else "",
        )
        previous = self.project.progress.select_related("reported_by").first()
        period = self.asked_period()
        year = year_of(period)
        plan = AnnualPlan.objects.filter(project=self.project, year=year).first()
        year_report = self.project.progress.filter(period__gte=year * 100, period__lte=year * 100 + 12).first()
        year_to_date = year_report.year_to_date if year_report else None
        context.update(
            previous=previous,
            previous_period=format_period(previous.period) if previous else "",
            plan=plan,
            plan_year=year,
            year_to_date=year_to_date,
            completion=pct(year_to_date, plan.planned_investment) if plan else None,
            schedule=schedule_pct(month_of(year_report.period)) if year_report else None,
            total_share=pct(previous.since_start, self.project.total_investment) if previous else None,
        )
        return context

    def form_valid(self, form):
        data, user = form.cleaned_data, self.request.user
        try:
            report = services.record_progress(
                actor=user,
                project=self.project,
                period=data["period"],
                decade=data["decade"],
                amount=data["amount"],
                since_start=data["since_start"],
                image_progress=data["image_progress"].strip(),
                photos=data["photos"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(period)s 的进度已填报。") % {"period": format_period(report.period)})
        return redirect(project_url(self.project, "progress"))


# -- files ---------------------------------------------------------------------------------------------------------


class FileAddView(ProjectMixin, FormView):
    """证明材料: a file for a stage, or a general file of the project."""

    form_class = EvidenceForm
    template_name = "projects/file_form.html"

    def get_project(self):
        project = super().get_project()
        if not may_add_file(self.request.user, project):
            raise Http404
        return project

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.project}

    def get_initial(self):
        stage = self.request.GET.get("stage")
        return {"stage": stage} if stage and stage.isdigit() else {}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.add_evidence(
                actor=self.request.user,
                project=self.project,
                stage=data["stage"],
                file=data["file"],
                caption=data["caption"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("文件已上传。"))
        return redirect(project_url(self.project, "files"))


class FileDownloadView(LoginRequiredMixin, View):
    """A project's file, served as an attachment only when the project is in the user's view scope."""

    def get(self, request, pk):
        evidence = get_object_or_404(StageEvidence.objects.restrict(request.user, "view"), pk=pk)
        try:
            handle = evidence.file.open("rb")
        except (FileNotFoundError, ValueError) as missing:
            raise Http404 from missing
        return FileResponse(handle, as_attachment=True, filename=os.path.basename(evidence.file.name))


# -- queues: approvals and problems --------------------------------------------------------------------------------


def own_department_ids(user):
    return [m.department_id for m in user.active_memberships if m.department_id]


class QueueListView(LoginRequiredMixin, FilterView):
    """A queue across the projects in scope; rows the user may change get an edit link (one query per page)."""

    model = None
    paginate_by = PER_PAGE
    export_url_name = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context["object_list"]
        changeable = set(
            self.model.objects.restrict(self.request.user, "change")
            .filter(pk__in=[row.pk for row in rows])
            .order_by()
            .values_list("pk", flat=True)
        )
        for row in rows:
            row.may_change = row.pk in changeable
        departments = own_department_ids(self.request.user)
        context.update(
            query=self.request.GET.urlencode(),
            own_department=departments[0] if len(departments) == 1 else None,
            export_url=reverse(self.export_url_name),
        )
        return context


def approval_rows(user):
    return (
        Approval.objects.restrict(user, "view")
        .select_related("project__zone", "kind", "department")
        .order_by("project__zone__name", "project__name", "kind__order", "pk")
    )


def problem_rows(user):
    return (
        Problem.objects.restrict(user, "view")
        .select_related("zone", "project", "department", "inspection")
        .order_by("deadline", "pk")
    )


def filtered(filterset_class, request, queryset):
    """What the list shows for the GET parameters: the filtered rows, or none when a filter is invalid."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return queryset.none()
    return filterset.qs


class ApprovalListView(QueueListView):
    """审批事项台账: approvals across the projects in scope, so a department sees its queue."""

    model = Approval
    filterset_class = ApprovalFilterSet
    template_name = "projects/approval_list.html"
    export_url_name = "projects:approval_export"

    def get_queryset(self):
        return approval_rows(self.request.user)


class ApprovalExportView(LoginRequiredMixin, View):
    def get(self, request):
        approvals = filtered(ApprovalFilterSet, request, approval_rows(request.user))
        headers = [
            _("开发区"),
            _("项目名称"),
            _("事项"),
            _("办理部门"),
            _("状态"),
            _("受理日期"),
            _("办理时限（天）"),
            _("计划办结日期"),
            _("应办结日期"),
            _("批复日期"),
            _("批复文号"),
            _("承诺制"),
            _("全代办"),
            _("逾期"),
            _("说明"),
        ]
        yes, no = _("是"), _("否")
        rows = (
            [
                str(a.project.zone),
                a.project.name,
                a.kind.name,
                a.department.name if a.department else "",
                a.get_status_display(),
                a.submitted_on,
                a.time_limit_days,
                a.planned_on,
                a.due_on,
                a.approved_on,
                a.document_number,
                yes if a.is_commitment else no,
                yes if a.is_agency else no,
                yes if a.is_overdue else no,
                a.note,
            ]
            for a in approvals.iterator(chunk_size=2000)
        )
        return export_list(
            request,
            name=_("审批事项"),
            headers=headers,
            rows=rows,
            widths=(14, 32, 14, 14, 10, 12, 10, 12, 12, 12, 20, 8, 8, 6, 30),
        )


class ProblemListView(QueueListView):
    """项目问题清单: problems across the projects in scope (and those raised at inspections)."""

    model = Problem
    filterset_class = ProblemFilterSet
    template_name = "projects/problem_list.html"
    export_url_name = "projects:problem_export"

    def get_queryset(self):
        return problem_rows(self.request.user)


class ProblemExportView(LoginRequiredMixin, View):
    def get(self, request):
        problems = filtered(ProblemFilterSet, request, problem_rows(request.user))
        headers = [
            _("开发区"),
            _("项目名称"),
            _("类别"),
            _("存在的问题"),
            _("责任部门"),
            _("提出日期"),
            _("解决时限"),
            _("状态"),
            _("逾期"),
            _("解决情况"),
            _("解决日期"),
            _("来源调研"),
        ]
        yes, no = _("是"), _("否")
        rows = (
            [
                str(p.zone),
                p.project.name if p.project else "",
                p.get_category_display(),
                p.description,
                p.department.name,
                p.raised_on,
                p.deadline,
                p.get_status_display(),
                yes if p.is_overdue else no,
                p.resolution,
                p.resolved_on,
                str(p.inspection) if p.inspection else "",
            ]
            for p in problems.iterator(chunk_size=2000)
        )
        return export_list(
            request,
            name=_("项目问题清单"),
            headers=headers,
            rows=rows,
            widths=(14, 30, 10, 40, 14, 12, 12, 10, 6, 40, 12, 20),
        )
