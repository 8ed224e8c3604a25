"""The list filters of the statistics pages: one FilterSet per list, shared by the page and its export."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import FilterForm
from kaifaqu.core.periods import parse_period
from kaifaqu.enterprises.models import Tag
from kaifaqu.zones.filtersets import parks_in_scope, zones_in_scope

from .choices import FlagKindChoices, FlagStatusChoices
from .models import DataSet, DataSetAssignment, Indicator, ValidationFlag


class AssignmentFilterSet(StyledFilterSet):
    """The assignment list: by zone, park, data set, tag of the firm, and whether it covers a period."""

    q = django_filters.CharFilter(label=_("企业"), method="search")
    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_scope, field_name="enterprise__zone")
    park = django_filters.ModelChoiceFilter(label=_("园区"), queryset=parks_in_scope, field_name="enterprise__park")
    data_set = django_filters.ModelChoiceFilter(
        label=_("报表"), queryset=DataSet.objects.all(), to_field_name="code", field_name="data_set"
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("标签"), queryset=Tag.objects.all(), field_name="enterprise__tags__name", to_field_name="name"
    )
    period = django_filters.CharFilter(label=_("覆盖报告期"), method="covering")

    class Meta:
        model = DataSetAssignment
        fields = ["q", "zone", "park", "data_set", "tag", "period"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(enterprise__name__icontains=value) | Q(enterprise__credit_code__icontains=value.upper())
        )

    def covering(self, queryset, name, value):
        try:
            period = parse_period(value)
        except ValueError:
            return queryset.none()
        return queryset.covering(period)


class FlagFilterSet(StyledFilterSet):
    """The data-quality flags in scope: by zone, period, kind, status and indicator."""

    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_scope)
    period = django_filters.CharFilter(
        label=_("报告期"), method="filter_period", widget=forms.TextInput(attrs={"type": "month"})
    )
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=FlagKindChoices.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=FlagStatusChoices.choices)
    indicator = django_filters.ModelChoiceFilter(
        label=_("指标"), queryset=Indicator.objects.all(), to_field_name="code"
    )

    class Meta:
        model = ValidationFlag
        fields = ["zone", "period", "kind", "status", "indicator"]
        form = FilterForm

    def filter_period(self, queryset, name, value):
        try:
            return queryset.filter(period=parse_period(value))
        except ValueError:
            return queryset.none()
