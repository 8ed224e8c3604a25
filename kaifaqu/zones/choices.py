from django.db import models
from django.utils.translation import gettext_lazy as _


class ZoneLevelChoices(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")


class ZoneKindChoices(models.TextChoices):
    ECONOMIC = "economic", _("经开区")
    HIGH_TECH = "high_tech", _("高新区")
    REFORM = "reform", _("综改区")
    OTHER = "other", _("其他")


class RegionLevelChoices(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("地级")
    COUNTY = "county", _("县级")
