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

from django.db import connection
from django.db.models import Case, CharField, Count, DateTimeField, Exists, Func, Min, OuterRef, Subquery, When
from django.db.models import Value as SqlValue
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.enterprises.choices import IndustryLevelChoices
from kaifaqu.enterprises.models import Contact, Enterprise, IndustryClass
from kaifaqu.zones.models import Department, Park, Zone

from .choices import ReportStatusChoices
from .models import DataSetAssignment, Value
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

    def add(self, status, firms=1):
        self.assigned += firms
        setattr(self, status, getattr(self, status) + firms)

    def __getitem__(self, status):
        return getattr(self, status)

    @property
    def reported(self):
        return self.on_time + self.late

    @property
    def reported_pct(self):
        return round(self.reported * 100 / self.assigned, 1) if self.assigned else None


def tallies(groups, key, label):
    """Add the GROUP BY's rows (zone, park, department, section, status, firms) up by one of their keys."""
    found = {}
    for group in groups:
        k = key(group)
        if k not in found:
            found[k] = Tally(k, label(group))
        found[k].add(group[4], group[5])
    return sorted(found.values(), key=lambda t: (t.key is None, str(t.label)))


@dataclass
class Completeness:
    data_set: object
    period: int
    deadline: datetime.date
    firms: "FirmList" = None
    total: Tally = None
    by_zone: list = field(default_factory=list)
    by_park: list = field(default_factory=list)
    by_department: list = field(default_factory=list)
    by_section: list = field(default_factory=list)

    def with_status(self, *statuses):
        """The firms of these statuses (all when none), still unread: a page reads one slice of them."""
        return self.firms.with_status(*statuses) if statuses else self.firms


def assigned_firm_ids(assignments, data_set, period):
    return assignments.covering(period).filter(data_set=data_set).values("enterprise_id")  # for IN: no DISTINCT


def missing_count(*, assignments, data_set, period):
    """How many firms completeness() would list as 未报 (no figure of the data set for the period at all): one
    query, for pages that show the number and link to the completeness page for the rows."""
    reported = Value.objects.for_period(period).filter(data_set=data_set, enterprise_id=OuterRef("pk"))
    firms = Enterprise.objects.filter(pk__in=assigned_firm_ids(assignments, data_set, period))
    return firms.exclude(Exists(reported)).count()


def first_entry(data_set, period):
    """The firm's first entry of the data set's period, MIN(entered_at) over every revision (a corrected figure's
    first entry is its first revision's), as a correlated subquery: one seek per firm in stats_value_first_entry.
    An aggregate without GROUP BY (Func, not Min, as Django's docs show for aggregates in a subquery): it always
    gives one row, NULL when the firm has no figure, and the status below reads it once."""
    return (
        Value.objects.for_period(period)
        .filter(data_set=data_set, enterprise_id=OuterRef("pk"))
        .order_by()
        .annotate(first=Func("entered_at", function="MIN", output_field=DateTimeField()))
    )


def status_sql(data_set, period, due):
    """The firm's ReportStatusChoices in SQL, report_status's rule: on time when its first entry came before the end
    of the deadline day, late after it, missing without any figure."""
    status = Case(
        When(first__isnull=True, then=SqlValue(ReportStatusChoices.MISSING)),
        When(first__lt=end_of_day(due), then=SqlValue(ReportStatusChoices.ON_TIME)),
        default=SqlValue(ReportStatusChoices.LATE),
        output_field=CharField(),
    )
    return Subquery(first_entry(data_set, period).annotate(status=status).values("status"), output_field=CharField())


class FirmList:
    """The assigned firms as FirmReports in the page's order (zone, name), read from the database one slice at a
    time: a page of 50 costs one LIMIT/OFFSET query whatever the number of firms. Its length is known from the
    counts already made (no COUNT query); iterating reads every firm (the 催报 export, the API) in batches."""

    ORDER = ("zone__name", "name", "pk")

    def __init__(self, firms, *, data_set, period, due, counts, statuses=()):
        self.firms, self.data_set, self.period, self.due = firms, data_set, period, due
        self.counts, self.statuses = counts, tuple(statuses)

    def with_status(self, *statuses):
        return FirmList(
            self.firms, data_set=self.data_set, period=self.period, due=self.due, counts=self.counts, statuses=statuses
        )

    def count(self):
        return sum(self.counts[s] for s in self.statuses) if self.statuses else self.counts.assigned

    def __len__(self):
        return self.count()

    def chosen(self):
        """The firms of the chosen statuses, in the page's order (the status is worked out only to filter)."""
        firms = self.firms
        if self.statuses:
            status = status_sql(self.data_set, self.period, self.due)
            firms = firms.alias(report_status=status).filter(report_status__in=self.statuses)
        return firms.order_by(*self.ORDER)

    def with_entries(self, firms):
        first = Subquery(first_entry(self.data_set, self.period).values("first"))
        return firms.annotate(first_entered_at=first).select_related("zone", "park", "service_department")

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        # The slice of ids first, then their rows: the first entry and the wide rows are read for 50 firms, not sorted
        # along with all of them.
        ids = self.chosen().values("pk")[index]
        return self.reports(self.with_entries(Enterprise.objects.filter(pk__in=ids)).order_by(*self.ORDER))

    def reports(self, firms):
        return [FirmReport(f, report_status(f.first_entered_at, self.due), f.first_entered_at) for f in firms]

    def batches(self, size=2000):
        """Every firm, in lists of `size`: one query read in chunks (paging by OFFSET would redo the work per batch)."""
        batch = []
        for firm in self.with_entries(self.chosen()).iterator(chunk_size=size):
            batch.append(firm)
            if len(batch) == size:
                yield self.reports(batch)
                batch = []
        if batch:
            yield self.reports(batch)

    def __iter__(self):
        for batch in self.batches():
            yield from batch


GROUP_COLUMNS = ("zone_id", "park_id", "service_department_id", "industry__section")


def status_counts(firms, data_set, period, due):
    """(zone, park, department, section, status, firms) rows: one GROUP BY. On PostgreSQL the period's first entries
    are grouped once and hash-joined to the firms (faster there than a subquery per firm: 150 against 170 ms at 30,000
    firms); the ORM writes no derived table, so its query of the firms is wrapped in that SQL. Elsewhere (SQLite) a
    scalar subquery per firm is the faster form."""
    if connection.vendor == "postgresql":
        return counts_by_grouped_join(firms, data_set, period, due)
    return list(
        firms.annotate(report_status=status_sql(data_set, period, due))
        .values(*GROUP_COLUMNS, "report_status")
        .annotate(firms=Count("pk"))
        .values_list(*GROUP_COLUMNS, "report_status", "firms")
    )


def counts_by_grouped_join(firms, data_set, period, due):
    firm_sql, firm_params = firms.order_by().values_list("pk", *GROUP_COLUMNS).query.sql_with_params()
    entries = Value.objects.filter(data_set=data_set, period=period).order_by().values("enterprise_id")
    entries_sql, entries_params = entries.annotate(first_at=Min("entered_at")).query.sql_with_params()
    sql = f"""
        SELECT f.zone_id, f.park_id, f.service_department_id, f.section,
               CASE WHEN e.first_at IS NULL THEN %s WHEN e.first_at < %s THEN %s ELSE %s END, COUNT(*)
        FROM ({firm_sql}) f (id, zone_id, park_id, service_department_id, section)
        LEFT JOIN ({entries_sql}) e (enterprise_id, first_at) ON e.enterprise_id = f.id
        GROUP BY 1, 2, 3, 4, 5
    """  # noqa: S608 — the two queries are the ORM's, with their parameters
    status = (ReportStatusChoices.MISSING, end_of_day(due), ReportStatusChoices.ON_TIME, ReportStatusChoices.LATE)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*status, *firm_params, *entries_params))
        return cursor.fetchall()


def completeness(*, firms, data_set, period):
    """Completeness of `data_set` for `period` over those of `firms` (an Enterprise queryset restricted to the user,
    possibly filtered by zone, park or liaison department) assigned to report it. (The scope is applied to the firms
    themselves, not through the assignments: that cost a join per assignment in both queries, ~7 ms each at 30,000
    firms on SQLite.) The counts are one GROUP BY in the database (by zone, park,
    liaison department, industry section and status, added up here into the four breakdowns) and three look-ups of
    names; the firms are read a slice at a time (FirmList). A fixed number of queries however many firms."""
    due = due_date(data_set, period)
    assigned = DataSetAssignment.objects.covering(period).filter(data_set=data_set).values("enterprise_id")
    firms = firms.filter(pk__in=assigned)
    groups = status_counts(firms, data_set, period, due)
    result = Completeness(data_set=data_set, period=period, deadline=due)
    result.total = Tally(None, _("合计"))
    for *_keys, status, count in groups:
        result.total.add(status, count)
    zones = Zone.objects.in_bulk({g[0] for g in groups})
    parks = Park.objects.in_bulk({g[1] for g in groups if g[1] is not None})
    departments = Department.objects.in_bulk({g[2] for g in groups if g[2] is not None})
    sections = dict(IndustryClass.objects.filter(level=IndustryLevelChoices.SECTION).values_list("code", "name"))
    several = len(zones) > 1  # every zone has its 经济运行部: name the zone beside the department

    def department_label(zone_id, department_id):
        if department_id is None:
            return _("未指定部门")
        department = departments[department_id]
        return f"{zones[zone_id]} · {department.label}" if several else department.label

    result.by_zone = tallies(groups, lambda g: g[0], lambda g: str(zones[g[0]]))
    result.by_park = tallies(groups, lambda g: g[1], lambda g: str(parks[g[1]]) if g[1] is not None else _("未入园"))
    result.by_department = tallies(groups, lambda g: g[2], lambda g: department_label(g[0], g[2]))
    result.by_section = tallies(groups, lambda g: g[3], lambda g: f"{g[3]} {sections.get(g[3], '')}".strip())
    result.firms = FirmList(firms, data_set=data_set, period=period, due=due, counts=result.total)
    return result


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
    full = shows_phone_numbers(user)
    for batch in result.with_status(*statuses).batches():
        yield from reminder_batch(attach_primary_contacts(user, batch), result.deadline, full)


def reminder_batch(reports, deadline, full):
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
            deadline,
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
