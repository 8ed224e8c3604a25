"""Demo projects: scenarios 1, 2, 7 and 8 of the design documents (zone-work.md) in the demo zones.

- 平定经开区 (scenario 1): the 10,000 t/yr polysulfone (PSU/PES/PPSU) project — four buildings topped out, 环评,
  安评 and 能评 approved, 一期 expected in production mid-2025, output value expected above 10亿元.
- 山西转型综改示范区 (scenario 7): the TPU film project — 26亩, 3.5万 m², 2.2亿元, 2亿元 output at full capacity;
  signed 2023-05-29, filed 2023-06-05, construction started 2023-10-01; lines 1–3 in trial production, line 4
  being commissioned. Exactly the three reported dates, nothing invented beside them.
- 永济经开区 (scenario 8): the mayor inspects four key projects and holds an on-site office on road building; the
  land, dormitory, canteen and road issues become problems assigned to departments with deadlines (two of them
  past and open, so the leader's page has overdue items).
- 高平经开区 (scenario 2): a year of 三个一批 — the campaign 2025年三个一批 and its four quarters, projects signed
  (some ≥ 1亿元), started and put into production in 2025 (expansions of demo 规上 firms that have demo statistics,
  so the production batch shows output achieved), key projects by level and type with 2025 annual plans and
  monthly progress through 2025-10 (where the demo statistics end), approvals (承诺制, 全代办, one overdue) and
  problems.

What the news reported is used as reported (the stage notes say 据公开报道); everything else is invented and
marked: every project is is_demo=True and named with （演示） unless the news named it, every synthetic date note,
approval, plan goal and progress text says 演示数据, and investors and producers are only synthetic demo firms
(is_demo, named with （演示）) — a real firm never carries an invented figure.

Written through the services (save_project, record_stage, record_progress, record_inspection, resolve_problem) or
with the acting user attributed (kaifaqu.core.history.attributed) so every row has its history. The acting user is
an inactive account that cannot sign in (演示数据初始化). Progress is recorded with `now` set inside each month's
reporting window, as it would have been reported then.

Deterministic (fixed dates and amounts; random.Random seeded per project for the monthly spread) and idempotent:
a project, inspection or campaign that exists (matched by zone and name, or zone, date and location) is left as it
is with everything under it; a second run creates nothing. Only zones flagged is_demo are touched.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kaifaqu.accounts.models import User
from kaifaqu.core.history import attributed
from kaifaqu.core.periods import make_period, month_of, year_of
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats import demo as stats_demo
from kaifaqu.zones.models import Department, IndustryChain, Park, Zone

from . import services
from .choices import (
    CampaignBatchChoices,
    InspectionKindChoices,
    LineStatusChoices,
    ProblemStatusChoices,
    ProjectKindChoices,
    ProjectLevelChoices,
)
from .models import (
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

SEED = "kaifaqu-demo-projects-v1"
DEMO_MARK = "（演示）"
DEMO = "演示数据"
REPORTED = "据公开报道"
CHANGE_REASON = "演示数据初始化"
ACTOR_USERNAME = "demo_projects"
ACTOR_NAME = "演示数据初始化"

PINGDING, GAOPING, REFORM, YONGJI = "平定经开区", "高平经开区", "山西转型综改示范区", "永济经开区"
ZONE_NAMES = (PINGDING, GAOPING, REFORM, YONGJI)

# The names the news gave (no （演示） mark: the projects are real, their synthetic details are marked inside).
POLYSULFONE = "年产1万吨聚砜（PSU/PES/PPSU）项目"
TPU_FILM = "TPU薄膜项目"

PROGRESS_YEAR = 2025
PROGRESS_LAST_MONTH = 10  # the demo statistics end at 2025-10
YI = Decimal(10000)  # 1亿元 in 万元


def day(text):
    return datetime.date.fromisoformat(text)


def demo_actor(created):
    """The account demo rows are attributed to: inactive, no usable password, no role."""
    user = User.objects.filter(username=ACTOR_USERNAME).first()
    if user is None:
        user = User(username=ACTOR_USERNAME, display_name=ACTOR_NAME, is_active=False)
        user.set_unusable_password()
        user.save()
        created["user"] += 1
    return user


def reporting_time(period):
    """A moment inside the reporting window of `period`: the first day of the next month, 09:00 local time."""
    year, month = year_of(period), month_of(period)
    first = datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
    return timezone.make_aware(datetime.datetime.combine(first, datetime.time(9)))


class DemoSeeder:
    """Writes one scenario's rows; every helper creates rows only under a project it has just created."""

    def __init__(self):
        self.created = Counter()
        self.actor = demo_actor(self.created)
        self.zones = {z.short_name: z for z in Zone.objects.filter(is_demo=True, short_name__in=ZONE_NAMES)}
        self._stages = {}

    # -- lookups in a zone (None when the zone has been configured otherwise) -----------------------------------

    def department(self, zone, *names):
        found = {d.name: d for d in Department.objects.filter(zone=zone, name__in=names)}
        return next((found[name] for name in names if name in found), None)

    def park(self, zone, name):
        return Park.objects.filter(zone=zone, name=name).first()

    def chain(self, zone, name):
        return IndustryChain.objects.filter(zone=zone, name=name).first()

    def firms(self, zone, prefixes, *, count=1, exclude=(), with_statistics=False):
        """Active synthetic demo firms of the zone in GB/T 4754 classes starting with `prefixes`, in a stable
        order (never a real firm). With statistics: only the 规上 demo firms seed_demo_stats reports for."""
        base = Enterprise.objects.filter(
            zone=zone, is_demo=True, name__endswith=DEMO_MARK, status="active"
        ).select_related("industry")
        if with_statistics:
            base = base.filter(tags__name=stats_demo.ABOVE_SCALE_TAG)
        chosen = []
        for prefix in prefixes:
            for firm in base.filter(industry__code__startswith=prefix).exclude(pk__in=exclude).order_by("credit_code"):
                if firm not in chosen:
                    chosen.append(firm)
                if len(chosen) == count:
                    return chosen
        return chosen

    def stage(self, zone, key):
        if zone.pk not in self._stages:
            table = {}
            for s in StageDefinition.objects.filter(zone=zone, is_active=True):
                table[s.code] = s
                if s.milestone:
                    table[s.milestone] = s
            self._stages[zone.pk] = table
        return self._stages[zone.pk].get(key)

    # -- writers -------------------------------------------------------------------------------------------------

    def project(self, zone, name, **fields):
        """A new demo project, or None when one of that name exists in the zone (left as it is)."""
        if Project.objects.filter(zone=zone, name=name).exists():
            return None
        project = Project(zone=zone, name=name, is_demo=True, **fields)
        services.save_project(actor=self.actor, project=project, reason=CHANGE_REASON)
        self.created["project"] += 1
        return project

    def stages(self, project, rows, *, note=DEMO):
        """rows: (milestone or talks-stage code, planned date or None, actual date or None[, phase])."""
        for key, planned, actual, *rest in rows:
            stage = self.stage(project.zone, key)
            if stage is None:
                continue
            services.record_stage(
                actor=self.actor,
                project=project,
                stage=stage,
                planned_on=planned,
                actual_on=actual,
                note=note,
                phase=rest[0] if rest else None,
            )
            self.created["stage"] += 1

    def phase(self, project, name, content, expected_production_on, total_investment=None):
        phase = ProjectPhase(
            project=project,
            name=name,
            content=content,
            expected_production_on=expected_production_on,
            total_investment=total_investment,
        )
        phase.full_clean()
        attributed(phase, self.actor, CHANGE_REASON).save()
        self.created["phase"] += 1
        return phase

    def lines(self, project, rows):
        """rows: (name, status, status date or None, note, capacity)."""
        for order, (name, status, status_on, note, capacity) in enumerate(rows, start=1):
            line = ProductionLine(
                project=project,
                name=name,
                status=status,
                status_on=status_on,
                note=note,
                capacity=capacity,
                order=order,
            )
            line.full_clean()
            attributed(line, self.actor, CHANGE_REASON).save()
            self.created["line"] += 1

    def approvals(self, project, rows):
        """rows: dicts with kind (name), status and the optional Approval fields; the time limit (and a department
        not given) are the kind's, as services.create_approval gives them (Approval.apply_kind_defaults)."""
        kinds = {k.name: k for k in ApprovalKind.objects.filter(zone=project.zone)}
        for row in rows:
            row = dict(row)
            kind = kinds.get(row.pop("kind"))
            if kind is None:
                continue
            approval = Approval(project=project, kind=kind, note=row.pop("note", DEMO), **row).apply_kind_defaults()
            approval.full_clean()
            attributed(approval, self.actor, CHANGE_REASON).save()
            self.created["approval"] += 1

    def plan(self, project, year, planned_investment, goal, *, planned_start=False, planned_completion=False):
        plan = AnnualPlan(
            project=project,
            year=year,
            planned_investment=planned_investment,
            progress_goal=f"{goal}（{DEMO}）",
            planned_start=planned_start,
            planned_completion=planned_completion,
        )
        plan.full_clean()
        attributed(plan, self.actor, CHANGE_REASON).save()
        self.created["plan"] += 1
        return plan

    def progress(self, project, reports):
        """reports: (period, amount, 形象进度) in order, each recorded inside its reporting window."""
        for period, amount, text in reports:
            services.record_progress(
                actor=self.actor,
                project=project,
                period=period,
                amount=amount,
                image_progress=f"{text}（{DEMO}）" if text else "",
                now=reporting_time(period),
            )
            self.created["progress"] += 1

    def monthly_progress(self, project, plan, *, share, first_month=1, before=None, texts=()):
        """Monthly reports for PROGRESS_YEAR from `first_month` to PROGRESS_LAST_MONTH whose total is `share` of
        the plan's time share (时序进度 × share), spread with a seeded wobble; `before` is a lump reported for the
        December before (investment completed since the start in earlier years)."""
        rng = random.Random(f"{SEED}:{project.name}")
        months = list(range(first_month, PROGRESS_LAST_MONTH + 1))
        target = plan.planned_investment * Decimal(PROGRESS_LAST_MONTH) / 12 * Decimal(str(share))
        weights = [Decimal(str(round(rng.uniform(0.7, 1.3), 2))) for _month in months]
        amounts = [(target * w / sum(weights)).quantize(Decimal(1)) for w in weights]
        reports = []
        if before:
            reports.append((make_period(PROGRESS_YEAR - 1, 12), before, ""))
        for index, (month, amount) in enumerate(zip(months, amounts, strict=True)):
            text = texts[index * len(texts) // len(months)] if texts else ""
            reports.append((make_period(PROGRESS_YEAR, month), amount, text))
        self.progress(project, reports)

    def problem(self, project, category, description, department, raised_on, deadline, *, status=None):
        problem = Problem(
            zone=project.zone,
            project=project,
            category=category,
            description=description,
            department=department,
            raised_on=raised_on,
            deadline=deadline,
            raised_by=self.actor,
        )
        if status:
            problem.status = status
        problem.full_clean()
        attributed(problem, self.actor, CHANGE_REASON).save()
        self.created["problem"] += 1
        return problem

    def campaign(self, zone, name, starts_on, ends_on):
        """A campaign, or None when one of that name exists in the zone."""
        if Campaign.objects.filter(zone=zone, name=name).exists():
            return None
        campaign = Campaign(
            zone=zone, name=name, starts_on=starts_on, ends_on=ends_on, note=f"{DEMO}：活动名称与期间为演示"
        )
        campaign.full_clean()
        attributed(campaign, self.actor, CHANGE_REASON).save()
        self.created["campaign"] += 1
        return campaign


# ---------------------------------------------------------------------------------------------------------------
# Scenario 1: 平定经开区, the polysulfone project
# ---------------------------------------------------------------------------------------------------------------
def seed_polysulfone(seeder):
    zone = seeder.zones.get(PINGDING)
    if zone is None:
        return None
    investor = next(iter(seeder.firms(zone, ("2651", "265", "266"))), None)
    project = seeder.project(
        zone,
        POLYSULFONE,
        investor=investor,
        investor_name="" if investor else f"聚砜项目投资方{DEMO_MARK}",
        industry=investor.industry if investor else None,
        park=seeder.park(zone, "平定经开区化工新材料产业园"),
        chain=seeder.chain(zone, "高分子新材料产业链"),
        department=seeder.department(zone, "项目服务中心", "招商中心"),
        kind=ProjectKindChoices.INDUSTRY,
        content=(
            "建设年产1万吨聚砜（PSU）、聚醚砜（PES）、聚苯砜（PPSU）特种工程塑料生产线，一期预计2025年年中投产，"
            "预计产值超10亿元（据公开报道；系统按100000万元记）。"
            "演示数据说明：投资方为演示企业，各阶段日期、单体名称与审批文号均为虚构。"
        ),
        products="聚砜（PSU）、聚醚砜（PES）、聚苯砜（PPSU）",
        capacity_quantity=Decimal(10000),
        capacity_unit="吨/年",
        expected_output_value=Decimal(100000),
        image_progress="四栋建筑主体封顶，环评、安评、能评已通过，一期预计2025年年中投产（据公开报道）。",
    )
    if project is None:
        return None
    phase = seeder.phase(project, "一期", f"年产1万吨聚砜生产装置及配套（{DEMO}：分期内容为虚构）", day("2025-06-30"))
    seeder.stages(
        project,
        [
            ("signed", None, day("2023-03-16")),
            ("filed", None, day("2023-04-10")),
            ("land", None, day("2023-06-20")),
            ("started", None, day("2023-09-15")),
            ("topped_out", None, day("2024-12-20")),
            ("completed", day("2025-04-30"), None, phase),
            ("trial", day("2025-05-31"), None, phase),
            ("production", day("2025-06-30"), None, phase),
        ],
        note=f"{DEMO}（日期为虚构）",
    )
    topped = f"主体封顶（{DEMO}：单体名称与日期为虚构）"
    seeder.lines(
        project,
        [
            ("1#聚合车间", LineStatusChoices.BUILDING, day("2024-10-18"), topped, ""),
            ("2#后处理车间", LineStatusChoices.BUILDING, day("2024-11-05"), topped, ""),
            ("3#成品仓库", LineStatusChoices.BUILDING, day("2024-12-01"), topped, ""),
            ("4#综合楼", LineStatusChoices.BUILDING, day("2024-12-20"), topped, ""),
        ],
    )
    office = seeder.department(zone, "行政审批局", "项目服务中心")
    note = f"{DEMO}：文号与日期为虚构；报道称环评、安评、能评已通过"
    seeder.approvals(
        project,
        [
            {"kind": "立项/备案", "status": "approved", "department": office, "submitted_on": day("2023-04-06"),
             "approved_on": day("2023-04-10"), "document_number": f"平经备〔2023〕7号{DEMO_MARK}", "note": note},
            {"kind": "环评", "status": "approved", "department": office, "submitted_on": day("2023-07-03"),
             "approved_on": day("2023-07-28"), "document_number": f"平经环审〔2023〕12号{DEMO_MARK}", "note": note},
            {"kind": "安评", "status": "approved", "department": office, "submitted_on": day("2023-07-10"),
             "approved_on": day("2023-08-04"), "document_number": f"平经安审〔2023〕5号{DEMO_MARK}", "note": note},
            {"kind": "能评", "status": "approved", "department": office, "submitted_on": day("2023-07-12"),
             "approved_on": day("2023-08-09"), "document_number": f"平经能审〔2023〕3号{DEMO_MARK}", "note": note},
        ],
    )  # fmt: skip
    return project


# ---------------------------------------------------------------------------------------------------------------
# Scenario 7: 山西转型综改示范区, the TPU film project
# ---------------------------------------------------------------------------------------------------------------
def seed_tpu_film(seeder):
    zone = seeder.zones.get(REFORM)
    if zone is None:
        return None
    investor = next(iter(seeder.firms(zone, ("2921", "2929", "265"))), None)
    project = seeder.project(
        zone,
        TPU_FILM,
        investor=investor,
        investor_name="" if investor else f"TPU薄膜项目投资方{DEMO_MARK}",
        industry=investor.industry if investor else None,
        park=seeder.park(zone, "综改区新材料产业园"),
        chain=seeder.chain(zone, "新材料产业链"),
        department=seeder.department(zone, "项目服务中心", "招商中心"),
        kind=ProjectKindChoices.INDUSTRY,
        content=(
            "占地26亩，建筑面积3.5万平方米，总投资2.2亿元，达产后预计年产值2亿元（据公开报道）。"
            "演示数据说明：投资方为演示企业。"
        ),
        products="TPU薄膜",
        land_mu=Decimal(26),
        floor_area_m2=Decimal(35000),
        total_investment=Decimal(22000),
        expected_output_value=Decimal(20000),
        image_progress="三条生产线试生产，第四条正在调试（据公开报道）。",
    )
    if project is None:
        return None
    seeder.stages(
        project,
        [
            ("signed", None, day("2023-05-29")),
            ("filed", None, day("2023-06-05")),
            ("started", None, day("2023-10-01")),
        ],
        note=REPORTED,
    )
    seeder.lines(
        project,
        [
            ("1号生产线", LineStatusChoices.TRIAL, None, REPORTED, ""),
            ("2号生产线", LineStatusChoices.TRIAL, None, REPORTED, ""),
            ("3号生产线", LineStatusChoices.TRIAL, None, REPORTED, ""),
            ("4号生产线", LineStatusChoices.COMMISSIONING, None, REPORTED, ""),
        ],
    )
    return project


# ---------------------------------------------------------------------------------------------------------------
# Scenario 8: 永济经开区, the mayor's inspection and on-site office
# ---------------------------------------------------------------------------------------------------------------
YONGJI_PROJECTS = (
    # name, park, chain, kind, level, total, started, plan 2025, progress share, (industry prefixes)
    ("永济经开区轨道交通装备配套产业园项目（演示）", "永济经开区装备制造产业园", "装备制造产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.CITY, Decimal(36000), "2024-05-20", Decimal(15000), 0.9,
     ("371", "34", "35")),
    ("永济经开区新能源电机产业化项目（演示）", "永济经开区新能源产业园", "电机及新能源产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.CITY, Decimal(28000), "2024-07-08", Decimal(12000), 0.75,
     ("381", "38")),
    ("永济经开区绿色食品加工产业园项目（演示）", "永济经开区绿色食品产业园", "绿色食品产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.DISTRICT, Decimal(15000), "2024-09-16", Decimal(6000), 1.05,
     ("13", "14", "15")),
    ("永济经开区纵三路道路建设工程（演示）", "", "",
     ProjectKindChoices.INFRASTRUCTURE, ProjectLevelChoices.DISTRICT, Decimal(8600), "2024-10-10", Decimal(5000), 0.6,
     ()),
)  # fmt: skip
INSPECTION_DAY = day("2025-02-26")
INSPECTION_PLACE = "永济经开区纵三路施工现场"


def seed_inspection(seeder):
    zone = seeder.zones.get(YONGJI)
    if zone is None:
        return None
    projects = []
    for name, park, chain, kind, level, total, started, planned, share, prefixes in YONGJI_PROJECTS:
        investor = next(iter(seeder.firms(zone, prefixes)), None) if prefixes else None
        project = seeder.project(
            zone,
            name,
            investor=investor,
            investor_name="" if investor else f"永济经开区建设投资有限公司{DEMO_MARK}",
            industry=investor.industry if investor else None,
            park=seeder.park(zone, park) if park else None,
            chain=seeder.chain(zone, chain) if chain else None,
            department=seeder.department(zone, "项目服务中心", "招商中心"),
            kind=kind,
            level=level,
            leader="市长" if kind == ProjectKindChoices.INFRASTRUCTURE else "管委会主任",
            total_investment=total,
            content=f"{DEMO}：项目名称、投资与进度均为虚构；市长调研四个重点项目并就道路建设现场办公为公开报道。",
            start_year=2024,
            end_year=2026,
        )
        if project is None:
            existing = Project.objects.filter(zone=zone, name=name).first()
            projects.append(existing)
            continue
        signed = datetime.date.fromisoformat(started) - datetime.timedelta(days=120)
        seeder.stages(
            project,
            [
                *([("signed", None, signed)] if investor else []),
                ("filed", None, signed + datetime.timedelta(days=30)),
                ("started", None, day(started)),
                ("completed", day("2026-12-31"), None),
            ],
        )
        plan = seeder.plan(project, PROGRESS_YEAR, planned, "主体工程完工过半")
        seeder.monthly_progress(
            project,
            plan,
            share=share,
            before=(total * Decimal("0.12")).quantize(Decimal(1)),
            texts=("场地平整、基础施工", "主体结构施工", "主体施工过半"),
        )
        projects.append(project)

    if Inspection.objects.filter(zone=zone, held_on=INSPECTION_DAY, location=INSPECTION_PLACE).exists():
        return None
    service = seeder.department(zone, "企业服务中心", "项目服务中心")
    projects_office = seeder.department(zone, "项目服务中心", "招商中心")
    rail, motor, food, road = projects
    inspection = services.record_inspection(
        actor=seeder.actor,
        zone=zone,
        held_on=INSPECTION_DAY,
        kind=InspectionKindChoices.ON_SITE,
        leaders="市长、分管副市长、经开区管委会主任",
        location=INSPECTION_PLACE,
        summary=(
            "市长调研四个重点项目，并就道路建设现场办公，协调解决用地、宿舍和食堂等问题（据公开报道）。"
            f"{DEMO}：项目名称、日期、责任部门与解决时限为虚构。"
        ),
        projects=projects,
        issues=[
            {"project": rail, "category": "land", "description": "二期用地指标尚未落实，需协调土地报批",
             "department": projects_office, "deadline": day("2025-04-30")},
            {"project": motor, "category": "living", "description": "员工宿舍不足，需协调周边公寓或建设职工宿舍",
             "department": service, "deadline": day("2025-05-31")},
            {"project": food, "category": "living", "description": "园区职工食堂尚未建成，需协调临时就餐点",
             "department": service, "deadline": day("2025-04-30")},
            {"project": road, "category": "roads", "description": "纵三路道路建设：征迁与管线迁改需加快，确保按期通车",
             "department": projects_office, "deadline": day("2027-06-30")},
        ],
    )  # fmt: skip
    inspection.is_demo = True
    attributed(inspection, seeder.actor, CHANGE_REASON).save(update_fields=["is_demo", "updated_at"])
    seeder.created["inspection"] += 1
    seeder.created["problem"] += 4
    for problem in inspection.problems.all():
        if problem.category == "land":
            services.resolve_problem(
                actor=seeder.actor,
                problem=problem,
                resolution=f"已列入年度用地报批计划，用地预审已受理（{DEMO}）",
                resolved_on=day("2025-04-18"),
            )
        elif problem.category == "roads" or problem.project_id == food.pk:
            problem.status = ProblemStatusChoices.IN_PROGRESS
            attributed(problem, seeder.actor, CHANGE_REASON).save(update_fields=["status", "updated_at"])
    return inspection


# ---------------------------------------------------------------------------------------------------------------
# Scenario 2: 高平经开区, a year of 三个一批 and key projects
# ---------------------------------------------------------------------------------------------------------------
GAOPING_CAMPAIGNS = (
    ("2025年三个一批", "2025-01-01", "2025-12-31"),
    ("2025年第一季度三个一批", "2025-01-01", "2025-03-31"),
    ("2025年第二季度三个一批", "2025-04-01", "2025-06-30"),
    ("2025年第三季度三个一批", "2025-07-01", "2025-09-30"),
    ("2025年第四季度三个一批", "2025-10-01", "2025-12-31"),
)

# Expansions of demo 规上 firms put into production in 2025: (industry prefixes, production date, total investment,
# design factor, jobs, level, kind of work). The designed output value and tax are the firm's 2024 figures in the
# demo statistics × the design factor (the firm as a whole after the expansion), so the page's annualised ÷ designed
# ratio is plausible.
GAOPING_PRODUCTION = (
    (("309", "306"), "2025-03-18", Decimal(12000), Decimal("1.25"), 120, ProjectLevelChoices.NONE, "扩能"),
    (("265",), "2025-05-26", Decimal(26000), Decimal("1.40"), 260, ProjectLevelChoices.CITY, "扩建"),
    (("352", "346", "34"), "2025-08-08", Decimal(8500), Decimal("1.10"), 80, ProjectLevelChoices.NONE, "智能化改造"),
    (("13", "14", "27"), "2025-09-28", Decimal(5200), Decimal("1.20"), 60, ProjectLevelChoices.NONE, "技改"),
)

# New projects: name, investor name (prospective) or None for a demo firm by industry, prefixes, park, chain,
# kind, level, total investment, expected output value, leader, stages [(key, planned, actual)], annual plan
# (planned investment, goal, planned_start, planned_completion, progress share, first month, before) or None.
GAOPING_PROJECTS = (
    ("高平经开区新能源汽车零部件产业园项目（演示）", None, ("367", "34"), "高平经开区装备制造产业园", "装备制造产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.CITY, Decimal(56000), Decimal(80000), "管委会主任",
     [("signed", None, "2024-11-15"), ("filed", None, "2024-12-20"), ("land", None, "2025-02-28"),
      ("started", "2025-04-01", "2025-04-10"), ("topped_out", "2026-06-30", None)],
     (Decimal(20000), "主体厂房开工建设", True, False, 0.92, 4, None)),
    ("高平经开区标准化厂房三期项目（演示）", "高平经开区建设投资有限公司（演示）", (), "高平经开区中小企业创业园", "",
     ProjectKindChoices.INFRASTRUCTURE, ProjectLevelChoices.DISTRICT, Decimal(18000), None, "管委会副主任",
     [("filed", None, "2025-01-15"), ("land", None, "2025-02-20"), ("started", "2025-03-15", "2025-03-20"),
      ("completed", "2026-09-30", None)],
     (Decimal(9000), "6栋厂房主体封顶", True, False, 1.05, 3, None)),
    ("高平经开区高端装备制造基地项目（演示）", "华北某装备集团（演示）", (), "高平经开区装备制造产业园",
     "装备制造产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.PROVINCE, Decimal(32000), Decimal(45000), "管委会主任",
     [("signed", None, "2025-02-26"), ("filed", None, "2025-03-25"), ("land", None, "2025-05-10"),
      ("started", "2025-05-31", "2025-06-18"), ("topped_out", "2025-12-31", None)],
     (Decimal(15000), "联合厂房主体施工", True, False, 0.55, 6, None)),
    ("高平经开区中药饮片精深加工项目（演示）", None, ("273", "274"), "高平经开区食品医药产业园", "食品医药产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.NONE, Decimal(9800), Decimal(15000), "",
     [("signed", None, "2025-05-20"), ("filed", None, "2025-06-16"), ("started", None, "2025-09-05")],
     None),
    ("高平经开区特种合金新材料项目（演示）", "长三角某合金材料集团（演示）", (), "高平经开区新材料产业园",
     "新材料产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.PROVINCE, Decimal(150000), Decimal(200000), "管委会主任",
     [("signed", None, "2025-01-16"), ("filed", "2025-06-30", "2025-07-22"), ("land", "2025-12-31", None),
      ("started", "2026-03-31", None)],
     None),
    ("高平经开区冷链物流中心项目（演示）", "晋东南某冷链物流公司（演示）", (), "高平经开区现代物流园", "",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.NONE, Decimal(12000), Decimal(8000), "",
     [("signed", None, "2025-04-22"), ("filed", "2025-09-30", None)],
     None),
    ("高平经开区预制菜加工项目（演示）", "某食品科技公司（演示）", (), "高平经开区食品医药产业园", "食品医药产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.NONE, Decimal(6500), Decimal(10000), "",
     [("signed", None, "2025-07-08")],
     None),
    ("高平经开区光伏组件配套项目（演示）", "某光伏科技集团（演示）", (), "高平经开区装备制造产业园", "装备制造产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.NONE, Decimal(45000), Decimal(60000), "管委会副主任",
     [("signed", None, "2025-10-15")],
     None),
    ("高平经开区再生资源综合利用项目（演示）", "某再生资源公司（演示）", (), "高平经开区新材料产业园", "新材料产业链",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.NONE, Decimal(20000), Decimal(25000), "",
     [("signed", None, "2024-12-28")],
     None),
    ("高平经开区污水处理厂提标改造项目（演示）", "高平经开区建设投资有限公司（演示）", (), "", "",
     ProjectKindChoices.INFRASTRUCTURE, ProjectLevelChoices.DISTRICT, Decimal(7600), None, "管委会副主任",
     [("filed", None, "2024-03-12"), ("started", None, "2024-06-18"), ("completed", "2025-09-30", None)],
     (Decimal(4000), "完成提标改造并通水调试", False, True, 0.7, 1, Decimal(2600))),
    ("高平经开区人才公寓项目（演示）", "高平经开区建设投资有限公司（演示）", (), "", "",
     ProjectKindChoices.LIVELIHOOD, ProjectLevelChoices.DISTRICT, Decimal(9200), None, "管委会副主任",
     [("filed", None, "2024-05-06"), ("started", None, "2024-08-12"), ("topped_out", None, "2025-03-28"),
      ("completed", "2025-09-30", "2025-09-26")],
     (Decimal(5200), "竣工交付", False, True, 1.1, 1, Decimal(3100))),
    ("高平经开区装备制造产业园道路及管网配套工程（演示）", "高平经开区建设投资有限公司（演示）", (),
     "高平经开区装备制造产业园", "", ProjectKindChoices.INFRASTRUCTURE, ProjectLevelChoices.CITY, Decimal(13500), None,
     "管委会副主任",
     [("filed", None, "2025-04-18"), ("started", "2025-08-31", None)],
     (Decimal(6000), "道路路基及雨污管网开工", True, False, 0, 1, None)),
    ("高平经开区氢能装备项目（演示）", "某氢能科技公司（演示）", (), "", "",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.NONE, Decimal(30000), Decimal(40000), "",
     [("tracking", None, "2025-06-12"), ("visit", None, "2025-07-20"), ("intent", None, "2025-09-18")],
     None),
    ("高平经开区智慧物流园项目（演示）", "某供应链管理公司（演示）", (), "", "",
     ProjectKindChoices.INDUSTRY, ProjectLevelChoices.NONE, Decimal(16000), None, "",
     [("tracking", None, "2025-08-25")],
     None),
)  # fmt: skip
LATE_SIGNING = "高平经开区再生资源综合利用项目（演示）"
LATE_SIGNING_REASON = f"签约仪式于2024年12月28日举行，按市里通知计入2025年第一季度签约一批（{DEMO}）"


def brand(firm):
    """A firm's name without its legal form and the demo mark.

    高平市恒兴石墨新材料有限公司（演示） → 高平市恒兴石墨新材料
    """
    name = firm.name.removesuffix(DEMO_MARK)
    for suffix in ("股份有限公司", "有限责任公司", "有限公司"):
        name = name.removesuffix(suffix)
    return name


def designed_from_statistics(firm, factor):
    """(output value, tax) designed for a firm after its expansion: its 2024 demo figures × factor, rounded to
    100万元 (computed by the statistics demo's own generator, so it does not matter whether it ran first)."""
    exporter = firm.tags.filter(name="外贸").exists()
    year_2024 = stats_demo.firm_figures(firm, exporter=exporter, jump=False)[make_period(2024, 12)]
    hundred = Decimal(100)
    return tuple(
        (year_2024[code] * factor / hundred).quantize(Decimal(1)) * hundred for code in ("output_value", "tax")
    )


def seed_gaoping(seeder):
    zone = seeder.zones.get(GAOPING)
    if zone is None:
        return
    projects_office = seeder.department(zone, "项目服务中心", "招商中心")
    approvals_office = seeder.department(zone, "行政审批局", "项目服务中心")
    service = seeder.department(zone, "企业服务中心", "项目服务中心")
    by_name = {}

    used = []
    for prefixes, produced, total, factor, jobs, level, work in GAOPING_PRODUCTION:
        firm = next(iter(seeder.firms(zone, prefixes, exclude=used, with_statistics=True)), None)
        if firm is None:
            continue
        used.append(firm.pk)
        product = (firm.main_products or firm.industry.name).split("、")[0]
        name = f"{brand(firm)}{'' if brand(firm).endswith(product) else product}{work}项目{DEMO_MARK}"
        output, tax = designed_from_statistics(firm, factor)
        produced = day(produced)
        project = seeder.project(
            zone,
            name,
            investor=firm,
            producer=firm,
            industry=firm.industry,
            park=firm.park,
            department=projects_office,
            kind=ProjectKindChoices.INDUSTRY,
            level=level,
            total_investment=total,
            fixed_asset_investment=(total * Decimal("0.85")).quantize(Decimal(1)),
            expected_output_value=output,
            expected_tax=tax,
            expected_jobs=jobs,
            products=product,
            content=(
                f"{DEMO}：企业在现有厂区{work}，新增{product}产能；设计产值、税收为达产后全厂口径。"
                "投资、设计指标与各阶段日期均为虚构。"
            ),
            start_year=2024,
            end_year=2025,
        )
        by_name[name] = project
        if project is None:
            continue
        started = produced - datetime.timedelta(days=300)
        filed = started - datetime.timedelta(days=40)
        seeder.stages(
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
        if level != ProjectLevelChoices.NONE:
            plan = seeder.plan(
                project,
                PROGRESS_YEAR,
                (total * Decimal("0.4")).quantize(Decimal(1)),
                "建成投产",
                planned_completion=True,
            )
            seeder.monthly_progress(
                project,
                plan,
                share=1.0,
                before=(total * Decimal("0.55")).quantize(Decimal(1)),
                texts=("设备安装", "试生产", "投产运行"),
            )
        seeder.approvals(
            project,
            [
                {"kind": "立项/备案", "status": "approved", "department": approvals_office,
                 "submitted_on": filed - datetime.timedelta(days=4), "approved_on": filed,
                 "document_number": f"高经备〔{filed.year}〕{len(used) + 20}号{DEMO_MARK}", "is_commitment": True},
            ],
        )  # fmt: skip

    for spec in GAOPING_PROJECTS:
        name, investor_name, prefixes, park, chain, kind, level, total, output, leader, stages, plan_spec = spec
        investor = None
        if investor_name is None:
            investor = next(iter(seeder.firms(zone, prefixes, exclude=used)), None)
            if investor is not None:
                used.append(investor.pk)
        project = seeder.project(
            zone,
            name,
            investor=investor,
            investor_name="" if investor else (investor_name or f"投资方{DEMO_MARK}"),
            industry=investor.industry if investor else None,
            park=seeder.park(zone, park) if park else None,
            chain=seeder.chain(zone, chain) if chain else None,
            department=projects_office,
            kind=kind,
            level=level,
            leader=leader,
            total_investment=total,
            fixed_asset_investment=(total * Decimal("0.8")).quantize(Decimal(1)),
            expected_output_value=output,
            content=f"{DEMO}：项目名称、投资方、投资额与各阶段日期均为虚构。",
        )
        by_name[name] = project
        if project is None:
            continue
        seeder.stages(
            project, [(key, planned and day(planned), actual and day(actual)) for key, planned, actual in stages]
        )
        if plan_spec:
            planned, goal, planned_start, planned_completion, share, first_month, before = plan_spec
            plan = seeder.plan(
                project,
                PROGRESS_YEAR,
                planned,
                goal,
                planned_start=planned_start,
                planned_completion=planned_completion,
            )
            if share:
                seeder.monthly_progress(
                    project,
                    plan,
                    share=share,
                    first_month=first_month,
                    before=before,
                    texts=("基础施工", "主体施工", goal),
                )

    seed_gaoping_matters(seeder, by_name, approvals_office, projects_office, service)
    seed_gaoping_campaigns(seeder, zone, by_name)


def seed_gaoping_matters(seeder, by_name, approvals_office, projects_office, service):
    """Approvals (承诺制, 全代办, one overdue) and problems (one resolved, two overdue) of the new projects."""
    parts = by_name.get("高平经开区新能源汽车零部件产业园项目（演示）")
    if parts is not None:
        seeder.approvals(
            parts,
            [
                {"kind": "立项/备案", "status": "approved", "department": approvals_office, "is_agency": True,
                 "submitted_on": day("2024-12-16"), "approved_on": day("2024-12-20"),
                 "document_number": f"高经备〔2024〕41号{DEMO_MARK}"},
                {"kind": "环评", "status": "approved", "department": approvals_office, "is_commitment": True,
                 "is_agency": True, "submitted_on": day("2025-01-06"), "approved_on": day("2025-01-20"),
                 "document_number": f"高经环审〔2025〕3号{DEMO_MARK}"},
                {"kind": "施工许可", "status": "approved", "department": approvals_office, "is_agency": True,
                 "submitted_on": day("2025-04-01"), "approved_on": day("2025-04-07"),
                 "document_number": f"高经建施〔2025〕9号{DEMO_MARK}"},
            ],
        )  # fmt: skip
        seeder.problem(parts, "labour", f"施工高峰期用工不足（{DEMO}）", service, day("2025-05-06"), day("2025-06-15"))
        resolved = parts.problems.get()
        services.resolve_problem(
            actor=seeder.actor,
            problem=resolved,
            resolution=f"对接劳务公司补充用工（{DEMO}）",
            resolved_on=day("2025-06-10"),
        )
    base = by_name.get("高平经开区高端装备制造基地项目（演示）")
    if base is not None:
        seeder.approvals(
            base,
            [
                {"kind": "能评", "status": "approved", "department": approvals_office, "is_commitment": True,
                 "submitted_on": day("2025-04-08"), "approved_on": day("2025-04-30"),
                 "document_number": f"高经能审〔2025〕6号{DEMO_MARK}"},
                {"kind": "环评", "status": "submitted", "department": approvals_office,
                 "submitted_on": day("2025-09-22")},
            ],
        )  # fmt: skip
        seeder.problem(
            base,
            "utilities",
            f"施工用电增容未完成，影响主体施工进度（{DEMO}）",
            projects_office,
            day("2025-08-12"),
            day("2025-09-30"),
            status=ProblemStatusChoices.IN_PROGRESS,
        )
    alloy = by_name.get("高平经开区特种合金新材料项目（演示）")
    if alloy is not None:
        seeder.approvals(
            alloy,
            [
                {"kind": "立项/备案", "status": "approved", "department": approvals_office, "is_agency": True,
                 "submitted_on": day("2025-07-17"), "approved_on": day("2025-07-22"),
                 "document_number": f"高经备〔2025〕58号{DEMO_MARK}"},
                {"kind": "用地预审", "status": "preparing", "department": approvals_office, "is_agency": True,
                 "planned_on": day("2025-11-30")},
            ],
        )  # fmt: skip
        seeder.problem(
            alloy,
            "land",
            f"用地指标需市级统筹，影响供地时间（{DEMO}）",
            projects_office,
            day("2025-08-20"),
            day("2025-10-31"),
        )
    sewage = by_name.get("高平经开区污水处理厂提标改造项目（演示）")
    if sewage is not None:
        seeder.problem(
            sewage,
            "approvals",
            f"进水管网改造涉及道路占用审批（{DEMO}）",
            approvals_office,
            day("2025-07-15"),
            day("2026-12-31"),
            status=ProblemStatusChoices.IN_PROGRESS,
        )


def seed_gaoping_campaigns(seeder, zone, by_name):
    late = by_name.get(LATE_SIGNING) or Project.objects.filter(zone=zone, name=LATE_SIGNING).first()
    for name, starts_on, ends_on in GAOPING_CAMPAIGNS:
        campaign = seeder.campaign(zone, name, day(starts_on), day(ends_on))
        if campaign is None or late is None or name not in ("2025年三个一批", "2025年第一季度三个一批"):
            continue
        override = CampaignOverride(
            campaign=campaign,
            project=late,
            batch=CampaignBatchChoices.SIGNED,
            include=True,
            reason=LATE_SIGNING_REASON,
            decided_by=seeder.actor,
        )
        attributed(override, seeder.actor, CHANGE_REASON).save()
        seeder.created["override"] += 1


@transaction.atomic
def seed_demo_projects():
    """Write the demo projects of the four scenarios; returns a Counter of the rows created (empty on a rerun)."""
    seeder = DemoSeeder()
    seed_polysulfone(seeder)
    seed_tpu_film(seeder)
    seed_inspection(seeder)
    seed_gaoping(seeder)
    return seeder.created
