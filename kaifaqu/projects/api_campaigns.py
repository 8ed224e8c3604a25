"""Read-only REST API of what the leaders' project pages show: 三个一批 campaigns with their three batches, inspections
(调研 / 现场办公) and the key-project table (重点项目推进情况).

Each endpoint reuses its page's queryset and computation (kaifaqu.projects.campaigns, .aggregates, the pages' filter
sets), so the API shows the same rows and figures to the same users: a campaign or inspection out of scope is a 404,
a zone the user does not see is a 404, and users who see no zone get 404 too.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaifaqu.core.api import ScopedViewSetMixin
from kaifaqu.core.filtersets import IdFilter, YearFilter
from kaifaqu.core.periods import cumulative_label, format_period, month_of
from kaifaqu.zones.models import Zone

from . import aggregates
from . import campaigns as service
from .choices import InspectionKindChoices
from .filtersets import CampaignFilterSet, InspectionFilterSet
from .forms import BatchFilterForm, PeriodForm
from .models import Campaign, Inspection
from .querysets import with_counts
from .rules import schedule_pct


def amount(**kwargs):
    return serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True, **kwargs)


def percent(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, **kwargs)


# -- campaigns (三个一批) -------------------------------------------------------------------------------------------


class CampaignApiFilterSet(CampaignFilterSet):
    """The campaign list's filters, with the zone by id (bounded) and the year within 1900..2999."""

    zone = IdFilter(label=_("开发区"), field_name="zone_id")
    year = YearFilter(label=_("年度"), method="in_year")


class CampaignSerializer(serializers.ModelSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, label=_("开发区名称"))

    class Meta:
        model = Campaign
        fields = ["id", "zone", "zone_name", "name", "starts_on", "ends_on", "note", "updated_at"]
        read_only_fields = fields


class BatchRowSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    project_name = serializers.CharField(source="project.name")
    zone_name = serializers.CharField(source="project.zone.name")
    investor = serializers.CharField(source="project.investor_label", help_text=_("投资方"))
    total_investment = amount(source="project.total_investment", help_text=_("总投资（万元）"))
    content = serializers.CharField(source="project.content", help_text=_("建设内容"))
    expected_output_value = amount(source="project.expected_output_value", help_text=_("预计年产值（万元）"))
    on = serializers.DateField(allow_null=True, help_text=_("节点实际日期"))
    by_hand = serializers.SerializerMethodField(help_text=_("是否人工调整纳入"))
    achieved = amount(required=False, help_text=_("已实现产值（万元，投产批）"))

    def get_by_hand(self, row) -> bool:
        return row.override is not None


class BatchTotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    investment = amount(help_text=_("总投资合计（万元）"))
    big_count = serializers.IntegerField(help_text=_("亿元以上项目个数"))
    big_share = percent(help_text=_("亿元以上项目占比（%）"))
    expected_output = amount(help_text=_("预计年产值合计（万元）"))


class OutputSerializer(serializers.Serializer):
    period = serializers.SerializerMethodField(help_text=_("已实现产值的报告期 YYYY-MM（无数据时为空）"))
    total = amount(help_text=_("已实现产值合计（万元）"))
    firms = serializers.IntegerField(help_text=_("投产企业数"))

    def get_period(self, output) -> str | None:
        return format_period(output.period) if output.period else None


class BatchSerializer(serializers.Serializer):
    batch = serializers.CharField()
    label = serializers.CharField()
    totals = BatchTotalsSerializer()
    output = OutputSerializer(allow_null=True)
    rows = BatchRowSerializer(many=True)


class CampaignDetailSerializer(CampaignSerializer):
    batches = serializers.SerializerMethodField(label=_("三个一批"))

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "batches"]
        read_only_fields = fields

    @extend_schema_field(BatchSerializer(many=True))
    def get_batches(self, campaign):
        batches, _overrides = service.campaign_batches(campaign, self.context["filters"])
        return BatchSerializer(batches, many=True).data


BATCH_PARAMETERS = [
    OpenApiParameter("min_investment", OpenApiTypes.STR, enum=["1000", "5000", "10000", "50000", "100000"]),
    OpenApiParameter("level", OpenApiTypes.STR),
    OpenApiParameter("kind", OpenApiTypes.STR),
    OpenApiParameter("park", OpenApiTypes.INT64),
]


class CampaignViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """三个一批 campaigns of the zones the user sees; one campaign with its three batches (签约、开工、投产), their
    totals and, for the production batch, the output achieved — the campaign page's figures and filters."""

    model = Campaign
    serializer_class = CampaignSerializer
    select_related = ["zone"]
    filterset_class = CampaignApiFilterSet
    ordering_fields = ["starts_on", "name"]
    ordering = ["-starts_on", "name", "pk"]

    def get_serializer_class(self):
        return CampaignDetailSerializer if self.action == "retrieve" else CampaignSerializer

    @extend_schema(parameters=BATCH_PARAMETERS, responses=CampaignDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        campaign = self.get_object()
        form = BatchFilterForm(request.query_params or None, zone=campaign.zone_id)
        if form.is_bound and not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        filters = form.batch_filter() if form.is_bound else service.NO_FILTER
        context = {**self.get_serializer_context(), "filters": filters}
        return Response(CampaignDetailSerializer(campaign, context=context).data)


# -- inspections (调研 / 现场办公) -------------------------------------------------------------------------------------


class InspectionApiFilterSet(InspectionFilterSet):
    zone = IdFilter(label=_("开发区"), field_name="zone_id")


class InspectionSerializer(serializers.ModelSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, label=_("开发区名称"))
    kind = serializers.ChoiceField(choices=InspectionKindChoices.choices, read_only=True, label=_("类型"))
    project_count = serializers.IntegerField(read_only=True, label=_("调研项目数"))
    problem_count = serializers.IntegerField(read_only=True, label=_("问题数"))
    open_count = serializers.IntegerField(read_only=True, label=_("未解决问题数"))
    overdue_count = serializers.IntegerField(read_only=True, label=_("逾期问题数"))
    projects = serializers.PrimaryKeyRelatedField(many=True, read_only=True, label=_("调研项目"))

    class Meta:
        model = Inspection
        fields = [
            "id",
            "zone",
            "zone_name",
            "held_on",
            "kind",
            "leaders",
            "location",
            "summary",
            "projects",
            "project_count",
            "problem_count",
            "open_count",
            "overdue_count",
            "is_demo",
            "updated_at",
        ]
        read_only_fields = fields


class InspectionViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """调研 / 现场办公 of the zones the user sees, with their problems counted as on the inspections page."""

    model = Inspection
    serializer_class = InspectionSerializer
    select_related = ["zone"]
    prefetch_related = ["projects"]
    filterset_class = InspectionApiFilterSet
    ordering_fields = ["held_on"]
    ordering = ["-held_on", "pk"]

    def get_queryset(self):
        return with_counts(super().get_queryset(), timezone.localdate())


# -- key projects (重点项目推进情况) ---------------------------------------------------------------------------------


class KeyRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    count = serializers.IntegerField(source="figures.count", help_text=_("项目个数"))
    investment = amount(source="figures.investment", help_text=_("总投资（万元）"))
    plan = amount(source="figures.plan", help_text=_("年度计划投资（万元）"))
    completed = amount(source="figures.completed", help_text=_("1—N月完成投资（万元）"))
    completion_pct = percent(help_text=_("完成率（%）"))
    schedule_pct = percent(help_text=_("时序进度（%）"))
    gap_points = percent(help_text=_("超/低于时序进度（百分点）"))
    planned_starts = serializers.IntegerField(source="figures.planned_starts")
    started = serializers.IntegerField(source="figures.started")
    start_rate = percent()
    planned_completions = serializers.IntegerField(source="figures.planned_completions")
    finished = serializers.IntegerField(source="figures.finished")
    finish_rate = percent()


class KeyProjectsSerializer(serializers.Serializer):
    zones = serializers.ListField(child=serializers.IntegerField(), help_text=_("所涵盖的开发区 id"))
    period = serializers.CharField(help_text=_("报告期 YYYY-MM"))
    period_label = serializers.CharField()
    schedule_pct = percent()
    by_level = KeyRowSerializer(many=True)
    by_kind = KeyRowSerializer(many=True)
    total = KeyRowSerializer()


def page_zones(user, chosen):
    """The zones a leaders' page covers (kaifaqu.projects.views.leader.ZonePageMixin): a chosen one (404 when not
    visible), else the user's own zones, else all the user sees; 404 when the user sees none."""
    visible = list(Zone.objects.restrict(user, "view").order_by("name", "pk"))
    if not visible:
        raise Http404
    if chosen is not None:
        zones = [zone for zone in visible if zone.pk == chosen]
        if not zones:
            raise Http404
        return zones
    own = user.zone_ids()
    return [zone for zone in visible if zone.pk in own] or visible


class KeyProjectsQuerySerializer(serializers.Serializer):
    zone = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class KeyProjectsView(APIView):
    """重点项目推进情况: the key-project table by level and by type with the total, as on the key-projects page."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="重点项目推进情况",
        parameters=[
            OpenApiParameter("zone", OpenApiTypes.INT64, description="开发区 id；不填为本人所在或全部可见开发区"),
            OpenApiParameter("year", OpenApiTypes.INT, description="年度"),
            OpenApiParameter("period", OpenApiTypes.STR, description="报告期 YYYY-MM"),
        ],
        responses=KeyProjectsSerializer,
    )
    def get(self, request):
        query = KeyProjectsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        zones = page_zones(request.user, query.validated_data.get("zone"))
        form = PeriodForm(request.query_params or None, zones=zones)
        data = {}
        if form.is_bound:
            if not form.is_valid():
                raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
            data = form.cleaned_data
        today = timezone.localdate()
        period = data.get("period") or aggregates.default_period(today, data.get("year"))
        zone_ids = [zone.pk for zone in zones]
        table = aggregates.key_project_table(request.user, zone_ids, period)
        body = {
            "zones": zone_ids,
            "period": format_period(period),
            "period_label": cumulative_label(period),
            "schedule_pct": schedule_pct(month_of(period)),
            "by_level": table["by_level"],
            "by_kind": table["by_kind"],
            "total": table["total"],
        }
        return Response(KeyProjectsSerializer(body).data)
