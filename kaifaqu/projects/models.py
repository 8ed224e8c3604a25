"""Investment projects: stages, production lines, approval matters, progress dispatch, problems, inspections and
三个一批 campaigns. Every row reaches its zone (scope) and, where enterprise users may read it, the investor."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kaifaqu.core.models import TimestampedModel, Versioned, english_name_field, localized_name
from kaifaqu.core.money import MoneyField, format_wan
from kaifaqu.core.periods import format_period
from kaifaqu.core.reporting_window import ReportingWindow
from kaifaqu.core.scoping import Scope, ScopedManager

from .choices import (
    ApprovalStatusChoices,
    CampaignBatchChoices,
    InspectionKindChoices,
    LineStatusChoices,
    MilestoneChoices,
    ProblemCategoryChoices,
    ProblemStatusChoices,
    ProjectKindChoices,
    ProjectLevelChoices,
    ProjectStatusChoices,
    StagePhaseChoices,
)
from .querysets import ApprovalQuerySet, ProblemQuerySet, ProjectQuerySet
from .rules import approval_due_on, approval_overdue, progress_deadline

PROJECTS = "projects"
ZONE_OF_PROJECT = Scope(zone="project__zone", enterprise="project__investor", domain=PROJECTS)


def zone_mismatch(errors, name, related, zone_id, message):
    if related is not None and zone_id and related.zone_id != zone_id:
        errors[name] = message


def not_in_future(errors, obj, names):
    """A date that records something done (accepted, approved, raised, resolved) cannot be later than today."""
    today = timezone.localdate()
    for name in names:
        value = getattr(obj, name)
        if value is not None and value > today:
            errors.setdefault(name, _("不能晚于今天"))


def not_negative(errors, obj, names):
    for name in names:
        value = getattr(obj, name)
        if value is not None and value < 0:
            errors.setdefault(name, _("不能为负数"))


def unique_name_in_project(errors, obj):
    """Phases and lines are named once per project (a database constraint too); the message names the field."""
    obj.name = (obj.name or "").strip()
    siblings = type(obj).objects.filter(project_id=obj.project_id, name=obj.name).exclude(pk=obj.pk)
    if obj.project_id and obj.name and siblings.exists():
        errors["name"] = _("本项目已有同名记录")


class StageDefinition(Versioned, TimestampedModel):
    """A stage of a zone's ladder (configurable); `milestone` says what campaigns and rates count it as."""

    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.CASCADE, related_name="project_stages", verbose_name=_("开发区")
    )
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=50)
    name_en = english_name_field(50)
    phase = models.CharField(_("阶段"), max_length=10, choices=StagePhaseChoices.choices)
    milestone = models.CharField(_("节点含义"), max_length=20, choices=MilestoneChoices.choices, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"))
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    scope = Scope(zone="zone", domain="administration")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("项目阶段")
        verbose_name_plural = _("项目阶段")
        ordering = ["zone", "order"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "code"], name="%(app_label)s_%(class)s_unique_code"),
            models.UniqueConstraint(fields=["zone", "order"], name="%(app_label)s_%(class)s_unique_order"),
            models.UniqueConstraint(
                fields=["zone", "milestone"], condition=~Q(milestone=""), name="%(app_label)s_%(class)s_one_milestone"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized_name(self.name, self.name_en)

    def clean(self):
        errors = {}
        self.name = (self.name or "").strip()
        if self.zone_id:
            siblings = StageDefinition.objects.filter(zone_id=self.zone_id).exclude(pk=self.pk)
            if self.name and siblings.filter(name=self.name).exists():
                errors["name"] = _("本开发区已有名为“%(name)s”的阶段") % {"name": self.name}
            if self.code and siblings.filter(code=self.code).exists():
                errors["code"] = _("本开发区已有代码为“%(code)s”的阶段") % {"code": self.code}
            holder = siblings.filter(milestone=self.milestone).first() if self.milestone else None
            if holder is not None:
                errors["milestone"] = _(
                    "节点含义“%(milestone)s”已由阶段“%(stage)s”使用；每个节点含义在一个开发区只能用一次"
                ) % {"milestone": MilestoneChoices(self.milestone).label, "stage": holder.name}
        if errors:
            raise ValidationError(errors)


class ApprovalKind(Versioned, TimestampedModel):
    """An approval matter a project may need (立项/备案, 环评 …), editable per zone, with its statutory time limit."""

    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.CASCADE, related_name="approval_kinds", verbose_name=_("开发区")
    )
    name = models.CharField(_("事项名称"), max_length=50)
    name_en = english_name_field(50)
    time_limit_days = models.PositiveSmallIntegerField(_("法定时限（天）"), null=True, blank=True)
    default_department = models.ForeignKey(
        "zones.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("默认办理部门"),
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    history = HistoricalRecords()

    scope = Scope(zone="zone", domain=PROJECTS, configuration=True)  # the kinds of matters, not a matter
    objects = ScopedManager()

    class Meta:
        verbose_name = _("审批事项类型")
        verbose_name_plural = _("审批事项类型")
        ordering = ["zone", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="%(app_label)s_%(class)s_unique_name")]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized_name(self.name, self.name_en)

    def clean(self):
        errors = {}
        self.name = (self.name or "").strip()
        siblings = ApprovalKind.objects.filter(zone_id=self.zone_id, name=self.name).exclude(pk=self.pk)
        if self.zone_id and self.name and siblings.exists():
            errors["name"] = _("本开发区已有名为“%(name)s”的审批事项") % {"name": self.name}
        if self.default_department_id and self.zone_id and self.default_department.zone_id != self.zone_id:
            errors["default_department"] = _("部门不属于所选开发区")
        if errors:
            raise ValidationError(errors)


class Project(Versioned, TimestampedModel):
    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.PROTECT, related_name="projects", verbose_name=_("所属开发区")
    )
    park = models.ForeignKey(
        "zones.Park", on_delete=models.SET_NULL, null=True, blank=True, related_name="projects", verbose_name=_("园区")
    )
    name = models.CharField(_("项目名称"), max_length=200)
    # The investor: a registered enterprise, or a prospective investor by name until it registers (linked later).
    investor = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("投资方（已登记企业）"),
    )
    investor_name = models.CharField(_("投资方名称"), max_length=200, blank=True)
    # The enterprise that produces once the project is in production (投产); its statistics are the project's.
    producer = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="produced_projects",
        verbose_name=_("投产企业"),
    )
    industry = models.ForeignKey(
        "enterprises.IndustryClass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("国民经济行业"),
    )
    chain = models.ForeignKey(
        "zones.IndustryChain",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("产业链"),
    )
    level = models.CharField(
        _("重点项目级别"), max_length=10, choices=ProjectLevelChoices.choices, default=ProjectLevelChoices.NONE
    )
    kind = models.CharField(
        _("项目类型"), max_length=20, choices=ProjectKindChoices.choices, default=ProjectKindChoices.INDUSTRY
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ProjectStatusChoices.choices, default=ProjectStatusChoices.ACTIVE
    )
    leader = models.CharField(_("挂点领导"), max_length=100, blank=True)
    department = models.ForeignKey(
        "zones.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("责任部门"),
    )
    location = models.CharField(_("建设地点"), max_length=200, blank=True)
    content = models.TextField(_("建设规模及主要建设内容"), blank=True)
    total_investment = MoneyField(_("总投资（万元）"), null=True, blank=True)
    fixed_asset_investment = MoneyField(_("其中固定资产投资（万元）"), null=True, blank=True)
    land_mu = models.DecimalField(_("用地（亩）"), max_digits=12, decimal_places=2, null=True, blank=True)
    floor_area_m2 = models.DecimalField(_("建筑面积（平方米）"), max_digits=14, decimal_places=2, null=True, blank=True)
    products = models.CharField(_("主要产品"), max_length=300, blank=True)
    capacity_quantity = models.DecimalField(
        _("设计产能"), max_digits=16, decimal_places=2, null=True, blank=True, help_text=_("如 10000")
    )
    capacity_unit = models.CharField(_("产能单位"), max_length=30, blank=True, help_text=_("如 吨/年、万平方米/年"))
    expected_output_value = MoneyField(_("达产后年产值（万元）"), null=True, blank=True)
    expected_tax = MoneyField(_("达产后年税收（万元）"), null=True, blank=True)
    expected_jobs = models.PositiveIntegerField(_("达产后新增就业（人）"), null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(_("建设起始年"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("建设截止年"), null=True, blank=True)
    image_progress = models.TextField(_("形象进度"), blank=True)
    current_stage = models.ForeignKey(
        StageDefinition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当前阶段"),
        help_text=_("最后一个有实际日期的阶段，由系统维护"),
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    scope = Scope(zone="zone", enterprise="investor", domain=PROJECTS)
    objects = ScopedManager.from_queryset(ProjectQuerySet)()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["zone", "name"]
        indexes = [
            models.Index(fields=["zone", "current_stage"]),
            models.Index(fields=["zone", "level"]),
            models.Index(fields=["zone", "name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment__gte=0) | Q(total_investment__isnull=True),
                name="%(app_label)s_%(class)s_investment_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(fixed_asset_investment__isnull=True)
                | Q(total_investment__isnull=True)
                | Q(fixed_asset_investment__lte=models.F("total_investment")),
                name="%(app_label)s_%(class)s_fixed_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(investor__isnull=True, investor_name=""), name="%(app_label)s_%(class)s_has_investor"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:project", args=[self.pk])

    @property
    def investor_label(self):
        return self.investor.name if self.investor_id else self.investor_name

    def clean(self):
        errors = {}
        message = _("不属于所选开发区")
        for name in ("park", "department", "chain", "investor", "producer"):
            zone_mismatch(
                errors, name, getattr(self, name) if getattr(self, f"{name}_id") else None, self.zone_id, message
            )
        if not self.investor_id and not self.investor_name.strip():
            errors["investor_name"] = _("请选择已登记的投资企业或填写投资方名称")
        if self.investor_id and not self.investor_name.strip():
            # 投资方名称 of a registered investor is its name (the form, the API, imports and the demo alike).
            self.investor_name = self.investor.name
        not_negative(
            errors,
            self,
            (
                "total_investment",
                "fixed_asset_investment",
                "expected_output_value",
                "expected_tax",
                "land_mu",
                "floor_area_m2",
                "capacity_quantity",
            ),
        )
        if (
            self.fixed_asset_investment is not None
            and self.total_investment is not None
            and self.fixed_asset_investment > self.total_investment
        ):
            errors["fixed_asset_investment"] = _("固定资产投资不能大于总投资")
        if self.start_year and self.end_year and self.end_year < self.start_year:
            errors["end_year"] = _("建设截止年不能早于起始年")
        if errors:
            raise ValidationError(errors)


class ProjectPhase(Versioned, TimestampedModel):
    """一期 / 二期: a phase of a project with its own content, investment and expected production date."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases", verbose_name=_("项目"))
    name = models.CharField(_("分期"), max_length=30)
    content = models.TextField(_("建设内容"), blank=True)
    total_investment = MoneyField(_("投资（万元）"), null=True, blank=True)
    expected_production_on = models.DateField(_("预计投产日期"), null=True, blank=True)
    history = HistoricalRecords()

    scope = ZONE_OF_PROJECT
    objects = ScopedManager()

    class Meta:
        verbose_name = _("项目分期")
        verbose_name_plural = _("项目分期")
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        unique_name_in_project(errors, self)
        not_negative(errors, self, ("total_investment",))
        total, amount = (self.project.total_investment if self.project_id else None), self.total_investment
        if "total_investment" not in errors and None not in (total, amount) and amount > total:
            errors["total_investment"] = _("分期投资不能大于项目总投资（%(total)s）") % {"total": format_wan(total)}
        if errors:
            raise ValidationError(errors)


class ProjectStage(Versioned, TimestampedModel):
    """A project's planned and actual date for one stage of its zone's ladder."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stages", verbose_name=_("项目"))
    stage = models.ForeignKey(StageDefinition, on_delete=models.PROTECT, related_name="+", verbose_name=_("阶段"))
    phase = models.ForeignKey(
        ProjectPhase, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("分期")
    )
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    actual_on = models.DateField(_("实际日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    # 日期顺序确认: an actual date out of the ladder's order is kept only with the reason the user confirmed.
    out_of_order_reason = models.CharField(_("日期顺序例外说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("记录人")
    )
    history = HistoricalRecords()

    scope = ZONE_OF_PROJECT
    objects = ScopedManager()

    class Meta:
        verbose_name = _("项目阶段日期")
        verbose_name_plural = _("项目阶段日期")
        ordering = ["project", "stage__order"]
        indexes = [models.Index(fields=["stage", "actual_on"])]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="%(app_label)s_%(class)s_unique"),
            models.CheckConstraint(
                condition=Q(planned_on__isnull=False) | Q(actual_on__isnull=False),
                name="%(app_label)s_%(class)s_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.stage}"

    @property
    def is_late(self):
        return self.actual_on is None and self.planned_on is not None and self.planned_on < timezone.localdate()


class StageEvidence(models.Model):
    """A file or photo that proves a stage date or illustrates a progress report (证明材料、形象进度照片)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="files", verbose_name=_("项目"))
    stage = models.ForeignKey(
        ProjectStage, on_delete=models.CASCADE, null=True, blank=True, related_name="files", verbose_name=_("阶段")
    )
    progress = models.ForeignKey(
        "ProgressReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("进度报告"),
    )
    file = models.FileField(_("文件"), upload_to="projects/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope = ZONE_OF_PROJECT
    objects = ScopedManager()

    class Meta:
        verbose_name = _("项目附件")
        verbose_name_plural = _("项目附件")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.caption or self.file.name


class ProductionLine(Versioned, TimestampedModel):
    """A production line (or building) followed on its own: "3 条线试生产, 第 4 条调试"."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="lines", verbose_name=_("项目"))
    name = models.CharField(_("名称"), max_length=100)
    capacity = models.CharField(_("产能"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=LineStatusChoices.choices, default=LineStatusChoices.PLANNED
    )
    status_on = models.DateField(_("状态日期"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    history = HistoricalRecords()

    scope = ZONE_OF_PROJECT
    objects = ScopedManager()

    class Meta:
        verbose_name = _("生产线/单体")
        verbose_name_plural = _("生产线/单体")
        ordering = ["project", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        unique_name_in_project(errors, self)
        not_in_future(errors, self, ("status_on",))
        if errors:
            raise ValidationError(errors)


class Approval(Versioned, TimestampedModel):
    """An approval matter of a project (审批事项): who handles it, its status, 文号 and time limit."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("项目"))
    kind = models.ForeignKey(ApprovalKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("事项"))
    department = models.ForeignKey(
        "zones.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="approvals",
        verbose_name=_("办理部门"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ApprovalStatusChoices.choices, default=ApprovalStatusChoices.NOT_STARTED
    )
    document_number = models.CharField(_("批复文号"), max_length=100, blank=True)
    submitted_on = models.DateField(_("受理日期"), null=True, blank=True)
    approved_on = models.DateField(_("批复日期"), null=True, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（天）"), null=True, blank=True)
    planned_on = models.DateField(_("计划办结日期"), null=True, blank=True)
    is_commitment = models.BooleanField(_("承诺制"), default=False)
    is_agency = models.BooleanField(_("全代办"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    history = HistoricalRecords()

    # A department sees and edits the approvals assigned to it (办理部门), even outside the projects domain.
    scope = Scope(zone="project__zone", enterprise="project__investor", domain=PROJECTS, department="department")
    # What the staff of the assigned department may change (ADR 0002, amendment 1): they record the handling —
    # status, 文号, acceptance and approval dates, a note — but neither reassign the matter, change what it is,
    # nor move its time limit or planned date (by which it is judged overdue). Enforced by services.update_approval.
    DEPARTMENT_FIELDS = ("status", "document_number", "submitted_on", "approved_on", "note")
    objects = ScopedManager.from_queryset(ApprovalQuerySet)()

    class Meta:
        verbose_name = _("审批事项")
        verbose_name_plural = _("审批事项")
        ordering = ["project", "kind__order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_on__isnull=True)
                | Q(submitted_on__isnull=True)
                | Q(approved_on__gte=models.F("submitted_on")),
                name="%(app_label)s_%(class)s_approved_after_submitted",
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.kind}"

    @property
    def due_on(self):
        return approval_due_on(self.submitted_on, self.time_limit_days, self.planned_on)

    @property
    def is_overdue(self):
        return approval_overdue(self.status, self.due_on, timezone.localdate())

    def apply_kind_defaults(self):
        """A new matter takes its kind's statutory time limit and default department where none is given."""
        if self.time_limit_days is None:
            self.time_limit_days = self.kind.time_limit_days
        if self.department_id is None and self.kind.default_department_id:
            self.department_id = self.kind.default_department_id
        return self

    def clean(self):
        errors = {}
        not_in_future(errors, self, ("submitted_on", "approved_on"))
        if self.approved_on and self.submitted_on and self.approved_on < self.submitted_on:
            errors.setdefault("approved_on", _("批复日期不能早于受理日期"))
        if self.status == ApprovalStatusChoices.APPROVED and not self.approved_on:
            errors["approved_on"] = _("已批复的事项须填写批复日期")
        if self.status == ApprovalStatusChoices.SUBMITTED and not self.submitted_on:
            errors["submitted_on"] = _("已受理的事项须填写受理日期")
        if self.department_id and self.project_id and self.department.zone_id != self.project.zone_id:
            errors["department"] = _("部门不属于项目所在开发区")
        if self.kind_id and self.project_id and self.kind.zone_id != self.project.zone_id:
            errors["kind"] = _("事项不属于项目所在开发区")
        if errors:
            raise ValidationError(errors)


class AnnualPlan(Versioned, TimestampedModel):
    """A project's objective for one year: investment to complete (年度计划投资) and the 形象进度 goal."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="plans", verbose_name=_("项目"))
    year = models.PositiveSmallIntegerField(_("年度"))
    planned_investment = MoneyField(_("年度计划投资（万元）"))
    progress_goal = models.CharField(_("形象进度目标"), max_length=300, blank=True)
    # Whether the project is planned to start / be completed this year: the denominators of 开工率 and 竣工率.
    planned_start = models.BooleanField(_("计划当年开工"), default=False)
    planned_completion = models.BooleanField(_("计划当年竣工"), default=False)
    history = HistoricalRecords()

    scope = ZONE_OF_PROJECT
    objects = ScopedManager()

    class Meta:
        verbose_name = _("年度计划")
        verbose_name_plural = _("年度计划")
        ordering = ["project", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="%(app_label)s_%(class)s_unique"),
            models.CheckConstraint(condition=Q(planned_investment__gte=0), name="%(app_label)s_%(class)s_not_negative"),
        ]

    def __str__(self):
        return f"{self.project} {self.year}"

    def clean(self):
        errors = {}
        not_negative(errors, self, ("planned_investment",))
        if errors:
            raise ValidationError(errors)


class ProgressReport(Versioned, TimestampedModel):
    """Monthly (or 旬) dispatch: investment completed this period, and the running totals the system derives.

    `amount` is what the reporter gives (当期完成); `year_to_date` (年初至报告期累计) and `since_start`
    (开工至报告期累计) are kept by services.record_progress so that totals never decrease.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="progress", verbose_name=_("项目"))
    period = models.PositiveIntegerField(_("报告期"))
    # 0 for a monthly report; 1, 2, 3 for 上旬, 中旬, 下旬.
    decade = models.PositiveSmallIntegerField(
        _("旬"), default=0, choices=[(0, _("全月")), (1, _("上旬")), (2, _("中旬")), (3, _("下旬"))]
    )
    amount = MoneyField(_("当期完成投资（万元）"))
    year_to_date = MoneyField(_("年初至报告期累计（万元）"))
    since_start = MoneyField(_("开工至报告期累计（万元）"))
    image_progress = models.TextField(_("形象进度"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("填报人")
    )
    history = HistoricalRecords()

    scope = ZONE_OF_PROJECT
    objects = ScopedManager()

    class Meta:
        verbose_name = _("项目进度")
        verbose_name_plural = _("项目进度")
        ordering = ["project", "-period", "-decade"]
        indexes = [models.Index(fields=["period", "project"])]
        constraints = [
            models.UniqueConstraint(fields=["project", "period", "decade"], name="%(app_label)s_%(class)s_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(since_start__gte=models.F("year_to_date")),
                name="%(app_label)s_%(class)s_since_start_covers_year",
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.period}"


class ProgressReopening(ReportingWindow):
    """A closed dispatch period opened again by a zone admin, with the written reason (like statistics)."""

    reason = models.CharField(_("原因"), max_length=300)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    opened_at = models.DateTimeField(_("操作时间"), auto_now_add=True)

    scope = Scope(zone="zone", domain="administration")

    class Meta:
        verbose_name = _("进度填报重新开放")
        verbose_name_plural = _("进度填报重新开放")
        ordering = ["-opened_at"]

    def __str__(self):
        return f"{self.zone} {self.period}"

    def period_errors(self):
        """A month may be reopened once its deadline has passed (a month to come was never open)."""
        today = timezone.localdate()
        if self.period > today.year * 100 + today.month:
            return {"period": _("报告期不能晚于本月")}
        deadline = progress_deadline(self.period)
        if today <= deadline:
            message = _("%(period)s 的填报截止日为 %(deadline)s，尚未截止，无需重新开放")
            return {"period": message % {"period": format_period(self.period), "deadline": deadline.isoformat()}}
        return {}


class Inspection(Versioned, TimestampedModel):
    """调研 / 现场办公: leaders visit projects; each issue raised on the spot becomes a problem."""

    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("开发区")
    )
    held_on = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=InspectionKindChoices.choices)
    leaders = models.CharField(_("参加领导"), max_length=300)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    summary = models.TextField(_("纪要"), blank=True)
    projects = models.ManyToManyField(Project, blank=True, related_name="inspections", verbose_name=_("调研项目"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords(m2m_fields=[projects])

    scope = Scope(zone="zone", domain=PROJECTS)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("调研/现场办公")
        verbose_name_plural = _("调研/现场办公")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("projects:inspection", args=[self.pk])

    def clean(self):
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": _("日期不能晚于今天")})


class Problem(Versioned, TimestampedModel):
    """A problem on a project's list (or raised at an inspection): a responsible department and a deadline."""

    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.PROTECT, related_name="project_problems", verbose_name=_("开发区")
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="problems", verbose_name=_("项目")
    )
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("来源调研"),
    )
    category = models.CharField(_("类别"), max_length=20, choices=ProblemCategoryChoices.choices)
    description = models.TextField(_("存在的问题"))
    department = models.ForeignKey(
        "zones.Department", on_delete=models.PROTECT, related_name="project_problems", verbose_name=_("责任部门")
    )
    deadline = models.DateField(_("解决时限"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ProblemStatusChoices.choices, default=ProblemStatusChoices.OPEN
    )
    resolution = models.TextField(_("解决情况"), blank=True)
    resolved_on = models.DateField(_("解决日期"), null=True, blank=True)
    raised_on = models.DateField(_("提出日期"), default=timezone.localdate)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    history = HistoricalRecords()

    # The responsible department (责任部门) edits its problems even when projects are not its domain.
    scope = Scope(zone="zone", enterprise="project__investor", domain=PROJECTS, department="department")
    # What the staff of the responsible department may change (ADR 0002, amendment 1): the handling — status, 解决情况
    # and its date — never what the problem is (description, category), its deadline, or who handles it.
    # Enforced by services.update_problem.
    DEPARTMENT_FIELDS = ("status", "resolution", "resolved_on")
    objects = ScopedManager.from_queryset(ProblemQuerySet)()

    class Meta:
        verbose_name = _("项目问题")
        verbose_name_plural = _("项目问题")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["zone", "status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_on__isnull=False),
                name="%(app_label)s_%(class)s_resolved_has_date",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("raised_on")),
                name="%(app_label)s_%(class)s_resolved_after_raised",
            ),
        ]

    def __str__(self):
        return self.description[:40]

    @property
    def is_overdue(self):
        return self.status != ProblemStatusChoices.RESOLVED and self.deadline < timezone.localdate()

    def clean(self):
        errors = {}
        self.resolution = (self.resolution or "").strip()
        if self.project_id and self.zone_id and self.project.zone_id != self.zone_id:
            errors["project"] = _("项目不属于所选开发区")
        if self.department_id and self.zone_id and self.department.zone_id != self.zone_id:
            errors["department"] = _("部门不属于所选开发区")
        if self.inspection_id and self.zone_id and self.inspection.zone_id != self.zone_id:
            errors["inspection"] = _("调研不属于所选开发区")
        not_in_future(errors, self, ("raised_on", "resolved_on"))
        if self.status == ProblemStatusChoices.RESOLVED:
            if not self.resolved_on:
                errors["resolved_on"] = _("已解决的问题须填写解决日期")
            if not self.resolution:
                errors["resolution"] = _("已解决的问题须填写解决情况")
        if self.resolved_on and self.raised_on and self.resolved_on < self.raised_on:
            errors.setdefault(
                "resolved_on", _("解决日期不能早于提出日期（%(date)s）") % {"date": self.raised_on.isoformat()}
            )
        if self.deadline and self.raised_on and self.deadline < self.raised_on:
            errors["deadline"] = _("解决时限不能早于提出日期")
        if errors:
            raise ValidationError(errors)


class Campaign(Versioned, TimestampedModel):
    """三个一批: a campaign period whose three batches are computed from stage dates within it."""

    zone = models.ForeignKey("zones.Zone", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("开发区"))
    name = models.CharField(_("名称"), max_length=100, help_text=_("如 2024年第一季度三个一批"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    note = models.TextField(_("说明"), blank=True)
    history = HistoricalRecords()

    scope = Scope(zone="zone", domain=PROJECTS)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("三个一批活动")
        verbose_name_plural = _("三个一批活动")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "name"], name="%(app_label)s_%(class)s_unique_name"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="%(app_label)s_%(class)s_dates_in_order"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:campaign", args=[self.pk])

    def clean(self):
        errors = {}
        self.name = (self.name or "").strip()
        duplicate = Campaign.objects.filter(zone_id=self.zone_id, name=self.name).exclude(pk=self.pk)
        if self.name and self.zone_id and duplicate.exists():
            errors["name"] = _("本开发区已有同名的三个一批活动")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("截止日期不能早于起始日期")
        if errors:
            raise ValidationError(errors)


class CampaignOverride(Versioned, models.Model):
    """A project put into (or taken out of) a batch by hand, with the reason recorded."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("活动"))
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("项目"))
    batch = models.CharField(_("批次"), max_length=20, choices=CampaignBatchChoices.choices)
    include = models.BooleanField(_("纳入"), help_text=_("勾选为手动纳入，不勾选为手动剔除"))
    reason = models.CharField(_("原因"), max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    decided_at = models.DateTimeField(_("操作时间"), auto_now_add=True)
    history = HistoricalRecords()

    scope = Scope(zone="campaign__zone", domain=PROJECTS)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("三个一批手动调整")
        verbose_name_plural = _("三个一批手动调整")
        ordering = ["campaign", "batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "project", "batch"], name="%(app_label)s_%(class)s_unique")
        ]

    def __str__(self):
        return f"{self.campaign} · {self.project} · {self.get_batch_display()}"
