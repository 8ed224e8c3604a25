"""Data quality, the reads: completeness and timeliness of a data set's period and the 催报 reminder list. (The
writes — the outlier scan and the follow-up of validation flags — are kaifaqu.stats.services.quality.)

Completeness breaks down by zone, park, liaison department (包联部门, `Enterprise.service_department`: the committee
department that looks after the firm and chases its figures; firms without one count under 未指定部门) and industry
section.

Timeliness: a firm reported on time when its first figure for the period (the earliest revision of any current
value; corrections later do not make a punctual firm late) was entered on or before the deadline day of
`kaifaqu.stats.calendar.deadline`, in local time; late when after it; missing when it has no figure at all.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.enterprises.choices import IndustryLevelChoices
from kaifaqu.enterprises.models import Contact, Enterprise, IndustryClass

from .choices import ReportStatusChoices
from .models import Value
from .periods import due_date

# The 催报 list: firms that did not report by the deadline (late ones included: they are chased and counted).
REMINDER_STATUSES = (ReportStatusChoices.LATE, ReportStatusChoices.MISSING)


# -- completeness ----------------------------------------------------------------------------------------------


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


def assigned_firm_ids(assignments, data_set, period):
    return assignments.covering(period).filter(data_set=data_set).values("enterprise_id").distinct()


def missing_count(*, assignments, data_set, period):
    """How many firms completeness() would list as 未报 (no figure of the data set for the period at all): one
    query, for pages that show the number and link to the completeness page for the rows."""
    reported = Value.objects.for_period(period).filter(data_set=data_set, enterprise_id=OuterRef("pk"))
    firms = Enterprise.objects.filter(pk__in=assigned_firm_ids(assignments, data_set, period))
    return firms.exclude(Exists(reported)).count()


def completeness(*, assignments, data_set, period):
    """Completeness of `data_set` for `period` over the firms of `assignments` (a restricted DataSetAssignment
    queryset, possibly filtered by zone or park). A fixed number of queries however many firms."""
    due = due_date(data_set, period)
    firm_ids = assigned_firm_ids(assignments, data_set, period)
    firms = list(
        Enterprise.objects.filter(pk__in=firm_ids)
        .select_related("zone", "park", "service_department", "industry")
        .order_by("zone__name", "name", "pk")
    )
    first = dict(
        Value.objects.for_period(period)
        .filter(data_set=data_set, enterprise_id__in=firm_ids)
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
        return f"{firm.zone} · {department.label}" if several else department.label

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
