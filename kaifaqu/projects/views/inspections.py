"""调研 / 现场办公: the list (filters, export), recording one with the issues raised on the spot, its page."""

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.fields import BLANK_CHOICE_DASH
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from kaifaqu.accounts.exports import export_list
from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import BootstrapFormMixin, FilterForm
from kaifaqu.core.history import history_entries
from kaifaqu.core.views import ScopedDetailView, ScopedObjectMixin
from kaifaqu.zones.models import Department, Zone

from .. import services
from ..choices import InspectionKindChoices, ProblemCategoryChoices, ProblemStatusChoices
from ..models import Inspection, Project

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ISSUE_ROWS = 5


def zones_in_scope(request):
    if request is None:
        return Zone.objects.none()
    return Zone.objects.restrict(request.user, "view")


def writable_zones(user):
    if user.is_system_admin:
        return Zone.objects.all()
    return Zone.objects.filter(pk__in=user.writable_zone_ids(Inspection.scope))


def may_record(user):
    return user.is_system_admin or bool(user.writable_zone_ids(Inspection.scope))


# -- list and export ------------------------------------------------------------------------------------------------


class InspectionFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("搜索"), method="search")
    zone = django_filters.ModelChoiceFilter(label=gettext_lazy("开发区"), queryset=zones_in_scope)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("类型"), choices=InspectionKindChoices.choices)
    date_from = django_filters.DateFilter(
        label=gettext_lazy("日期自"), field_name="held_on", lookup_expr="gte", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("日期至"), field_name="held_on", lookup_expr="lte", widget=DATE_INPUT
    )

    class Meta:
        model = Inspection
        fields = ["q", "zone", "kind", "date_from", "date_to"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(leaders__icontains=value) | Q(location__icontains=value) | Q(summary__icontains=value))


def with_counts(queryset, today):
    """Annotate project_count, problem_count, open_count, overdue_count (one query for the page)."""
    unresolved = ~Q(problems__status=ProblemStatusChoices.RESOLVED)
    return queryset.annotate(
        project_count=Count("projects", distinct=True),
        problem_count=Count("problems", distinct=True),
        open_count=Count("problems", filter=unresolved, distinct=True),
        overdue_count=Count("problems", filter=unresolved & Q(problems__deadline__lt=today), distinct=True),
    )


def filtered_inspections(request):
    """What the list shows for the same GET parameters (scope first, then the filter)."""
    queryset = Inspection.objects.restrict(request.user, "view").select_related("zone")
    filterset = InspectionFilterSet(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return queryset.none(), filterset
    return filterset.qs, filterset


class InspectionTable(tables.Table):
    held_on = tables.DateColumn(format="Y-m-d", linkify=True, verbose_name=gettext_lazy("日期"))
    kind = tables.Column(verbose_name=gettext_lazy("类型"))
    zone = tables.Column(verbose_name=gettext_lazy("开发区"), order_by=("zone__name",))
    leaders = tables.Column(verbose_name=gettext_lazy("参加领导"))
    location = tables.Column(verbose_name=gettext_lazy("地点"))
    project_count = tables.Column(verbose_name=gettext_lazy("调研项目"), attrs={"td": {"class": "text-end"}})
    problem_count = tables.Column(verbose_name=gettext_lazy("交办问题"), attrs={"td": {"class": "text-end"}})
    open_count = tables.Column(verbose_name=gettext_lazy("未解决"), attrs={"td": {"class": "text-end"}})
    overdue_count = tables.Column(verbose_name=gettext_lazy("逾期"), attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Inspection
        fields = ["held_on", "kind", "zone", "leaders", "location"]
        attrs = {"class": "table table-sm table-hover", "id": "inspection-table"}
        empty_text = gettext_lazy("没有符合条件的调研或现场办公")

    def render_overdue_count(self, value):
        if value:
            return format_html('<span class="badge text-bg-danger">{}</span>', value)
        return value


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
        context.update(may_add=may_record(self.request.user), query=self.request.GET.urlencode())
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


class ZoneLabelChoiceField(forms.ModelChoiceField):
    """Rows labelled "zone · name" when the form offers several zones' rows."""

    show_zone = True

    def label_from_instance(self, obj):
        return f"{obj.zone} · {obj.name}" if self.show_zone else obj.name


class ZoneLabelMultipleChoiceField(forms.ModelMultipleChoiceField):
    show_zone = True

    def label_from_instance(self, obj):
        return f"{obj.zone} · {obj.name}" if self.show_zone else obj.name


class InspectionForm(BootstrapFormMixin, forms.ModelForm):
    projects = ZoneLabelMultipleChoiceField(
        label=gettext_lazy("调研项目"), queryset=Project.objects.none(), required=False
    )

    class Meta:
        model = Inspection
        fields = ["zone", "held_on", "kind", "leaders", "location", "summary", "projects"]
        widgets = {"held_on": DATE_INPUT, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        several = len(zones) > 1
        self.fields["zone"].queryset = Zone.objects.filter(pk__in=[z.pk for z in zones])
        if not several and zones:
            self.fields["zone"].initial = zones[0].pk
        self.fields["projects"].queryset = (
            Project.objects.filter(zone__in=zones).select_related("zone").order_by("zone", "name")
        )
        self.fields["projects"].show_zone = several
        self.fields["projects"].widget.attrs["data-picker"] = "1"

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise ValidationError(_("日期不能晚于今天"))
        return held_on

    def clean(self):
        data = super().clean()
        zone = data.get("zone")
        if zone and any(p.zone_id != zone.pk for p in data.get("projects") or ()):
            self.add_error("projects", _("调研项目须属于本开发区"))
        return data

    def _post_clean(self):
        """The inspection is written by services.record_inspection; nothing to check on an unsaved instance."""


class IssueForm(BootstrapFormMixin, forms.Form):
    """One issue raised on the spot: it becomes a Problem assigned to a department with a deadline."""

    project = ZoneLabelChoiceField(label=gettext_lazy("项目"), queryset=Project.objects.none(), required=False)
    # A blank first choice: an untouched row posts nothing and is skipped.
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=BLANK_CHOICE_DASH + ProblemCategoryChoices.choices)
    description = forms.CharField(label=gettext_lazy("存在的问题"), widget=forms.Textarea(attrs={"rows": 2}))
    department = ZoneLabelChoiceField(label=gettext_lazy("责任部门"), queryset=Department.objects.none())
    deadline = forms.DateField(label=gettext_lazy("解决时限"), widget=DATE_INPUT)

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        several = len(zones) > 1
        self.fields["project"].queryset = (
            Project.objects.filter(zone__in=zones).select_related("zone").order_by("zone", "name")
        )
        self.fields["department"].queryset = (
            Department.objects.filter(zone__in=zones).select_related("zone").order_by("zone", "name")
        )
        for name in ("project", "department"):
            self.fields[name].show_zone = several

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if not text:
            raise ValidationError(_("请填写存在的问题"))
        return text

    def check_against(self, zone, held_on):
        """The issue belongs to the inspection's zone and its deadline is not before the inspection."""
        data = getattr(self, "cleaned_data", {})
        if data.get("project") and data["project"].zone_id != zone.pk:
            self.add_error("project", _("项目不属于所选开发区"))
        if data.get("department") and data["department"].zone_id != zone.pk:
            self.add_error("department", _("部门不属于所选开发区"))
        if data.get("deadline") and held_on and data["deadline"] < held_on:
            self.add_error("deadline", _("解决时限不能早于调研日期"))


IssueFormSet = forms.formset_factory(IssueForm, extra=ISSUE_ROWS, max_num=50, validate_max=True)


class InspectionAddView(LoginRequiredMixin, TemplateView):
    """Record an inspection with its projects and the issues raised (each becomes a problem), in one write."""

    template_name = "projects/inspection_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_record(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None):
        zones = list(writable_zones(self.request.user))
        return InspectionForm(data, zones=zones), IssueFormSet(data, prefix="issues", form_kwargs={"zones": zones})

    def get(self, request, *args, **kwargs):
        form, issues = self.forms()
        return self.render_to_response(self.get_context_data(form=form, issues=issues))

    def post(self, request, *args, **kwargs):
        form, issues = self.forms(request.POST)
        valid = form.is_valid() & issues.is_valid()
        if form.is_valid():
            zone, held_on = form.cleaned_data["zone"], form.cleaned_data["held_on"]
            for issue in issues:
                if issue.has_changed():
                    issue.check_against(zone, held_on)
            valid = valid and not any(issue.errors for issue in issues)
        if valid:
            if not request.user.can_add_in_zone(Inspection.scope, zone.pk):
                raise Http404
            data = form.cleaned_data
            raised = [
                {
                    key: issue.cleaned_data[key]
                    for key in ("project", "category", "description", "department", "deadline")
                }
                for issue in issues
                if issue.has_changed() and issue.cleaned_data
            ]
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
                for message in error.messages:
                    form.add_error(None, message)
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
