import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaifaqu.accounts.models import region_prefix
from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import FilterForm

from .choices import ZoneKindChoices, ZoneLevelChoices
from .models import Department, IndustryChain, Park, Zone


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


def zones_in_scope(request):
    return Zone.objects.restrict(request.user, "view") if request is not None else Zone.objects.none()


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
