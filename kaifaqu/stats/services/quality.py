"""Data-quality writes: the outlier scan of a zone's period (flags of kind "outlier", see kaifaqu.stats.outliers)
and the follow-up of validation flags (the firm explains, staff resolve). The reads (completeness, the 催报 list)
are kaifaqu.stats.quality."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kaifaqu.core.history import attributed

from .. import outliers
from ..choices import FlagKindChoices, FlagStatusChoices, IndicatorKindChoices
from ..models import DataSetAssignment, ValidationFlag, Value
from ..permissions import may_scan_zone

# -- outlier scan --------------------------------------------------------------------------------------------------


def _number(value):
    return f"{value:,.2f}"


def finding_text(finding):
    if finding.check == outliers.CHECK_YOY:
        return _("1—N月累计 %(value)s，同比 %(pct)s%%（上年同期 %(reference)s）") % {
            "value": _number(finding.value),
            "pct": finding.score,
            "reference": _number(finding.reference),
        }
    if finding.check == outliers.CHECK_MOM:
        return _("当月 %(value)s，环比 %(pct)s%%（上月 %(reference)s）") % {
            "value": _number(finding.value),
            "pct": finding.score,
            "reference": _number(finding.reference),
        }
    return _("当月 %(value)s 远离本企业近12个月中位数 %(reference)s（稳健得分 %(score)s）") % {
        "value": _number(finding.value),
        "reference": _number(finding.reference),
        "score": finding.score,
    }


def outlier_message(indicator, findings):
    text = _("%(indicator)s异常波动：") % {"indicator": indicator.name} + "；".join(finding_text(f) for f in findings)
    return text[:300]


@transaction.atomic
def scan_outliers(*, actor, zone, data_set, period):
    """Check every assigned firm of `zone` for `period` and write one open "outlier" flag per firm and flow
    indicator that breaks a band (see kaifaqu.stats.outliers). A firm, period and indicator that already has an
    outlier flag (open, explained or resolved) is not flagged again. Returns the flags created."""
    if not may_scan_zone(actor, zone):
        raise PermissionDenied
    year = period // 100
    firm_ids = set(
        DataSetAssignment.objects.covering(period)
        .filter(data_set=data_set, enterprise__zone=zone)
        .values_list("enterprise_id", flat=True)
    )
    flows = {i.pk: i for i in data_set.indicators.filter(kind=IndicatorKindChoices.FLOW)}
    series = defaultdict(dict)  # (firm, indicator) -> {period: cumulative}
    values = (
        Value.objects.current()
        .filter(
            enterprise_id__in=firm_ids,
            indicator_id__in=flows,
            period__gte=(year - 1) * 100 + 1,
            period__lte=period,
        )
        .values_list("enterprise_id", "indicator_id", "period", "value")
    )
    for firm_id, indicator_id, at, value in values.iterator(chunk_size=5000):
        series[(firm_id, indicator_id)][at] = value
    already = set(
        ValidationFlag.objects.filter(
            kind=FlagKindChoices.OUTLIER, period=period, enterprise_id__in=firm_ids
        ).values_list("enterprise_id", "indicator_id")
    )
    flags = []
    for (firm_id, indicator_id), cumulative in sorted(series.items()):
        if period not in cumulative or (firm_id, indicator_id) in already:
            continue
        findings = outliers.check_firm(period, cumulative, january_exempt=data_set.january_exempt)
        if findings:
            flags.append(
                ValidationFlag(
                    enterprise_id=firm_id,
                    zone=zone,
                    period=period,
                    kind=FlagKindChoices.OUTLIER,
                    indicator_id=indicator_id,
                    message=outlier_message(flows[indicator_id], findings),
                )
            )
    if not flags:
        return []
    return bulk_create_with_history(flags, ValidationFlag, batch_size=1000, default_user=actor)


# -- flag follow-up --------------------------------------------------------------------------------------------


@transaction.atomic
def explain_flag(*, actor, flag, explanation):
    """The firm (or staff) explains the figure: status → explained. A resolved flag is closed."""
    explanation = (explanation or "").strip()
    if not explanation:
        raise ValidationError({"explanation": _("请填写说明")})
    if flag.status == FlagStatusChoices.RESOLVED:
        raise ValidationError(_("该问题已处理，不能再修改说明"))
    flag.explanation = explanation
    flag.status = FlagStatusChoices.EXPLAINED
    attributed(flag, actor)
    flag.save(update_fields=["explanation", "status"])
    return flag


@transaction.atomic
def resolve_flag(*, actor, flag, now=None):
    """Staff accept the figure (or its correction): status → resolved, with who and when."""
    if flag.status == FlagStatusChoices.RESOLVED:
        raise ValidationError(_("该问题已处理"))
    flag.status = FlagStatusChoices.RESOLVED
    flag.resolved_by = actor
    flag.resolved_at = now or timezone.now()
    attributed(flag, actor)
    flag.save(update_fields=["status", "resolved_by", "resolved_at"])
    return flag
