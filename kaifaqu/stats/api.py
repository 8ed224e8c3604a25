"""REST API of statistics values: list (scoped by role) and create through the one write path (record_values).

POST takes one item or a list of items {enterprise, indicator, period, value, reported_prior?, data_set, reason?}
(reported_prior: the 上年同期 the firm reports on this period's form, the base of the comparable growth). The items are
grouped into Submissions per data set, firm and period and recorded all-or-nothing: a hard rule, a locked period,
a firm not assigned to the data set or a correction without a reason answers 400 with every problem, and nothing
is written.
"""

from collections import defaultdict

import django_filters
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.core.api import ScopedPrimaryKeyRelatedField
from kaifaqu.core.filtersets import IdFilter
from kaifaqu.core.periods import format_period, parse_period
from kaifaqu.enterprises.models import Enterprise

from .models import DataSet, Indicator, Value
from .permissions import may_enter_figures
from .services import Submission, SubmissionError, check_submissions, current_figures, record_values


def parse_period_or_error(text, field="period"):
    try:
        return parse_period(text)
    except (TypeError, ValueError) as bad:
        raise serializers.ValidationError({field: _("请按 YYYY-MM 格式填写报告期，例如 2025-03")}) from bad


class ValueFilterSet(django_filters.FilterSet):
    zone = IdFilter(label=_("开发区"), field_name="zone_id")
    enterprise = IdFilter(label=_("企业"), field_name="enterprise_id")
    indicator = django_filters.CharFilter(label=_("指标代码"), field_name="indicator__code")
    period = django_filters.CharFilter(label=_("报告期（YYYY-MM）"), method="filter_period")
    data_set = django_filters.CharFilter(label=_("报表代码"), field_name="data_set__code")
    all_revisions = django_filters.BooleanFilter(label=_("包含历史版本"), method="keep")

    class Meta:
        model = Value
        fields = ["zone", "enterprise", "indicator", "period", "data_set", "all_revisions"]

    def filter_period(self, queryset, name, value):
        return queryset.filter(period=parse_period_or_error(value))

    def keep(self, queryset, name, value):
        return queryset  # read by the view: only current values unless all_revisions=1


class ValueSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, label=_("企业名称"))
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True, label=_("指标代码"))
    indicator_name = serializers.CharField(source="indicator.name", read_only=True, label=_("指标名称"))
    indicator_name_en = serializers.CharField(source="indicator.name_en", read_only=True, label=_("指标英文名称"))
    unit = serializers.CharField(source="indicator.unit", read_only=True, label=_("单位"))
    period = serializers.SerializerMethodField(label=_("报告期"))
    data_set = serializers.SlugRelatedField(slug_field="code", read_only=True, label=_("报表代码"))
    entered_by = serializers.StringRelatedField(read_only=True, allow_null=True, label=_("录入人"))

    class Meta:
        model = Value
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "zone",
            "indicator",
            "indicator_name",
            "indicator_name_en",
            "unit",
            "period",
            "value",
            "reported_prior",
            "revision",
            "is_current",
            "data_set",
            "source",
            "reason",
            "entered_by",
            "entered_at",
        ]
        read_only_fields = fields

    def get_period(self, obj) -> str:
        return format_period(obj.period)


class ValueInputSerializer(serializers.Serializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), label=_("企业"))
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=Indicator.objects.filter(is_active=True), label=_("指标代码")
    )
    period = serializers.CharField(label=_("报告期"), help_text=_("YYYY-MM"))
    value = serializers.DecimalField(max_digits=20, decimal_places=4, label=_("数值"), help_text=_("金额单位为万元"))
    reported_prior = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        required=False,
        allow_null=True,
        default=None,
        label=_("上年同期"),
        help_text=_("可选：企业在本期报表中填报的上年同期数（新入库企业必填），作为同口径增速的基数"),
    )
    data_set = serializers.SlugRelatedField(slug_field="code", queryset=DataSet.objects.all(), label=_("报表代码"))
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        label=_("修改原因"),
        help_text=_("更正已报数值时必填"),
    )

    def validate_period(self, value):
        try:
            return parse_period(value)
        except ValueError as bad:
            raise serializers.ValidationError(_("请按 YYYY-MM 格式填写报告期，例如 2025-03")) from bad


RECORDED = inline_serializer(
    "ValuesRecorded",
    {
        "created": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "flags": serializers.ListField(child=serializers.CharField()),
    },
)


def problem(enterprise_id, period, code, message):
    return {"enterprise": enterprise_id, "period": format_period(period), "indicator": code, "message": str(message)}


class ValueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """统计数据: 1—N月 cumulative figures (stocks at period end), money in 万元; current revisions unless
    `all_revisions=1`. Enterprise users see and write only their own firm's figures."""

    serializer_class = ValueSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = ValueFilterSet
    ordering_fields = ["period", "entered_at", "value", "revision"]
    ordering = ["-period", "enterprise_id", "indicator__sort_order", "revision"]

    def get_queryset(self):
        values = Value.objects.restrict(self.request.user, "view").select_related(
            "enterprise", "indicator", "data_set", "entered_by"
        )
        if self.request.query_params.get("all_revisions") not in ("1", "true", "True"):
            values = values.filter(is_current=True)
        return values

    @extend_schema(
        parameters=[OpenApiParameter("all_revisions", OpenApiTypes.BOOL, description="包含被更正的历史版本")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ValueInputSerializer(many=True),
        responses={201: RECORDED},
        description="一条或多条数据；按报表、企业、报告期分组后整体写入，任何一条有误则全部不写入（400，逐条列出问题）。",
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        if not (user.may("add", Value) or user.has_role(RoleChoices.ENTERPRISE_USER)):
            raise PermissionDenied(_("您没有录入统计数据的权限"))
        many = isinstance(request.data, list)
        serializer = ValueInputSerializer(data=request.data, many=many, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data if many else [serializer.validated_data]
        for firm in {item["enterprise"] for item in items}:
            if not may_enter_figures(user, firm):
                raise PermissionDenied(_("您没有录入该企业统计数据的权限"))
        problems = self.reason_and_duplicate_problems(items)
        groups = self.group(items)
        if not problems:
            for (data_set, _reason), submissions in groups.items():
                found, _soft = check_submissions(data_set=data_set, submissions=submissions)
                problems += [problem(s.enterprise.pk, s.period, code, message) for s, code, message in found]
        if problems:
            return Response({"problems": problems}, status=status.HTTP_400_BAD_REQUEST)
        created = unchanged = 0
        flags = []
        try:
            with transaction.atomic():
                for (data_set, reason), submissions in groups.items():
                    result = record_values(
                        actor=user, data_set=data_set, submissions=submissions, source="api", reason=reason
                    )
                    created, unchanged = created + result.created, unchanged + result.unchanged
                    flags += [flag.message for flag in result.flags]
        except SubmissionError as error:  # the state changed between the check and the write
            found = [problem(s.enterprise.pk, s.period, code, message) for s, code, message in error.problems]
            return Response({"problems": found}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": created, "unchanged": unchanged, "flags": flags}, status=status.HTTP_201_CREATED)

    @staticmethod
    def reason_and_duplicate_problems(items):
        """A figure twice in one request, or a correction of a stored figure without a reason."""
        stored = current_figures(
            {item["enterprise"].pk for item in items},
            {item["period"] for item in items},
            {item["indicator"].code for item in items},
        )
        seen, problems = set(), []
        for item in items:
            firm, period, code = item["enterprise"], item["period"], item["indicator"].code
            if (firm.pk, period, code) in seen:
                problems.append(problem(firm.pk, period, code, _("同一数据在请求中出现了两次")))
            seen.add((firm.pk, period, code))
            old = stored.get((firm.pk, period), {}).get(code)
            if old is not None and old != item["value"] and not item["reason"].strip():
                problems.append(problem(firm.pk, period, code, _("更正已报数值须填写修改原因")))
        return problems

    @staticmethod
    def group(items):
        """{(data set, reason): [Submission per firm and period]}."""
        figures, priors = defaultdict(dict), defaultdict(dict)
        for item in items:
            key = (item["data_set"], item["reason"].strip(), item["enterprise"], item["period"])
            figures[key][item["indicator"].code] = item["value"]
            if item.get("reported_prior") is not None:
                priors[key][item["indicator"].code] = item["reported_prior"]
        groups = defaultdict(list)
        for key, values in figures.items():
            data_set, reason, firm, period = key
            groups[(data_set, reason)].append(Submission(firm, period, values, priors=priors[key]))
        return groups
