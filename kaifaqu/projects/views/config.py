"""A zone's project configuration: its stage ladder, its approval matters, and reopening a closed progress month.

- Stages (StageDefinition, domain "administration"): the zone admin and the system administrator rename, reorder,
  switch off and add stages. `order` is a position in the ladder: moving or adding a stage renumbers the others
  1..N so that the ladder stays gapless (the database keeps (zone, order) unique).
- Approval kinds (ApprovalKind, domain "projects"): project writers of the zone keep the list of matters with their
  statutory time limit and default department.
- Progress reopening (ProgressReopening, domain "administration"): like statistics, a zone admin opens a month
  after its deadline again, with a written reason and a closing time (services.reopen_progress_period, audited).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from kaifaqu.core.periods import format_period
from kaifaqu.core.views import ReopenView
from kaifaqu.zones.models import Zone

from .. import services
from ..forms import ApprovalKindForm, ProgressReopenForm, StageDefinitionForm
from ..models import ApprovalKind, ProgressReopening, Project, ProjectStage, StageDefinition
from ..permissions import writable_zones


def chosen_zone(request, zones):
    """The zone of ?zone= among `zones` (404 for any other), else the first of them."""
    value = request.GET.get("zone")
    if value:
        try:
            return zones.get(pk=int(value))
        except (ValueError, Zone.DoesNotExist) as missing:
            raise Http404 from missing
    return zones.order_by("name").first()


class ConfigAccessMixin(LoginRequiredMixin):
    """Configuration pages exist only for users who may write `model` in some zone; for others they are 404."""

    model = None

    def zones(self):
        return writable_zones(self.request.user, self.model)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.zones().exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def config_url(name, zone_id):
    return f"{reverse(name)}?zone={zone_id}"


# -- stage ladder --------------------------------------------------------------------------------------------------


class StageConfigView(ConfigAccessMixin, TemplateView):
    """The stage ladder of one zone (?zone=), with how many projects use each stage."""

    model = StageDefinition
    template_name = "projects/config_stages.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        zones = self.zones()
        zone = chosen_zone(self.request, zones)
        if not StageDefinition.objects.filter(zone=zone).exists():
            services.ensure_zone_defaults(zone)
        stages = list(StageDefinition.objects.filter(zone=zone).order_by("order"))
        dated = dict(
            ProjectStage.objects.filter(stage__zone=zone)
            .values("stage")
            .annotate(n=Count("pk"))
            .values_list("stage", "n")
        )
        current = dict(
            Project.objects.filter(zone=zone, current_stage__isnull=False)
            .values("current_stage")
            .annotate(n=Count("pk"))
            .values_list("current_stage", "n")
        )
        context.update(
            zone=zone,
            zones=zones.order_by("name"),
            rows=[{"stage": s, "dated": dated.get(s.pk, 0), "current": current.get(s.pk, 0)} for s in stages],
        )
        return context


class StageConfigEditView(ConfigAccessMixin, FormView):
    """Add a stage (zone in the form) or edit one (name, phase, milestone, position, active)."""

    model = StageDefinition
    form_class = StageDefinitionForm
    template_name = "projects/config_stage_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return StageDefinition.objects.get_restricted_or_404(self.request.user, "change", pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        if self.object is None:
            zones = self.zones()
            zone = chosen_zone(self.request, zones)
            initial["zone"] = zone
            initial["position"] = StageDefinition.objects.filter(zone=zone).count() + 1
        return initial

    def get_form_kwargs(self):
        instance = self.object or StageDefinition(phase="pipeline")
        return {**super().get_form_kwargs(), "instance": instance, "zones": self.zones()}

    def form_valid(self, form):
        stage = form.instance
        try:
            services.save_stage(actor=self.request.user, stage=stage, position=form.cleaned_data["position"])
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("阶段“%(name)s”已保存。") % {"name": stage.label})
        return redirect(config_url("projects:stage_config", stage.zone_id))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        zone = self.object.zone if self.object else None
        context.update(stage=self.object, zone=zone)
        return context


# -- approval kinds ------------------------------------------------------------------------------------------------


class ApprovalKindConfigView(ConfigAccessMixin, TemplateView):
    model = ApprovalKind
    template_name = "projects/config_approval_kinds.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        zones = self.zones()
        zone = chosen_zone(self.request, zones)
        if not ApprovalKind.objects.filter(zone=zone).exists():
            services.ensure_zone_defaults(zone)
        context.update(
            zone=zone,
            zones=zones.order_by("name"),
            kinds=ApprovalKind.objects.filter(zone=zone).select_related("default_department").order_by("order", "name"),
        )
        return context


class ApprovalKindEditView(ConfigAccessMixin, FormView):
    model = ApprovalKind
    form_class = ApprovalKindForm
    template_name = "projects/config_approval_kind_form.html"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return ApprovalKind.objects.get_restricted_or_404(self.request.user, "change", pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        if self.object is None:
            zone = chosen_zone(self.request, self.zones())
            initial["zone"] = zone
            last = ApprovalKind.objects.filter(zone=zone).order_by("-order").values_list("order", flat=True).first()
            initial["order"] = (last or 0) + 1
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object, "zones": self.zones()}

    def form_valid(self, form):
        try:
            kind = services.save_approval_kind(actor=self.request.user, kind=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("审批事项“%(name)s”已保存。") % {"name": kind.label})
        return redirect(config_url("projects:approval_kind_config", kind.zone_id))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(kind=self.object, zone=self.object.zone if self.object else None)
        return context


# -- reopening a closed progress month -----------------------------------------------------------------------------


class ProgressReopenView(ReopenView):
    """管委会管理员: open a closed progress month of a zone again; the past reopenings below."""

    model = ProgressReopening
    form_class = ProgressReopenForm
    template_name = "projects/config_progress_reopen.html"
    success_url_name = "projects:progress_reopen"

    def zones(self):
        return writable_zones(self.request.user, ProgressReopening)

    def reopen(self, data):
        return services.reopen_progress_period(actor=self.request.user, request=self.request, **data)

    def success_message(self, window):
        return _("%(zone)s %(period)s 的项目进度填报已重新开放。") % {
            "zone": window.zone,
            "period": format_period(window.period),
        }

    def describe(self, window):
        return {**super().describe(window), "period": format_period(window.period)}
