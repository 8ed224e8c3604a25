"""REST API of zones, parks (园中园), departments, industry chains and regions (GB/T 2260, read-only)."""

import django_filters
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, permissions, serializers, viewsets

from kaifaqu.accounts.choices import DomainChoices
from kaifaqu.core.api import Conflict, ModelCleanSerializer, ScopedViewSetMixin

from .choices import RegionLevelChoices
from .filtersets import DepartmentFilterSet, IndustryChainFilterSet, ParkFilterSet, ZoneFilterSet
from .models import Department, IndustryChain, Park, Region, Zone

# -- regions (reference) ---------------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True, label=_("全称"))

    class Meta:
        model = Region
        fields = ["code", "name", "full_name", "level", "parent"]
        read_only_fields = fields


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    level = django_filters.ChoiceFilter(label=_("级别"), choices=RegionLevelChoices.choices)
    parent = django_filters.CharFilter(label=_("上级代码"), field_name="parent_id")

    class Meta:
        model = Region
        fields = ["q", "level", "parent"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__startswith=value) | Q(name__icontains=value))


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """行政区划 (GB/T 2260): reference data for every signed-in user."""

    queryset = Region.objects.select_related("parent__parent")
    serializer_class = RegionSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = RegionFilterSet
    ordering_fields = ["code", "name"]
    ordering = ["code"]


# -- zones -----------------------------------------------------------------------------------------------------


class ZoneSerializer(ModelCleanSerializer):
    region_name = serializers.CharField(source="region.full_name", read_only=True, label=_("所在区划名称"))

    class Meta:
        model = Zone
        fields = [
            "id",
            "name",
            "short_name",
            "level",
            "kind",
            "region",
            "region_name",
            "established_on",
            "address",
            "description",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_demo", "created_at", "updated_at"]


class ZoneViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """开发区. Created by system administrators, edited by its zone administrators, never deleted through the API."""

    model = Zone
    serializer_class = ZoneSerializer
    select_related = ["region__parent__parent"]
    filterset_class = ZoneFilterSet
    ordering_fields = ["name", "level", "kind", "region", "established_on", "updated_at"]
    ordering = ["name"]

    def may_create(self, user):
        return user.is_system_admin

    def check_create(self, validated_data):
        pass  # may_create already required a system administrator


# -- parts of a zone -------------------------------------------------------------------------------------------


class ZonePartSerializer(ModelCleanSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, label=_("开发区名称"))

    def create_only_message(self, name):
        return _("创建后不能更改所属开发区")


class ParkSerializer(ZonePartSerializer):
    class Meta:
        model = Park
        fields = [
            "id",
            "zone",
            "zone_name",
            "name",
            "lead_enterprise_name",
            "area_mu",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        create_only_fields = ["zone"]


class DepartmentSerializer(ZonePartSerializer):
    domains = serializers.ListField(
        child=serializers.ChoiceField(choices=DomainChoices.choices),
        required=False,
        label=_("业务范围"),
        help_text=_("本部门人员可以修改的业务数据"),
    )

    class Meta:
        model = Department
        fields = ["id", "zone", "zone_name", "name", "name_en", "domains", "phone", "created_at", "updated_at"]
        read_only_fields = ["name_en", "created_at", "updated_at"]
        create_only_fields = ["zone"]

    def validate_domains(self, value):
        return list(dict.fromkeys(value))


class IndustryChainSerializer(ZonePartSerializer):
    class Meta:
        model = IndustryChain
        fields = [
            "id",
            "zone",
            "zone_name",
            "name",
            "name_en",
            "description",
            "industry_codes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["name_en", "created_at", "updated_at"]
        create_only_fields = ["zone"]


class ZonePartViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """A part of a zone. One still in use is not deleted (409): deleting would silently change other rows
    (SET_NULL / cascade) without a history entry on them."""

    select_related = ["zone"]
    ordering_fields = ["name", "zone", "updated_at"]
    ordering = ["zone", "name", "pk"]
    in_use_message = None

    def in_use(self, instance):
        return False

    def perform_destroy(self, instance):
        if self.in_use(instance):
            raise Conflict(self.in_use_message)
        try:
            super().perform_destroy(instance)
        except ProtectedError as blocked:
            # Rows of other apps that must keep it (e.g. project problems a department is responsible for).
            names = "、".join(sorted({str(obj._meta.verbose_name) for obj in blocked.protected_objects}))
            raise Conflict(_("仍有关联的%(names)s，不能删除。") % {"names": names}) from blocked


class ParkViewSet(ZonePartViewSet):
    """园中园 of the zones the user may see."""

    model = Park
    serializer_class = ParkSerializer
    filterset_class = ParkFilterSet
    in_use_message = _("园区内仍有企业，请先调整企业所在园区再删除")

    def in_use(self, instance):
        return instance.enterprises.exists()


class DepartmentViewSet(ZonePartViewSet):
    """部门 of the zones the user may see; written by zone administrators only (its scope's domain)."""

    model = Department
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    in_use_message = _("该部门仍有人员，请先调整人员的角色授权再删除")

    def in_use(self, instance):
        return instance.members.exists()


class IndustryChainViewSet(ZonePartViewSet):
    """主导产业链 of the zones the user may see."""

    model = IndustryChain
    serializer_class = IndustryChainSerializer
    filterset_class = IndustryChainFilterSet
    in_use_message = _("仍有企业属于该产业链，请先调整企业的产业链再删除")

    def in_use(self, instance):
        return instance.enterprises.exists()
