"""Demo projects: scenarios 1, 2, 7 and 8 of the design documents (zone-work.md) in the demo zones.

The scenarios are data files beside this module (parameters.yaml lists them in order; scenario1_pingding.yaml says
what a record may hold): projects with their phases, stage dates, lines, approval matters, annual plans and problems;
the inspection of scenario 8; the campaigns of scenario 2. This module reads them (kaifaqu.core.demo), resolves
their references by natural keys (zone short name; park, chain, department, stage, approval matter by name in the
zone; project by name) and writes the rows.

What the news reported is used as reported (the stage notes say 据公开报道); everything else is invented and
marked: every project is is_demo=True and named with （演示） unless the news named it, every synthetic date note,
approval, plan goal and progress text says 演示数据, and investors and producers are only synthetic demo firms
(is_demo, named with （演示）) — a real firm never carries an invented figure.

Generated, from parameters in the files: the monthly progress (a seeded spread of a share of the plan) and the
expansions of scenario 2 (demo 规上 firms put into production, designed from their demo statistics).

The calendar (timezone.localdate() when seeded, `ProgressCalendar`): the scenarios' reported dates stay as they are,
their plans are for the scenario year (2025, parameters.yaml) with progress through its December, and a project still
being built gets a plan for each later year up to the current one with progress through the last closed month (the
month being reported now, until day 10, is reported by most projects, never by the enterprise account's own).
scenario_today_gaoping.yaml dates its projects from today ('-10d', '+8m'), so late milestones, overdue matters and
problems are always current; one of them is the enterprise account's firm's (investor: enterprise_account).

Written through the services (save_project, save_phase, save_line, save_plan, record_stage, record_progress,
record_inspection, resolve_problem) or validated and saved with the acting user attributed (services.saved, for
approvals and problems: create_approval and create_problem ask for a role the demo account does not have) so every
row has its history. The acting user is an inactive account that cannot sign in (kaifaqu.accounts.demo.demo_actor).
Progress is recorded with `now` set inside each month's reporting window, as it would have been reported then.

Deterministic for a given date and idempotent: a project, inspection or campaign that exists (matched by zone and
name, or zone, date and location) is left as it is with everything under it; a second run creates nothing. Only
zones flagged is_demo are touched.
"""

import calendar
import datetime
import random
import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from kaifaqu.accounts.demo import demo_actor
from kaifaqu.core.demo import DemoDataError, Refs, cast, read, shown
from kaifaqu.core.history import attributed
from kaifaqu.core.periods import make_period, month_of, year_of
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats import demo as stats_demo
from kaifaqu.zones.models import Department, IndustryChain, Park, Zone

from .. import services
from ..models import (
    AnnualPlan,
    Approval,
    ApprovalKind,
    Campaign,
    CampaignOverride,
    Inspection,
    Problem,
    ProductionLine,
    Project,
    ProjectPhase,
    StageDefinition,
)
from ..rules import closed_progress_period, progress_deadline, progress_period

DEMO_MARK = "（演示）"
DEMO = "演示数据"
CHANGE_REASON = "演示数据初始化"
YI = Decimal(10000)  # 1亿元 in 万元
# Keys of a project record that are not Project fields.
PROJECT_PARTS = {
    "name",
    "investor",
    "investor_name",
    "park",
    "chain",
    "department",
    "phases",
    "stage_note",
    "stages",
    "lines",
    "approvals",
    "plan",
    "progress",
    "problems",
    "plan_year",
}


@cache
def parameters():
    return read("projects", "parameters")


def scenario_files():
    return [read("projects", name) for name in parameters()["scenarios"]]


def reporting_time(period):
    """A moment inside the reporting window of `period`: the first day of the next month, 09:00 local time."""
    year, month = year_of(period), month_of(period)
    first = datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
    return timezone.make_aware(datetime.datetime.combine(first, datetime.time(9)))


RELATIVE = re.compile(r"^([+-]\d+)([dm])$")


def day(value):
    """A date of a file: an ISO date, or relative to the seeding day (timezone.localdate()): '-10d' ten days ago,
    '+6m' six months on, '0d' today."""
    if isinstance(value, datetime.date) or value is None:
        return value
    relative = RELATIVE.match(str(value))
    if relative:
        count, unit = int(relative[1]), relative[2]
        today = timezone.localdate()
        return today + datetime.timedelta(days=count) if unit == "d" else add_months(today, count)
    return datetime.date.fromisoformat(str(value))


def add_months(date, months):
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    return date.replace(year=year, month=month + 1, day=min(date.day, calendar.monthrange(year, month + 1)[1]))


def dates(values):
    """The relative dates of a record's fields as dates (other values as they are)."""
    return {k: day(v) if isinstance(v, str) and RELATIVE.match(v) else v for k, v in values.items()}


@dataclass(frozen=True)
class ProgressCalendar:
    """进度填报 on the seeding day: `current` is the month reported now (last month); while its deadline (day
    PROJECT_PROGRESS_DEADLINE_DAY of this month) is ahead it is `open` and `closed` is the month before."""

    today: datetime.date
    current: int
    open: int | None

    @classmethod
    def on(cls, today):
        current = progress_period(today)
        return cls(today=today, current=current, open=current if progress_deadline(current) >= today else None)

    @property
    def closed(self):
        return closed_progress_period(self.today)

    @property
    def year(self):
        """The current plan year: the year of the month reported now."""
        return year_of(self.current)

    def last_month(self, year):
        """The last closed month of `year` (December of a past year; 0 when none is closed yet)."""
        closed = self.closed
        return 12 if year < year_of(closed) else (month_of(closed) if year == year_of(closed) else 0)


class DemoSeeder:
    """Writes the rows of the scenario files; every helper creates rows only under a project it has just created."""

    def __init__(self):
        self.created = Counter()
        self.actor = demo_actor(self.created)
        self.refs = Refs()
        self.used = {}  # zone id -> ids of the firms projects took as investors, so the next takes another
        self._stages = {}
        progress = parameters()["progress"]
        self.scenario_year = progress["scenario_year"]
        self.calendar = ProgressCalendar.on(timezone.localdate())
        self.wobble = progress["wobble"]
        self.account_firms = set(stats_demo.account_firm_ids())

    # -- references by natural key -------------------------------------------------------------------------------

    def zone(self, file):
        zone = Zone.objects.filter(is_demo=True, short_name=file["zone"]).first()
        if zone is None:
            raise DemoDataError(f"{shown(file.path)}: unknown demo zone '{file['zone']}' (run seed_demo first)")
        return zone

    def department(self, record, zone, names):
        return self.refs.first(record, Department, "department", names, zone=zone)

    def park(self, record, zone, name):
        return self.refs.one(record, Park, "park", zone=zone, name=name) if name else None

    def chain(self, record, zone, name):
        return self.refs.one(record, IndustryChain, "industry chain", zone=zone, name=name) if name else None

    def project_named(self, record, zone, name):
        return self.refs.one(record, Project, "project", zone=zone, name=name)

    def firms(self, zone, prefixes, *, with_statistics=False):
        """The first active synthetic demo firm of the zone in GB/T 4754 classes starting with `prefixes` (tried in
        order, by credit code) that no other project has taken — never a real firm. With statistics: only the 规上
        demo firms seed_demo_stats reports for. Returns [firm] or []."""
        used = self.used.setdefault(zone.pk, sorted(self.account_firms))  # the account's firm is not taken
        base = Enterprise.objects.filter(
            zone=zone, is_demo=True, name__endswith=DEMO_MARK, status="active"
        ).select_related("industry")
        if with_statistics:
            base = base.filter(tags__name=stats_demo.parameters().above_scale_tag)
        for prefix in prefixes:
            firm = base.filter(industry__code__startswith=str(prefix)).exclude(pk__in=used).order_by("credit_code")
            firm = firm.first()
            if firm is not None:
                used.append(firm.pk)
                return [firm]
        return []

    def account_firm(self, zone):
        """The firm of the zone's demo enterprise account (kaifaqu/accounts/demo/accounts.yaml)."""
        return Enterprise.objects.filter(pk__in=self.account_firms, zone=zone).select_related("industry").first()

    def stage(self, record, zone, key):
        if zone.pk not in self._stages:
            services.ensure_zone_defaults(zone)
            table = {}
            for s in StageDefinition.objects.filter(zone=zone, is_active=True):
                table[s.code] = s
                if s.milestone:
                    table[s.milestone] = s
            self._stages[zone.pk] = table
        if key not in self._stages[zone.pk]:
            raise record.error(f"unknown stage '{key}'")
        return self._stages[zone.pk][key]

    # -- writers -------------------------------------------------------------------------------------------------

    def project(self, zone, name, **fields):
        """A new demo project, or None when one of that name exists in the zone (left as it is)."""
        if Project.objects.filter(zone=zone, name=name).exists():
            return None
        project = Project(zone=zone, name=name, is_demo=True, **fields)
        services.save_project(actor=self.actor, project=project, reason=CHANGE_REASON)
        self.created["project"] += 1
        return project

    def stages(self, record, project, rows, *, note=DEMO, investor_found=True):
        """rows: [stage code or milestone, planned date, actual date(, {phase: name} or {with_investor: true})]."""
        for index, row in enumerate(rows, start=1):
            if not isinstance(row, list | tuple) or len(row) not in (3, 4):
                raise record.error(f"stages #{index}: expected [stage, planned, actual(, options)]")
            key, planned, actual, *rest = row
            options = rest[0] if rest else {}
            try:
                planned, actual = day(planned), day(actual)
            except ValueError as bad:
                raise record.error(f"stages #{index}: not a date ({bad})") from bad
            if options.get("with_investor") and not investor_found:
                continue
            phase = None
            if options.get("phase"):
                phase = self.refs.one(record, ProjectPhase, "phase", project=project, name=options["phase"])
            services.record_stage(
                actor=self.actor,
                project=project,
                stage=self.stage(record, project.zone, key),
                planned_on=planned,
                actual_on=actual,
                note=note,
                phase=phase,
            )
            self.created["stage"] += 1

    def phases(self, record, project):
        for row in record.children("phases"):
            phase = ProjectPhase(project=project, **cast(row, ProjectPhase, row.data))
            attributed(phase, self.actor, CHANGE_REASON)
            services.save_phase(actor=self.actor, phase=phase)
            self.created["phase"] += 1

    def lines(self, record, project):
        for order, row in enumerate(record.children("lines"), start=1):
            line = ProductionLine(project=project, order=order, **cast(row, ProductionLine, row.data))
            attributed(line, self.actor, CHANGE_REASON)
            services.save_line(actor=self.actor, line=line)
            self.created["line"] += 1

    def approvals(self, record, project, rows=None):
        """Approval matters: the kind (the zone's matter by name), a department (first of a list) and the Approval
        fields; the time limit (and a department not given) are the kind's (Approval.apply_kind_defaults)."""
        rows = rows if rows is not None else record.children("approvals")
        for row in rows:
            values = dates(row.data)
            kind = self.refs.one(row, ApprovalKind, "approval matter", zone=project.zone, name=values.pop("kind"))
            department = values.pop("department", None)
            if department:
                values["department"] = self.department(row, project.zone, department)
            values.setdefault("note", DEMO)
            approval = Approval(project=project, kind=kind, **cast(row, Approval, values)).apply_kind_defaults()
            with row.writing():
                services.saved(approval, self.actor, CHANGE_REASON)
            self.created["approval"] += 1

    def plan(self, project, planned_investment, goal, *, planned_start=False, planned_completion=False, year=None):
        plan = AnnualPlan(
            project=project,
            year=year or self.scenario_year,
            planned_investment=Decimal(str(planned_investment)),
            progress_goal=f"{goal}（{DEMO}）",
            planned_start=planned_start,
            planned_completion=planned_completion,
        )
        attributed(plan, self.actor, CHANGE_REASON)
        services.save_plan(actor=self.actor, plan=plan)
        self.created["plan"] += 1
        return plan

    def progress(self, project, reports):
        """reports: (period, amount, 形象进度) in order, each recorded inside its reporting window."""
        now = timezone.now()
        for period, amount, text in reports:
            services.record_progress(
                actor=self.actor,
                project=project,
                period=period,
                amount=amount,
                image_progress=f"{text}（{DEMO}）" if text else "",
                now=min(reporting_time(period), now),
            )
            self.created["progress"] += 1

    def monthly_progress(self, project, plan, *, share, first_month=1, before=None, texts=()):
        """Monthly reports for the plan's year from `first_month` to its last closed month whose total is `share`
        of the plan's time share (时序进度 × share), spread with a seeded wobble; `before` is a lump reported for the
        December before (investment completed since the start in earlier years). The month being reported now (its
        deadline still ahead) is reported by most projects, not by those of the enterprise accounts' firms (theirs
        is due)."""
        year, last = plan.year, self.calendar.last_month(plan.year)
        rng = random.Random(
            f"{parameters()['seed']}:{project.name}" + (f":{year}" if year != self.scenario_year else "")
        )
        months = list(range(first_month, last + 1))
        if not months:
            return
        target = plan.planned_investment * Decimal(last) / 12 * Decimal(str(share))
        low, high = self.wobble
        weights = [Decimal(str(round(rng.uniform(low, high), 2))) for _month in months]
        amounts = [(target * w / sum(weights)).quantize(Decimal(1)) for w in weights]
        reports = []
        if before:
            reports.append((make_period(year - 1, 12), Decimal(str(before)), ""))
        for index, (month, amount) in enumerate(zip(months, amounts, strict=True)):
            text = texts[index * len(texts) // len(months)] if texts else ""
            reports.append((make_period(year, month), amount, text))
        open_month = self.calendar.open
        if (
            open_month
            and year_of(open_month) == year
            and project.investor_id not in self.account_firms
            and rng.random() < parameters()["progress"]["open_month_share"]
        ):
            amount = (target / len(months) * Decimal(str(round(rng.uniform(low, high), 2)))).quantize(Decimal(1))
            reports.append((open_month, amount, texts[-1] if texts else ""))
        self.progress(project, reports)

    def follow_on_plans(self, project, spec, progress):
        """A scenario project still being built after its scenario year gets a plan for each later year up to the
        current one (the rest of its investment, at most the scenario plan's amount) and, when the scenario spread
        its progress, monthly progress through the last closed month."""
        rule = parameters()["progress"]["follow_on"]
        for year in range(self.scenario_year + 1, max(self.calendar.year, self.calendar.today.year) + 1):
            if _finished_before(project, datetime.date(year, 1, 1)):
                return
            spent = project.progress.aggregate(total=Sum("amount"))["total"] or Decimal(0)
            total = project.total_investment or Decimal(0)
            amount = min(Decimal(str(spec["planned_investment"])), total - spent)
            if amount <= 0:
                return
            planned_completion = project.stages.filter(
                stage__milestone="completed", actual_on__isnull=True, planned_on__year=year
            ).exists()
            plan = self.plan(
                project,
                amount,
                rule["goal_completion"] if planned_completion else rule["goal"],
                planned_start=not project.stages.filter(stage__milestone="started", actual_on__isnull=False).exists(),
                planned_completion=planned_completion,
                year=year,
            )
            if progress and project.stages.filter(stage__milestone="started", actual_on__isnull=False).exists():
                share = random.Random(f"{parameters()['seed']}:share:{project.name}:{year}").uniform(*rule["share"])
                self.monthly_progress(project, plan, share=round(share, 2), texts=tuple(progress.get("texts") or ()))

    def problem(self, row, project, values):
        """A problem of the project: Problem fields, a department (first of a list), status; resolve afterwards."""
        values = dates(values)
        resolve = values.pop("resolve", None)
        department = self.department(row, project.zone, values.pop("department"))
        problem = Problem(
            zone=project.zone,
            project=project,
            department=department,
            raised_by=self.actor,
            **cast(row, Problem, values),
        )
        with row.writing():
            services.saved(problem, self.actor, CHANGE_REASON)
        self.created["problem"] += 1
        if resolve:
            self.resolve(row, problem, resolve)
        return problem

    def resolve(self, row, problem, resolve):
        services.resolve_problem(
            actor=self.actor,
            problem=problem,
            resolution=resolve["resolution"],
            resolved_on=day(resolve.get("resolved_on")),
        )

    def campaign(self, zone, name, starts_on, ends_on):
        """A campaign, or None when one of that name exists in the zone."""
        if Campaign.objects.filter(zone=zone, name=name).exists():
            return None
        campaign = Campaign(
            zone=zone, name=name, starts_on=starts_on, ends_on=ends_on, note=f"{DEMO}：活动名称与期间为演示"
        )
        services.saved(campaign, self.actor, CHANGE_REASON)
        self.created["campaign"] += 1
        return campaign


# ---------------------------------------------------------------------------------------------------------------
# Projects of a scenario file
# ---------------------------------------------------------------------------------------------------------------
def seed_projects(seeder, file, zone):
    defaults = file.get("defaults") or {}
    for record in file.records("projects"):
        seed_project(seeder, replace(record, data={**defaults, **record.data}), zone)


def seed_project(seeder, record, zone):
    """One project record; its parts only when the project is new. A row the rules refuse is the record's error."""
    with record.writing():
        return _seed_project(seeder, record, zone)


def _finished_before(project, date):
    """Completed or in production before `date`: no more construction plans."""
    return project.stages.filter(
        stage__milestone__in=("completed", "production"), actual_on__isnull=False, actual_on__lt=date
    ).exists()


def _seed_project(seeder, record, zone):
    investor = None
    if record.get("investor") == "enterprise_account":
        investor = seeder.account_firm(zone)
        if investor is None:
            raise record.error("no demo enterprise account in this zone (accounts.yaml, run seed_demo first)")
        investor_name = ""
    elif "investor" in record:
        wanted = record["investor"]
        investor = next(iter(seeder.firms(zone, wanted.get("industry") or ())), None)
        investor_name = "" if investor else wanted.get("otherwise", f"投资方{DEMO_MARK}")
    else:
        investor_name = record.get("investor_name", "")
    fields = cast(record, Project, dates({k: v for k, v in record.data.items() if k not in PROJECT_PARTS}))
    department = record.get("department")
    project = seeder.project(
        zone,
        record["name"],
        investor=investor,
        investor_name=investor_name,
        industry=investor.industry if investor else None,
        park=seeder.park(record, zone, record.get("park")),
        chain=seeder.chain(record, zone, record.get("chain")),
        department=seeder.department(record, zone, department) if department else None,
        **fields,
    )
    if project is None:
        return None
    seeder.phases(record, project)
    seeder.stages(
        record, project, record.get("stages") or [], note=record.get("stage_note", DEMO), investor_found=bool(investor)
    )
    seeder.lines(record, project)
    seeder.approvals(record, project)
    if record.get("plan"):
        plan_spec = dict(record["plan"])
        year = seeder.calendar.year if record.get("plan_year") == "current" else seeder.scenario_year
        plan = seeder.plan(
            project,
            plan_spec["planned_investment"],
            plan_spec["goal"],
            planned_start=plan_spec.get("planned_start", False),
            planned_completion=plan_spec.get("planned_completion", False),
            year=year,
        )
        spread = record.get("progress")
        if spread:
            first = spread.get("first_month", 1)
            if isinstance(first, str):  # a relative date: its month when in the plan's year
                first = day(first).month if day(first).year == year else 1
            seeder.monthly_progress(
                project,
                plan,
                share=spread["share"],
                first_month=first,
                before=spread.get("before"),
                texts=tuple(spread.get("texts") or ()),
            )
        if year == seeder.scenario_year:
            seeder.follow_on_plans(project, plan_spec, spread)
    for row in record.children("problems"):
        seeder.problem(row, project, row.data)
    return project


# ---------------------------------------------------------------------------------------------------------------
# Inspections (scenario 8) and campaigns (scenario 2)
# ---------------------------------------------------------------------------------------------------------------
def seed_inspections(seeder, file, zone):
    for record in file.records("inspections"):
        with record.writing():
            seed_inspection(seeder, record, zone)


def seed_inspection(seeder, record, zone):
    """One inspection with the problems raised on the spot, unless one of that day and place exists."""
    held_on, location = day(record["held_on"]), record["location"]
    projects = [seeder.project_named(record, zone, name) for name in record.get("projects") or ()]
    issues = record.children("issues")
    if Inspection.objects.filter(zone=zone, held_on=held_on, location=location).exists():
        return
    planned = []
    for row in issues:
        values = dict(row.data)
        after = {key: values.pop(key) for key in ("status", "resolve") if key in values}
        project = seeder.project_named(row, zone, values.pop("project")) if values.get("project") else None
        department = seeder.department(row, zone, values.pop("department"))
        issue = {"project": project, "department": department, **cast(row, Problem, values)}
        planned.append((row, issue, after))
    inspection = services.record_inspection(
        actor=seeder.actor,
        zone=zone,
        held_on=held_on,
        kind=record["kind"],
        leaders=record["leaders"],
        location=location,
        summary=record.get("summary", ""),
        projects=projects,
        issues=[issue for _row, issue, _after in planned],
    )
    inspection.is_demo = True
    attributed(inspection, seeder.actor, CHANGE_REASON).save(update_fields=["is_demo", "updated_at"])
    seeder.created["inspection"] += 1
    seeder.created["problem"] += len(planned)
    problems = list(inspection.problems.order_by("pk"))
    for (row, _issue, after), problem in zip(planned, problems, strict=True):
        if "resolve" in after:
            seeder.resolve(row, problem, after["resolve"])
        elif "status" in after:
            problem.status = after["status"]
            attributed(problem, seeder.actor, CHANGE_REASON).save(update_fields=["status", "updated_at"])


def seed_campaigns(seeder, file, zone):
    for record in file.records("campaigns"):
        with record.writing():
            seed_campaign(seeder, record, zone)


def seed_campaign(seeder, record, zone):
    """One campaign with its overrides, unless one of that name exists."""
    overrides = [(row, seeder.project_named(row, zone, row["project"])) for row in record.children("overrides")]
    campaign = seeder.campaign(zone, record["name"], day(record["starts_on"]), day(record["ends_on"]))
    if campaign is None:
        return
    for row, project in overrides:
        override = CampaignOverride(
            campaign=campaign,
            project=project,
            batch=row["batch"],
            include=row.get("include", True),
            reason=row["reason"],
            decided_by=seeder.actor,
        )
        attributed(override, seeder.actor, CHANGE_REASON).save()
        seeder.created["override"] += 1


# ---------------------------------------------------------------------------------------------------------------
# Expansions (scenario 2): demo 规上 firms put into production, generated from the file's parameters
# ---------------------------------------------------------------------------------------------------------------
def brand(firm):
    """A firm's name without its legal form and the demo mark.

    高平市恒兴石墨新材料有限公司（演示） → 高平市恒兴石墨新材料
    """
    name = firm.name.removesuffix(DEMO_MARK)
    for suffix in ("股份有限公司", "有限责任公司", "有限公司"):
        name = name.removesuffix(suffix)
    return name


def designed_from_statistics(firm, factor):
    """(output value, tax) designed for a firm after its expansion: its first-year demo figures × factor, rounded
    to 100万元 (computed by the statistics demo's own generator, so it does not matter whether it ran first)."""
    exporter = firm.tags.filter(name=stats_demo.parameters().exporter_tag).exists()
    figures_calendar = stats_demo.reporting_calendar()
    first_year = stats_demo.firm_figures(firm, exporter=exporter, jump=False, calendar=figures_calendar)
    first_year = first_year[make_period(figures_calendar.years[0], 12)]
    hundred = Decimal(100)
    return tuple(
        (first_year[code] * factor / hundred).quantize(Decimal(1)) * hundred for code in ("output_value", "tax")
    )


def seed_expansions(seeder, file, zone):
    records = file.records("expansions")
    if not records:
        return
    rules = file["expansion_rules"]
    number = rules["first_filing_number"]
    for record in records:
        firm = next(iter(seeder.firms(zone, record["industry"], with_statistics=True)), None)
        if firm is None:
            continue
        with record.writing():
            seed_expansion(seeder, record, zone, firm, rules, number)
        number += 1


def seed_expansion(seeder, record, zone, firm, rules, number):
    total, work = Decimal(str(record["total_investment"])), record["work"]
    product = (firm.main_products or firm.industry.name).split("、")[0]
    name = f"{brand(firm)}{'' if brand(firm).endswith(product) else product}{work}项目{DEMO_MARK}"
    output, tax = designed_from_statistics(firm, Decimal(str(record["design_factor"])))
    produced = day(record["production_on"])
    project = seeder.project(
        zone,
        name,
        investor=firm,
        producer=firm,
        industry=firm.industry,
        park=firm.park,
        department=seeder.department(record, zone, rules["department"]),
        kind="industry",
        level=record["level"],
        total_investment=total,
        fixed_asset_investment=(total * Decimal("0.85")).quantize(Decimal(1)),
        expected_output_value=output,
        expected_tax=tax,
        expected_jobs=record["jobs"],
        products=product,
        content=(
            f"{DEMO}：企业在现有厂区{work}，新增{product}产能；设计产值、税收为达产后全厂口径。"
            "投资、设计指标与各阶段日期均为虚构。"
        ),
        start_year=produced.year - 1,
        end_year=produced.year,
    )
    if project is None:
        return
    started = produced - datetime.timedelta(days=300)
    filed = started - datetime.timedelta(days=40)
    seeder.stages(
        record,
        project,
        [
            ("signed", None, started - datetime.timedelta(days=75)),
            ("filed", None, filed),
            ("started", None, started),
            ("completed", None, produced - datetime.timedelta(days=60)),
            ("trial", None, produced - datetime.timedelta(days=30)),
            ("production", None, produced),
            ("full_capacity", datetime.date(produced.year + 1, 12, 31), None),
        ],
    )
    if record["level"] != "none":
        plan = seeder.plan(project, (total * Decimal("0.4")).quantize(Decimal(1)), "建成投产", planned_completion=True)
        seeder.monthly_progress(
            project,
            plan,
            share=1.0,
            before=(total * Decimal("0.55")).quantize(Decimal(1)),
            texts=("设备安装", "试生产", "投产运行"),
        )
    document = rules["filing_document"].format(year=filed.year, number=number)
    filing = {
        "kind": "立项/备案",
        "status": "approved",
        "department": rules["approvals_department"],
        "submitted_on": filed - datetime.timedelta(days=4),
        "approved_on": filed,
        "document_number": document,
        "is_commitment": True,
    }
    seeder.approvals(record, project, [record.child("filing", filing, 1)])


@transaction.atomic
def seed_demo_projects(files=None):
    """Write the demo projects of the scenario files (`files`: DemoFiles, by default those parameters.yaml lists);
    returns a Counter of the rows created (empty on a rerun)."""
    seeder = DemoSeeder()
    for file in files if files is not None else scenario_files():
        zone = seeder.zone(file)
        seed_expansions(seeder, file, zone)
        seed_projects(seeder, file, zone)
        seed_inspections(seeder, file, zone)
        seed_campaigns(seeder, file, zone)
    return seeder.created
