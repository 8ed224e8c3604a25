"""Regions (GB/T 2260), zones, parks (园中园), departments and industry chains."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kaifaqu.accounts.choices import DomainChoices
from kaifaqu.core.models import TimestampedModel, Versioned, english_name_field, localized_name
from kaifaqu.core.scoping import Scope, ScopedManager

from .choices import RegionLevelChoices, ZoneKindChoices, ZoneLevelChoices

ADMINISTRATION = "administration"


class Region(models.Model):
    """An administrative division by its GB/T 2260 code (reference data, loaded from data/)."""

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevelChoices.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级区划")
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.full_name}"

    @property
    def full_name(self):
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class Zone(Versioned, TimestampedModel):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    level = models.CharField(_("级别"), max_length=20, choices=ZoneLevelChoices.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=ZoneKindChoices.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="zones", verbose_name=_("所在区划"))
    established_on = models.DateField(_("设立日期"), null=True, blank=True)
    address = models.CharField(_("管委会地址"), max_length=200, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    # Only the zone admin (and the system admin) edit a zone and its departments: no department domain matches.
    scope = Scope(zone="", domain=ADMINISTRATION)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("开发区")
        verbose_name_plural = _("开发区")
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name

    def get_absolute_url(self):
        return reverse("zones:zone", args=[self.pk])


class ZonePartMixin(Versioned, TimestampedModel):
    """A part of one zone: reached through `zone` for scope, written by the registry domain."""

    scope = Scope(zone="zone")
    objects = ScopedManager()

    class Meta:
        abstract = True

    def get_absolute_url(self):
        return self.zone.get_absolute_url()


class Park(ZonePartMixin):
    """园中园: a park inside the zone, often anchored by one lead firm."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="parks", verbose_name=_("开发区"))
    name = models.CharField(_("名称"), max_length=100)
    lead_enterprise_name = models.CharField(_("龙头企业"), max_length=200, blank=True)
    area_mu = models.DecimalField(_("面积（亩）"), max_digits=12, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("园中园")
        verbose_name_plural = _("园中园")
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="%(app_label)s_%(class)s_unique_name")]

    def __str__(self):
        return self.name


class Department(ZonePartMixin):
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="departments", verbose_name=_("开发区"))
    name = models.CharField(_("名称"), max_length=100)
    name_en = english_name_field(100)
    domains = models.JSONField(_("业务范围"), default=list, blank=True, help_text=_("本部门人员可以修改的业务数据"))
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    history = HistoricalRecords()

    scope = Scope(zone="zone", domain=ADMINISTRATION)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="%(app_label)s_%(class)s_unique_name")]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized_name(self.name, self.name_en)

    def clean(self):
        unknown = set(self.domains or []) - set(DomainChoices.values)
        if unknown:
            raise ValidationError({"domains": _("未知的业务范围")})

    def get_domains_display(self):
        labels = dict(DomainChoices.choices)
        return "、".join(str(labels[d]) for d in self.domains or [] if d in labels)


class IndustryChain(ZonePartMixin):
    """A leading industry chain of the zone (主导产业链)."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="chains", verbose_name=_("开发区"))
    name = models.CharField(_("名称"), max_length=100)
    name_en = english_name_field(100)
    description = models.TextField(_("说明"), blank=True)
    industry_codes = models.CharField(
        _("相关行业代码"), max_length=500, blank=True, help_text=_("GB/T 4754 门类或大类代码，以逗号分隔，如 C26,C29")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="%(app_label)s_%(class)s_unique_name")]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized_name(self.name, self.name_en)
