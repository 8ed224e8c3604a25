"""Forms of the project write pages, and the filters of the approval and problem queues.

Forms translate input; they hold no business rule. Querysets are limited to the project's zone (or the zones the user
may write in, when a project is created); the model's own clean() runs on every model form and the views save
through services.py, so the messages of both show on the field they concern. Money is in 万元.
"""

import os
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.fields import BLANK_CHOICE_DASH
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.forms import BootstrapFormMixin, ModelErrorsMixin, VersionedFormMixin
from kaifaqu.core.imports import human_size
from kaifaqu.core.imports.forms import ImportUploadForm
from kaifaqu.core.money import UNIT_FACTORS
from kaifaqu.core.periods import parse_period, year_of
from kaifaqu.enterprises.choices import IndustryLevelChoices
from kaifaqu.enterprises.forms import remote_firm_picker
from kaifaqu.enterprises.models import Enterprise, IndustryClass
from kaifaqu.zones.forms import DepartmentLabelMixin
from kaifaqu.zones.models import Department, IndustryChain, Park, Zone

from . import aggregates
from . import campaigns as campaign_service
from .choices import (
    CampaignBatchChoices,
    ProblemCategoryChoices,
    ProblemStatusChoices,
    ProjectKindChoices,
    ProjectLevelChoices,
)
from .importers import DEFAULT_UNIT
from .models import (
    AnnualPlan,
    Approval,
    ApprovalKind,
    Campaign,
    Inspection,
    Problem,
    ProductionLine,
    ProgressReport,
    Project,
    ProjectPhase,
    ProjectStage,
    StageDefinition,
)
from .permissions import writable_zones

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_INPUT = forms.NumberInput(attrs={"step": "0.0001", "inputmode": "decimal"})

# Evidence files (证明材料) and progress photos (形象进度照片): extension → the bytes such a file starts with.
# docx and xlsx are zip packages. The content is checked so that a renamed executable is refused too.
FILE_SIGNATURES = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}
EVIDENCE_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx")
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def upload_limit():
    return getattr(settings, "UPLOAD_MAX_BYTES", None) or DEFAULT_MAX_BYTES


def check_upload(upload, allowed, label):
    """Refuse a file of another type, an empty or too large one; messages name the field (`label`)."""
    ext = os.path.splitext(upload.name)[1].lower()
    kinds = "、".join(e.lstrip(".") for e in allowed)
    if ext not in allowed:
        raise ValidationError(
            _("%(field)s：不支持的文件类型“%(ext)s”，只能上传 %(allowed)s 文件"),
            params={"field": label, "ext": ext or "—", "allowed": kinds},
            code="extension",
        )
    limit = upload_limit()
    if upload.size > limit:
        raise ValidationError(
            _("%(field)s：文件“%(name)s”大小 %(size)s，超过上限 %(max)s"),
            params={"field": label, "name": upload.name, "size": human_size(upload.size), "max": human_size(limit)},
            code="size",
        )
    if upload.size == 0:
        raise ValidationError(_("%(field)s：文件“%(name)s”是空的"), params={"field": label, "name": upload.name})
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(FILE_SIGNATURES[ext]):
        raise ValidationError(
            _("%(field)s：文件“%(name)s”的内容不是 %(ext)s 格式"),
            params={"field": label, "name": upload.name, "ext": ext.lstrip(".")},
            code="content",
        )
    return upload


class ZonedChoiceField(DepartmentLabelMixin, forms.ModelChoiceField):
    """A park, department, chain or enterprise labelled "zone · name" when several zones' rows are offered."""


# -- projects ------------------------------------------------------------------------------------------------------


class ProjectForm(VersionedFormMixin, ModelErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    """Create (zone among the zones the user writes projects in) or edit (zone fixed: the stage ladder, approval
    matters and departments all belong to it)."""

    class Meta:
        model = Project
        fields = [
            "zone",
            "name",
            "investor",
            "investor_name",
            "park",
            "industry",
            "chain",
            "level",
            "kind",
            "status",
            "leader",
            "department",
            "location",
            "content",
            "total_investment",
            "fixed_asset_investment",
            "land_mu",
            "floor_area_m2",
            "products",
            "capacity_quantity",
            "capacity_unit",
            "expected_output_value",
            "expected_tax",
            "expected_jobs",
            "producer",
            "start_year",
            "end_year",
            "image_progress",
        ]
        field_classes = dict.fromkeys(("park", "department", "chain", "investor", "producer"), ZonedChoiceField)
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "image_progress": forms.Textarea(attrs={"rows": 3}),
            **dict.fromkeys(
                ("total_investment", "fixed_asset_investment", "expected_output_value", "expected_tax"), MONEY_INPUT
            ),
        }
        help_texts = {
            "investor": _("投资方已在企业名录登记时选择；尚未登记的填写投资方名称，登记后再关联"),
            "producer": _("项目投产后负责生产的企业（用于对照统计数据）"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            zones, several = Zone.objects.filter(pk=self.instance.zone_id), False
            self.fields["zone"].disabled = True
        else:
            zones = writable_zones(user, Project)
            several = user.is_system_admin or len(zones) > 1
        self.fields["zone"].queryset = zones
        if not several:
            # One zone to choose from: preselect it.
            self.fields["zone"].empty_label = None
            self.fields["zone"].initial = self.fields["zone"].initial or zones.values_list("pk", flat=True).first()
        firms = Enterprise.objects.restrict(user, "view").filter(zone__in=zones).select_related("zone")
        for name, queryset in (
            ("park", Park.objects.filter(zone__in=zones).select_related("zone")),
            ("department", Department.objects.filter(zone__in=zones).select_related("zone")),
            ("chain", IndustryChain.objects.filter(zone__in=zones).select_related("zone")),
            ("investor", firms),
            ("producer", firms),
        ):
            self.fields[name].queryset = queryset
            self.fields[name].show_zone = several
            self.fields[name].widget.attrs["data-picker"] = "1"
        # The 1,381 industry classes load as the user types; render only the chosen one.
        self.fields["industry"].queryset = IndustryClass.objects.filter(level=IndustryLevelChoices.CLASS)
        chosen = self.data.get(self.add_prefix("industry")) or self.initial.get("industry") or self.instance.industry_id
        selected = IndustryClass.objects.filter(pk=chosen).first() if chosen else None
        self.fields["industry"].widget.choices = [("", "---------")] + (
            [(selected.pk, str(selected))] if selected else []
        )
        self.fields["industry"].widget.attrs.update(
            {"data-picker": "1", "data-picker-url": reverse("enterprises:industry_search")}
        )
        # The firm pickers search the zones offered here (every zone: no list, for a new project of the sysadmin).
        zone_ids = None if user.is_system_admin and not self.instance.pk else list(zones.values_list("pk", flat=True))
        for name in ("investor", "producer"):
            remote_firm_picker(self, name, zone_ids)
        self.fields["zone"].widget.attrs["data-picker"] = "1"

    # How the page groups the fields: (legend, field names).
    GROUPS = (
        (
            _("基本信息"),
            ("zone", "name", "level", "kind", "status", "park", "chain", "industry", "department", "leader"),
        ),
        (_("投资方"), ("investor", "investor_name")),
        (
            _("建设规模与投资（万元）"),
            (
                "location",
                "total_investment",
                "fixed_asset_investment",
                "land_mu",
                "floor_area_m2",
                "start_year",
                "end_year",
                "content",
            ),
        ),
        (
            _("产品、产能与达产效益"),
            (
                "products",
                "capacity_quantity",
                "capacity_unit",
                "expected_output_value",
                "expected_tax",
                "expected_jobs",
                "producer",
            ),
        ),
        (_("当前进展"), ("image_progress",)),
    )

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]


class LinkInvestorForm(BootstrapFormMixin, forms.Form):
    """The prospective investor has registered: choose its enterprise record (same zone)."""

    enterprise = forms.ModelChoiceField(label=_("已登记的投资企业"), queryset=Enterprise.objects.none())

    def __init__(self, *args, user, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.restrict(user, "view").filter(zone=project.zone_id)
        remote_firm_picker(self, "enterprise", [project.zone_id])


# -- stages, phases, lines -----------------------------------------------------------------------------------------


class StageForm(VersionedFormMixin, BootstrapFormMixin, forms.Form):
    """A stage's dates. Dates out of the ladder's order are kept only when confirmed with a reason.

    `row` is the project's stored ProjectStage for the stage (None before its first date): its version travels in
    the hidden field and services.record_stage refuses a stale save (the form's `instance`, as for a model form)."""

    planned_on = forms.DateField(label=_("计划日期"), required=False, widget=DATE_INPUT)
    actual_on = forms.DateField(label=_("实际日期"), required=False, widget=DATE_INPUT)
    phase = forms.ModelChoiceField(label=_("分期"), queryset=ProjectPhase.objects.none(), required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
    confirm = forms.BooleanField(label=_("确认"), required=False, help_text=_("日期顺序确属实际情况"))
    out_of_order_reason = forms.CharField(
        label=_("日期顺序例外说明"),
        max_length=300,
        required=False,
        help_text=_("如“先行开工，后补签约手续”"),
    )

    def __init__(self, *args, project, row=None, **kwargs):
        self.instance = row or ProjectStage(project=project)
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = project.phases.all()
        self.out_of_order = False

    @property
    def version(self):
        """The version the user loaded (None: a first date, or a POST without the field, which is not checked)."""
        return self.cleaned_data.get("version")

    def clean(self):
        data = super().clean()
        # The confirmation is how the page asks for a reason; the rules on the dates are services.record_stage's.
        if data.get("confirm") and not (data.get("out_of_order_reason") or "").strip():
            self.add_error("out_of_order_reason", _("勾选确认时必须填写日期顺序例外说明"))
        return data

    @property
    def reason(self):
        """The reason handed to the service: only a confirmed one counts."""
        data = self.cleaned_data
        return (data.get("out_of_order_reason") or "").strip() if data.get("confirm") else ""


class PartForm(VersionedFormMixin, ModelErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    """A row of a project (phase, line, approval, problem, plan): the view sets `instance.project`, which the form
    does not show; the model's clean() (e.g. a name once per project) shows on the field it names."""


class PhaseForm(PartForm):
    class Meta:
        model = ProjectPhase
        fields = ["name", "content", "total_investment", "expected_production_on"]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "total_investment": MONEY_INPUT,
            "expected_production_on": DATE_INPUT,
        }
        help_texts = {"name": _("如 一期、二期")}


class LineForm(PartForm):
    class Meta:
        model = ProductionLine
        fields = ["name", "capacity", "status", "status_on", "order", "note"]
        widgets = {"status_on": DATE_INPUT}
        help_texts = {"name": _("如 1号线、3号厂房")}


# -- approval matters ----------------------------------------------------------------------------------------------


class AssignedRowForm(PartForm):
    """A row assigned to a department (an approval matter, a problem). `editable` names the fields the user may
    change (None: all; services.department_fields decides); the others are shown disabled. A browser does not post a
    disabled field, so it keeps its value; a value posted for it anyway goes to the service, which refuses a change
    there exactly as it does through the API."""

    def __init__(self, *args, editable=None, **kwargs):
        super().__init__(*args, **kwargs)
        if editable is None:
            return
        for name, field in self.fields.items():
            if name in editable:
                continue
            field.widget.attrs["disabled"] = True
            if not self.is_bound or self.add_prefix(name) not in self.data:
                field.disabled = True


class ApprovalForm(AssignedRowForm):
    """An approval matter of a project. The matter and the department are the zone's; a new matter takes the
    statutory time limit and the default department of its kind when they are left blank (services.create_approval).
    Staff of the assigned department record its handling only (Approval.DEPARTMENT_FIELDS)."""

    class Meta:
        model = Approval
        fields = [
            "kind",
            "department",
            "status",
            "document_number",
            "submitted_on",
            "approved_on",
            "time_limit_days",
            "planned_on",
            "is_commitment",
            "is_agency",
            "note",
        ]
        widgets = {"submitted_on": DATE_INPUT, "approved_on": DATE_INPUT, "planned_on": DATE_INPUT}
        help_texts = {
            "time_limit_days": _("留空时取该事项的法定时限"),
            "department": _("留空时取该事项的默认办理部门"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone_id = self.instance.project.zone_id
        self.fields["kind"].queryset = ApprovalKind.objects.filter(zone_id=zone_id)
        self.fields["department"].queryset = Department.objects.filter(zone_id=zone_id)


# -- problems ------------------------------------------------------------------------------------------------------


class ProblemForm(AssignedRowForm):
    """A problem on a project's list. Resolving goes through its own form (resolution and date required); the
    responsible department updates the status only (Problem.DEPARTMENT_FIELDS)."""

    class Meta:
        model = Problem
        fields = ["category", "description", "department", "raised_on", "deadline", "status"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "raised_on": DATE_INPUT,
            "deadline": DATE_INPUT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(zone_id=self.instance.zone_id)
        if self.instance.status != ProblemStatusChoices.RESOLVED:
            self.fields["status"].choices = [
                (value, label)
                for value, label in ProblemStatusChoices.choices
                if value != ProblemStatusChoices.RESOLVED
            ]


class ResolveProblemForm(BootstrapFormMixin, forms.Form):
    """办结: the resolution and its date, checked by services.resolve_problem (Problem.clean)."""

    resolution = forms.CharField(label=_("解决情况"), widget=forms.Textarea(attrs={"rows": 4}))
    resolved_on = forms.DateField(label=_("解决日期"), widget=DATE_INPUT)


# -- annual plans and progress -------------------------------------------------------------------------------------


class PlanForm(VersionedFormMixin, ModelErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = AnnualPlan
        fields = ["planned_investment", "progress_goal", "planned_start", "planned_completion"]
        widgets = {"planned_investment": MONEY_INPUT}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ProgressForm(BootstrapFormMixin, forms.Form):
    """A month's (or 旬's) investment completed: 当期完成, or 开工至报告期累计 (the amount is derived) — one of them."""

    period = forms.CharField(
        label=_("报告期"), widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
    )
    decade = forms.TypedChoiceField(
        label=_("旬"), coerce=int, choices=ProgressReport._meta.get_field("decade").choices, initial=0
    )
    amount = forms.DecimalField(
        label=_("当期完成投资（万元）"), max_digits=18, decimal_places=4, required=False, widget=MONEY_INPUT
    )
    since_start = forms.DecimalField(
        label=_("开工至报告期累计（万元）"),
        max_digits=18,
        decimal_places=4,
        required=False,
        widget=MONEY_INPUT,
        help_text=_("与当期完成投资二选一填写，系统据此推算当期完成"),
    )
    image_progress = forms.CharField(label=_("形象进度"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("形象进度照片"), required=False, help_text=_("可多选；jpg、jpeg、png"))

    def clean_period(self):
        text = self.cleaned_data["period"]
        try:
            return parse_period(text)
        except ValueError as bad:
            raise ValidationError(_("报告期格式应为 YYYY-MM，如 2025-03")) from bad

    def clean_photos(self):
        label = self.fields["photos"].label
        return [check_upload(photo, PHOTO_EXTENSIONS, label) for photo in self.cleaned_data["photos"]]


# -- files ---------------------------------------------------------------------------------------------------------


class EvidenceForm(BootstrapFormMixin, forms.Form):
    """A file proving a stage date, or a general file of the project (批文、合同、照片)."""

    stage = forms.ModelChoiceField(label=_("阶段"), queryset=None, required=False, empty_label=_("（项目综合材料）"))
    file = forms.FileField(
        label=_("文件"), widget=forms.ClearableFileInput(attrs={"accept": ",".join(EVIDENCE_EXTENSIONS)})
    )
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = project.stages.select_related("stage").order_by("stage__order")
        self.fields["file"].help_text = _("%(kinds)s；不超过 %(max)s") % {
            "kinds": "、".join(e.lstrip(".") for e in EVIDENCE_EXTENSIONS),
            "max": human_size(upload_limit()),
        }

    def clean_file(self):
        return check_upload(self.cleaned_data["file"], EVIDENCE_EXTENSIONS, self.fields["file"].label)


# -- a zone's configuration: its stage ladder, its approval matters, reopening a closed progress month ------------


class StageDefinitionForm(VersionedFormMixin, ModelErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    """A stage of the ladder; name, code and milestone once per zone are StageDefinition.clean's (messages on the
    fields), the position is services.save_stage's."""

    position = forms.IntegerField(
        label=_("位置"),
        min_value=1,
        help_text=_("在阶段顺序中的位置（1 为第一个）；其余阶段依次顺延"),
    )

    class Meta:
        model = StageDefinition
        fields = ["zone", "code", "name", "name_en", "phase", "milestone", "is_active"]
        help_texts = {
            "code": _("英文字母、数字、下划线或连字符，本开发区内唯一，创建后不能修改"),
            "milestone": _("三个一批、开工率等统计按节点含义识别阶段；每个节点含义在一个开发区只能用一次"),
            "is_active": _("停用的阶段不再出现在录入和导入中，已填的日期保留"),
        }

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["zone"]
            del self.fields["code"]
            self.fields["position"].initial = self.instance.order
        else:
            self.fields["zone"].queryset = zones.order_by("name")
            self.fields["zone"].empty_label = None
        self.order_fields(["zone", "code", "name", "name_en", "phase", "milestone", "position", "is_active"])

    def validate_unique(self):
        """Uniqueness (code, order, milestone) is checked by StageDefinition.clean with named messages, and by
        services.save_stage once the stage has its position."""


class ApprovalKindForm(VersionedFormMixin, ModelErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    """A matter of the zone's list; a name once per zone and a department of the zone are ApprovalKind.clean's."""

    class Meta:
        model = ApprovalKind
        fields = ["zone", "name", "name_en", "time_limit_days", "default_department", "order"]
        help_texts = {
            "time_limit_days": _("自受理之日起的法定办理时限；超过即标为逾期。不填为无法定时限"),
            "default_department": _("新增该事项时默认的办理部门"),
            "order": _("在事项清单中的顺序，数字小的在前"),
        }

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["zone"]
            departments = Department.objects.filter(zone_id=self.instance.zone_id)
        else:
            self.fields["zone"].queryset = zones.order_by("name")
            self.fields["zone"].empty_label = None
            departments = Department.objects.filter(zone__in=zones).select_related("zone")
            self.fields["default_department"].label_from_instance = lambda d: f"{d.zone} · {d.label}"
        self.fields["default_department"].queryset = departments.order_by("zone__name", "name")

    def validate_unique(self):
        """The unique name is checked by ApprovalKind.clean with a named message."""


class ProgressReopenForm(ModelErrorsMixin, BootstrapFormMixin, forms.Form):
    """Reopening a closed progress month: the period typed as YYYY-MM; which months may be reopened, the reason and
    the closing time are services.reopen_progress_period's (messages on the fields)."""

    zone = forms.ModelChoiceField(label=_("开发区"), queryset=Zone.objects.none(), empty_label=None)
    period = forms.CharField(
        label=_("报告期"),
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"}),
        help_text=_("如 2025-03"),
    )
    closes_at = forms.DateTimeField(
        label=_("再次截止时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones.order_by("name")

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except ValueError as bad:
            raise ValidationError(_("请按 YYYY-MM 格式填写报告期，例如 2025-03")) from bad


# -- imports -------------------------------------------------------------------------------------------------------


class ProjectUploadForm(ImportUploadForm):
    """The engine's upload form, with the zone the file is for and the unit of money columns without one."""

    zone = forms.ModelChoiceField(
        label=_("开发区"),
        queryset=Zone.objects.none(),
        required=False,
        empty_label=_("按文件中的“所属开发区”列"),
        help_text=_("文件中“所属开发区”列留空的行属于这里选择的开发区"),
    )
    unit = forms.ChoiceField(
        label=_("金额单位"),
        choices=[(unit, unit) for unit in UNIT_FACTORS],
        initial=DEFAULT_UNIT,
        help_text=_("表头未注明单位的金额列按此单位换算为万元；表头注明单位的（如“……（亿元）”）按表头的单位"),
    )

    def __init__(self, *args, zones, progress=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones
        if progress:
            del self.fields["mode"]
        first = list(zones[:2])
        if len(first) == 1:
            self.fields["zone"].initial = first[0]
            self.fields["zone"].widget = forms.HiddenInput()
        elif not first:
            del self.fields["zone"]
        self.order_fields(["file", "mode", "zone", "unit"])


# -- the pipeline board and the leaders' pages (GET filters) ---------------------------------------------------------


class BoardFilterForm(BootstrapFormMixin, forms.Form):
    """The board's narrowing: the zone (among those in scope), and a park, level and kind within it."""

    zone = forms.TypedChoiceField(label=_("开发区"), coerce=int, required=False)
    park = forms.TypedChoiceField(label=_("园区"), coerce=int, required=False, empty_value=None)
    level = forms.ChoiceField(label=_("重点项目级别"), required=False)
    kind = forms.ChoiceField(label=_("项目类型"), required=False)

    def __init__(self, *args, zones, parks, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["zone"].choices = [(zone.pk, str(zone)) for zone in zones]
        self.fields["park"].choices = everything + [(park.pk, park.name) for park in parks]
        self.fields["level"].choices = everything + ProjectLevelChoices.choices
        self.fields["kind"].choices = everything + ProjectKindChoices.choices


class ZoneForm(BootstrapFormMixin, forms.Form):
    zone = forms.ChoiceField(label=_("开发区"), required=False)

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(z.pk), z.name) for z in zones]
        self.fields["zone"].choices = ([("", _("全部可见开发区"))] if len(zones) > 1 else []) + choices


class PeriodForm(ZoneForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    period = forms.CharField(label=_("报告期"), required=False, help_text=_("如 2025-03"))

    def clean_period(self):
        text = self.cleaned_data["period"].strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError as bad:
            raise ValidationError(_("报告期格式应为 2025-03")) from bad

    def clean(self):
        data = super().clean()
        if data.get("period") and data.get("year") and year_of(data["period"]) != data["year"]:
            self.add_error("period", _("报告期不在所选年度内"))
        return data


class BulletinForm(PeriodForm):
    level = forms.ChoiceField(label=_("重点项目级别"), required=False)
    kind = forms.ChoiceField(label=_("项目类型"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["level"].choices = everything + [
            (value, label) for value, label in ProjectLevelChoices.choices if value in aggregates.KEY_LEVELS
        ]
        self.fields["kind"].choices = everything + list(ProjectKindChoices.choices)


# -- 三个一批 campaigns ----------------------------------------------------------------------------------------------

# Thresholds leaders filter by (总投资, 万元).
INVESTMENT_THRESHOLDS = [
    ("", _("全部")),
    ("1000", _("1000万元以上")),
    ("5000", _("5000万元以上")),
    ("10000", _("亿元以上")),
    ("50000", _("5亿元以上")),
    ("100000", _("10亿元以上")),
]


class CampaignForm(VersionedFormMixin, ModelErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    """A campaign; a name once per zone and dates in order are Campaign.clean's."""

    class Meta:
        model = Campaign
        fields = ["zone", "name", "starts_on", "ends_on", "note"]
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            zones = Zone.objects.filter(pk=self.instance.zone_id)
            self.fields["zone"].disabled = True
        else:
            zones = writable_zones(user, Campaign)
        self.fields["zone"].queryset = zones
        if not self.instance.pk and len(zones) == 1:
            self.fields["zone"].initial = zones[0].pk

    def validate_unique(self):
        """Checked by Campaign.clean with a message on the name field."""


class BatchFilterForm(BootstrapFormMixin, forms.Form):
    """GET filters of the campaign page and its export: 总投资 threshold, level, kind, park."""

    min_investment = forms.ChoiceField(label=_("总投资"), choices=INVESTMENT_THRESHOLDS, required=False)
    level = forms.ChoiceField(label=_("重点项目级别"), required=False)
    kind = forms.ChoiceField(label=_("项目类型"), required=False)
    park = forms.ModelChoiceField(label=_("园区"), queryset=Park.objects.none(), required=False, empty_label=_("全部"))

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["level"].choices = everything + list(ProjectLevelChoices.choices)
        self.fields["kind"].choices = everything + list(ProjectKindChoices.choices)
        self.fields["park"].queryset = Park.objects.filter(zone=zone)

    def batch_filter(self):
        """The BatchFilter for valid data; invalid filters narrow nothing (the form shows their errors)."""
        if not self.is_valid():
            return campaign_service.NO_FILTER
        data = self.cleaned_data
        park = data.get("park")
        return campaign_service.BatchFilter(
            min_investment=Decimal(data["min_investment"]) if data.get("min_investment") else None,
            level=data.get("level") or "",
            kind=data.get("kind") or "",
            park_id=park.pk if park else None,
        )


OVERRIDE_ACTIONS = [
    ("include", _("手动纳入")),
    ("exclude", _("手动剔除")),
    ("withdraw", _("撤销手动调整（按日期计算）")),
]


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class OverrideForm(ModelErrorsMixin, BootstrapFormMixin, forms.Form):
    """A hand decision on a batch; the reason, the project's zone and what may be withdrawn are campaigns.py's."""

    project = ProjectChoiceField(label=_("项目"), queryset=Project.objects.none())
    batch = forms.ChoiceField(label=_("批次"), choices=CampaignBatchChoices.choices)
    action = forms.ChoiceField(label=_("调整"), choices=OVERRIDE_ACTIONS, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("原因"), max_length=300)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["project"].queryset = Project.objects.filter(zone=campaign.zone_id).order_by("name", "pk")
        self.fields["project"].widget.attrs["data-picker"] = "1"


# -- 调研 / 现场办公 -------------------------------------------------------------------------------------------------

ISSUE_ROWS = 5


class ZonedMultipleChoiceField(DepartmentLabelMixin, forms.ModelMultipleChoiceField):
    """Projects labelled "zone · name" when several zones' projects are offered."""


class InspectionForm(VersionedFormMixin, ModelErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    """An inspection; its date is Inspection.clean's, its projects in its zone services.record_inspection's."""

    projects = ZonedMultipleChoiceField(label=_("调研项目"), queryset=Project.objects.none(), required=False)

    class Meta:
        model = Inspection
        fields = ["zone", "held_on", "kind", "leaders", "location", "summary", "projects"]
        widgets = {"held_on": DATE_INPUT, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        several = len(zones) > 1
        self.fields["zone"].queryset = Zone.objects.filter(pk__in=[z.pk for z in zones])
        if not several and zones:
            self.fields["zone"].initial = zones[0].pk
        self.fields["projects"].queryset = (
            Project.objects.filter(zone__in=zones).select_related("zone").order_by("zone", "name")
        )
        self.fields["projects"].show_zone = several
        self.fields["projects"].widget.attrs["data-picker"] = "1"


class IssueForm(ModelErrorsMixin, BootstrapFormMixin, forms.Form):
    """One issue raised on the spot: it becomes a Problem assigned to a department with a deadline (Problem.clean
    checks it against the inspection's zone and date: services.check_issue)."""

    project = ZonedChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)
    # A blank first choice: an untouched row posts nothing and is skipped.
    category = forms.ChoiceField(label=_("类别"), choices=BLANK_CHOICE_DASH + ProblemCategoryChoices.choices)
    description = forms.CharField(label=_("存在的问题"), widget=forms.Textarea(attrs={"rows": 2}))
    department = ZonedChoiceField(label=_("责任部门"), queryset=Department.objects.none())
    deadline = forms.DateField(label=_("解决时限"), widget=DATE_INPUT)

    FIELDS = ("project", "category", "description", "department", "deadline")

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        several = len(zones) > 1
        self.fields["project"].queryset = (
            Project.objects.filter(zone__in=zones).select_related("zone").order_by("zone", "name")
        )
        self.fields["department"].queryset = (
            Department.objects.filter(zone__in=zones).select_related("zone").order_by("zone", "name")
        )
        for name in ("project", "department"):
            self.fields[name].show_zone = several

    def issue(self):
        """The issue as services.record_inspection takes it (None for an untouched row)."""
        if not self.has_changed() or not getattr(self, "cleaned_data", None):
            return None
        return {key: self.cleaned_data.get(key) for key in self.FIELDS}


IssueFormSet = forms.formset_factory(IssueForm, extra=ISSUE_ROWS, max_num=50, validate_max=True)
