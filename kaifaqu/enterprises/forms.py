from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.forms import BootstrapFormMixin, VersionedFormMixin
from kaifaqu.zones.forms import DepartmentChoiceField
from kaifaqu.zones.models import Department, IndustryChain, Park, Region, Zone
from kaifaqu.zones.querysets import writable_zones

from .choices import IndustryLevelChoices
from .models import Contact, Enterprise, IndustryClass, Tag
from .validators import clean_credit_code

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def firm_picker_label(firm, show_zone):
    """A firm in a picker: name (credit code), after its zone when several zones' firms are offered."""
    label = f"{firm.name}（{firm.credit_code}）"
    return f"{firm.zone} · {label}" if show_zone else label


def remote_firm_picker(form, name, zone_ids=None):
    """Let the firm field `name` load its options as the user types (enterprises:enterprise_search, within `zone_ids`
    when given) and render only the chosen firm: a zone registers thousands of firms, a province hundreds of
    thousands. The field keeps its queryset, so a firm outside it is still refused."""
    field = form.fields[name]
    chosen = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    chosen = getattr(chosen, "pk", chosen)
    selected = None
    if chosen and str(chosen).isdigit():
        selected = field.queryset.select_related("zone").filter(pk=chosen).first()
    show_zone = getattr(field, "show_zone", zone_ids is None or len(zone_ids) > 1)
    field.widget.choices = [("", field.empty_label or "")] + (
        [(selected.pk, firm_picker_label(selected, show_zone))] if selected else []
    )
    url = reverse("enterprises:enterprise_search")
    if zone_ids is not None:
        url += "?zones=" + ",".join(str(pk) for pk in sorted(zone_ids))
    field.widget.attrs.update({"data-picker": "1", "data-picker-url": url})


class EnterpriseForm(VersionedFormMixin, BootstrapFormMixin, forms.ModelForm):
    """Create (zone chosen among writable zones) or edit (zone fixed: moves go through relocation)."""

    class Meta:
        model = Enterprise
        fields = [
            "credit_code",
            "name",
            "former_names",
            "zone",
            "park",
            "service_department",
            "industry",
            "region",
            "address",
            "legal_representative",
            "founded_on",
            "registered_capital",
            "scale",
            "status",
            "status_changed_on",
            "chains",
            "tags",
            "main_products",
            "description",
        ]
        field_classes = {"service_department": DepartmentChoiceField}
        widgets = {
            "founded_on": DATE_INPUT,
            "status_changed_on": DATE_INPUT,
            "former_names": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            zones, several = Zone.objects.filter(pk=self.instance.zone_id), False
            self.fields["zone"].disabled = True
        else:
            zones, several = writable_zones(user, Enterprise), len(user.writable_zone_ids(Enterprise.scope)) > 1
        self.fields["zone"].queryset = zones
        self.fields["park"].queryset = Park.objects.filter(zone__in=zones).select_related("zone")
        self.fields["service_department"].queryset = Department.objects.filter(zone__in=zones).select_related("zone")
        self.fields["service_department"].show_zone = several
        self.fields["chains"].queryset = IndustryChain.objects.filter(zone__in=zones).select_related("zone")
        self.fields["industry"].queryset = IndustryClass.objects.filter(level=IndustryLevelChoices.CLASS)
        self.fields["region"].queryset = Region.objects.select_related("parent__parent")
        self.fields["tags"].queryset = Tag.objects.all()
        # The 1,381 classes load as the user types; render only the chosen one.
        industry = self.initial.get("industry") or self.data.get("industry")
        selected = IndustryClass.objects.filter(pk=industry).first() if industry else None
        self.fields["industry"].widget.choices = [("", "---------")] + (
            [(selected.pk, str(selected))] if selected else []
        )
        self.fields["industry"].widget.attrs.update(
            {"data-picker": "1", "data-picker-url": "/enterprises/industries/search/"}
        )
        for name in ("region", "chains", "tags", "zone", "park", "service_department"):
            self.fields[name].widget.attrs["data-picker"] = "1"

    def clean_credit_code(self):
        return clean_credit_code(self.cleaned_data["credit_code"])


class RelocationForm(BootstrapFormMixin, forms.Form):
    to_zone = forms.ModelChoiceField(label=_("迁入开发区"), queryset=Zone.objects.none())
    to_park = forms.ModelChoiceField(label=_("迁入园区"), queryset=Park.objects.none(), required=False)
    moved_on = forms.DateField(label=_("迁移日期"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("原因"), max_length=300, required=False)

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_zone"].queryset = zones
        self.fields["to_park"].queryset = Park.objects.filter(zone__in=zones).select_related("zone")

    def clean(self):
        data = super().clean()
        park, zone = data.get("to_park"), data.get("to_zone")
        if park and zone and park.zone_id != zone.pk:
            self.add_error("to_park", _("园区不属于所选开发区"))
        if data.get("moved_on") and data["moved_on"] > timezone.localdate():
            self.add_error("moved_on", _("迁移日期不能晚于今天"))
        return data


class ContactForm(VersionedFormMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email", "is_primary"]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not phone.replace("-", "").replace(" ", "").isdigit():
            raise ValidationError(_("电话只能包含数字、空格和 -"))
        return phone
