"""GET /api/stats/summary/?zone=<id>&period=YYYY-MM&indicator=<code>[&group_by=park|industry|chain]

The 1—N月 figure of a zone with its comparable-scope previous figure, growth and number of firms — the same
numbers as the dashboard (kaifaqu.stats.aggregation), scoped by role: a zone the user may not read is a 404, and
for viewers not entitled to individual figures (enterprise users) cells of fewer than STATS_MIN_GROUP_SIZE firms
are null with a reason. Amounts are decimal strings (never floats).
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kaifaqu.core.periods import cumulative_label, format_period, parse_period

from .aggregation import API_GROUPS, Narrowing, StatsViewer, min_group_size, summarize
from .models import Indicator


def amount():
    return serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)


def percent():
    return serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class SummaryQuerySerializer(serializers.Serializer):
    zone = serializers.IntegerField(help_text=_("开发区 id"))
    period = serializers.CharField(help_text=_("报告期 YYYY-MM"))
    indicator = serializers.SlugField(help_text=_("指标代码，如 main_revenue"))
    group_by = serializers.ChoiceField(choices=API_GROUPS, required=False, help_text=_("分组：园区、行业、产业链"))
    park = serializers.IntegerField(required=False)
    section = serializers.CharField(required=False, max_length=1)
    division = serializers.CharField(required=False, max_length=2)
    chain = serializers.IntegerField(required=False)
    tag = serializers.CharField(required=False, max_length=50)

    def validate_period(self, text):
        try:
            return parse_period(text)
        except ValueError as bad:
            raise serializers.ValidationError(_("报告期格式应为 YYYY-MM")) from bad

    def validate_indicator(self, code):
        indicator = Indicator.objects.filter(code=code, is_active=True).first()
        if indicator is None:
            raise serializers.ValidationError(_("未知的指标代码"))
        return indicator


class CellSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    value = amount()
    previous = amount()
    previous_published = amount()
    growth_pct = percent()
    share_pct = percent()
    enterprises = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class SummarySerializer(serializers.Serializer):
    zone = serializers.IntegerField()
    zone_name = serializers.CharField()
    period = serializers.CharField()
    period_label = serializers.CharField()
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    unit = serializers.CharField()
    value = amount()
    previous = amount()
    previous_published = amount()
    growth_pct = percent()
    share_of_zone_pct = percent()
    enterprises = serializers.IntegerField(allow_null=True)
    price_basis = serializers.CharField(allow_blank=True)
    suppressed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    min_group_size = serializers.IntegerField(allow_null=True)
    group_by = serializers.CharField(allow_null=True)
    groups = CellSerializer(many=True, required=False)


class SummaryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="1—N月汇总（同口径增速）",
        parameters=[
            OpenApiParameter("zone", OpenApiTypes.INT, required=True),
            OpenApiParameter("period", OpenApiTypes.STR, required=True, description="YYYY-MM"),
            OpenApiParameter("indicator", OpenApiTypes.STR, required=True),
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(API_GROUPS)),
            OpenApiParameter("park", OpenApiTypes.INT),
            OpenApiParameter("section", OpenApiTypes.STR),
            OpenApiParameter("division", OpenApiTypes.STR),
            OpenApiParameter("chain", OpenApiTypes.INT),
            OpenApiParameter("tag", OpenApiTypes.STR),
        ],
        responses=SummarySerializer,
    )
    def get(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        viewer = StatsViewer(request.user)
        if params["zone"] not in viewer.zone_ids:
            raise Http404
        group_by = params.get("group_by")
        summary = summarize(
            viewer,
            zone_ids=[params["zone"]],
            period=params["period"],
            indicator=params["indicator"],
            narrowing=Narrowing.from_params(request.query_params),
            group_by=group_by,
        )
        total = summary.total
        zone = viewer.zones().get(pk=params["zone"])
        data = {
            "zone": zone.pk,
            "zone_name": zone.name,
            "period": format_period(summary.period),
            "period_label": cumulative_label(summary.period),
            "indicator": summary.indicator.code,
            "indicator_name": summary.indicator.name,
            "unit": summary.indicator.unit,
            "value": total.current,
            "previous": total.previous,
            "previous_published": total.published,
            "growth_pct": total.growth_pct,
            "share_of_zone_pct": summary.zone_share_pct,
            "enterprises": total.firms,
            "price_basis": str(summary.price_basis),
            "suppressed": total.suppressed,
            "reason": total.reason,
            "min_group_size": None if summary.entitled else min_group_size(),
            "group_by": group_by,
        }
        if group_by:
            data["groups"] = [
                {**cell.as_dict(), "key": None if cell.key is None else str(cell.key)} for cell in summary.groups
            ]
        return Response(SummarySerializer(data).data)
