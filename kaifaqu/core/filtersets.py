import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import style_fields


class StyledFilterSet(django_filters.FilterSet):
    """A filter set whose form renders with Bootstrap classes and says 全部 for "no filter"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.ModelChoiceFilter | django_filters.ChoiceFilter):
                filter_.extra["empty_label"] = _("全部")

    @property
    def form(self):
        form = super().form
        if not getattr(form, "styled", False):
            style_fields(form.fields)
            form.styled = True
        return form


# Ids are 64-bit signed integers in both databases; a larger value would overflow SQLite's INTEGER (a 500).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row by its id: an integer in 1..2^63-1, else the filter set is invalid (the API answers 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YearFilter(django_filters.NumberFilter):
    """A calendar year in 1900..2999 (a period is stored as YYYYMM; a larger year would overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2999)
        super().__init__(*args, **kwargs)
