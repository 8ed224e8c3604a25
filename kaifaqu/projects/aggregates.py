"""What leaders read about key projects (forms.md "A zone's monthly economic-operation analysis" §4 and
"Key-project monthly dispatch"), and the leader's page of late items.

Key projects of a year: the projects of level 省/市/县/区重点 with an annual plan (AnnualPlan) for that year —
the year's key-project list. For a report period P (yyyymm) of year Y, per group of them:

- 个数, 总投资 (Project.total_investment), 年度计划投资 (AnnualPlan.planned_investment of year Y);
- 1—N月完成投资: per project the year_to_date of its latest progress report (period, 旬) with Y-01 ≤ period ≤ P,
  0 when it has none. Running totals restart in January and add each report's amount (services.record_progress),
  so this equals the sum of the amounts reported for those periods — which is how it is computed (one GROUP BY);
- 完成率 = 1—N月完成 ÷ 年度计划 (%), 时序进度 = N ÷ 12 (rules.schedule_pct; 1—2月 = 16.67%),
  超/低于时序进度 = 完成率 − 时序进度 in percentage points;
- 开工率 = of the projects whose plan says they start this year (planned_start), those with an actual 开工 date
  from Y-01-01 to the last day of P; 竣工率 likewise with planned_completion and the 竣工 milestone.

The 通报 table lists the same projects one by one, sorted by 完成率, lowest first, with a 形象进度 class from the
last stage reached by the end of P (主体完工 from 主体封顶 on; 基本过半 when started and the investment completed
since the start is at least half the total; 主体开工 when started; 前期工作 before).

Each read is a fixed number of GROUP BY queries, whatever the number of projects and reports.
"""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.periods import make_period, month_of, previous_month, year_of

from .choices import MilestoneChoices, ProjectKindChoices, ProjectLevelChoices, ProjectStatusChoices
from .models import AnnualPlan, Approval, Problem, ProgressReport, ProjectStage, StageDefinition
from .rules import pct, schedule_pct

KEY_LEVELS = (
    ProjectLevelChoices.PROVINCE,
    ProjectLevelChoices.CITY,
    ProjectLevelChoices.COUNTY,
    ProjectLevelChoices.DISTRICT,
)
KINDS = tuple(ProjectKindChoices)


# -- periods ------------------------------------------------------------------------------------------------------


def month_end(period):
    year, month = year_of(period), month_of(period)
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def default_period(today, year=None):
    """The report period when none is asked for: last month (January itself in January) of `year` or this year;
    December of a past year."""
    year = year or today.year
    if year < today.year:
        return make_period(year, 12)
    current = make_period(today.year, today.month)
    if year > today.year:
        return make_period(year, 1)
    return current if today.month == 1 else previous_month(current)


# -- pure arithmetic ----------------------------------------------------------------------------------------------


@dataclass
class KeyFigures:
    """The sums behind one row of the key-project table (money in 万元)."""

    count: int = 0
    investment: Decimal = Decimal(0)
    plan: Decimal = Decimal(0)
    completed: Decimal = Decimal(0)
    planned_starts: int = 0
    started: int = 0
    planned_completions: int = 0
    finished: int = 0

    def __iadd__(self, other):
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


@dataclass(frozen=True)
class KeyRow:
    key: str
    label: str
    figures: KeyFigures
    month: int

    @property
    def completion_pct(self):
        """完成率: 1—N月 completed ÷ annual plan, in percent (None without a plan)."""
        return pct(self.figures.completed, self.figures.plan)

    @property
    def schedule_pct(self):
        return schedule_pct(self.month)

    @property
    def gap_points(self):
        """超(+)/低于(−)时序进度, percentage points."""
        rate = self.completion_pct
        return None if rate is None else rate - self.schedule_pct

    @property
    def start_rate(self):
        return pct(self.figures.started, self.figures.planned_starts)

    @property
    def finish_rate(self):
        return pct(self.figures.finished, self.figures.planned_completions)


def combine(cells, month):
    """{(level, kind): KeyFigures} → rows by level, rows by kind and the total row (every level and kind listed)."""
    by_level = {level: KeyFigures() for level in KEY_LEVELS}
    by_kind = {kind: KeyFigures() for kind in KINDS}
    total = KeyFigures()
    for (level, kind), figures in cells.items():
        by_level.setdefault(level, KeyFigures())
        by_kind.setdefault(kind, KeyFigures())
        by_level[level] += figures
        by_kind[kind] += figures
        total += figures
    levels = dict(ProjectLevelChoices.choices)
    kinds = dict(ProjectKindChoices.choices)
    return {
        "by_level": [KeyRow(k, levels.get(k, k), f, month) for k, f in by_level.items()],
        "by_kind": [KeyRow(k, kinds.get(k, k), f, month) for k, f in by_kind.items()],
        "total": KeyRow("total", _("合计"), total, month),
    }


IMAGE_CLASSES = {
    "done": _("主体完工"),
    "half": _("基本过半"),
    "started": _("主体开工"),
    "preparing": _("前期工作"),
}


def image_class(stage_order, milestone_orders, since_start, total_investment):
    """形象进度 class of a project from the order of the last stage it reached and its investment since the start.

    milestone_orders: {milestone: stage order} of the project's zone (started, topped_out).
    """
    topped, started = milestone_orders.get(MilestoneChoices.TOPPED_OUT), milestone_orders.get(MilestoneChoices.STARTED)
    if stage_order is not None and topped is not None and stage_order >= topped:
        return "done"
    if stage_order is not None and started is not None and stage_order >= started:
        if total_investment and since_start and since_start * 2 >= total_investment:
            return "half"
        return "started"
    return "preparing"


# -- queries ------------------------------------------------------------------------------------------------------


def key_plans(user, zone_ids, year, level="", kind=""):
    """The annual plans of year `year` of the key projects in `zone_ids` the user may see."""
    plans = AnnualPlan.objects.restrict(user, "view").filter(
        year=year, project__level__in=[level] if level else KEY_LEVELS, project__zone_id__in=list(zone_ids)
    )
    return plans.filter(project__kind=kind) if kind else plans


def reached(milestone, start, end, ref="project_id"):
    """Exists: the project (OuterRef `ref`) reached `milestone` with an actual date in [start, end]."""
    return Exists(
        ProjectStage.objects.filter(
            project=OuterRef(ref), stage__milestone=milestone, actual_on__gte=start, actual_on__lte=end
        )
    )


def key_project_cells(user, zone_ids, period):
    """{(level, kind): KeyFigures} for report period `period` — two GROUP BY queries."""
    year = year_of(period)
    start, end = datetime.date(year, 1, 1), month_end(period)
    plans = key_plans(user, zone_ids, year)
    rows = (
        plans.values("project__level", "project__kind")
        .annotate(
            n=Count("pk"),
            investment=Sum("project__total_investment"),
            plan=Sum("planned_investment"),
            planned_starts=Count("pk", filter=Q(planned_start=True)),
            started=Count("pk", filter=Q(planned_start=True) & Q(reached(MilestoneChoices.STARTED, start, end))),
            planned_completions=Count("pk", filter=Q(planned_completion=True)),
            finished=Count(
                "pk", filter=Q(planned_completion=True) & Q(reached(MilestoneChoices.COMPLETED, start, end))
            ),
        )
        .order_by()
    )
    cells = {}
    for row in rows:
        cells[(row["project__level"], row["project__kind"])] = KeyFigures(
            count=row["n"],
            investment=row["investment"] or Decimal(0),
            plan=row["plan"] or Decimal(0),
            planned_starts=row["planned_starts"],
            started=row["started"],
            planned_completions=row["planned_completions"],
            finished=row["finished"],
        )
    done = (
        ProgressReport.objects.filter(
            project_id__in=plans.values("project_id"), period__gte=make_period(year, 1), period__lte=period
        )
        .values("project__level", "project__kind")
        .annotate(done=Sum("amount"))
        .order_by()
    )
    for row in done:
        cells.setdefault((row["project__level"], row["project__kind"]), KeyFigures()).completed = row["done"] or 0
    return cells


def key_project_table(user, zone_ids, period):
    """The key-project tables: {"by_level": [KeyRow], "by_kind": [KeyRow], "total": KeyRow}."""
    return combine(key_project_cells(user, zone_ids, period), month_of(period))


@dataclass
class BulletinRow:
    plan: AnnualPlan
    completed: Decimal
    since_start: Decimal
    month: int
    image: str

    @property
    def project(self):
        return self.plan.project

    @property
    def completion_pct(self):
        return pct(self.completed, self.plan.planned_investment)

    @property
    def schedule_pct(self):
        return schedule_pct(self.month)

    @property
    def gap_points(self):
        rate = self.completion_pct
        return None if rate is None else rate - self.schedule_pct

    @property
    def image_label(self):
        return IMAGE_CLASSES[self.image]


def bulletin_rows(user, zone_ids, period, level="", kind=""):
    """The 通报 table: every key project of the year, lowest completion rate first (four queries).

    Projects with a zero plan (no rate) come last; ties are broken by name.
    """
    year = year_of(period)
    plans = key_plans(user, zone_ids, year, level, kind).select_related(
        "project__zone", "project__department", "project__park"
    )
    plans = list(plans)
    ids = [p.project_id for p in plans]
    figures = {
        row["project_id"]: row
        for row in ProgressReport.objects.filter(project_id__in=ids, period__lte=period)
        .values("project_id")
        .annotate(ytd=Sum("amount", filter=Q(period__gte=make_period(year, 1))), since=Max("since_start"))
        .order_by()
    }
    stage_orders = dict(
        ProjectStage.objects.filter(project_id__in=ids, actual_on__lte=month_end(period))
        .values("project_id")
        .annotate(order=Max("stage__order"))
        .order_by()
        .values_list("project_id", "order")
    )
    milestones = defaultdict(dict)
    for zone_id, milestone, order in StageDefinition.objects.filter(
        zone_id__in={p.project.zone_id for p in plans},
        milestone__in=[MilestoneChoices.STARTED, MilestoneChoices.TOPPED_OUT],
    ).values_list("zone_id", "milestone", "order"):
        milestones[zone_id][milestone] = order
    rows = []
    for plan in plans:
        found = figures.get(plan.project_id, {})
        since = found.get("since") or Decimal(0)
        image = image_class(
            stage_orders.get(plan.project_id), milestones[plan.project.zone_id], since, plan.project.total_investment
        )
        rows.append(BulletinRow(plan, found.get("ytd") or Decimal(0), since, month_of(period), image))
    rows.sort(
        key=lambda r: (r.completion_pct is None, r.completion_pct or 0, r.project.name, r.project.pk),
    )
    return rows


# -- leader's page ------------------------------------------------------------------------------------------------


@dataclass
class LateItem:
    """One late thing on the leader's page: what, which project, who is responsible, since when."""

    obj: object
    project: object
    department: object
    due_on: datetime.date
    days: int


LEADER_ROWS = 100


def late_milestones(user, zone_ids, today):
    """Stages with a planned date passed and no actual date (projects not terminated)."""
    return (
        ProjectStage.objects.restrict(user, "view")
        .filter(project__zone_id__in=list(zone_ids), actual_on__isnull=True, planned_on__lt=today)
        .exclude(project__status=ProjectStatusChoices.CANCELLED)
    )


def overdue_approvals(user, zone_ids, today):
    return (
        Approval.objects.restrict(user, "view")
        .filter(project__zone_id__in=list(zone_ids))
        .exclude(project__status=ProjectStatusChoices.CANCELLED)
        .overdue(today)
    )


def overdue_problems(user, zone_ids, today):
    return Problem.objects.restrict(user, "view").filter(zone_id__in=list(zone_ids)).overdue(today)


def leader_overview(user, zone_ids, today, limit=LEADER_ROWS):
    """{"stages", "approvals", "problems"}: each (count, the `limit` most overdue LateItems) — six queries."""
    stages = late_milestones(user, zone_ids, today)
    stage_rows = stages.select_related("project__zone", "project__department", "stage").order_by("planned_on", "pk")
    approvals = list(overdue_approvals(user, zone_ids, today).select_related("project__zone", "department", "kind"))
    approval_items = sorted(
        (LateItem(a, a.project, a.department, a.due_on, (today - a.due_on).days) for a in approvals),
        key=lambda item: (item.due_on, item.obj.pk),
    )
    problems = overdue_problems(user, zone_ids, today)
    problem_rows = problems.select_related("project__zone", "department", "zone", "inspection").order_by(
        "deadline", "pk"
    )
    return {
        "stages": (
            stages.count(),
            [
                LateItem(s, s.project, s.project.department, s.planned_on, (today - s.planned_on).days)
                for s in stage_rows[:limit]
            ],
        ),
        "approvals": (len(approval_items), approval_items[:limit]),
        "problems": (
            problems.count(),
            [LateItem(p, p.project, p.department, p.deadline, (today - p.deadline).days) for p in problem_rows[:limit]],
        ),
    }
