"""Read-only REST API of three statistics pages: the region ranking (区域排名, region viewers), reporting completeness
(报送完整性) and the reporting assignments (报送任务).

Both reuse their page's computation and scope: the ranking is `rank_zones` over the zones the viewer is entitled to,
with the dashboard's choice of indicator and period and the same cells (suppression included); the assignments are
`DataSetAssignment.objects.restrict(user, "view")` with the page's filter set; completeness is the page's form and
`kaifaqu.stats.quality.completeness` (firm statuses only: no contacts). Users the page does not exist for get 404
here too.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaifaqu.core.api import ScopedViewSetMixin
from kaifaqu.core.filtersets import IdFilter
from kaifaqu.core.periods import cumulative_label, format_period
from kaifaqu.zones.models import Zone

from .aggregation import StatsViewer, rank_zones
from .api_summary import CellSerializer
from .choices import ReportStatusChoices
from .filtersets import AssignmentFilterSet
from .forms import CompletenessForm
from .models import DataSetAssignment
from .permissions import is_business_user
from .quality import completeness
from .views.dashboard import chosen_indicator, chosen_period

# -- region ranking -------------------------------------------------------------------------------------------------


class RankRowSerializer(serializers.Serializer):
    zone = serializers.IntegerField(source="zone.pk")
    zone_name = serializers.CharField(source="zone.name")
    rank_value = serializers.IntegerField(allow_null=True, help_text=_("按1—N月数值的名次"))
    rank_growth = serializers.IntegerField(allow_null=True, help_text=_("按同口径增速的名次"))
    cell = CellSerializer(help_text=_("数值、增速与完整性（与统计看板相同，含依统计法的不予显示）"))


class RankingSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_label = serializers.CharField()
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    indicator_name_en = serializers.CharField(allow_blank=True)
    unit = serializers.CharField()
    order = serializers.ChoiceField(choices=["value", "growth"])
    rows = RankRowSerializer(many=True)


class RankingView(APIView):
    """区域排名: the zones of a region viewer's region (every zone for the system administrator), ranked by 1—N月
    value or comparable growth, as on the ranking page. Others get 404, as the page."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="区域排名",
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, description="报告期 YYYY-MM；不填为最近有数据的月份"),
            OpenApiParameter("indicator", OpenApiTypes.STR, description="指标代码；未知代码为 404"),
            OpenApiParameter("order", OpenApiTypes.STR, enum=["value", "growth"]),
        ],
        responses=RankingSerializer,
    )
    def get(self, request):
        viewer = StatsViewer(request.user)
        if not viewer.is_region_viewer or not viewer.entitled_zone_ids:
            raise Http404
        params = request.query_params
        zone_ids = sorted(viewer.entitled_zone_ids)
        indicator = chosen_indicator(params)
        period = chosen_period(params, viewer, zone_ids, indicator)
        order = "growth" if params.get("order") == "growth" else "value"
        rows = rank_zones(viewer, zone_ids=zone_ids, period=period, indicator=indicator, order=order)
        body = {
            "period": format_period(period),
            "period_label": cumulative_label(period),
            "indicator": indicator.code,
            "indicator_name": indicator.name,
            "indicator_name_en": indicator.name_en,
            "unit": indicator.unit,
            "order": order,
            "rows": [
                {
                    "zone": row.zone,
                    "rank_value": row.rank_value,
                    "rank_growth": row.rank_growth,
                    "cell": {**row.cell.as_dict(), "key": str(row.zone.pk)},
                }
                for row in rows
            ],
        }
        return Response(RankingSerializer(body).data)


# -- reporting assignments (报送任务) --------------------------------------------------------------------------------


class AssignmentApiFilterSet(AssignmentFilterSet):
    zone = IdFilter(label=_("开发区"), field_name="enterprise__zone_id")
    park = IdFilter(label=_("园区"), field_name="enterprise__park_id")


# The tag filter picks a tag by name through `enterprise__tags__name`, a path drf-spectacular cannot type: a string.
extend_schema_field(OpenApiTypes.STR)(AssignmentApiFilterSet.base_filters["tag"])


class AssignmentSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, label=_("企业名称"))
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True, label=_("统一社会信用代码"))
    zone = serializers.IntegerField(source="enterprise.zone_id", read_only=True, label=_("开发区"))
    data_set = serializers.SlugRelatedField(slug_field="code", read_only=True, label=_("报表代码"))
    from_period = serializers.SerializerMethodField(label=_("起始报告期"))
    to_period = serializers.SerializerMethodField(label=_("截止报告期"))

    class Meta:
        model = DataSetAssignment
        fields = ["id", "enterprise", "enterprise_name", "credit_code", "zone", "data_set", "from_period", "to_period"]
        read_only_fields = fields

    def get_from_period(self, obj) -> str:
        return format_period(obj.from_period)

    def get_to_period(self, obj) -> str | None:
        return format_period(obj.to_period) if obj.to_period else None


class AssignmentViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """报送任务: which firm reports which form from which period, for the users the assignments page is for."""

    model = DataSetAssignment
    serializer_class = AssignmentSerializer
    select_related = ["data_set", "enterprise"]
    filterset_class = AssignmentApiFilterSet
    ordering_fields = ["from_period"]
    ordering = ["enterprise__zone__name", "enterprise__name", "data_set__code", "from_period", "pk"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated first (401)
        if not is_business_user(request.user):
            raise Http404


# -- completeness (报送完整性) --------------------------------------------------------------------------------------


class TallySerializer(serializers.Serializer):
    key = serializers.SerializerMethodField()
    label = serializers.CharField()
    assigned = serializers.IntegerField(help_text=_("应报企业数"))
    on_time = serializers.IntegerField(help_text=_("按时报送"))
    late = serializers.IntegerField(help_text=_("逾期报送"))
    missing = serializers.IntegerField(help_text=_("未报"))
    reported_pct = serializers.FloatField(allow_null=True, help_text=_("报送率（%）"))

    def get_key(self, tally) -> str | None:
        return None if tally.key is None else str(getattr(tally.key, "pk", tally.key))


class FirmReportSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(source="enterprise.pk")
    enterprise_name = serializers.CharField(source="enterprise.name")
    credit_code = serializers.CharField(source="enterprise.credit_code")
    zone = serializers.IntegerField(source="enterprise.zone_id")
    status = serializers.ChoiceField(choices=ReportStatusChoices.choices)
    first_entered_at = serializers.DateTimeField(allow_null=True, help_text=_("首次报送时间"))


class CompletenessSerializer(serializers.Serializer):
    data_set = serializers.CharField(source="data_set.code")
    period = serializers.SerializerMethodField()
    deadline = serializers.DateField()
    total = TallySerializer()
    by_zone = TallySerializer(many=True)
    by_park = TallySerializer(many=True)
    by_department = TallySerializer(many=True)
    by_section = TallySerializer(many=True)
    firms = FirmReportSerializer(many=True, help_text=_("企业及其报送状态（按 status 筛选）"))

    def get_period(self, result) -> str:
        return format_period(result.period)


class CompletenessView(APIView):
    """报送完整性: who reported a form for a period on time, late or not at all, counted by zone, park, liaison
    department and industry section — the completeness page's figures, for the users who see zones."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="报送完整性",
        parameters=[
            OpenApiParameter("data_set", OpenApiTypes.STR, description="报表代码；不填为默认报表"),
            OpenApiParameter("period", OpenApiTypes.STR, description="报告期 YYYY-MM；不填为最近有数据的报告期"),
            OpenApiParameter("zone", OpenApiTypes.INT64),
            OpenApiParameter("park", OpenApiTypes.INT64),
            OpenApiParameter("service_department", OpenApiTypes.STR, description="包联部门 id，或 none（未指定）"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(ReportStatusChoices.values)),
        ],
        responses=CompletenessSerializer,
    )
    def get(self, request):
        zones = Zone.objects.restrict(request.user, "view")
        if not zones.exists():
            raise Http404
        form = CompletenessForm(request.query_params, user=request.user, zones=zones)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        data = form.cleaned_data
        result = completeness(firms=form.firms(), data_set=data["data_set"], period=data["period"])
        status = data.get("status")
        result.firms = result.with_status(status) if status else result.firms
        return Response(CompletenessSerializer(result).data)
