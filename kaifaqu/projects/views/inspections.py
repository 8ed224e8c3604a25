"""调研 / 现场办公: the list (filters, export), recording one with the issues raised on the spot, its page."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from kaifaqu.accounts.exports import export_list
from kaifaqu.core.history import history_entries
from kaifaqu.core.views import ScopedDetailView, ScopedObjectMixin

from .. import services
from ..filtersets import InspectionFilterSet
from ..forms import InspectionForm, IssueFormSet
from ..models import Inspection
from ..permissions import may_add_inspection, writable_zones
from ..querysets import with_counts
from ..tables import InspectionTable

# -- list and export ------------------------------------------------------------------------------------------------


def filtered_inspections(request):
    """What the list shows for the same GET parameters (scope first, then the filter)."""
    queryset = Inspection.objects.restrict(request.user, "view").select_related("zone")
    filterset = InspectionFilterSet(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return queryset.none(), filterset
    return filterset.qs, filterset


class InspectionListView(ScopedObjectMixin, SingleTableMixin, FilterView):
    model = Inspection
    table_class = InspectionTable
    filterset_class = InspectionFilterSet
    template_name = "projects/inspection_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        queryset = super().get_queryset().select_related("zone").order_by("-held_on", "-pk")
        return with_counts(queryset, timezone.localdate())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(may_add=may_add_inspection(self.request.user), query=self.request.GET.urlencode())
        return context


class InspectionExportView(LoginRequiredMixin, View):
    def get(self, request):
        queryset, _filterset = filtered_inspections(request)
        today = timezone.localdate()
        queryset = with_counts(queryset, today).prefetch_related("projects").order_by("-held_on", "-pk")
        rows = (
            [
                i.held_on,
                i.get_kind_display(),
                i.zone.name,
                i.leaders,
                i.location,
                "、".join(p.name for p in i.projects.all()),
                i.problem_count,
                i.open_count,
                i.overdue_count,
                i.summary,
            ]
            for i in queryset
        )
        headers = [
            _("日期"),
            _("类型"),
            _("开发区"),
            _("参加领导"),
            _("地点"),
            _("调研项目"),
            _("交办问题数"),
            _("未解决"),
            _("逾期"),
            _("纪要"),
        ]
        return export_list(
            request, name=_("调研和现场办公"), headers=headers, rows=rows, widths=(12, 10, 22, 20, 20, 40, 10, 8, 8, 60)
        )


# -- recording ------------------------------------------------------------------------------------------------------


class InspectionAddView(LoginRequiredMixin, TemplateView):
    """Record an inspection with its projects and the issues raised (each becomes a problem), in one write."""

    template_name = "projects/inspection_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_add_inspection(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None):
        zones = list(writable_zones(self.request.user, Inspection))
        return InspectionForm(data, zones=zones), IssueFormSet(data, prefix="issues", form_kwargs={"zones": zones})

    def get(self, request, *args, **kwargs):
        form, issues = self.forms()
        return self.render_to_response(self.get_context_data(form=form, issues=issues))

    def post(self, request, *args, **kwargs):
        form, issues = self.forms(request.POST)
        valid = form.is_valid() & issues.is_valid()
        if form.is_valid():
            zone, held_on = form.cleaned_data["zone"], form.cleaned_data["held_on"]
            # Each issue against the inspection (Problem.clean), its errors on its own fields.
            for issue in issues:
                if issue.is_valid() and (raised := issue.issue()):
                    try:
                        services.check_issue(zone=zone, held_on=held_on, issue=raised)
                    except ValidationError as error:
                        issue.add_error(None, error)
            valid = valid and not any(issue.errors for issue in issues)
        if valid:
            if not may_add_inspection(request.user, zone):
                raise Http404
            data = form.cleaned_data
            raised = [issue.issue() for issue in issues if issue.issue()]
            try:
                inspection = services.record_inspection(
                    actor=request.user,
                    zone=zone,
                    held_on=held_on,
                    kind=data["kind"],
                    leaders=data["leaders"],
                    location=data["location"],
                    summary=data["summary"],
                    projects=list(data["projects"]),
                    issues=raised,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("已记录，交办问题 %(count)d 个。") % {"count": len(raised)})
                return redirect(inspection.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, issues=issues))


# -- the inspection page --------------------------------------------------------------------------------------------


class InspectionView(ScopedDetailView):
    model = Inspection
    template_name = "projects/inspection.html"

    def get_queryset(self):
        return super().get_queryset().select_related("zone", "recorded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection = self.object
        context.update(
            projects=inspection.projects.select_related("zone", "department", "investor").order_by("name"),
            problems=inspection.problems.select_related("project", "department").order_by("deadline", "pk"),
            today=timezone.localdate(),
            history=history_entries(inspection),
        )
        return context
