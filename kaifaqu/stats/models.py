"""Statistics: indicators, data sets and their assigned reporters, values (1—N月 cumulative, with revisions),
validation rules and flags, 规上/四上 status per year, annual targets.

Values carry their zone (the firm's zone when the figure was recorded) so every statistics query is scoped and
indexed by zone, and could later be partitioned by it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kaifaqu.core.models import TimestampedModel, Versioned, english_name_field, localized_name
from kaifaqu.core.reporting_window import ReportingWindow
from kaifaqu.core.scoping import Scope, ScopedManager

from .calendar import is_due_period
from .choices import (
    FlagKindChoices,
    FlagStatusChoices,
    IndicatorKindChoices,
    OperatorChoices,
    PeriodTypeChoices,
    RuleKindChoices,
    SeverityChoices,
    StatsCategoryChoices,
    TargetSourceChoices,
    ValueSourceChoices,
)
from .querysets import DataSetAssignmentQuerySet, ValueQuerySet

AMOUNT = {"max_digits": 20, "decimal_places": 4}

# Units are data, but a closed set: their English names come from the catalogue.
UNIT_LABELS = {
    "万元": _("万元"),
    "万千瓦时": _("万千瓦时"),
    "吨标准煤": _("吨标准煤"),
    "人": _("人"),
}


class Indicator(Versioned, TimestampedModel):
    """An indicator of the catalogue (e.g. 主营业务收入 main_revenue, 万元, flow). Edited by the system admin."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    name_en = english_name_field(100)
    unit = models.CharField(_("单位"), max_length=20)
    kind = models.CharField(_("类型"), max_length=10, choices=IndicatorKindChoices.choices)
    is_money = models.BooleanField(_("金额指标"), default=False, help_text=_("导入时可声明元/千元/万元/亿元"))
    allow_negative = models.BooleanField(_("允许负数"), default=False)
    definition = models.TextField(_("定义"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.label}（{self.unit_label}）"

    @property
    def label(self):
        return localized_name(self.name, self.name_en)

    @property
    def unit_label(self):
        return UNIT_LABELS.get(self.unit, self.unit)


class DataSet(Versioned, TimestampedModel):
    """A reporting form (DHIS2's data set): indicators reported together by assigned firms on a calendar."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    name_en = english_name_field(100)
    period_type = models.CharField(_("报告期类型"), max_length=10, choices=PeriodTypeChoices.choices)
    indicators = models.ManyToManyField(Indicator, through="DataSetIndicator", verbose_name=_("指标"))
    january_exempt = models.BooleanField(_("1月免报（1—2月合并）"), default=True)
    deadline_day = models.PositiveSmallIntegerField(
        _("截止日"), default=10, help_text=_("报告期次月的第几天截止；年报为次年该月，见“年报截止月”")
    )
    annual_deadline_month = models.PositiveSmallIntegerField(_("年报截止月"), default=3)
    # 统计口径: the 四上 categories whose directory (名录) of a year is the form's scope in that year — who must
    # report (the directory drives the report assignments) and whose figures the growth is computed over. Empty:
    # the scope is the firms assigned to the form (e.g. a zone's own 规下 survey).
    scope_categories = models.JSONField(
        _("统计口径（名录类别）"),
        default=list,
        blank=True,
        help_text=_("该报表的统计范围为当年四上企业名录中这些类别的企业；留空则为分配了报送任务的企业"),
    )
    lock_after_deadline = models.BooleanField(_("截止后锁定"), default=True)
    description = models.TextField(_("说明"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("报表")
        verbose_name_plural = _("报表")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_day__gte=1, deadline_day__lte=28), name="%(app_label)s_%(class)s_deadline_day"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized_name(self.name, self.name_en)

    def clean(self):
        known = set(StatsCategoryChoices.values)
        if not isinstance(self.scope_categories, list) or not set(self.scope_categories) <= known:
            raise ValidationError({"scope_categories": _("名录类别无效")})

    @property
    def is_directory_scoped(self):
        return bool(self.scope_categories)


class DataSetIndicator(models.Model):
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="items", verbose_name=_("报表"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="data_set_items", verbose_name=_("指标")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_required = models.BooleanField(_("必填"), default=True)

    class Meta:
        verbose_name = _("报表指标")
        verbose_name_plural = _("报表指标")
        ordering = ["data_set", "order"]
        constraints = [models.UniqueConstraint(fields=["data_set", "indicator"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self):
        return f"{self.data_set} · {self.indicator}"


class DataSetAssignment(Versioned, models.Model):
    """Which firm reports which data set, from one period (yyyymm) until another (inclusive, open if empty)."""

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("报表"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="data_set_assignments", verbose_name=_("企业")
    )
    from_period = models.PositiveIntegerField(_("起始报告期"))
    to_period = models.PositiveIntegerField(_("截止报告期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    from_directory = models.BooleanField(_("由名录生成"), default=False)
    history = HistoricalRecords()

    scope = Scope(zone="enterprise__zone", enterprise="enterprise", domain="statistics")
    objects = ScopedManager.from_queryset(DataSetAssignmentQuerySet)()

    class Meta:
        verbose_name = _("报送任务")
        verbose_name_plural = _("报送任务")
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "enterprise", "from_period"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(to_period__isnull=True) | Q(to_period__gte=models.F("from_period")),
                name="%(app_label)s_%(class)s_period_order",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.data_set}"


class PeriodReopening(ReportingWindow):
    """A locked period of a data set opened again by a zone admin, with the written reason; closes at `closes_at`."""

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="reopenings", verbose_name=_("报表"))
    reason = models.TextField(_("原因"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    reopened_at = models.DateTimeField(_("重新开放时间"), auto_now_add=True)

    scope = Scope(zone="zone", domain="statistics", configuration=True)  # a reporting window, not a record
    opened_by_field, opened_at_field = "reopened_by", "reopened_at"
    closes_in_past = _("再次锁定时间须晚于现在")

    class Meta:
        verbose_name = _("重新开放记录")
        verbose_name_plural = _("重新开放记录")
        ordering = ["-reopened_at"]

    def __str__(self):
        return f"{self.zone} · {self.data_set} · {self.period}"

    def period_errors(self):
        """Only a period the data set is reported for: December of an annual form, no exempt January."""
        if not self.data_set_id:
            return {}
        if self.data_set.period_type == "annual" and self.period % 100 != 12:
            return {"period": _("年报的报告期为当年12月，例如 2025-12")}
        if not is_due_period(self.period, january_exempt=self.data_set.january_exempt):
            return {"period": _("1月免报，1—2月数据在2月报送")}
        return {}


class SameFirmFigures(models.ForeignObject):
    """Joins a value to every value of the same firm and indicator, on the columns it already has (no column of its
    own). Many rows match, so the target is not unique (Django's own tests join translations this way); it is only
    read through a FilteredRelation that narrows it to one current value (aggregation.with_prior), never as an
    attribute of an instance."""

    requires_unique_target = False


class Value(models.Model):
    """One figure of one firm for one indicator and period. Corrections add a revision; one is current."""

    # No index of their own on enterprise, indicator and data set: the unique constraints start with the enterprise,
    # and an indicator or a data set picks a twelfth of the table (the partial indexes below serve the queries).
    # Each index costs every import's INSERT: three fewer made a 50,000-row commit about a third faster.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="stat_values",
        db_index=False,
        verbose_name=_("企业"),
    )
    zone = models.ForeignKey("zones.Zone", on_delete=models.PROTECT, related_name="+", verbose_name=_("开发区"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", db_index=False, verbose_name=_("指标")
    )
    period = models.PositiveIntegerField(_("报告期"))
    value = models.DecimalField(_("数值"), **AMOUNT)
    # 上年同期 as the firm reported it on this period's form (the bureau's forms carry it; a firm new to the directory
    # has no stored figure a year before and enters its own). When present it is the comparable base of this figure.
    reported_prior = models.DecimalField(_("上年同期（企业填报）"), **AMOUNT, null=True, blank=True)
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("当前值"), default=True)
    data_set = models.ForeignKey(
        DataSet,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("报表"),
    )
    source = models.CharField(_("来源"), max_length=10, choices=ValueSourceChoices.choices)
    reason = models.CharField(_("修改原因"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    # The comparable figure a year before is the same firm's value of the same indicator: joined directly, not
    # through the enterprise table (which cost a look-up of a wide row per value on SQLite: 2× in the ranking).
    same_firm_figures = SameFirmFigures(
        "self",
        on_delete=models.DO_NOTHING,
        from_fields=["enterprise", "indicator"],
        to_fields=["enterprise", "indicator"],
        related_name="+",
        null=True,  # no column: nothing to fill
        editable=False,
    )

    scope = Scope(zone="zone", enterprise="enterprise", domain="statistics")
    objects = ScopedManager.from_queryset(ValueQuerySet)()

    class Meta:
        verbose_name = _("统计数据")
        verbose_name_plural = _("统计数据")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "indicator", "period"],
                condition=Q(is_current=True),
                name="%(app_label)s_%(class)s_one_current",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "indicator", "period", "revision"], name="%(app_label)s_%(class)s_revision"
            ),
        ]
        indexes = [
            # Enterprise and value are in the key so that sums by zone read the index alone (SQLite has no INCLUDE):
            # the region ranking and last year's published figure no longer visit the table (10× less for the
            # latter, 0.7× the hand-written SQL for the ranking on SQLite).
            models.Index(
                fields=["zone", "indicator", "period", "enterprise", "value"],
                condition=Q(is_current=True),
                name="stats_value_zone_sums",
            ),
            models.Index(
                fields=["indicator", "period"], condition=Q(is_current=True), name="stats_value_period_current"
            ),
            # 报送完整性: each firm's first entry of a data set's period, MIN(entered_at), read from the index alone
            # (one seek per firm). Not partial on is_current: a corrected figure's first entry is its first
            # revision's, which is no longer current (the correction must not make a punctual firm late).
            models.Index(fields=["data_set", "period", "enterprise", "entered_at"], name="stats_value_first_entry"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.indicator.code} {self.period} = {self.value}"

    def clean(self):
        if self.value is not None and self.value < 0 and self.indicator_id and not self.indicator.allow_negative:
            raise ValidationError({"value": _("该指标不能为负数")})


class ValidationRule(Versioned, TimestampedModel):
    """左边 运算符 右边 over a firm's figures of one period, e.g. 工业增加值 ≤ 工业总产值 (DHIS2's validation rule)."""

    name = models.CharField(_("名称"), max_length=100)
    name_en = english_name_field(100)
    data_set = models.ForeignKey(
        DataSet, on_delete=models.CASCADE, null=True, blank=True, related_name="rules", verbose_name=_("报表")
    )
    kind = models.CharField(_("规则类型"), max_length=12, choices=RuleKindChoices.choices, default="compare")
    left = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("左边指标"))
    operator = models.CharField(_("运算符"), max_length=2, choices=OperatorChoices.choices, default="le")
    right = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("右边指标")
    )
    right_factor = models.DecimalField(_("右边系数"), max_digits=12, decimal_places=4, default=1)
    right_constant = models.DecimalField(_("右边常数"), **AMOUNT, default=0)
    when_indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("前提指标"),
        help_text=_("仅当前提指标大于 0 时检查，例如“营业收入 > 0 时从业人员 > 0”"),
    )
    severity = models.CharField(_("级别"), max_length=4, choices=SeverityChoices.choices, default="soft")
    message = models.CharField(_("提示信息"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("校验规则")
        verbose_name_plural = _("校验规则")
        ordering = ["name"]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized_name(self.name, self.name_en)

    def clean(self):
        """A rule must be evaluable. A comparison needs a right indicator or a constant (a blank constant is 0 when
        there is a right indicator); a factor only makes sense with a right indicator and must be positive; a side
        compared with itself unchanged says nothing. The cumulative rule is for flow (1—N月) indicators only, has no
        right side and no condition, and always reads "left ≥ last month's left" (operator, factor and constant are
        set here)."""
        errors = {}

        def refuse(field, message):
            errors.setdefault(field, []).append(message)

        factor, constant = self.right_factor, self.right_constant
        if self.kind == RuleKindChoices.CUMULATIVE_NOT_DECREASING:
            if self.left_id is not None and self.left.kind != IndicatorKindChoices.FLOW:
                refuse("left", _("“累计值不低于上月”只适用于流量（1—N月累计）指标"))
            if self.right_id is not None or self.when_indicator_id is not None:
                refuse("right", _("“累计值不低于上月”规则不设右边指标和前提指标"))
            self.operator, self.right_factor, self.right_constant = OperatorChoices.GE, Decimal(1), Decimal(0)
        elif self.kind == RuleKindChoices.COMPARE:
            if self.right_id is None and constant is None:
                refuse("right", _("请选择右边指标或填写右边常数"))
            if self.right_id is None and factor is not None and factor != 1:
                refuse("right_factor", _("没有右边指标时系数无意义，请保持为 1"))
            if self.right_id is not None and self.right_id == self.left_id and factor == 1 and not constant:
                refuse("right", _("左右两边相同，规则没有意义"))
            if factor is not None and factor <= 0:
                refuse("right_factor", _("系数必须大于 0"))
            if constant is None and self.right_id is not None:
                self.right_constant = Decimal(0)
        if errors:
            raise ValidationError(errors)


class ValidationFlag(Versioned, models.Model):
    """A soft-rule breach or an outlier, kept for follow-up until explained or resolved."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="stat_flags", verbose_name=_("企业")
    )
    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="+", verbose_name=_("开发区"))
    period = models.PositiveIntegerField(_("报告期"))
    kind = models.CharField(_("类型"), max_length=10, choices=FlagKindChoices.choices)
    rule = models.ForeignKey(
        ValidationRule,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("校验规则"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("指标")
    )
    message = models.CharField(_("问题"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=FlagStatusChoices.choices, default="open")
    explanation = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    history = HistoricalRecords()

    scope = Scope(zone="zone", enterprise="enterprise", domain="statistics")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("数据质量问题")
        verbose_name_plural = _("数据质量问题")
        ordering = ["-period", "enterprise"]
        indexes = [models.Index(fields=["zone", "period", "status"])]

    def __str__(self):
        return f"{self.enterprise} {self.period} {self.message}"


class EnterpriseYearStatus(Versioned, models.Model):
    """规上/四上 status of a firm in a year, as in the statistics bureau's directory (entered or imported)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="year_statuses", verbose_name=_("企业")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("四上类别"), max_length=15, choices=StatsCategoryChoices.choices)
    entered_on = models.DateField(_("入库日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()

    scope = Scope(zone="enterprise__zone", enterprise="enterprise", domain="statistics")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("四上企业名录")
        verbose_name_plural = _("四上企业名录")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="%(app_label)s_%(class)s_unique"),
        ]
        # The scope of a period: the firms of a year's directory in some categories (an IN subquery of every sum).
        indexes = [models.Index(fields=["year", "category", "enterprise"], name="stats_status_directory")]

    def __str__(self):
        return f"{self.enterprise} {self.year} {self.get_category_display()}"


class Target(Versioned, TimestampedModel):
    """全年目标 of a zone for an indicator, set by the zone or handed down by the region."""

    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.CASCADE, related_name="stat_targets", verbose_name=_("开发区")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets", verbose_name=_("指标"))
    value = models.DecimalField(_("目标值"), **AMOUNT)
    growth_target_pct = models.DecimalField(_("目标增速（%）"), max_digits=8, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=TargetSourceChoices.choices, default="zone")
    history = HistoricalRecords()

    scope = Scope(zone="zone", domain="statistics")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("全年目标")
        verbose_name_plural = _("全年目标")
        constraints = [
            models.UniqueConstraint(fields=["zone", "year", "indicator"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return f"{self.zone} {self.year} {self.indicator}"


class PriceIndex(models.Model):
    """Producer price index for a period (上年同期 = 100), used to deflate value added to comparable prices."""

    period = models.PositiveIntegerField(_("报告期"), unique=True)
    index = models.DecimalField(_("价格指数"), max_digits=8, decimal_places=2)
    note = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("工业生产者出厂价格指数")
        verbose_name_plural = _("工业生产者出厂价格指数")
        ordering = ["-period"]

    def __str__(self):
        return f"{self.period} {self.index}"
