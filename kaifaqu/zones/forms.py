from django import forms
from django.utils.translation import gettext_lazy as _

from kaifaqu.accounts.choices import DomainChoices
from kaifaqu.core.forms import BootstrapFormMixin, ZoneUniqueNameMixin

from .models import Department, IndustryChain, Park, Region, Zone


class ZoneForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Zone
        fields = ["name", "short_name", "level", "kind", "region", "established_on", "address", "description"]
        widgets = {"established_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.select_related("parent__parent")
        self.fields["region"].widget.attrs["data-picker"] = "1"


class ParkForm(ZoneUniqueNameMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Park
        fields = ["name", "lead_enterprise_name", "area_mu", "description"]


class DepartmentForm(ZoneUniqueNameMixin, BootstrapFormMixin, forms.ModelForm):
    domains = forms.MultipleChoiceField(
        label=_("业务范围"),
        choices=DomainChoices.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本部门人员可以修改的业务数据"),
    )

    class Meta:
        model = Department
        fields = ["name", "domains", "phone"]


class IndustryChainForm(ZoneUniqueNameMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = IndustryChain
        fields = ["name", "industry_codes", "description"]
