"""Forms of the project write pages, and the filters of the approval and problem queues.

Forms translate input; they hold no business rule. Querysets are limited to the project's zone (or the zones the user
may write in, when a project is created); the model's own clean() runs on every model form and the views save
through services.py, so the messages of both show on the field they concern. Money is in 万元.
"""

import os

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import BootstrapFormMixin, FilterForm, VersionedFormMixin
from kaifaqu.core.imports import human_size
from kaifaqu.core.periods import parse_period
from kaifaqu.enterprises.choices import IndustryLevelChoices
from kaifaqu.enterprises.forms import remote_firm_picker
from kaifaqu.enterprises.models import Enterprise, IndustryClass
from kaifaqu.zones.filtersets import shows_one_zone
from kaifaqu.zones.forms import DepartmentLabelMixin
from kaifaqu.zones.models import Department, IndustryChain, Park, Zone

from .choices import ApprovalStatusChoices, ProblemCategoryChoices, ProblemStatusChoices
from .models import (
    AnnualPlan,
    Approval,
    ApprovalKind,
    Inspection,
    Problem,
    ProductionLine,
    ProgressReport,
    Project,
    ProjectPhase,
)

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


class ModelErrorsMixin:
    """Errors of the model's clean() or of a service go on the field they name when the form shows it, else on the
    form as a whole (Django's model forms would fail on a field they do not have)."""

    def add_error(self, field, error):
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                super().add_error(name if name in self.fields else None, errors)
            return
        super().add_error(field, error)


# -- projects ------------------------------------------------------------------------------------------------------


def project_zones(user):
    """Zones where the user may create projects: can_add_in_zone(Project.scope, zone)."""
    if user.is_system_admin:
        return Zone.objects.all()
    return Zone.objects.filter(pk__in=user.writable_zone_ids(Project.scope))


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
            zones = project_zones(user)
            several = user.is_system_admin or len(user.writable_zone_ids(Project.scope)) > 1
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

    def clean(self):
        data = super().clean()
        # Left for part 2 of the refit: the page copies the registered investor's name into 投资方名称, the importer
        # and the API leave it blank (Project.investor_label reads the enterprise either way).
        if data.get("investor") and not (data.get("investor_name") or "").strip():
            data["investor_name"] = data["investor"].name
            self.instance.investor_name = data["investor_name"]
        return data


class LinkInvestorForm(BootstrapFormMixin, forms.Form):
    """The prospective investor has registered: choose its enterprise record (same zone)."""

    enterprise = forms.ModelChoiceField(label=_("已登记的投资企业"), queryset=Enterprise.objects.none())

    def __init__(self, *args, user, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.restrict(user, "view").filter(zone=project.zone_id)
        remote_firm_picker(self, "enterprise", [project.zone_id])


# -- stages, phases, lines -----------------------------------------------------------------------------------------


class StageForm(BootstrapFormMixin, forms.Form):
    """A stage's dates. Dates out of the ladder's order are kept only when confirmed with a reason."""

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

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = project.phases.all()
        self.out_of_order = False

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


# -- the approval and problem queues (filters shared by the list pages and their exports) -----------------------


def zones_in_view(request):
    return Zone.objects.none() if request is None else Zone.objects.restrict(request.user, "view")


def departments_in_view(request):
    if request is None:
        return Department.objects.none()
    return Department.objects.restrict(request.user, "view").select_related("zone")


def inspections_in_view(request):
    if request is None:
        return Inspection.objects.none()
    return Inspection.objects.restrict(request.user, "view").order_by("-held_on", "-pk")


YES_NO = forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])


class DepartmentFilter(django_filters.ModelChoiceFilter):
    field_class = ZonedChoiceField


class QueueFilterSet(StyledFilterSet):
    """Shared by the approval and the problem queue: zone, responsible department, project, overdue."""

    zone_path = "zone"

    project = django_filters.CharFilter(label=_("项目"), method="filter_project")
    zone = django_filters.ModelChoiceFilter(label=_("开发区"), queryset=zones_in_view, method="filter_zone")
    department = DepartmentFilter(label=_("责任部门"), queryset=departments_in_view)
    overdue = django_filters.BooleanFilter(label=_("逾期"), method="filter_overdue", widget=YES_NO)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None and self.request.user.is_authenticated:
            self.filters["department"].extra["show_zone"] = not shows_one_zone(self.request.user)

    def filter_project(self, queryset, name, value):
        """A project's id (links from the project page) or part of its name."""
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(project_id=int(value))
        return queryset.filter(project__name__icontains=value)

    def filter_zone(self, queryset, name, value):
        return queryset.filter(**{self.zone_path: value}) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        # On a plain queryset: the approvals' overdue() reads only a few columns, which select_related forbids.
        late = queryset.model.objects.filter(pk__in=queryset.values("pk")).overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


def approval_kind_names(request):
    """The matters of the zones in view by name (every zone has its own 环评), for the 事项 filter."""
    if request is None:
        return []
    names = ApprovalKind.objects.restrict(request.user, "view").order_by("order", "name").values_list("name", flat=True)
    return [(name, name) for name in dict.fromkeys(names)]


class ApprovalFilterSet(QueueFilterSet):
    zone_path = "project__zone"

    department = DepartmentFilter(label=_("办理部门"), queryset=departments_in_view)
    kind = django_filters.ChoiceFilter(label=_("事项"), field_name="kind__name", choices=[])
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=ApprovalStatusChoices.choices)
    is_commitment = django_filters.BooleanFilter(label=_("承诺制"), widget=YES_NO)
    is_agency = django_filters.BooleanFilter(label=_("全代办"), widget=YES_NO)

    class Meta:
        model = Approval
        fields = ["project", "zone", "department", "kind", "status", "overdue", "is_commitment", "is_agency"]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["kind"].extra["choices"] = approval_kind_names(self.request)


class ProblemFilterSet(QueueFilterSet):
    category = django_filters.ChoiceFilter(label=_("类别"), choices=ProblemCategoryChoices.choices)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=ProblemStatusChoices.choices)
    inspection = django_filters.ModelChoiceFilter(
        label=_("来源调研"), queryset=inspections_in_view, null_label=_("非调研提出")
    )

    class Meta:
        model = Problem
        fields = ["project", "zone", "department", "category", "status", "overdue", "inspection"]
        form = FilterForm
