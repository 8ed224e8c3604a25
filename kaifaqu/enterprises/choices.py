from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseStatusChoices(models.TextChoices):
    ACTIVE = "active", _("在营")
    MOVED_OUT = "moved_out", _("迁出")
    CLOSED = "closed", _("注销")


class EnterpriseScaleChoices(models.TextChoices):
    # 工信部联企业〔2011〕300号 size classes.
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class IndustryLevelChoices(models.TextChoices):
    SECTION = "section", _("门类")
    DIVISION = "division", _("大类")
    GROUP = "group", _("中类")
    CLASS = "class", _("小类")
