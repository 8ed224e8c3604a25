from functools import partial

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.cache import REFERENCE, cached
from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import FilterForm
from kaifaqu.zones.filtersets import (
    DepartmentFilter,
    chains_in_scope,
    departments_in_scope,
    parks_in_scope,
    shows_one_zone,
    zones_in_scope,
)

from .choices import EnterpriseScaleChoices, EnterpriseStatusChoices, IndustryLevelChoices
from .models import Enterprise, IndustryClass, Tag


def industry_choices(level):
    """(code, "code name") of every class of one level of GB/T 4754, in its order: reference data, cached."""
    classes = IndustryClass.objects.filter(level=level).order_by("section", "code")
    return cached(("enterprises", "industry_choices", level), [REFERENCE], lambda: [(c.code, str(c)) for c in classes])


def listed_industries(empty_label, level):
    return [("", empty_label), *industry_choices(level)]


class EnterpriseFilterSet(StyledFilterSet):
    """The one filter of the enterprise list: page, export and API share it (what you see is what you export)."""

    q = django_filters.CharFilter(label=_("搜索"), method="search")
    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_scope)
    park = django_filters.ModelChoiceFilter(label=_("园区"), queryset=parks_in_scope)
    service_department = DepartmentFilter(label=_("包联部门"), queryset=departments_in_scope)
    section = django_filters.ModelChoiceFilter(
        label=_("行业门类"),
        queryset=IndustryClass.objects.filter(level=IndustryLevelChoices.SECTION),
        field_name="industry__section",
        to_field_name="code",
        method="industry_level",
    )
    division = django_filters.ModelChoiceFilter(
        label=_("行业大类"),
        queryset=IndustryClass.objects.filter(level=IndustryLevelChoices.DIVISION),
        field_name="industry__division",
        to_field_name="code",
        method="industry_level",
    )
    industry = django_filters.CharFilter(label=_("行业代码"), method="industry_prefix")
    status = django_filters.MultipleChoiceFilter(
        label=_("经营状态"), choices=EnterpriseStatusChoices.choices, distinct=False
    )
    scale = django_filters.MultipleChoiceFilter(
        label=_("企业规模"), choices=EnterpriseScaleChoices.choices, distinct=False
    )
    chain = django_filters.ModelChoiceFilter(label=_("产业链"), queryset=chains_in_scope, field_name="chains")
    tag = django_filters.ModelMultipleChoiceFilter(
        label=_("标签"), queryset=Tag.objects.all(), field_name="tags__name", to_field_name="name", conjoined=True
    )
    is_demo = django_filters.BooleanFilter(
        label=_("演示数据"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]),
    )

    class Meta:
        model = Enterprise
        fields = [
            "q",
            "zone",
            "park",
            "service_department",
            "section",
            "division",
            "industry",
            "status",
            "scale",
            "chain",
            "tag",
        ]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None and self.request.user.is_authenticated:
            self.filters["service_department"].extra["show_zone"] = not shows_one_zone(self.request.user)

    @property
    def form(self):
        """The industry lists come from the cache, and only when the form is shown (the API validates the same
        filters without them); the fields still check a chosen code against the table."""
        form = super().form
        if not getattr(form, "industries_listed", False):
            for name, level in (("section", IndustryLevelChoices.SECTION), ("division", IndustryLevelChoices.DIVISION)):
                field = form.fields[name]
                field.widget.choices = partial(listed_industries, field.empty_label, level)  # called when rendered
            form.industries_listed = True
        return form

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(former_names__icontains=value) | Q(credit_code__icontains=value.upper())
        )

    def industry_level(self, queryset, name, value):
        """Section and division are codes on the firm's industry; the chosen IndustryClass row carries the code."""
        return queryset.filter(**{name: value.code}) if value else queryset

    def industry_prefix(self, queryset, name, value):
        value = value.strip().upper()
        if not value:
            return queryset
        if value.isalpha():
            return queryset.filter(industry__section=value)
        return queryset.filter(industry__code__startswith=value)


class IndustryClassFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    level = django_filters.ChoiceFilter(label=_("层级"), choices=IndustryLevelChoices.choices)
    section = django_filters.CharFilter(label=_("门类"))
    parent = django_filters.CharFilter(label=_("上级代码"), field_name="parent_id")

    class Meta:
        model = IndustryClass
        fields = ["q", "level", "section", "parent"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__startswith=value.upper()) | Q(name__icontains=value))
