from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorKindChoices(models.TextChoices):
    FLOW = "flow", _("流量（1—N月累计）")
    STOCK = "stock", _("存量（期末数）")


class PeriodTypeChoices(models.TextChoices):
    MONTHLY = "monthly", _("月报")
    ANNUAL = "annual", _("年报")


class ValueSourceChoices(models.TextChoices):
    FORM = "form", _("填报")
    IMPORT = "import", _("导入")
    API = "api", _("接口")
    DEMO = "demo", _("演示数据")


class OperatorChoices(models.TextChoices):
    LE = "le", "≤"
    LT = "lt", "<"
    GE = "ge", "≥"
    GT = "gt", ">"
    EQ = "eq", "="
    NE = "ne", "≠"


class RuleKindChoices(models.TextChoices):
    COMPARE = "compare", _("指标比较")
    CUMULATIVE_NOT_DECREASING = "cumulative", _("累计值不低于上月")


class SeverityChoices(models.TextChoices):
    HARD = "hard", _("强制（不能保存）")
    SOFT = "soft", _("提示（保存后核实）")


class FlagKindChoices(models.TextChoices):
    RULE = "rule", _("校验规则")
    OUTLIER = "outlier", _("异常波动")
    PRIOR = "prior", _("上年同期不一致")


class FlagStatusChoices(models.TextChoices):
    OPEN = "open", _("待核实")
    EXPLAINED = "explained", _("已说明")
    RESOLVED = "resolved", _("已处理")


class StatsCategoryChoices(models.TextChoices):
    """四上企业: the categories of above-threshold units in the statistics bureau's directory."""

    INDUSTRY = "industry", _("规模以上工业")
    CONSTRUCTION = "construction", _("有资质的建筑业")
    WHOLESALE = "wholesale", _("限额以上批发业")
    RETAIL = "retail", _("限额以上零售业")
    HOSPITALITY = "hospitality", _("限额以上住宿和餐饮业")
    REAL_ESTATE = "real_estate", _("房地产开发经营业")
    SERVICES = "services", _("规模以上服务业")


class TargetSourceChoices(models.TextChoices):
    ZONE = "zone", _("开发区自定")
    REGION = "region", _("上级下达")


class ReportStatusChoices(models.TextChoices):
    """Whether a firm reported a period of a data set by its deadline (completeness and the 催报 list)."""

    ON_TIME = "on_time", _("按时报送")
    LATE = "late", _("逾期报送")
    MISSING = "missing", _("未报送")


class DirectoryChangeChoices(models.TextChoices):
    """How a firm's row in the 四上 directory differs from the year before (the status page and its export)."""

    ENTERED = "entered", _("新进入名录")
    LEFT = "left", _("退出名录")
    CHANGED = "changed", _("类别变化")
