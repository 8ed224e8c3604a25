from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def style_fields(fields):
    """Give every widget the Bootstrap 5 class it needs; multiple selects become compact searchable pickers."""
    for field in fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
            if isinstance(widget, forms.SelectMultiple):
                widget.attrs.setdefault("data-picker", "1")
        else:
            css = "form-control"
        if css not in widget.attrs.get("class", ""):
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class BootstrapFormMixin:
    """Forms whose templates render fields plainly: the styling lives here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)


class FilterForm(BootstrapFormMixin, forms.Form):
    """The form of a list page's filter panel (FilterSet.Meta.form), styled like every other form."""


class ZoneUniqueNameMixin:
    """Names are unique within a zone; the zone is set by the view, so check here, not only in the database."""

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        model = self._meta.model
        duplicates = model.objects.filter(zone_id=self.instance.zone_id, name=name).exclude(pk=self.instance.pk)
        if self.instance.zone_id and duplicates.exists():
            raise ValidationError(_("本开发区已有同名记录"))
        return name


class ModelErrorsMixin:
    """Errors of the model's clean() or of a service go on the field they name when the form shows it, else on the
    form as a whole (Django's model forms would fail on a field they do not have)."""

    def add_error(self, field, error):
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                super().add_error(name if name in self.fields else None, errors)
            return
        super().add_error(field, error)
