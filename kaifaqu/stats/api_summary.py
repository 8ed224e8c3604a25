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

from .aggregation import API_GROUPS, PUBLISHED_GROUPS, Narrowing, StatsViewer, min_group_size, summarize
from .models import Indicator


def amount(**kwargs):
    return serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True, **kwargs)


def percent(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, **kwargs)


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


def count(help_text):
    return serializers.IntegerField(allow_null=True, help_text=help_text)


class CompletenessFields(serializers.Serializer):
    """What a figure is taken over and how complete it is (the same on the total and on each group)."""

    previous = amount(
        help_text=_("上年同期（同口径）：本期有数据的名录企业的上年同期（企业填报的上年同期，否则系统中的上年同期数）")
    )
    previous_published = amount(help_text=_("上年公布数：上年名录企业上年同期的合计（公布口径）"))
    growth_pct = percent(help_text=_("同口径增速（官方增速，%）：有上年同期的企业本期合计 ÷ 其上年同期 − 1"))
    growth_pct_published = percent(help_text=_("按上年公布数计算的增速（%）：本期合计 ÷ 上年公布数 − 1"))
    enterprises = count(_("已报企业数"))
    enterprises_expected = count(_("应报企业数（本年名录；未录入名录时为空）"))
    enterprises_missing = count(_("应报未报的名录企业数（未录入名录时为空）"))
    enterprises_without_base = count(_("已报但缺上年同期的企业数（计入本期合计，不计入增速）"))
    completeness_note = serializers.CharField(allow_blank=True, help_text=_("不完整时的说明，如“应报12家，已报11家”"))


class CellSerializer(CompletenessFields):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    value = amount()
    share_pct = percent()
    suppressed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class SummarySerializer(CompletenessFields):
    zone = serializers.IntegerField()
    zone_name = serializers.CharField()
    period = serializers.CharField()
    period_label = serializers.CharField()
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    indicator_name_en = serializers.CharField(allow_blank=True)
    unit = serializers.CharField()
    data_set = serializers.CharField(allow_null=True, help_text=_("口径所依据的报表代码"))
    scope_note = serializers.CharField(help_text=_("统计口径说明"))
    value = amount()
    share_of_zone_pct = percent()
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
        narrowing = Narrowing.from_params(request.query_params)
        if narrowing and not viewer.entitled([params["zone"]]):
            # 统计法: published tables only, one dimension at a time — intersections could isolate one firm
            raise serializers.ValidationError(
                {"detail": _("您只能查看公布的汇总表（合计或按一个维度分组），不能按园区、行业、产业链或标签筛选。")}
            )
        if group_by and group_by not in PUBLISHED_GROUPS and not viewer.entitled([params["zone"]]):
            raise serializers.ValidationError({"group_by": _("您只能查看按园区、行业大类或产业链分组的公布表。")})
        summary = summarize(
            viewer,
            zone_ids=[params["zone"]],
            period=params["period"],
            indicator=params["indicator"],
            narrowing=narrowing,
            group_by=group_by,
        )
        total = summary.total
        zone = viewer.zones().get(pk=params["zone"])
        cell = total.as_dict()
        data = {
            **{key: cell[key] for key in CompletenessFields().fields},
            "zone": zone.pk,
            "zone_name": zone.name,
            "period": format_period(summary.period),
            "period_label": cumulative_label(summary.period),
            "indicator": summary.indicator.code,
            "indicator_name": summary.indicator.name,
            "indicator_name_en": summary.indicator.name_en,
            "unit": summary.indicator.unit,
            "data_set": summary.scope.data_set.code if summary.scope.data_set else None,
            "scope_note": str(summary.scope_note),
            "value": total.current,
            "share_of_zone_pct": summary.zone_share_pct,
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
