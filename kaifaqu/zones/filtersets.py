import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaifaqu.accounts.models import region_prefix
from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import FilterForm

from .choices import ZoneKindChoices, ZoneLevelChoices
from .forms import DepartmentFilterField
from .models import Department, IndustryChain, Park, Zone


def zones_in_scope(request):
    if request is None:
        return Zone.objects.none()
    return Zone.objects.restrict(request.user, "view")


def parks_in_scope(request):
    if request is None:
        return Park.objects.none()
    return Park.objects.restrict(request.user, "view").select_related("zone")


def departments_in_scope(request):
    if request is None:
        return Department.objects.none()
    return Department.objects.restrict(request.user, "view").select_related("zone")


def shows_one_zone(user):
    """True when the user works in one zone only: its departments need no zone in their labels."""
    return not user.is_system_admin and len(user.zone_ids()) == 1


class DepartmentFilter(django_filters.ModelChoiceFilter):
    """包联部门, with 未指定部门 for firms without one."""

    field_class = DepartmentFilterField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null_label", DepartmentFilterField.default_null_label)
        kwargs.setdefault("null_value", DepartmentFilterField.default_null_value)
        super().__init__(*args, **kwargs)


def chains_in_scope(request):
    if request is None:
        return IndustryChain.objects.none()
    return IndustryChain.objects.restrict(request.user, "view").select_related("zone")


class ZoneFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    level = django_filters.ChoiceFilter(label=_("级别"), choices=ZoneLevelChoices.choices)
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=ZoneKindChoices.choices)
    region = django_filters.CharFilter(label=_("区划代码"), method="region_prefix")

    class Meta:
        model = Zone
        fields = ["q", "level", "kind", "region"]
        form = FilterForm

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value)) if value else queryset

    def region_prefix(self, queryset, name, value):
        return queryset.filter(region__code__startswith=region_prefix(value)) if value else queryset


class ZonePartFilterSet(StyledFilterSet):
    """Filter parts of zones; the zone choices are the user's own, as on the enterprise list."""

    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_scope)
    q = django_filters.CharFilter(label=_("搜索"), field_name="name", lookup_expr="icontains")


class ParkFilterSet(ZonePartFilterSet):
    class Meta:
        model = Park
        fields = ["zone", "q"]


class DepartmentFilterSet(ZonePartFilterSet):
    class Meta:
        model = Department
        fields = ["zone", "q"]


class IndustryChainFilterSet(ZonePartFilterSet):
    class Meta:
        model = IndustryChain
        fields = ["zone", "q"]
