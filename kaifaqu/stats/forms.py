"""Forms of the statistics pages: the reporting form of one firm, validation rules, reopening a period, assignments."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import BootstrapFormMixin, FilterForm
from kaifaqu.core.periods import format_period, parse_period
from kaifaqu.enterprises.models import Tag
from kaifaqu.zones.models import Park, Zone

from .calendar import is_due_period
from .models import DataSet, DataSetAssignment, ValidationRule
from .querysets import active_assignment_q

AMOUNT_FIELD = {"max_digits": 20, "decimal_places": 4}


class PeriodField(forms.CharField):
    """A reporting period typed as YYYY-MM (also 202503, 2025年3月), cleaned to the integer yyyymm."""

    default_error_messages = {"invalid": _("请按 YYYY-MM 格式填写报告期，例如 2025-03")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"placeholder": "YYYY-MM", "maxlength": "10"})

    def prepare_value(self, value):
        return format_period(value) if isinstance(value, int) else value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_period(value)
        except ValueError as bad:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from bad


def field_name(code):
    return f"v_{code}"


def prior_field_name(code):
    return f"p_{code}"


class EntryForm(BootstrapFormMixin, forms.Form):
    """One firm's figures of one data set and period: a field per indicator, and the reason for a correction.

    `items` are the data set's DataSetIndicator rows (indicator selected), `stored` the current values
    {indicator code: Decimal}. A stored figure may be corrected (with a reason) but not emptied.
    """

    reason = forms.CharField(
        label=_("修改原因"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("更正已报数值时必填，将记入修改记录"),
    )

    def __init__(self, *args, items, stored, read_only=False, ask_prior=(), stored_priors=None, **kwargs):
        """`ask_prior`: codes of indicators with no figure of a year before stored — the form asks for the 上年同期
        the firm reports (a firm new to the directory); `stored_priors` {code: Decimal} the ones reported before."""
        super().__init__(*args, **kwargs)
        self.items = items
        self.stored = stored
        self.ask_prior = set(ask_prior)
        indicator_fields = {}
        for item in items:
            indicator = item.indicator
            field = forms.DecimalField(
                label=indicator.name,
                required=item.is_required and not read_only,
                initial=stored.get(indicator.code),
                disabled=read_only,
                **AMOUNT_FIELD,
            )
            field.widget.attrs.update({"class": "form-control text-end", "inputmode": "decimal"})
            indicator_fields[field_name(indicator.code)] = field
            if indicator.code in self.ask_prior:
                indicator_fields[prior_field_name(indicator.code)] = self.prior_field(
                    indicator, stored_priors, read_only
                )
        self.fields = {**indicator_fields, **self.fields}
        if read_only:
            self.fields["reason"].disabled = True

    @staticmethod
    def prior_field(indicator, stored_priors, read_only):
        field = forms.DecimalField(
            label=_("%(name)s 上年同期") % {"name": indicator.name},
            required=False,
            initial=(stored_priors or {}).get(indicator.code),
            disabled=read_only,
            help_text=_("系统中没有该企业上年同期数，请按报表填写（新入库企业）"),
            **AMOUNT_FIELD,
        )
        field.widget.attrs.update({"class": "form-control text-end", "inputmode": "decimal"})
        return field

    def indicator_field(self, code):
        return self[field_name(code)]

    def prior_field_of(self, code):
        return self[prior_field_name(code)] if code in self.ask_prior else None

    def priors(self):
        """{indicator code: Decimal} of the 上年同期 filled in."""
        return {
            code: self.cleaned_data[prior_field_name(code)]
            for code in self.ask_prior
            if self.cleaned_data.get(prior_field_name(code)) is not None
        }

    def changed_indicators(self):
        """Indicators whose stored figure the submitted one replaces."""
        changed = []
        for item in self.items:
            code = item.indicator.code
            new, old = self.cleaned_data.get(field_name(code)), self.stored.get(code)
            if old is not None and new is not None and new != old:
                changed.append(item.indicator)
        return changed

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            code = item.indicator.code
            name = field_name(code)
            if name in cleaned and cleaned[name] is None and self.stored.get(code) is not None:
                self.add_error(name, _("已报数值不能清空；如需更正请填写正确数值"))
        changed = self.changed_indicators()
        if changed and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason",
                _("更正已报数值须填写修改原因：%(names)s") % {"names": "、".join(i.name for i in changed)},
            )
        return cleaned

    def figures(self):
        """{indicator code: Decimal} of the filled fields."""
        return {
            item.indicator.code: self.cleaned_data[field_name(item.indicator.code)]
            for item in self.items
            if self.cleaned_data.get(field_name(item.indicator.code)) is not None
        }


class RuleForm(BootstrapFormMixin, forms.ModelForm):
    """A validation rule (system admin). Whether the rule is consistent is the model's to say
    (`ValidationRule.clean`, run by the ModelForm's validation): this form only lets the constant be left blank."""

    right_constant = forms.DecimalField(label=_("右边常数"), required=False, **AMOUNT_FIELD)

    class Meta:
        model = ValidationRule
        fields = [
            "name",
            "data_set",
            "kind",
            "left",
            "operator",
            "right",
            "right_factor",
            "right_constant",
            "when_indicator",
            "severity",
            "message",
            "is_active",
        ]


class ReopenForm(BootstrapFormMixin, forms.Form):
    """A zone admin opens a locked period of a data set again, with a written reason and a closing time."""

    zone = forms.ModelChoiceField(label=_("开发区"), queryset=Zone.objects.none())
    data_set = forms.ModelChoiceField(label=_("报表"), queryset=DataSet.objects.all())
    period = PeriodField(label=_("报告期"))
    closes_at = forms.DateTimeField(
        label=_("再次锁定时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写重新开放的原因"))
        return reason

    def clean_closes_at(self):
        closes_at = self.cleaned_data["closes_at"]
        if closes_at <= timezone.now():
            raise forms.ValidationError(_("再次锁定时间须晚于现在"))
        return closes_at

    def clean(self):
        cleaned = super().clean()
        data_set, period = cleaned.get("data_set"), cleaned.get("period")
        if data_set and period:
            if data_set.period_type == "annual" and period % 100 != 12:
                self.add_error("period", _("年报的报告期为当年12月，例如 2025-12"))
            elif not is_due_period(period, january_exempt=data_set.january_exempt):
                self.add_error("period", _("1月免报，1—2月数据在2月报送"))
        return cleaned


# -- data-set assignments ----------------------------------------------------------------------------------------


def zones_in_scope(request):
    return Zone.objects.restrict(request.user, "view") if request is not None else Zone.objects.none()


def parks_in_scope(request):
    if request is None:
        return Park.objects.none()
    return Park.objects.restrict(request.user, "view").select_related("zone")


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
        return queryset.filter(active_assignment_q(period))


class AssignmentBulkForm(BootstrapFormMixin, forms.Form):
    """Assign a data set to every firm of a zone matching a park and a tag (e.g. all 规上 firms of the zone)."""

    zone = forms.ModelChoiceField(label=_("开发区"), queryset=Zone.objects.none())
    park = forms.ModelChoiceField(label=_("园区"), queryset=Park.objects.none(), required=False)
    tag = forms.ModelChoiceField(label=_("标签"), queryset=Tag.objects.all(), to_field_name="name", required=False)
    data_set = forms.ModelChoiceField(label=_("报表"), queryset=DataSet.objects.all(), to_field_name="code")
    from_period = PeriodField(label=_("起始报告期"))
    to_period = PeriodField(label=_("截止报告期"), required=False, help_text=_("留空表示长期报送"))

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones
        self.fields["park"].queryset = Park.objects.filter(zone__in=zones).select_related("zone")

    def clean(self):
        cleaned = super().clean()
        zone, park = cleaned.get("zone"), cleaned.get("park")
        if zone and park and park.zone_id != zone.pk:
            self.add_error("park", _("园区不属于所选开发区"))
        start, end = cleaned.get("from_period"), cleaned.get("to_period")
        if start and end and end < start:
            self.add_error("to_period", _("截止报告期不能早于起始报告期"))
        return cleaned


class AssignmentEndForm(BootstrapFormMixin, forms.Form):
    to_period = PeriodField(label=_("截止报告期"), help_text=_("该期为最后一期报送（含）"))
