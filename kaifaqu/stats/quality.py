"""Data quality: completeness and timeliness of a data set's period, the 催报 reminder list, outlier scans, and
the follow-up of validation flags (explain, resolve).

Completeness breaks down by zone, park, liaison department (包联部门, `Enterprise.service_department`: the committee
department that looks after the firm and chases its figures; firms without one count under 未指定部门) and industry
section.

Timeliness: a firm reported on time when its first figure for the period (the earliest revision of any current
value; corrections later do not make a punctual firm late) was entered on or before the deadline day of
`kaifaqu.stats.calendar.deadline`, in local time; late when after it; missing when it has no figure at all.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from kaifaqu.core.history import attributed
from kaifaqu.enterprises.choices import IndustryLevelChoices
from kaifaqu.enterprises.models import Contact, Enterprise, IndustryClass

from . import outliers
from .calendar import deadline
from .choices import FlagKindChoices, FlagStatusChoices, IndicatorKindChoices
from .models import DataSetAssignment, ValidationFlag, Value
from .querysets import active_assignment_q, is_enterprise_user_of


class ReportStatusChoices(models.TextChoices):
    ON_TIME = "on_time", gettext_lazy("按时报送")
    LATE = "late", gettext_lazy("逾期报送")
    MISSING = "missing", gettext_lazy("未报送")


# The 催报 list: firms that did not report by the deadline (late ones included: they are chased and counted).
REMINDER_STATUSES = (ReportStatusChoices.LATE, ReportStatusChoices.MISSING)


# -- completeness ----------------------------------------------------------------------------------------------


def due_date(data_set, period):
    return deadline(
        period,
        period_type=data_set.period_type,
        deadline_day=data_set.deadline_day,
        annual_deadline_month=data_set.annual_deadline_month,
    )


def end_of_day(day):
    """The first instant after `day` in the current time zone: a figure entered before it was entered that day."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def report_status(first_entered_at, due):
    if first_entered_at is None:
        return ReportStatusChoices.MISSING
    return ReportStatusChoices.ON_TIME if first_entered_at < end_of_day(due) else ReportStatusChoices.LATE


@dataclass
class FirmReport:
    enterprise: Enterprise
    status: str
    first_entered_at: datetime.datetime | None = None
    contact: Contact | None = None

    @property
    def status_label(self):
        return ReportStatusChoices(self.status).label


@dataclass
class Tally:
    """Counts of one group (a zone, park, liaison department or industry section)."""

    key: object
    label: str
    assigned: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0

    def add(self, status):
        self.assigned += 1
        setattr(self, status, getattr(self, status) + 1)

    @property
    def reported(self):
        return self.on_time + self.late

    @property
    def reported_pct(self):
        return round(self.reported * 100 / self.assigned, 1) if self.assigned else None


@dataclass
class Completeness:
    data_set: object
    period: int
    deadline: datetime.date
    firms: list = field(default_factory=list)
    total: Tally = None
    by_zone: list = field(default_factory=list)
    by_park: list = field(default_factory=list)
    by_department: list = field(default_factory=list)
    by_section: list = field(default_factory=list)

    def with_status(self, *statuses):
        return [f for f in self.firms if f.status in statuses] if statuses else list(self.firms)


def tallies(firms, key, label):
    groups = {}
    for report in firms:
        k = key(report.enterprise)
        if k not in groups:
            groups[k] = Tally(k, label(report.enterprise))
        groups[k].add(report.status)
    return sorted(groups.values(), key=lambda t: (t.key is None, str(t.label)))


def completeness(*, assignments, data_set, period):
    """Completeness of `data_set` for `period` over the firms of `assignments` (a restricted DataSetAssignment
    queryset, possibly filtered by zone or park). A fixed number of queries however many firms."""
    due = due_date(data_set, period)
    firm_ids = assignments.filter(active_assignment_q(period), data_set=data_set).values("enterprise_id").distinct()
    firms = list(
        Enterprise.objects.filter(pk__in=firm_ids)
        .select_related("zone", "park", "service_department", "industry")
        .order_by("zone__name", "name", "pk")
    )
    first = dict(
        Value.objects.filter(data_set=data_set, period=period, enterprise_id__in=firm_ids)
        .values("enterprise_id")
        .annotate(first=Min("entered_at"))
        .values_list("enterprise_id", "first")
    )
    reports = [FirmReport(firm, report_status(first.get(firm.pk), due), first.get(firm.pk)) for firm in firms]
    sections = dict(IndustryClass.objects.filter(level=IndustryLevelChoices.SECTION).values_list("code", "name"))
    result = Completeness(data_set=data_set, period=period, deadline=due, firms=reports)
    result.total = Tally(None, _("合计"))
    for report in reports:
        result.total.add(report.status)
    result.by_zone = tallies(reports, lambda e: e.zone_id, lambda e: str(e.zone))
    result.by_park = tallies(reports, lambda e: e.park_id, lambda e: str(e.park) if e.park_id else _("未入园"))
    result.by_department = tallies(reports, lambda e: e.service_department_id, department_label(reports))
    result.by_section = tallies(
        reports,
        lambda e: e.industry.section,
        lambda e: f"{e.industry.section} {sections.get(e.industry.section, '')}".strip(),
    )
    return result


def department_label(reports):
    """The label of a firm's liaison department: its name, with the zone's when the firms span several zones (every
    zone has its 经济运行部); 未指定部门 for firms without one."""
    several = len({r.enterprise.zone_id for r in reports}) > 1

    def label(firm):
        department = firm.service_department
        if department is None:
            return _("未指定部门")
        return f"{firm.zone} · {department.name}" if several else department.name

    return label


def attach_primary_contacts(user, reports):
    """Set `contact` on each report: the firm's primary contact, else its first one (one query, scoped)."""
    ids = [r.enterprise.pk for r in reports]
    contacts = {}
    rows = Contact.objects.restrict(user, "view").filter(enterprise_id__in=ids).order_by("-is_primary", "name", "pk")
    for contact in rows:
        contacts.setdefault(contact.enterprise_id, contact)
    for report in reports:
        report.contact = contacts.get(report.enterprise.pk)
    return reports


def shows_phone_numbers(user):
    """Full phone numbers for zone roles and the system admin; others (region viewers) see them masked (PI-2)."""
    return user.is_system_admin or bool(user.zone_ids())


def reminder_rows(user, result, statuses=REMINDER_STATUSES):
    """Rows of the 催报名单: firm, credit code, zone, park, liaison department, contact, phone, deadline, status,
    first entry."""
    reports = attach_primary_contacts(user, result.with_status(*statuses))
    full = shows_phone_numbers(user)
    for report in reports:
        firm, contact = report.enterprise, report.contact
        phone = "" if contact is None else (contact.phone if full else contact.masked_phone)
        yield [
            firm.name,
            firm.credit_code,
            str(firm.zone),
            str(firm.park) if firm.park_id else "",
            firm.service_department.name if firm.service_department_id else "",
            contact.name if contact else "",
            phone,
            result.deadline,
            str(report.status_label),
            timezone.localtime(report.first_entered_at).strftime("%Y-%m-%d %H:%M") if report.first_entered_at else "",
        ]


REMINDER_HEADERS = (
    gettext_lazy("企业名称"),
    gettext_lazy("统一社会信用代码"),
    gettext_lazy("开发区"),
    gettext_lazy("园区"),
    gettext_lazy("包联部门"),
    gettext_lazy("联系人"),
    gettext_lazy("联系电话"),
    gettext_lazy("截止日期"),
    gettext_lazy("报送状态"),
    gettext_lazy("首次报送时间"),
)
REMINDER_WIDTHS = (36, 22, 16, 22, 14, 10, 16, 12, 10, 18)


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


def may_scan_zone(user, zone):
    return user.is_authenticated and user.can_add_in_zone(ValidationFlag.scope, zone.pk)


@transaction.atomic
def scan_outliers(*, actor, zone, data_set, period):
    """Check every assigned firm of `zone` for `period` and write one open "outlier" flag per firm and flow
    indicator that breaks a band (see kaifaqu.stats.outliers). A firm, period and indicator that already has an
    outlier flag (open, explained or resolved) is not flagged again. Returns the flags created."""
    if not may_scan_zone(actor, zone):
        raise PermissionDenied
    year = period // 100
    firm_ids = set(
        DataSetAssignment.objects.filter(
            active_assignment_q(period), data_set=data_set, enterprise__zone=zone
        ).values_list("enterprise_id", flat=True)
    )
    flows = {i.pk: i for i in data_set.indicators.filter(kind=IndicatorKindChoices.FLOW)}
    series = defaultdict(dict)  # (firm, indicator) -> {period: cumulative}
    values = Value.objects.filter(
        enterprise_id__in=firm_ids,
        indicator_id__in=flows,
        period__gte=(year - 1) * 100 + 1,
        period__lte=period,
        is_current=True,
    ).values_list("enterprise_id", "indicator_id", "period", "value")
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


def may_resolve_flag(user, flag):
    """Staff who write statistics in the flag's zone (and the system admin)."""
    return ValidationFlag.objects.restrict(user, "change").filter(pk=flag.pk).exists()


def may_explain_flag(user, flag):
    """The firm's own users, and staff who may resolve it."""
    return is_enterprise_user_of(user, flag.enterprise) or may_resolve_flag(user, flag)


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
