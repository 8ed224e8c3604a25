from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from kaifaqu.accounts.choices import DomainChoices
from kaifaqu.core.forms import BootstrapFormMixin, VersionedFormMixin, ZoneUniqueNameMixin

from .models import Department, IndustryChain, Park, Region, Zone

NO_DEPARTMENT = "none"  # the filter value for firms without a liaison department (未指定部门)


class DepartmentLabelMixin:
    """Departments labelled "zone · department" when several zones' departments are offered (every zone has its
    经济运行部), by name alone when they all belong to one zone. The queryset should select_related("zone")."""

    def __init__(self, *args, show_zone=True, **kwargs):
        self.show_zone = show_zone
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.zone} · {obj}" if self.show_zone else str(obj)


class DepartmentChoiceField(DepartmentLabelMixin, forms.ModelChoiceField):
    pass


class DepartmentFilterField(DepartmentLabelMixin, FilterModelChoiceField):
    """A department filter with a 未指定部门 choice (value NO_DEPARTMENT) for firms without one."""

    default_null_label = _("未指定部门")
    default_null_value = NO_DEPARTMENT

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null_label", self.default_null_label)
        kwargs.setdefault("null_value", self.default_null_value)
        super().__init__(*args, **kwargs)


class ZoneForm(VersionedFormMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Zone
        fields = ["name", "short_name", "level", "kind", "region", "established_on", "address", "description"]
        widgets = {"established_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.select_related("parent__parent")
        self.fields["region"].widget.attrs["data-picker"] = "1"


class ParkForm(VersionedFormMixin, ZoneUniqueNameMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Park
        fields = ["name", "lead_enterprise_name", "area_mu", "description"]


class DepartmentForm(VersionedFormMixin, ZoneUniqueNameMixin, BootstrapFormMixin, forms.ModelForm):
    domains = forms.MultipleChoiceField(
        label=_("业务范围"),
        choices=DomainChoices.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本部门人员可以修改的业务数据"),
    )

    class Meta:
        model = Department
        fields = ["name", "name_en", "domains", "phone"]


class IndustryChainForm(VersionedFormMixin, ZoneUniqueNameMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = IndustryChain
        fields = ["name", "name_en", "industry_codes", "description"]
