import django_filters
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
