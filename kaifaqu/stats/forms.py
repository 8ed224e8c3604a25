"""Forms of the statistics pages: a firm's reporting form, reopening a period, assignments, the leaders' filters and
targets, data quality, the configuration of a form (报表) and the 四上 directory. The list filters are filtersets.py.
Forms translate input; the rules are the models' and the services'."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.forms import BootstrapFormMixin, ModelErrorsMixin, VersionedFormMixin, style_fields
from kaifaqu.core.imports.forms import ImportUploadForm
from kaifaqu.core.imports.parsers import to_period
from kaifaqu.core.periods import format_period, parse_period, previous_month
from kaifaqu.enterprises.choices import IndustryLevelChoices
from kaifaqu.enterprises.models import Enterprise, Tag
from kaifaqu.zones.filtersets import shows_one_zone
from kaifaqu.zones.forms import NO_DEPARTMENT, DepartmentFilterField
from kaifaqu.zones.models import Department, Park, Zone

from .choices import DirectoryChangeChoices, ReportStatusChoices, StatsCategoryChoices
from .importers import KIND_FORM, KIND_LONG, KIND_WIDE, stats_zone_ids
from .models import (
    DataSet,
    DataSetIndicator,
    EnterpriseYearStatus,
    Indicator,
    Target,
    ValidationRule,
    Value,
)
from .periods import latest_due_period, parse_due_period
from .reference import active_indicators, zone_filter_lists

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


class MonthField(forms.CharField):
    """A period typed or picked as YYYY-MM (a month input), kept as text: the form reads it for its data set."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})


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
                label=indicator.label,
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
            label=_("%(name)s 上年同期") % {"name": indicator.label},
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
                _("更正已报数值须填写修改原因：%(names)s") % {"names": "、".join(i.label for i in changed)},
            )
        return cleaned

    def figures(self):
        """{indicator code: Decimal} of the filled fields."""
        return {
            item.indicator.code: self.cleaned_data[field_name(item.indicator.code)]
            for item in self.items
            if self.cleaned_data.get(field_name(item.indicator.code)) is not None
        }


class RuleForm(VersionedFormMixin, BootstrapFormMixin, forms.ModelForm):
    """A validation rule (system admin). Whether the rule is consistent is the model's to say
    (`ValidationRule.clean`, run by the ModelForm's validation): this form only lets the constant be left blank."""

    right_constant = forms.DecimalField(label=_("右边常数"), required=False, **AMOUNT_FIELD)

    class Meta:
        model = ValidationRule
        fields = [
            "name",
            "name_en",
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


class ReopenForm(ModelErrorsMixin, BootstrapFormMixin, forms.Form):
    """A zone admin opens a locked period of a data set again, with a written reason and a closing time; which periods
    and closing times are PeriodReopening.clean's (messages on the fields)."""

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


# -- data-set assignments ----------------------------------------------------------------------------------------------


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


# -- the leaders' pages: dashboard, ranking, targets -------------------------------------------------------------------


class DashboardFilterForm(BootstrapFormMixin, forms.Form):
    """The filter panel of the dashboard and its firm rows (GET); narrowing is read by Narrowing.from_params."""

    period = forms.CharField(label=_("报告期"), required=False, help_text=_("如 2025-03"))
    indicator = forms.ChoiceField(label=_("指标"), required=False)
    park = forms.ChoiceField(label=_("园区"), required=False)
    section = forms.ChoiceField(label=_("行业门类"), required=False)
    division = forms.ChoiceField(label=_("行业大类"), required=False)
    chain = forms.ChoiceField(label=_("产业链"), required=False)
    tag = forms.ChoiceField(label=_("标签"), required=False)

    NARROWING_FIELDS = ("park", "section", "division", "chain", "tag")

    def __init__(self, *args, zone, entitled=True, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", gettext("全部"))]
        self.fields["indicator"].choices = [(i.code, i.label) for i in active_indicators()]
        if not entitled:  # published tables only: period and indicator
            for name in self.NARROWING_FIELDS:
                del self.fields[name]
            return
        # the zone's own parks, chains, and the industries and tags of its firms (cached by data version)
        lists = zone_filter_lists(zone.pk)
        self.fields["park"].choices = everything + lists["parks"]
        self.fields["chain"].choices = everything + [(c.pk, c.label) for c in lists["chains"]]
        sections, divisions = [], []
        for code, name, level in lists["industries"]:
            (sections if level == IndustryLevelChoices.SECTION else divisions).append((code, f"{code} {name}"))
        self.fields["section"].choices = everything + sections
        self.fields["division"].choices = everything + divisions
        self.fields["tag"].choices = everything + [(t.name, t.label) for t in lists["tags"]]


class RankingFilterForm(BootstrapFormMixin, forms.Form):
    period = forms.CharField(label=_("报告期"), required=False, help_text=_("如 2025-03"))
    indicator = forms.ChoiceField(label=_("指标"), required=False)
    order = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("value", _("按1—N月数值")), ("growth", _("按同比增速"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.code, i.label) for i in active_indicators()]


class TargetForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Target
        fields = ["year", "indicator", "value", "growth_target_pct", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.filter(is_active=True)

    def validate_unique(self):
        """Setting a target again for the same year and indicator changes it (set_target), it is not a duplicate."""


# -- data quality ------------------------------------------------------------------------------------------------------


DEFAULT_DATA_SET = "industry_monthly"  # the form the completeness page shows first


class CompletenessForm(BootstrapFormMixin, forms.Form):
    data_set = forms.ModelChoiceField(
        label=_("报表"), queryset=DataSet.objects.all(), required=False, to_field_name="code"
    )
    period = MonthField(label=_("报告期"), required=False)
    zone = forms.ModelChoiceField(label=_("开发区"), queryset=Zone.objects.none(), required=False)
    park = forms.ModelChoiceField(label=_("园区"), queryset=Park.objects.none(), required=False)
    service_department = DepartmentFilterField(label=_("包联部门"), queryset=Department.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("报送状态"),
        choices=[("", _("全部"))] + list(ReportStatusChoices.choices),
        required=False,
    )

    def __init__(self, *args, user, zones, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.zones = user, zones
        self.fields["zone"].queryset = zones
        self.fields["zone"].empty_label = gettext("全部")
        self.fields["park"].queryset = Park.objects.restrict(user, "view").select_related("zone")
        self.fields["park"].empty_label = gettext("全部")
        departments = self.fields["service_department"]
        departments.queryset = Department.objects.restrict(user, "view").select_related("zone")
        departments.empty_label = gettext("全部")
        departments.show_zone = not shows_one_zone(user)
        self.fields["data_set"].empty_label = None

    def clean_data_set(self):
        return self.cleaned_data["data_set"] or DataSet.objects.filter(code=DEFAULT_DATA_SET).first()

    def clean(self):
        data = super().clean()
        data_set = data.get("data_set")
        if data_set is None:
            raise ValidationError(gettext("请选择报表"))
        text = (data.get("period") or "").strip()
        if text:
            data["period"] = parse_due_period(text, data_set)
            if data["period"] is None:
                self.add_error("period", gettext("不是该报表的报告期（格式 YYYY-MM；1月免报的报表没有1月）"))
        else:
            data["period"] = self.default_period(data_set)
        return data

    def default_period(self, data_set):
        """The latest due period with figures in the zones in view (the month being chased), else the latest due."""
        latest = latest_due_period(data_set)
        found = Value.objects.filter(zone__in=self.zones, data_set=data_set, period__lte=latest).aggregate(
            latest=Max("period")
        )["latest"]
        return parse_due_period(format_period(found), data_set) if found else latest

    def firms(self):
        """The firms in the user's view narrowed by zone, park and liaison department (completeness keeps those
        assigned to the form)."""
        rows = Enterprise.objects.restrict(self.user, "view")
        if self.cleaned_data.get("zone"):
            rows = rows.filter(zone=self.cleaned_data["zone"])
        if self.cleaned_data.get("park"):
            rows = rows.filter(park=self.cleaned_data["park"])
        department = self.cleaned_data.get("service_department")
        if department == NO_DEPARTMENT:
            rows = rows.filter(service_department__isnull=True)
        elif department:
            rows = rows.filter(service_department=department)
        return rows


class OutlierScanForm(forms.Form):
    data_set = forms.ModelChoiceField(queryset=DataSet.objects.all(), to_field_name="code")
    period = forms.CharField()
    zone = forms.ModelChoiceField(queryset=Zone.objects.none())

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones

    def clean(self):
        data = super().clean()
        if data.get("data_set") and data.get("period"):
            data["period"] = parse_due_period(data["period"], data["data_set"])
            if data["period"] is None:
                raise ValidationError(gettext("不是该报表的报告期"))
        return data


class ExplainForm(BootstrapFormMixin, forms.Form):
    explanation = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 4}))


# -- the configuration of a form (报表) --------------------------------------------------------------------------------


class DataSetForm(VersionedFormMixin, BootstrapFormMixin, forms.ModelForm):
    scope_categories = forms.MultipleChoiceField(
        label=_("统计口径（名录类别）"),
        choices=StatsCategoryChoices.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        help_text=_(
            "该报表的统计范围为当年四上企业名录中这些类别的企业；企业进入这些类别的名录后自动须报送本表。"
            "修改后只影响此后录入的名录，已有的报送任务不会随之调整。留空则统计范围为分配了报送任务的企业。"
        ),
    )

    class Meta:
        model = DataSet
        fields = ["name", "name_en", "january_exempt", "deadline_day", "lock_after_deadline", "scope_categories"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        deadline = self.fields["deadline_day"]
        deadline.validators += [
            MinValueValidator(1, message=gettext("截止日应为 1 至 28 之间的数字")),
            MaxValueValidator(28, message=gettext("截止日应为 1 至 28 之间的数字")),
        ]
        deadline.widget.attrs.update(min=1, max=28)

    def clean_scope_categories(self):
        chosen = set(self.cleaned_data["scope_categories"])
        return [code for code in StatsCategoryChoices.values if code in chosen]  # the choices' order, always


class DataSetItemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = DataSetIndicator
        fields = ["indicator", "order", "is_required"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.order_by("sort_order", "code")

    def validate_unique(self):
        """The same indicator twice is caught by the formset; one already on the form is updated, not a duplicate."""


class DataSetItemBaseFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        style_fields(form.fields)  # the 删除 box comes after the form's own styling


DataSetItemFormSet = forms.inlineformset_factory(
    DataSet, DataSetIndicator, form=DataSetItemForm, formset=DataSetItemBaseFormSet, extra=1, can_delete=True
)


# -- the 四上 directory ------------------------------------------------------------------------------------------------


FLAGGED = "flagged"  # the change filter's 需核对: rows whose figures disagree with their category


class StatusFilterForm(BootstrapFormMixin, forms.Form):
    """The list's filters (GET): the year, a category, entered / left / flagged, a firm name."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    category = forms.ChoiceField(label=_("四上类别"), required=False)
    change = forms.ChoiceField(
        label=_("变动"),
        required=False,
        choices=[("", _("全部")), *DirectoryChangeChoices.choices, (FLAGGED, _("需核对"))],
    )
    q = forms.CharField(label=_("企业名称"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", gettext("全部")), *StatsCategoryChoices.choices]

    def matches(self, row):
        data = self.cleaned_data if self.is_valid() else {}
        category, change, text = data.get("category"), data.get("change"), (data.get("q") or "").strip()
        if category and category != (row["category_code"] or row["was_code"]):
            return False
        if change == FLAGGED and not row["problem"]:
            return False
        if change and change != FLAGGED and row["change"] != change:
            return False
        return not text or text in row["firm"].name or text.upper() in row["firm"].credit_code


class YearStatusForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = EnterpriseYearStatus
        fields = ["enterprise", "year", "category", "entered_on", "note"]
        labels = {"enterprise": _("企业")}
        widgets = {"entered_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises

    def validate_unique(self):
        """Entering a status again for the same firm and year changes it (record_year_status)."""


# -- imports: the upload forms of the figures and of the 四上 directory, and the template's choices ----------------

AUTO = "auto"
LAYOUT_CHOICES = [
    (AUTO, _("自动识别（按表头）")),
    (KIND_WIDE, _("系统模板：每行一家企业，每列一个指标")),
    (KIND_LONG, _("长表：统一社会信用代码、报告期、指标、数值、单位")),
    (KIND_FORM, _("联网直报表：企业的报表副本（本年1—本月列，金额为千元）")),
]
DEFAULT_DATA_SET = "industry_monthly"


def period_field(required=False, help_text=""):
    return forms.CharField(
        label=_("报告期"),
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"placeholder": "2025-03"}),
    )


def clean_period_text(text):
    if not text:
        return None
    period = to_period(text)
    if period is None:
        raise forms.ValidationError(gettext("报告期格式不正确，应为 2025-03、2025年3月 或 202503"))
    return period


def default_period():
    today = timezone.localdate()
    return previous_month(today.year * 100 + today.month)


class StatsImportForm(ImportUploadForm):
    layout = forms.ChoiceField(label=_("文件格式"), choices=LAYOUT_CHOICES, initial=AUTO, widget=forms.RadioSelect)
    data_set = forms.ModelChoiceField(
        label=_("报表"), queryset=DataSet.objects.all(), to_field_name="code", empty_label=None
    )
    period = period_field(help_text=_("系统模板和联网直报表需要；不填则从文件表头上方读取"))
    credit_code = forms.CharField(
        label=_("企业统一社会信用代码"),
        required=False,
        max_length=18,
        help_text=_("联网直报表需要；不填则从文件表头上方读取"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mode"]
        self.user = user
        self.fields["data_set"].initial = DEFAULT_DATA_SET
        self.order_fields(["file", "layout", "data_set", "period", "credit_code"])

    def clean_period(self):
        return clean_period_text(self.cleaned_data.get("period", "").strip())

    def clean_credit_code(self):
        code = self.cleaned_data.get("credit_code", "").strip().upper()
        if not code:
            return None
        zone_ids = stats_zone_ids(self.user)
        firms = Enterprise.objects.filter(credit_code=code)
        firm = (firms if zone_ids is None else firms.filter(zone_id__in=zone_ids)).first()
        if firm is None:
            raise forms.ValidationError(gettext("在您负责统计工作的开发区中没有统一社会信用代码为该值的企业"))
        return firm


class TemplateChoiceForm(BootstrapFormMixin, forms.Form):
    """The data set and period of the system template, chosen on the upload page (GET to the template URL)."""

    data_set = forms.ModelChoiceField(
        label=_("报表"), queryset=DataSet.objects.all(), to_field_name="code", empty_label=None
    )
    period = period_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_set"].initial = DEFAULT_DATA_SET
        self.fields["period"].initial = format_period(default_period())

    def clean_period(self):
        return clean_period_text(self.cleaned_data.get("period", "").strip())


class TemplateForm(TemplateChoiceForm):
    layout = forms.ChoiceField(choices=[(KIND_WIDE, KIND_WIDE), (KIND_LONG, KIND_LONG)], required=False)


class DirectoryImportForm(ImportUploadForm):
    replace = forms.BooleanField(
        label=_("替换文件所列年度的名录"),
        required=False,
        help_text=_(
            "勾选后，文件中每个年度、每个所涉开发区的名录以文件为准：名录中有而文件中没有的企业退出该年名录，"
            "其该年的报送任务随之结束。不勾选则只新增或更新文件所列企业。"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mode"]  # a firm's row of a year is created or updated: always 新增或更新
