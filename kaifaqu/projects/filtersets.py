"""The filters of the project app's lists, each shared by its page and its .xlsx export: projects (the pipeline
board's "more" links use it too), the approval and problem queues, campaigns and inspections."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import FilterForm
from kaifaqu.core.models import localized_name
from kaifaqu.core.periods import parse_period
from kaifaqu.enterprises.choices import IndustryLevelChoices
from kaifaqu.enterprises.models import IndustryClass
from kaifaqu.zones.filtersets import (
    DepartmentFilter,
    chains_in_scope,
    departments_in_scope,
    parks_in_scope,
    shows_one_zone,
    zones_in_scope,
)
from kaifaqu.zones.forms import DepartmentLabelMixin
from kaifaqu.zones.models import Zone

from . import campaigns
from .choices import (
    ApprovalStatusChoices,
    CampaignBatchChoices,
    InspectionKindChoices,
    ProblemCategoryChoices,
    ProblemStatusChoices,
    ProjectKindChoices,
    ProjectLevelChoices,
    ProjectStatusChoices,
)
from .forms import DATE_INPUT, ZonedChoiceField
from .models import Approval, ApprovalKind, Campaign, Inspection, Problem, Project, StageDefinition

NO_STAGE = "none"  # the stage filter's value for projects without any actual stage date yet


def campaigns_in_scope(request):
    if request is None:
        return Campaign.objects.none()
    return Campaign.objects.restrict(request.user, "view").select_related("zone")


def stage_choices(user):
    """(code, name) of the stages of every zone whose projects the user reads, in ladder order, once per code.

    Stages are configured per zone, so the filter works on the stage code: 签约 means 签约 in every zone.
    """
    zones = Q(zone__in=Zone.objects.restrict(user, "view")) | Q(zone__in=Project.objects.restrict(user).values("zone"))
    rows = StageDefinition.objects.filter(zones).order_by("order", "zone").values_list("code", "name", "name_en")
    choices = {}
    for code, name, name_en in rows:
        choices.setdefault(code, localized_name(name, name_en))
    return [*choices.items(), (NO_STAGE, _("未记录阶段"))]


class CampaignFilterField(DepartmentLabelMixin, FilterModelChoiceField):
    """Campaigns labelled "zone · name" when several zones' campaigns are offered (they share names)."""


class CampaignFilter(django_filters.ModelChoiceFilter):
    field_class = CampaignFilterField


class ProjectFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", help_text=_("项目名称或投资方"))
    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_scope)
    park = django_filters.ModelChoiceFilter(label=_("园区"), queryset=parks_in_scope)
    stage = django_filters.ChoiceFilter(label=_("当前阶段"), method="current_stage")
    level = django_filters.MultipleChoiceFilter(
        label=_("重点项目级别"), choices=ProjectLevelChoices.choices, distinct=False
    )
    kind = django_filters.MultipleChoiceFilter(label=_("项目类型"), choices=ProjectKindChoices.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=ProjectStatusChoices.choices, distinct=False)
    section = django_filters.ModelChoiceFilter(
        label=_("行业门类"),
        queryset=IndustryClass.objects.filter(level=IndustryLevelChoices.SECTION),
        field_name="industry__section",
        to_field_name="code",
        method="industry_level",
    )
    division = django_filters.ModelChoiceFilter(
        label=_("行业大类"),
        queryset=IndustryClass.objects.filter(level=IndustryLevelChoices.DIVISION),
        field_name="industry__division",
        to_field_name="code",
        method="industry_level",
    )
    chain = django_filters.ModelChoiceFilter(label=_("产业链"), queryset=chains_in_scope)
    department = DepartmentFilter(label=_("责任部门"), queryset=departments_in_scope)
    overdue = django_filters.BooleanFilter(
        label=_("逾期"),
        method="overdue_only",
        widget=forms.Select(choices=[("", _("全部")), ("true", _("有逾期事项")), ("false", _("无逾期事项"))]),
    )
    investment_min = django_filters.NumberFilter(
        label=_("总投资不低于（万元）"),
        field_name="total_investment",
        lookup_expr="gte",
        min_value=0,
        widget=forms.NumberInput(attrs={"placeholder": _("10000 即亿元以上"), "step": "any"}),
    )
    campaign = CampaignFilter(label=_("三个一批"), queryset=campaigns_in_scope, method="in_campaign")
    batch = django_filters.ChoiceFilter(label=_("批次"), choices=CampaignBatchChoices.choices, method="no_op")
    progress_missing = django_filters.CharFilter(
        label=_("进度未报月份"),
        method="progress_not_reported",
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("列出该月应报而未报进度的项目（推进中、有当年计划）"),
    )

    class Meta:
        model = Project
        fields = [
            "q",
            "zone",
            "park",
            "stage",
            "level",
            "kind",
            "status",
            "section",
            "division",
            "chain",
            "department",
            "overdue",
            "investment_min",
            "campaign",
            "batch",
            "progress_missing",
        ]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request is not None else None
        if user is not None and user.is_authenticated:
            self.filters["stage"].extra["choices"] = stage_choices(user)
            one_zone = shows_one_zone(user)
            self.filters["department"].extra["show_zone"] = not one_zone
            self.filters["campaign"].extra["show_zone"] = not one_zone
        else:
            self.filters["stage"].extra["choices"] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(investor_name__icontains=value) | Q(investor__name__icontains=value)
        )

    def current_stage(self, queryset, name, value):
        if value == NO_STAGE:
            return queryset.filter(current_stage__isnull=True)
        return queryset.filter(current_stage__code=value) if value else queryset

    def industry_level(self, queryset, name, value):
        return queryset.filter(**{name: value.code}) if value else queryset

    def overdue_only(self, queryset, name, value):
        if value is None:
            return queryset
        late = Project.objects.filter(pk__in=queryset.values("pk")).overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)

    def in_campaign(self, queryset, name, value):
        """三个一批: the projects of one batch of the campaign (all three batches when no batch is chosen)."""
        if value is None:
            return queryset
        batch = self.form.cleaned_data.get("batch") or None
        return queryset.filter(campaigns.batch_project_q(value, batch))

    def no_op(self, queryset, name, value):
        return queryset  # the batch is read by in_campaign

    def progress_not_reported(self, queryset, name, value):
        """The projects whose progress of month `value` (YYYY-MM) is owed (the home page's 进度未报 links here)."""
        try:
            period = parse_period(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(pk__in=Project.objects.filter(pk__in=queryset.values("pk")).progress_missing(period))


# -- the approval and problem queues (filters shared by the list pages and their exports) -----------------------


def inspections_in_view(request):
    if request is None:
        return Inspection.objects.none()
    return Inspection.objects.restrict(request.user, "view").order_by("-held_on", "-pk")


YES_NO = forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])


class QueueDepartmentFilter(django_filters.ModelChoiceFilter):
    field_class = ZonedChoiceField


class QueueFilterSet(StyledFilterSet):
    """Shared by the approval and the problem queue: zone, responsible department, project, overdue."""

    zone_path = "zone"

    project = django_filters.CharFilter(label=_("项目"), method="filter_project")
    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_scope, method="filter_zone")
    department = QueueDepartmentFilter(label=_("责任部门"), queryset=departments_in_scope)
    overdue = django_filters.BooleanFilter(label=_("逾期"), method="filter_overdue", widget=YES_NO)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None and self.request.user.is_authenticated:
            self.filters["department"].extra["show_zone"] = not shows_one_zone(self.request.user)

    def filter_project(self, queryset, name, value):
        """A project's id (links from the project page) or part of its name."""
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(project_id=int(value))
        return queryset.filter(project__name__icontains=value)

    def filter_zone(self, queryset, name, value):
        return queryset.filter(**{self.zone_path: value}) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        # On a plain queryset: the approvals' overdue() reads only a few columns, which select_related forbids.
        late = queryset.model.objects.filter(pk__in=queryset.values("pk")).overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


def approval_kind_names(request):
    """The matters of the zones in view by name (every zone has its own 环评), for the 事项 filter."""
    if request is None:
        return []
    rows = ApprovalKind.objects.restrict(request.user, "view").order_by("order", "name").values_list("name", "name_en")
    labels = {}
    for name, name_en in rows:
        labels.setdefault(name, localized_name(name, name_en))
    return list(labels.items())


class ApprovalFilterSet(QueueFilterSet):
    zone_path = "project__zone"

    department = QueueDepartmentFilter(label=_("办理部门"), queryset=departments_in_scope)
    kind = django_filters.ChoiceFilter(label=_("事项"), field_name="kind__name", choices=[])
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=ApprovalStatusChoices.choices)
    is_commitment = django_filters.BooleanFilter(label=_("承诺制"), widget=YES_NO)
    is_agency = django_filters.BooleanFilter(label=_("全代办"), widget=YES_NO)

    class Meta:
        model = Approval
        fields = ["project", "zone", "department", "kind", "status", "overdue", "is_commitment", "is_agency"]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["kind"].extra["choices"] = approval_kind_names(self.request)


class ProblemFilterSet(QueueFilterSet):
    category = django_filters.ChoiceFilter(label=_("类别"), choices=ProblemCategoryChoices.choices)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=ProblemStatusChoices.choices)
    inspection = django_filters.ModelChoiceFilter(
        label=_("来源调研"), queryset=inspections_in_view, null_label=_("非调研提出")
    )

    class Meta:
        model = Problem
        fields = ["project", "zone", "department", "category", "status", "overdue", "inspection"]
        form = FilterForm


# -- 三个一批 campaigns and 调研 / 现场办公 ----------------------------------------------------------------------------


class CampaignFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="icontains")
    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_scope)
    year = django_filters.NumberFilter(label=_("年度"), method="in_year")

    class Meta:
        model = Campaign
        fields = ["q", "zone", "year"]
        form = FilterForm

    def in_year(self, queryset, name, value):
        if not value:
            return queryset
        year = int(value)
        return queryset.filter(starts_on__year__lte=year, ends_on__year__gte=year)


class InspectionFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_scope)
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=InspectionKindChoices.choices)
    date_from = django_filters.DateFilter(label=_("日期自"), field_name="held_on", lookup_expr="gte", widget=DATE_INPUT)
    date_to = django_filters.DateFilter(label=_("日期至"), field_name="held_on", lookup_expr="lte", widget=DATE_INPUT)

    class Meta:
        model = Inspection
        fields = ["q", "zone", "kind", "date_from", "date_to"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(leaders__icontains=value) | Q(location__icontains=value) | Q(summary__icontains=value))
