"""REST API of projects: projects, stage dates, approval matters, progress dispatch and problems.

Scope is the rest of the system's: lists are `restrict(user, "view")` (an enterprise user sees its own firm's
projects), an object out of scope is a 404, a write without the right is a 403 and changes nothing. Serializers only
translate: every write goes through the services the form views call (save_project, record_stage, record_progress,
create_approval / update_approval, create_problem / update_problem), so the rules, the refusals and the history are
the same. A department sees and updates the approvals and problems assigned to it — the fields the model declares
(DEPARTMENT_FIELDS) unless it also writes projects in the zone; any other change is a 403 naming the fields.
"""

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.settings import api_settings

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.core.api import ModelCleanSerializer, ScopedPrimaryKeyRelatedField, ScopedViewSetMixin, request_user
from kaifaqu.core.filtersets import IdFilter, YearFilter
from kaifaqu.core.periods import format_period, parse_period
from kaifaqu.core.versioning import StaleEdit

from . import services
from .choices import (
    ApprovalStatusChoices,
    MilestoneChoices,
    ProblemCategoryChoices,
    ProblemStatusChoices,
    ProjectKindChoices,
    ProjectLevelChoices,
    ProjectStatusChoices,
)
from .models import Approval, Problem, ProgressReport, Project, ProjectStage, StageDefinition
from .permissions import may_report_progress

PERIOD_MESSAGE = _("请按 YYYY-MM 格式填写报告期，例如 2025-03")


def api_error(error):
    """A Django ValidationError from a service as DRF's 400, per field."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})


def parse_period_or_400(value, field="period"):
    try:
        return parse_period(value)
    except (TypeError, ValueError) as bad:
        raise serializers.ValidationError({field: [PERIOD_MESSAGE]}) from bad


def writes_projects(user, zone_id):
    return user.may("add", Project, zone=zone_id)


class ServiceSerializer(ModelCleanSerializer):
    """Saves through `create_with` / `update_with` (services taking `actor` and the row); their refusals become
    the API's: a ValidationError a 400 per field, a refusal of fields (DepartmentFieldsOnly) a 403 per field."""

    def create_with(self, actor, instance):
        raise NotImplementedError

    def update_with(self, actor, instance):
        raise NotImplementedError

    def save_instance(self, instance, related, history_user):
        write = self.create_with if instance.pk is None else self.update_with
        try:
            return write(history_user, instance)
        except StaleEdit:
            raise  # the viewset answers 409/412 with the current row (kaifaqu.core.api)
        except services.DepartmentFieldsOnly as refused:
            raise PermissionDenied(refused.message_dict) from refused
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused) or None) from refused
        except DjangoValidationError as error:
            raise serializers.ValidationError(self.error_detail(error)) from error


# -- projects ------------------------------------------------------------------------------------------------------


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("项目或投资方名称"), method="search")
    zone = IdFilter(label=_("开发区"), field_name="zone_id")
    park = IdFilter(label=_("园区"), field_name="park_id")
    stage = IdFilter(label=_("当前阶段"), field_name="current_stage_id")
    milestone = django_filters.ChoiceFilter(
        label=_("当前阶段的节点含义"), choices=MilestoneChoices.choices, field_name="current_stage__milestone"
    )
    level = django_filters.ChoiceFilter(label=_("重点项目级别"), choices=ProjectLevelChoices.choices)
    kind = django_filters.ChoiceFilter(label=_("项目类型"), choices=ProjectKindChoices.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProjectStatusChoices.choices)
    investor = IdFilter(label=_("投资企业"), field_name="investor_id")
    overdue = django_filters.BooleanFilter(label=_("有逾期事项"), method="filter_overdue")

    class Meta:
        model = Project
        fields = ["q", "zone", "park", "stage", "milestone", "level", "kind", "status", "investor", "overdue"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(investor_name__icontains=value))

    def filter_overdue(self, queryset, name, value):
        """Late milestones, overdue problems or overdue approval matters (ProjectQuerySet.overdue)."""
        late = queryset.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


class ProjectSerializer(ServiceSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, label=_("开发区名称"))
    investor_label = serializers.CharField(read_only=True, label=_("投资方"))
    current_stage_name = serializers.CharField(
        source="current_stage.name", read_only=True, allow_null=True, label=_("当前阶段名称")
    )
    current_stage_name_en = serializers.CharField(
        source="current_stage.name_en", read_only=True, allow_null=True, label=_("当前阶段英文名称")
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "zone",
            "zone_name",
            "park",
            "investor",
            "investor_name",
            "investor_label",
            "producer",
            "industry",
            "chain",
            "level",
            "kind",
            "status",
            "leader",
            "department",
            "location",
            "content",
            "total_investment",
            "fixed_asset_investment",
            "land_mu",
            "floor_area_m2",
            "products",
            "capacity_quantity",
            "capacity_unit",
            "expected_output_value",
            "expected_tax",
            "expected_jobs",
            "start_year",
            "end_year",
            "image_progress",
            "current_stage",
            "current_stage_name",
            "current_stage_name_en",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["current_stage", "is_demo", "created_at", "updated_at"]
        create_only_fields = ["zone"]
        extra_kwargs = {
            "total_investment": {"min_value": 0},
            "fixed_asset_investment": {"min_value": 0},
            "expected_output_value": {"min_value": 0},
            "expected_tax": {"min_value": 0},
        }

    def create_with(self, actor, instance):
        return services.save_project(actor=actor, project=instance)

    update_with = create_with


class ProjectViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """项目. Money in 万元. Never deleted through the API: a project that stops is a status change (终止)."""

    model = Project
    serializer_class = ProjectSerializer
    select_related = ["zone", "current_stage", "investor"]
    filterset_class = ProjectFilterSet
    ordering_fields = ["name", "total_investment", "created_at", "updated_at"]
    ordering = ["zone_id", "name", "pk"]


# -- stage dates ---------------------------------------------------------------------------------------------------


class ProjectStageFilterSet(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    zone = IdFilter(label=_("开发区"), field_name="project__zone_id")
    milestone = django_filters.ChoiceFilter(
        label=_("节点含义"), choices=MilestoneChoices.choices, field_name="stage__milestone"
    )

    class Meta:
        model = ProjectStage
        fields = ["project", "zone", "milestone"]


class ProjectStageSerializer(serializers.ModelSerializer):
    stage_name = serializers.CharField(source="stage.name", read_only=True, label=_("阶段名称"))
    stage_name_en = serializers.CharField(source="stage.name_en", read_only=True, label=_("阶段英文名称"))
    milestone = serializers.CharField(source="stage.milestone", read_only=True, label=_("节点含义"))
    recorded_by = serializers.StringRelatedField(read_only=True, allow_null=True, label=_("记录人"))

    class Meta:
        model = ProjectStage
        fields = [
            "id",
            "project",
            "stage",
            "stage_name",
            "stage_name_en",
            "milestone",
            "planned_on",
            "actual_on",
            "note",
            "out_of_order_reason",
            "recorded_by",
            "updated_at",
        ]
        read_only_fields = fields


class ProjectStageInputSerializer(serializers.Serializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), label=_("项目"))
    stage = ScopedPrimaryKeyRelatedField(queryset=StageDefinition.objects.all(), label=_("阶段"))
    planned_on = serializers.DateField(required=False, allow_null=True, default=None, label=_("计划日期"))
    actual_on = serializers.DateField(required=False, allow_null=True, default=None, label=_("实际日期"))
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="", label=_("说明"))
    out_of_order_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        label=_("日期顺序例外说明"),
        help_text=_("实际日期不符合阶段顺序（如先开工后签约）时必填"),
    )


class ProjectStageViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """项目阶段日期. POST sets a stage's planned and actual dates (an existing row of the same stage is updated);
    dates out of the ladder's order are refused (400, `actual_on`) unless `out_of_order_reason` is given."""

    model = ProjectStage
    serializer_class = ProjectStageSerializer
    select_related = ["stage", "recorded_by"]
    filterset_class = ProjectStageFilterSet
    ordering_fields = ["actual_on", "planned_on"]
    ordering = ["project_id", "stage__order"]

    @extend_schema(
        request=ProjectStageInputSerializer, responses={200: ProjectStageSerializer, 201: ProjectStageSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = ProjectStageInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        project = values["project"]
        if not Project.objects.restrict(request.user, "change").filter(pk=project.pk).exists():
            raise PermissionDenied(_("您没有修改该项目的权限"))
        existed = ProjectStage.objects.filter(project=project, stage=values["stage"]).exists()
        current = ProjectStage.objects.filter(project=project, stage=values["stage"]).first()
        try:
            row = services.record_stage(
                actor=request.user,
                project=project,
                stage=values["stage"],
                planned_on=values["planned_on"],
                actual_on=values["actual_on"],
                note=values["note"],
                out_of_order_reason=values["out_of_order_reason"],
                phase=current.phase if current else None,
            )
        except DjangoValidationError as error:
            raise api_error(error) from error
        return Response(
            ProjectStageSerializer(row).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


# -- approval matters ----------------------------------------------------------------------------------------------


class ApprovalFilterSet(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    zone = IdFilter(label=_("开发区"), field_name="project__zone_id")
    department = IdFilter(label=_("办理部门"), field_name="department_id")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ApprovalStatusChoices.choices)
    overdue = django_filters.BooleanFilter(label=_("逾期"), method="filter_overdue")

    class Meta:
        model = Approval
        fields = ["project", "zone", "department", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        late = queryset.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


class ApprovalSerializer(ServiceSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, label=_("项目名称"))
    kind_name = serializers.CharField(source="kind.name", read_only=True, label=_("事项名称"))
    kind_name_en = serializers.CharField(source="kind.name_en", read_only=True, label=_("事项英文名称"))
    due_on = serializers.DateField(read_only=True, allow_null=True, label=_("应办结日期"))
    is_overdue = serializers.BooleanField(read_only=True, label=_("逾期"))

    class Meta:
        model = Approval
        fields = [
            "id",
            "project",
            "project_name",
            "kind",
            "kind_name",
            "kind_name_en",
            "department",
            "status",
            "document_number",
            "submitted_on",
            "approved_on",
            "time_limit_days",
            "planned_on",
            "due_on",
            "is_overdue",
            "is_commitment",
            "is_agency",
            "note",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        create_only_fields = ["project"]

    def create_with(self, actor, instance):
        return services.create_approval(actor=actor, approval=instance)

    def update_with(self, actor, instance):
        return services.update_approval(actor=actor, approval=instance)


class ApprovalViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """审批事项 of projects. A new matter takes its kind's statutory time limit and default department when they are
    not given (or null). The department a matter is assigned to (办理部门) sees it and updates its handling:
    Approval.DEPARTMENT_FIELDS (status, 文号, acceptance and approval dates, note); any other change is a 403."""

    model = Approval
    serializer_class = ApprovalSerializer
    select_related = ["project", "kind"]
    filterset_class = ApprovalFilterSet
    ordering_fields = ["submitted_on", "approved_on", "planned_on", "updated_at"]
    ordering = ["project_id", "kind__order", "pk"]

    def check_create(self, validated_data):
        if not writes_projects(self.request.user, validated_data["project"].zone_id):
            raise PermissionDenied(_("您没有在该开发区新建此类数据的权限"))


# -- progress dispatch ---------------------------------------------------------------------------------------------


class ProgressFilterSet(django_filters.FilterSet):
    project = IdFilter(label=_("项目"), field_name="project_id")
    zone = IdFilter(label=_("开发区"), field_name="project__zone_id")
    period = django_filters.CharFilter(label=_("报告期（YYYY-MM）"), method="filter_period")
    year = YearFilter(label=_("年度"), method="filter_year")

    class Meta:
        model = ProgressReport
        fields = ["project", "zone", "period", "year"]

    def filter_period(self, queryset, name, value):
        return queryset.filter(period=parse_period_or_400(value))

    def filter_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(period__gte=year * 100 + 1, period__lte=year * 100 + 12)


class ProgressReportSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, label=_("项目名称"))
    period = serializers.SerializerMethodField(label=_("报告期"))
    reported_by = serializers.StringRelatedField(read_only=True, allow_null=True, label=_("填报人"))

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "project_name",
            "period",
            "decade",
            "amount",
            "year_to_date",
            "since_start",
            "image_progress",
            "reported_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_period(self, obj) -> str:
        return format_period(obj.period)


class ProgressInputSerializer(serializers.Serializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), label=_("项目"))
    period = serializers.CharField(label=_("报告期"), help_text=_("YYYY-MM"))
    decade = serializers.ChoiceField(
        choices=ProgressReport._meta.get_field("decade").choices, default=0, label=_("旬"), help_text=_("0 为月报")
    )
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        label=_("当期完成投资（万元）"),
    )
    since_start = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        label=_("开工至报告期累计（万元）"),
        help_text=_("不填当期完成投资时填写，系统据此计算当期完成投资"),
    )
    image_progress = serializers.CharField(required=False, allow_blank=True, default="", label=_("形象进度"))

    def validate_period(self, value):
        try:
            return parse_period(value)
        except ValueError as bad:
            raise serializers.ValidationError(PERIOD_MESSAGE) from bad


class ProgressReportViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """项目进度 (monthly or 旬). POST records a period through record_progress: a closed period answers 400 naming
    `period`, a cumulative total below the previous one 400 naming `since_start`. Enterprise users report their own
    firm's projects."""

    model = ProgressReport
    serializer_class = ProgressReportSerializer
    select_related = ["project", "reported_by"]
    filterset_class = ProgressFilterSet
    ordering_fields = ["period", "updated_at"]
    ordering = ["project_id", "-period", "-decade"]

    def may_create(self, user):
        return super().may_create(user) or user.has_role(RoleChoices.ENTERPRISE_USER)

    @extend_schema(
        request=ProgressInputSerializer, responses={200: ProgressReportSerializer, 201: ProgressReportSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = ProgressInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        project = values["project"]
        if not may_report_progress(request.user, project):
            raise PermissionDenied(_("您没有填报该项目进度的权限"))
        decade = int(values["decade"])
        existed = ProgressReport.objects.filter(project=project, period=values["period"], decade=decade).exists()
        try:
            report = services.record_progress(
                actor=request.user,
                project=project,
                period=values["period"],
                decade=decade,
                amount=values["amount"],
                since_start=values["since_start"],
                image_progress=values["image_progress"],
            )
        except DjangoValidationError as error:
            raise api_error(error) from error
        report.refresh_from_db()
        return Response(
            ProgressReportSerializer(report).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


# -- problems ------------------------------------------------------------------------------------------------------


class ProblemFilterSet(django_filters.FilterSet):
    zone = IdFilter(label=_("开发区"), field_name="zone_id")
    project = IdFilter(label=_("项目"), field_name="project_id")
    department = IdFilter(label=_("责任部门"), field_name="department_id")
    category = django_filters.ChoiceFilter(label=_("类别"), choices=ProblemCategoryChoices.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProblemStatusChoices.choices)
    overdue = django_filters.BooleanFilter(label=_("逾期"), method="filter_overdue")

    class Meta:
        model = Problem
        fields = ["zone", "project", "department", "category", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        late = queryset.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


class ProblemSerializer(ServiceSerializer):
    raised_by = serializers.StringRelatedField(read_only=True, allow_null=True, label=_("提出人"))
    is_overdue = serializers.BooleanField(read_only=True, label=_("逾期"))

    class Meta:
        model = Problem
        fields = [
            "id",
            "zone",
            "project",
            "inspection",
            "category",
            "description",
            "department",
            "deadline",
            "status",
            "resolution",
            "resolved_on",
            "raised_on",
            "raised_by",
            "is_overdue",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        create_only_fields = ["zone"]

    def validate(self, attrs):
        if self.instance is None:
            attrs["raised_by"] = request_user(self.context)  # who raises it: the requesting user
        return super().validate(attrs)

    def create_with(self, actor, instance):
        return services.create_problem(actor=actor, problem=instance)

    def update_with(self, actor, instance):
        return services.update_problem(actor=actor, problem=instance)


class ProblemViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """项目问题. The responsible department (责任部门) sees its problems and records their handling:
    Problem.DEPARTMENT_FIELDS (status, resolution, its date); any other change is a 403."""

    model = Problem
    serializer_class = ProblemSerializer
    select_related = ["raised_by"]
    filterset_class = ProblemFilterSet
    ordering_fields = ["deadline", "raised_on", "updated_at"]
    ordering = ["deadline", "pk"]
