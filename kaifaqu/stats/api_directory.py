"""REST API of the 四上 directory (名录), /api/stats/directory/: list, read, create, update and delete a firm's row
of a year, through kaifaqu.stats.services so that reporting duties follow (entering a year assigns the firm the
forms of its category for that year; leaving ends them).

Scope is the rest of the system's: lists are `restrict(user, "view")`, a row out of scope is a 404; writes need
statistics write rights in the firm's zone (403 otherwise, nothing changes). The firm and the year of a row are
fixed once created: a firm that changes category in a year is an update; a firm that leaves is a delete.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from kaifaqu.core.api import EXPECTED_VERSION, HISTORY_USER, ModelCleanSerializer, ScopedViewSetMixin
from kaifaqu.core.filtersets import IdFilter, YearFilter

from .choices import StatsCategoryChoices
from .models import EnterpriseYearStatus
from .services import record_year_status, remove_year_status


class DirectoryFilterSet(django_filters.FilterSet):
    zone = IdFilter(label=_("开发区"), field_name="enterprise__zone_id")
    year = YearFilter(label=_("年度"), field_name="year")
    category = django_filters.ChoiceFilter(label=_("四上类别"), choices=StatsCategoryChoices.choices)
    enterprise = IdFilter(label=_("企业"), field_name="enterprise_id")

    class Meta:
        model = EnterpriseYearStatus
        fields = ["zone", "year", "category", "enterprise"]


class DirectorySerializer(ModelCleanSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, label=_("企业名称"))
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True, label=_("统一社会信用代码"))
    zone = serializers.IntegerField(source="enterprise.zone_id", read_only=True, label=_("开发区"))
    category_label = serializers.CharField(source="get_category_display", read_only=True, label=_("四上类别名称"))

    class Meta:
        model = EnterpriseYearStatus
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "credit_code",
            "zone",
            "year",
            "category",
            "category_label",
            "entered_on",
            "note",
        ]
        create_only_fields = ["enterprise", "year"]
        extra_kwargs = {"year": {"min_value": 2000, "max_value": 2100}}

    def create_only_message(self, name):
        return _("企业和年度创建后不能更改；企业退出名录请删除该条记录")

    def validate(self, attrs):
        if self.instance is None:
            enterprise, year = attrs.get("enterprise"), attrs.get("year")
            if EnterpriseYearStatus.objects.filter(enterprise=enterprise, year=year).exists():
                raise serializers.ValidationError({"year": [_("该企业已在本年度名录中，请修改原记录")]})
        return super().validate(attrs)

    def create(self, validated_data):
        return self.record(validated_data.pop(HISTORY_USER, None), validated_data)

    def update(self, instance, validated_data):
        expected = validated_data.pop(EXPECTED_VERSION, None)
        body_version = validated_data.pop("version", None)
        instance = self.fresh(instance)  # the fields not sent are the stored ones (kaifaqu.core.api)
        values = {name: getattr(instance, name) for name in ("enterprise", "year", "category", "entered_on", "note")}
        values.update(validated_data)
        version = expected if expected is not None else body_version
        return self.record(values.pop(HISTORY_USER, None), values, version=version)

    @staticmethod
    def record(actor, values, version=None):
        return record_year_status(
            version=version,
            actor=actor,
            enterprise=values["enterprise"],
            year=values["year"],
            category=values["category"],
            entered_on=values.get("entered_on"),
            note=values.get("note", ""),
        )


@extend_schema_view(
    list=extend_schema(description="四上企业名录：按开发区、年度、类别、企业筛选。"),
    create=extend_schema(description="企业进入某年名录；随之须报送以该类别为统计口径的报表（全年）。"),
    update=extend_schema(description="修改类别、入库日期或备注；类别变化时报送任务随之调整。"),
    partial_update=extend_schema(description="修改类别、入库日期或备注；类别变化时报送任务随之调整。"),
    destroy=extend_schema(description="企业退出该年名录；该年的报送任务随之结束。"),
)
class DirectoryViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """四上企业名录: a firm's 四上 category in a year, as in the statistics bureau's directory."""

    model = EnterpriseYearStatus
    serializer_class = DirectorySerializer
    select_related = ["enterprise"]
    filterset_class = DirectoryFilterSet
    ordering_fields = ["year", "category", "enterprise__name"]
    ordering = ["-year", "enterprise__name", "pk"]

    def check_create(self, validated_data):
        """The row's zone is its firm's."""
        enterprise = validated_data.get("enterprise")
        if not self.request.user.can_add_in_zone(self.model.scope, getattr(enterprise, "zone_id", None)):
            raise PermissionDenied(_("您没有登记该企业名录的权限"))

    def perform_destroy(self, instance):
        remove_year_status(actor=self.request.user, status=instance)
