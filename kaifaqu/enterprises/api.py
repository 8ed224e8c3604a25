"""REST API of enterprises and industry classes (GB/T 4754-2017, read-only)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, permissions, serializers, viewsets

from kaifaqu.core.api import ModelCleanSerializer, ScopedViewSetMixin

from .choices import IndustryLevelChoices
from .filtersets import EnterpriseFilterSet, IndustryClassFilterSet
from .models import Enterprise, IndustryClass, Tag

# The section and division filters pick an industry class by its code, the tag filter a tag by its name: paths
# (`industry__section` + code, `tags__name` + name) drf-spectacular cannot follow to a type. They are strings
# (schema metadata only; the tag filter is an array of them).
for filter_name in ("section", "division", "tag"):
    extend_schema_field(OpenApiTypes.STR)(EnterpriseFilterSet.base_filters[filter_name])

# -- industry classes (reference) ------------------------------------------------------------------------------


class IndustryClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryClass
        fields = ["code", "name", "level", "parent", "section", "division"]
        read_only_fields = fields


class IndustryClassViewSet(viewsets.ReadOnlyModelViewSet):
    """国民经济行业分类 (GB/T 4754-2017), all four levels: reference data for every signed-in user."""

    queryset = IndustryClass.objects.all()
    serializer_class = IndustryClassSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = IndustryClassFilterSet
    ordering_fields = ["code", "name"]
    ordering = ["section", "code"]


# -- enterprises -----------------------------------------------------------------------------------------------


class TagNamesField(serializers.ListField):
    """Tags by name; names not yet known are created when the enterprise is saved."""

    child = serializers.CharField(max_length=Tag._meta.get_field("name").max_length)

    def to_representation(self, value):
        return [tag.name for tag in value.all()]

    def to_internal_value(self, data):
        return list(dict.fromkeys(super().to_internal_value(data)))


class EnterpriseSerializer(ModelCleanSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, label=_("开发区名称"))
    industry_name = serializers.CharField(source="industry.name", read_only=True, label=_("行业名称"))
    tags = TagNamesField(required=False, label=_("标签"), help_text=_("标签名称；新名称会自动创建"))

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "credit_code",
            "name",
            "former_names",
            "zone",
            "zone_name",
            "park",
            "service_department",
            "industry",
            "industry_name",
            "region",
            "address",
            "legal_representative",
            "founded_on",
            "registered_capital",
            "scale",
            "status",
            "status_changed_on",
            "tags",
            "chains",
            "main_products",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        create_only_fields = ["zone"]
        extra_kwargs = {
            # Any level is looked up so that validate_industry can name the problem instead of "does not exist".
            "industry": {"queryset": IndustryClass.objects.all()},
            "registered_capital": {"min_value": 0},
        }

    def create_only_message(self, name):
        return _("变更所属开发区请使用企业迁移功能")

    def validate_industry(self, value):
        # Enterprise.clean() says the same, but the model field's limit_choices_to refuses first, less helpfully.
        if value.level != IndustryLevelChoices.CLASS:
            raise serializers.ValidationError(_("请选择到小类（4位代码）"))
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        zone = attrs.get("zone") or getattr(self.instance, "zone", None)
        if zone is not None and any(chain.zone_id != zone.pk for chain in attrs.get("chains", ())):
            raise serializers.ValidationError({"chains": _("产业链不属于所选开发区")})
        return attrs

    def set_many_to_many(self, instance, name, values):
        if name == "tags":
            values = [Tag.objects.get_or_create(name=tag_name)[0] for tag_name in values]
        super().set_many_to_many(instance, name, values)


class EnterpriseViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """企业. Never deleted through the API: a closed firm is a status change (注销) and keeps its history."""

    model = Enterprise
    serializer_class = EnterpriseSerializer
    select_related = ["zone", "industry"]
    prefetch_related = ["tags", "chains"]
    filterset_class = EnterpriseFilterSet
    ordering_fields = ["name", "credit_code", "founded_on", "registered_capital", "status", "created_at", "updated_at"]
    ordering = ["name", "pk"]
