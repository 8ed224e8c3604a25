"""Enterprises by 统一社会信用代码, with industry (GB/T 4754-2017), contacts and relocations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kaifaqu.core.models import TimestampedModel, Versioned, english_name_field, localized_name
from kaifaqu.core.money import MoneyField
from kaifaqu.core.scoping import Scope, ScopedManager

from .choices import EnterpriseScaleChoices, EnterpriseStatusChoices, IndustryLevelChoices
from .signals import PLACEMENT_FIELDS, placement_changed
from .validators import validate_credit_code


class IndustryClass(models.Model):
    """国民经济行业分类 GB/T 4754-2017, all four levels (reference data, loaded from data/)."""

    code = models.CharField(_("行业代码"), max_length=5, primary_key=True)
    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("层级"), max_length=10, choices=IndustryLevelChoices.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级行业")
    )
    section = models.CharField(_("门类"), max_length=1, db_index=True)
    division = models.CharField(_("大类"), max_length=2, blank=True, db_index=True)

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["section", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Tag(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = english_name_field(50)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized_name(self.name, self.name_en)


class Enterprise(Versioned, TimestampedModel):
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    former_names = models.TextField(_("曾用名"), blank=True, help_text=_("每行一个"))
    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("所属开发区")
    )
    park = models.ForeignKey(
        "zones.Park",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("所在园区"),
    )
    # 包联部门: the committee department that looks after the firm (visits, chasing its monthly figures).
    service_department = models.ForeignKey(
        "zones.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="liaison_enterprises",
        verbose_name=_("包联部门"),
    )
    industry = models.ForeignKey(
        IndustryClass,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("国民经济行业"),
        limit_choices_to={"level": IndustryLevelChoices.CLASS},
    )
    region = models.ForeignKey(
        "zones.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("注册地区划"),
    )
    address = models.CharField(_("注册地址"), max_length=300, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    registered_capital = MoneyField(_("注册资本（万元）"), null=True, blank=True)
    scale = models.CharField(_("企业规模"), max_length=10, choices=EnterpriseScaleChoices.choices, blank=True)
    status = models.CharField(
        _("经营状态"), max_length=20, choices=EnterpriseStatusChoices.choices, default=EnterpriseStatusChoices.ACTIVE
    )
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    chains = models.ManyToManyField(
        "zones.IndustryChain", blank=True, related_name="enterprises", verbose_name=_("所属产业链")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="enterprises", verbose_name=_("标签"))
    main_products = models.CharField(_("主要产品"), max_length=300, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords(m2m_fields=[tags, chains])

    scope = Scope(zone="zone", enterprise="pk")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        indexes = [models.Index(fields=["zone", "status"]), models.Index(fields=["zone", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(registered_capital__gte=0) | models.Q(registered_capital__isnull=True),
                name="%(app_label)s_%(class)s_capital_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active") | models.Q(status_changed_on__isnull=False),
                name="%(app_label)s_%(class)s_status_has_date",
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.loaded_placement = instance.placement()
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        refreshed = None if fields is None else {f if f.endswith("_id") else f"{f}_id" for f in fields}
        placement = {k: v for k, v in self.placement().items() if refreshed is None or k in refreshed}
        self.loaded_placement = {**getattr(self, "loaded_placement", {}), **placement}

    def placement(self):
        """The zone, park and industry as loaded (deferred ones left out, never fetched for this)."""
        return {name: self.__dict__[name] for name in PLACEMENT_FIELDS if name in self.__dict__}

    def save(self, *args, **kwargs):
        before = getattr(self, "loaded_placement", None)
        super().save(*args, **kwargs)
        after = self.placement()
        if before is not None and any(before[name] != after.get(name, before[name]) for name in before):
            placement_changed.send(sender=Enterprise, enterprise_ids=[self.pk])
        self.loaded_placement = after

    def get_absolute_url(self):
        return reverse("enterprises:enterprise", args=[self.pk])

    def clean(self):
        errors = {}
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
        if self.registered_capital is not None and self.registered_capital < 0:
            errors["registered_capital"] = _("注册资本不能为负数")
        if self.founded_on and self.founded_on > timezone.localdate():
            errors["founded_on"] = _("成立日期不能晚于今天")
        if self.park_id and self.zone_id and self.park.zone_id != self.zone_id:
            errors["park"] = _("园区不属于所选开发区")
        if self.service_department_id and self.zone_id and self.service_department.zone_id != self.zone_id:
            errors["service_department"] = _("包联部门不属于所选开发区")
        if self.industry_id and self.industry.level != IndustryLevelChoices.CLASS:
            errors["industry"] = _("请选择到小类（4位代码）")
        if self.status != EnterpriseStatusChoices.ACTIVE and not self.status_changed_on:
            errors["status_changed_on"] = _("迁出或注销的企业须填写状态变更日期")
        if self.status_changed_on and self.status_changed_on > timezone.localdate():
            errors["status_changed_on"] = _("状态变更日期不能晚于今天")
        if errors:
            raise ValidationError(errors)

    @property
    def former_name_list(self):
        return [n.strip() for n in self.former_names.splitlines() if n.strip()]


class Contact(Versioned, TimestampedModel):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("企业")
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    history = HistoricalRecords()

    scope = Scope(zone="enterprise__zone", enterprise="enterprise")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_primary", "name"]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self):
        """PI-2: show only the first three and last four digits to roles that do not need the number."""
        digits = self.phone
        return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


class Relocation(models.Model):
    """A move of an enterprise between zones or parks (迁入/迁出), kept as its own record."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="relocations", verbose_name=_("企业")
    )
    moved_on = models.DateField(_("迁移日期"))
    from_zone = models.ForeignKey(
        "zones.Zone", on_delete=models.PROTECT, related_name="+", verbose_name=_("迁出开发区")
    )
    from_park = models.ForeignKey(
        "zones.Park", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("迁出园区")
    )
    to_zone = models.ForeignKey("zones.Zone", on_delete=models.PROTECT, related_name="+", verbose_name=_("迁入开发区"))
    to_park = models.ForeignKey(
        "zones.Park", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("迁入园区")
    )
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope = Scope(zone="enterprise__zone", enterprise="enterprise")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("迁移记录")
        verbose_name_plural = _("迁移记录")
        ordering = ["-moved_on", "-pk"]

    def __str__(self):
        return f"{self.enterprise} {self.moved_on}"
