from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .money import plain_decimal
from .versioning import StaleEdit
from .widgets import quicken


def style_fields(fields):
    """Give every widget the Bootstrap 5 class it needs; multiple selects become compact searchable pickers. Plain
    selects write their options in Python (kaifaqu.core.widgets: one template include per option was slow)."""
    for field in fields.values():
        widget = field.widget
        quicken(widget)
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


class PlainDecimalsMixin:
    """Decimal inputs show a stored figure without trailing zeros: 3077.0000 as 3077, 12.5000 as 12.5,
    169773.8832 as it is. Only what the input shows changes; the figure stored and cleaned stays the same."""

    def get_initial_for_field(self, field, field_name):
        value = super().get_initial_for_field(field, field_name)
        if isinstance(field, forms.DecimalField):
            return plain_decimal(value)
        return value


class BootstrapFormMixin(PlainDecimalsMixin):
    """Forms whose templates render fields plainly: the styling lives here (and decimals show plainly)."""

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


class VersionedFormMixin:
    """A model form of a `Versioned` row: the version the user loaded travels in a hidden field, and the save is
    refused if the row changed meanwhile (kaifaqu.core.versioning.StaleEdit).

    On a refusal the form keeps the user's input, shows who changed the row, when, and each field's new value beside
    the user's, and carries the current version: saving again after reading them overwrites on purpose. Every page
    renders the field, so browsers always send it; a POST without it (a script, a page cached from before the field
    existed) is not checked, like an API request without If-Match.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stale_edit = None
        if self.instance.pk is not None and hasattr(self.instance, "expect_version"):
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput,
                min_value=1,
                required=False,
                initial=self.instance.version,
            )

    def _post_clean(self):
        super()._post_clean()
        version = self.cleaned_data.get("version")
        if version is not None:
            self.instance.expect_version(version)

    def add_error(self, field, error):
        if isinstance(error, StaleEdit):
            self.stale_edit = error
            # Re-rendered with the version now stored: the next save is the user's informed decision.
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = error.current_version
            # The version error is the form's, never a hidden field's the template would not show.
            field = None
        super().add_error(field, error)

    def save_versioned(self, commit=True):
        """form.save() that turns a stale save into the form's error; returns the row, or None when refused."""
        try:
            with transaction.atomic():
                return self.save(commit=commit)
        except StaleEdit as stale:
            self.add_error(None, stale)
            return None
