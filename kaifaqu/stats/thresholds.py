"""规上 / 四上 thresholds of the National Bureau of Statistics (standards.md §1), kept as data, and the pure check of
a firm's annual figure against its recorded status.

Each rule names the GB/T 4754-2017 codes it covers (a section letter, a two-digit division or a four-digit class;
the longest matching prefix wins), the category, the annual indicator compared and the threshold in 万元 (≥, 以上
includes the number). Categories admitted by qualification or activity (有资质的建筑业, 房地产开发经营业) have no
revenue threshold and are never flagged by figures. Correct the table here when the bureau changes it.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .choices import StatsCategoryChoices as C

MAIN_REVENUE, REVENUE = "main_revenue", "revenue"


@dataclass(frozen=True)
class Threshold:
    codes: tuple
    category: str
    indicator: str | None
    amount: Decimal | None


THRESHOLDS = (
    # 规模以上工业: mining, manufacturing, utilities (sections B, C, D): 主营业务收入 ≥ 2,000万元 (since 2011).
    Threshold(("B", "C", "D"), C.INDUSTRY, MAIN_REVENUE, Decimal(2000)),
    Threshold(("E",), C.CONSTRUCTION, None, None),  # 有资质: by qualification
    Threshold(("51",), C.WHOLESALE, MAIN_REVENUE, Decimal(2000)),
    Threshold(("52",), C.RETAIL, MAIN_REVENUE, Decimal(500)),
    Threshold(("H",), C.HOSPITALITY, MAIN_REVENUE, Decimal(200)),
    Threshold(("7010",), C.REAL_ESTATE, None, None),  # every developer with development activity
    # 规上服务业, three tiers of 营业收入.
    Threshold(("G", "I", "N", "84"), C.SERVICES, REVENUE, Decimal(2000)),
    Threshold(("L", "M", "P", "7020", "7030", "7040", "7090"), C.SERVICES, REVENUE, Decimal(1000)),
    Threshold(("O", "R", "85"), C.SERVICES, REVENUE, Decimal(500)),
)


def threshold_for(industry_code, section):
    """The rule covering a GB/T 4754 class code (e.g. "2651") in `section` (e.g. "C"), or None."""
    best, best_length = None, -1
    for rule in THRESHOLDS:
        for code in rule.codes:
            matches = code == section if code.isalpha() else industry_code.startswith(code)
            length = 0 if code.isalpha() else len(code)
            if matches and length > best_length:
                best, best_length = rule, length
    return best


@dataclass(frozen=True)
class StatusCheck:
    rule: Threshold | None
    figure: Decimal | None
    problem: str = ""


def check_status(*, category, industry_code, section, figures):
    """Whether a firm's annual figures ({indicator code: Decimal}) agree with its status (`category` or "" for
    none). Missing input is not zero: a missing figure says so instead of passing or failing."""
    rule = threshold_for(industry_code, section)
    if rule is None:
        if category:
            return StatusCheck(None, None, _("所属行业不在四上统计范围"))
        return StatusCheck(None, None)
    figure = figures.get(rule.indicator) if rule.indicator else None
    if category and category != rule.category:
        return StatusCheck(rule, figure, _("名录类别与所属行业不符"))
    if rule.amount is None:
        return StatusCheck(rule, figure)
    if figure is None:
        return StatusCheck(rule, None, _("缺少年度数据，无法核对") if category else "")
    if category and figure < rule.amount:
        return StatusCheck(rule, figure, _("年度收入低于入库标准"))
    if not category and figure >= rule.amount:
        return StatusCheck(rule, figure, _("年度收入已达入库标准，尚未入库"))
    return StatusCheck(rule, figure)
