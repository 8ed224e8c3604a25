"""What the home page shows each role: one context builder per role, each reading through the apps' own reads
(stats.aggregation, stats.quality, projects.aggregates and querysets) and their scoping, so a number on the home page
is the count of the rows its link lists.

- leader, zone admin (and the system admin, for a zone he picks): the zone's headline figures with targets and
  sparklines, the project pipeline, what is overdue and what falls due this week;
- department staff: my queue (reports to chase, progress due, my department's problems and approval matters, my
  imports not committed);
- enterprise user: my tasks (forms due, flags sent back, project progress owed) and my figures;
- region viewer: the zones of the region ranked on the headline indicator.

Every builder runs a fixed number of queries, whatever the number of firms, projects or figures.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kaifaqu.accounts.choices import DomainChoices, RoleChoices
from kaifaqu.core.models import ImportJob, ImportStatusChoices
from kaifaqu.core.money import YI, unit_name
from kaifaqu.core.periods import (
    cumulative_label,
    format_period,
    growth_pct,
    make_period,
    month_title,
    previous_month,
    year_of,
)
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.projects import aggregates
from kaifaqu.projects.choices import ProblemStatusChoices, ProjectStatusChoices
from kaifaqu.projects.models import Approval, Problem, Project, ProjectStage, StageDefinition
from kaifaqu.projects.querysets import PENDING_APPROVALS
from kaifaqu.projects.rules import progress_deadline
from kaifaqu.stats.aggregation import (
    StatsViewer,
    headline_indicator,
    headline_table,
    latest_period,
    make_cell,
    monthly_trend,
    price_index_for,
    schedule_pct,
    scope_of,
    totals,
    zone_headlines,
)
from kaifaqu.stats.aggregation_math import competition_ranks
from kaifaqu.stats.choices import FlagStatusChoices
from kaifaqu.stats.models import DataSet, DataSetAssignment, Indicator, ValidationFlag, Value
from kaifaqu.stats.periods import (
    closed_period_of,
    due_date,
    last_closed_period,
    latest_due_period,
    open_periods,
    period_label,
)
from kaifaqu.stats.permissions import may_import_stats
from kaifaqu.stats.quality import missing_count
from kaifaqu.stats.read import firm_figures
from kaifaqu.zones.models import Zone

HEADLINE_CODES = ("output_value", "value_added", "main_revenue", "tax")  # the four figures a leader reads first
FIRM_CODES = ("output_value", "main_revenue", "revenue")  # a firm's own figures on its home page
QUEUE_ROWS = 8  # rows of each list on the home page; the link shows them all
WEEK = datetime.timedelta(days=7)
IMPORT_DAYS = 30  # imports older than this no longer wait on the home page
PIPELINE_STATUSES = (ProjectStatusChoices.ACTIVE, ProjectStatusChoices.PAUSED)  # as the pipeline board
IMPORT_JOB_URLS = {
    "enterprises": "enterprises:import_job",
    "projects": "projects:import_job",
    "project_progress": "projects:import_job",
    "stats_long": "stats:import_job",
    "stats_wide": "stats:import_job",
    "stats_form": "stats:import_job",
    "stats_directory": "stats:directory_import_job",
}


def url(name, *args, query=None):
    """A URL with an optional query (a dict or a list of pairs, for repeated parameters)."""
    path = reverse(name, args=args)
    return f"{path}?{urlencode(query, doseq=True)}" if query else path


# -- who gets which home ---------------------------------------------------------------------------------------------


def home_role(user):
    """The home a user gets: "zone" (leader, zone admin, system admin), "staff", "region", "enterprise", or ""."""
    if user.is_system_admin or user.has_role(RoleChoices.LEADER, RoleChoices.ZONE_ADMIN):
        return "zone"
    if user.has_role(RoleChoices.DEPARTMENT_STAFF):
        return "staff"
    if user.has_role(RoleChoices.REGION_VIEWER):
        return "region"
    if user.has_role(RoleChoices.ENTERPRISE_USER):
        return "enterprise"
    return ""


def home_context(user, params, today):
    role = home_role(user)
    builders = {"zone": zone_home, "staff": staff_home, "region": region_home, "enterprise": enterprise_home}
    context = {"role": role}
    if role:
        context.update(builders[role](user, params, today))
    if role in ("zone", "staff") and may_import_stats(user):
        context["stats_import_url"] = reverse("stats:value_import")  # figures come in by file as often as by form
    context["charts"] = chart_data(context)
    return context


def chart_data(context):
    """What static/js/home.js draws (sparklines, the ranking bars), or {} when nothing."""
    charts = {}
    figures, ranking = context.get("figures"), context.get("ranking")
    if figures:
        year = figures["year"]
        charts.update(
            sparks=figures["sparks"],
            months=[_("%(month)s月") % {"month": m} for m in range(1, 13)],
            this_label=_("%(year)s年") % {"year": year},
            last_label=_("%(year)s年") % {"year": year - 1},
        )
    if ranking:
        charts.update(ranking=ranking["chart"], growth_label=_("同比"))
    return charts


def chosen_zone(user, params):
    """(zone, zones in view): the zone asked for (404 outside the user's view), else the user's own, else the first."""
    zones = list(Zone.objects.restrict(user, "view").order_by("name", "pk"))
    if not zones:
        return None, zones
    by_pk = {str(zone.pk): zone for zone in zones}
    raw = (params.get("zone") or "").strip()
    if raw:
        if raw not in by_pk:
            raise Http404
        return by_pk[raw], zones
    own = user.zone_ids()
    return next((zone for zone in zones if zone.pk in own), zones[0]), zones


# -- periods --------------------------------------------------------------------------------------------------------


def progress_period(today):
    """The month whose project progress is being reported now (last month)."""
    return previous_month(make_period(today.year, today.month))


def closed_progress_period(today):
    """The latest month whose progress deadline has passed: progress not in by then is late."""
    period = progress_period(today)
    return period if progress_deadline(period) < today else previous_month(period)


def monthly_data_sets():
    return list(DataSet.objects.filter(period_type="monthly").order_by("pk"))


# -- leader and zone admin -------------------------------------------------------------------------------------------


def zone_home(user, params, today):
    zone, zones = chosen_zone(user, params)
    if zone is None:
        return {}
    # The system admin sees every zone: the ranking is his way to the others, and gives his zone's rank. A zone's
    # own leader gets no rank: it needs the other zones' figures, which are not his to read.
    ranking = zone_ranking(user, today) if user.is_system_admin else None
    return {
        "zone": zone,
        "zones": zones,
        "ranking": ranking,
        "figures": zone_figures(user, zone, today),
        "pipeline": pipeline(user, zone, today),
        "overdue": overdue(user, zone, today),
        "week": this_week(user, zone, today),
    }


def zone_figures(user, zone, today):
    """The headline figures of the zone's last closed period (the latest whose deadline has passed, so every firm's
    report is in): 1—N月, comparable growth, target completion against 时序进度, this year's and last year's months
    for a sparkline, and the zone's rank among the zones of its province."""
    viewer = StatsViewer(user)
    zone_ids = [zone.pk]
    period = headline_period(viewer, zone_ids, today) if viewer.entitled(zone_ids) else None
    if period is None:
        return None
    rows = headline_table(viewer, zone_id=zone.pk, period=period, codes=HEADLINE_CODES)
    rows = sorted(
        (r for r in rows if r.indicator.code in HEADLINE_CODES), key=lambda r: HEADLINE_CODES.index(r.indicator.code)
    )
    scope = scope_of(zone_ids, period, rows[0].indicator) if rows else None
    peers = peer_zone_ids(zone)
    ranks = peer_ranks(zone, peers, period, [row.indicator for row in rows])
    for row in rows:
        decorate_headline(viewer, zone, row, period, scope)
        row.rank, row.rank_growth = ranks.get(row.indicator.pk, (None, None))
    return {
        "period": period,
        "year": year_of(period),
        "label": cumulative_label(period),
        "schedule_pct": schedule_pct(period),
        "rows": rows,
        "peer_count": len(peers),
        "targets_url": url("stats:target_list", zone.pk, query={"year": period // 100}),
        "sparks": [row.spark for row in rows],
    }


def headline_period(viewer, zone_ids, today):
    """The latest period with figures, but never one still being reported: a half-reported month would read as a
    fall. The monthly form of the headline indicator says which periods are closed."""
    latest = latest_period(viewer, zone_ids)
    indicator = Indicator.objects.filter(code=HEADLINE_CODES[0]).first()
    until = closed_period_of(indicator, today) if indicator else None
    return min(latest, until) if latest is not None and until is not None else latest


class PeerFigures:
    """The figures of the peer zones, for a rank only. The province's 通报 ranks every zone and sends the order to
    each of them; a zone's leader sees where the zone stands (第 N / M 名), never another zone's figure."""

    def values(self, zone_ids):
        return Value.objects.filter(zone_id__in=zone_ids, is_current=True)


def peer_zone_ids(zone):
    """Zones of the same province (the first two digits of GB/T 2260), demo zones with demo zones."""
    province = zone.region_id[:2]
    peers = Zone.objects.filter(region__code__startswith=province, is_demo=zone.is_demo)
    return list(peers.order_by("pk").values_list("pk", flat=True))


def peer_ranks(zone, peer_ids, period, indicators):
    """{indicator id: (rank by 1—N月 value, rank by comparable growth)} of the zone among its peers, ranked as the
    ranking page ranks (kaifaqu.stats.aggregation.rank_zones), all indicators in one GROUP BY; empty when alone."""
    if len(peer_ids) < 2 or not indicators:
        return {}
    grouped = totals(
        PeerFigures().values(peer_ids),
        period=period,
        indicator_ids=[i.pk for i in indicators],
        group="zone",
        across_zones=True,
        scope=scope_of(peer_ids, period, indicators[0]),
    )
    at = peer_ids.index(zone.pk)
    ranks = {}
    for indicator in indicators:
        index = price_index_for(indicator, period)
        cells = [make_cell(pk, "", grouped.get((indicator.pk, pk)), price_index=index) for pk in peer_ids]
        by_value = competition_ranks([cell.current for cell in cells])
        by_growth = competition_ranks([cell.growth_pct for cell in cells])
        ranks[indicator.pk] = (by_value[at], by_growth[at])
    return ranks


def decorate_headline(viewer, zone, row, period, scope):
    """Add to a HeadlineRow its sparkline (this year's and last year's months), dashboard link and format."""
    trend = monthly_trend(viewer, zone_ids=[zone.pk], period=period, indicator=row.indicator, scope=scope)
    row.spark = {"id": f"spark-{row.indicator.code}", "this": trend["this"], "last": trend["last"]}
    query = urlencode({"indicator": row.indicator.code, "period": format_period(period)})
    row.url = f"{reverse('stats:dashboard', args=[zone.pk])}?{query}"
    row.is_money = row.indicator.unit == "万元"


def pipeline(user, zone, today):
    """Projects per stage of the zone's ladder (in progress and paused, as the board) and the key projects'
    investment planned and completed this year."""
    projects = Project.objects.restrict(user, "view").filter(zone=zone, status__in=PIPELINE_STATUSES)
    counts = {
        row["current_stage"]: (row["n"], row["investment"])
        for row in projects.order_by()
        .values("current_stage")
        .annotate(n=Count("pk"), investment=Sum("total_investment"))
    }
    statuses = [("status", s) for s in PIPELINE_STATUSES]
    stages = []
    for stage in StageDefinition.objects.filter(zone=zone, pk__in=[k for k in counts if k]).order_by("order"):
        count, investment = counts[stage.pk]
        query = [("zone", zone.pk), ("stage", stage.code), *statuses]
        stages.append(
            {
                "name": stage.label,
                "count": count,
                "investment": investment,
                "url": url("projects:project_list", query=query),
            }
        )
    period = aggregates.default_period(today)
    key = aggregates.key_project_table(user, [zone.pk], period).get("total")
    return {
        "stages": stages,
        "count": sum(n for n, _i in counts.values()),
        "url": url("projects:project_list", query=[("zone", zone.pk), *statuses]),
        "board_url": url("projects:board", query={"zone": zone.pk}),
        "key": key,
        "key_label": cumulative_label(period),
        "key_url": url("projects:key_projects", query={"zone": zone.pk}),
    }


def overdue(user, zone, today):
    """What is late in the zone, each a count and the list page filtered to those rows."""
    items = [late_reports(user, zone, data_set, today) for data_set in monthly_data_sets()]
    period = closed_progress_period(today)
    progress = Project.objects.restrict(user, "view").filter(zone=zone).progress_missing(period)
    items.append(
        {
            "label": _("项目进度未报（%(period)s）") % {"period": month_title(period)},
            "count": progress.count(),
            "url": url("projects:project_list", query={"zone": zone.pk, "progress_missing": format_period(period)}),
            "id": "overdue-progress",
        }
    )
    items.append(
        {
            "label": _("逾期未解决的问题"),
            "count": aggregates.overdue_problems(user, [zone.pk], today).count(),
            "url": url("projects:problem_list", query={"zone": zone.pk, "overdue": "true"}),
            "id": "overdue-problems",
        }
    )
    items.append(
        {
            "label": _("逾期未办结的审批事项"),
            "count": aggregates.overdue_approvals(user, [zone.pk], today).count(),
            "url": url("projects:approval_list", query={"zone": zone.pk, "overdue": "true"}),
            "id": "overdue-approvals",
        }
    )
    items.append(
        {
            "label": _("逾期未完成的节点"),
            "count": aggregates.late_milestones(user, [zone.pk], today).count(),
            "url": url("projects:leader", query={"zone": zone.pk}) + "#late-stages",
            "id": "overdue-stages",
        }
    )
    return items


def late_reports(user, zone, data_set, today):
    """Firms of the zone assigned to a monthly form that have not reported the last period whose deadline passed."""
    period = last_closed_period(data_set, today)
    assignments = DataSetAssignment.objects.restrict(user, "view").filter(enterprise__zone=zone)
    query = {"zone": zone.pk, "data_set": data_set.code, "period": format_period(period), "status": "missing"}
    return {
        "label": _("%(form)s逾期未报（%(period)s）")
        % {"form": data_set.label, "period": period_label(period, data_set)},
        "count": missing_count(assignments=assignments, data_set=data_set, period=period),
        "url": url("stats:completeness", query=query),
        "id": f"overdue-reports-{data_set.code}",
    }


def this_week(user, zone, today):
    """Milestones and approval matters due in the next seven days (today included)."""
    end = today + WEEK
    stages = (
        ProjectStage.objects.restrict(user, "view")
        .filter(project__zone=zone, actual_on__isnull=True, planned_on__gte=today, planned_on__lt=end)
        .exclude(project__status=ProjectStatusChoices.CANCELLED)
        .select_related("project", "stage")
        .order_by("planned_on", "pk")
    )
    approvals = [
        a
        for a in Approval.objects.restrict(user, "view")
        .filter(project__zone=zone, status__in=PENDING_APPROVALS)
        .filter(Q(planned_on__gte=today) | Q(submitted_on__isnull=False, time_limit_days__isnull=False))
        .exclude(project__status=ProjectStatusChoices.CANCELLED)
        .select_related("project", "kind", "department")
        if a.due_on and today <= a.due_on < end
    ]
    approvals.sort(key=lambda a: (a.due_on, a.pk))
    stage_rows = list(stages[: QUEUE_ROWS + 1])
    return {
        "stages": stage_rows[:QUEUE_ROWS],
        "more_stages": len(stage_rows) > QUEUE_ROWS,
        "approvals": approvals[:QUEUE_ROWS],
        "approval_count": len(approvals),
        "end": end - datetime.timedelta(days=1),
    }


# -- department staff ----------------------------------------------------------------------------------------------


def staff_home(user, params, today):
    membership = next(m for m in user.active_memberships if m.role == RoleChoices.DEPARTMENT_STAFF)
    zone, department = membership.zone, membership.department
    domains = set(department.domains or []) if department else set()
    context = {"zone": zone, "department": department, "imports": waiting_imports(user, today)}
    if DomainChoices.STATISTICS in domains:
        context["reports"] = [reports_to_chase(user, zone, data_set, today) for data_set in monthly_data_sets()]
    context["progress"] = progress_due(user, zone, department, DomainChoices.PROJECTS in domains, today)
    context["problems"] = department_problems(user, department, today)
    context["approvals"] = department_approvals(user, department, today)
    return context


def reports_to_chase(user, zone, data_set, today):
    """Firms of the zone that have not reported the period being reported now (deadline passed or not)."""
    period = latest_due_period(data_set, today)
    assignments = DataSetAssignment.objects.restrict(user, "view").filter(enterprise__zone=zone)
    query = {"zone": zone.pk, "data_set": data_set.code, "period": format_period(period), "status": "missing"}
    return {
        "label": _("%(form)s未报（%(period)s）") % {"form": data_set.label, "period": period_label(period, data_set)},
        "deadline": due_date(data_set, period),
        "count": missing_count(assignments=assignments, data_set=data_set, period=period),
        "url": url("stats:completeness", query=query),
    }


def progress_due(user, zone, department, whole_zone, today):
    """Projects whose last month's progress is not in: the zone's for a department with the projects domain, else
    those the department is responsible for."""
    period = progress_period(today)
    projects = Project.objects.restrict(user, "view").filter(zone=zone).progress_missing(period)
    query = {"zone": zone.pk, "progress_missing": format_period(period)}
    if not whole_zone:
        projects = projects.filter(department=department)
        query["department"] = department.pk if department else ""
    rows = list(projects.order_by("name", "pk")[: QUEUE_ROWS + 1])
    return {
        "period": period,
        "period_text": format_period(period),
        "deadline": progress_deadline(period),
        "rows": rows[:QUEUE_ROWS],
        "count": projects.count() if len(rows) > QUEUE_ROWS else len(rows),
        "url": url("projects:project_list", query=query),
    }


def department_problems(user, department, today):
    """Open problems assigned to the department, overdue (earliest deadline) first."""
    problems = Problem.objects.restrict(user, "view").filter(department=department).unresolved()
    rows = list(problems.select_related("project").order_by("deadline", "pk")[:QUEUE_ROWS])
    for row in rows:
        row.late = row.deadline < today
    statuses = [ProblemStatusChoices.OPEN, ProblemStatusChoices.IN_PROGRESS]
    return {
        "rows": rows,
        "count": problems.count(),
        "overdue": problems.filter(deadline__lt=today).count(),
        "url": url("projects:problem_list", query=[("department", department.pk), *[("status", s) for s in statuses]]),
        "overdue_url": url("projects:problem_list", query={"department": department.pk, "overdue": "true"}),
    }


def department_approvals(user, department, today):
    """Approval matters the department handles that are still pending, overdue (earliest due date) first."""
    approvals = Approval.objects.restrict(user, "view").filter(department=department).pending()
    rows = list(approvals.select_related("project", "kind"))
    for row in rows:
        row.late = row.due_on is not None and row.due_on < today
    rows.sort(key=lambda a: (a.due_on is None, a.due_on or today, a.pk))
    query = [("department", department.pk), *[("status", s) for s in PENDING_APPROVALS]]
    return {
        "rows": rows[:QUEUE_ROWS],
        "count": len(rows),
        "overdue": sum(1 for row in rows if row.late),
        "url": url("projects:approval_list", query=query),
        "overdue_url": url("projects:approval_list", query={"department": department.pk, "overdue": "true"}),
    }


def waiting_imports(user, today):
    """The user's import jobs of the last month not committed (validated and waiting, running, or failed)."""
    since = today - datetime.timedelta(days=IMPORT_DAYS)
    jobs = (
        ImportJob.objects.restrict(user)
        .filter(created_by=user, created_at__date__gte=since)
        .exclude(status=ImportStatusChoices.COMMITTED)
        .order_by("-created_at", "-pk")[:QUEUE_ROWS]
    )
    rows = []
    for job in jobs:
        name = IMPORT_JOB_URLS.get(job.kind)
        rows.append({"job": job, "url": reverse(name, args=[job.pk]) if name else ""})
    return rows


# -- enterprise user -------------------------------------------------------------------------------------------------


def enterprise_home(user, params, today):
    firm = Enterprise.objects.restrict(user, "view").select_related("zone").first()
    if firm is None:
        return {}
    period = progress_period(today)
    projects = Project.objects.restrict(user, "view").progress_missing(period).order_by("name", "pk")
    flags = ValidationFlag.objects.restrict(user, "view").filter(enterprise=firm, status=FlagStatusChoices.OPEN)
    return {
        "firm": firm,
        **forms_due(firm, today),
        "flags": list(flags.select_related("indicator").order_by("-period", "pk")[:QUEUE_ROWS]),
        "flag_count": flags.count(),
        "flags_url": url("stats:flag_list", query={"status": FlagStatusChoices.OPEN}),
        "projects_due": list(projects[:QUEUE_ROWS]),
        "progress_period": period,
        "my_figures": my_figures(user, firm),
    }


def forms_due(firm, today):
    """The firm's forms of the period being reported now that it has not reported yet, with the entry link while
    the period is open, and whether it reports any form at all. A few queries per form the firm reports (one or
    two)."""
    due = []
    data_sets = list(DataSet.objects.filter(assignments__enterprise=firm).distinct().order_by("pk"))
    for data_set in data_sets:
        period = latest_due_period(data_set, today)
        if not DataSetAssignment.objects.covering(period).filter(data_set=data_set, enterprise=firm).exists():
            continue
        if Value.objects.current().for_period(period).filter(enterprise=firm, data_set=data_set).exists():
            continue
        is_open = bool(open_periods(data_set, firm.zone_id, [period]))
        due.append(
            {
                "data_set": data_set,
                "label": period_label(period, data_set),
                "deadline": due_date(data_set, period),
                "late": due_date(data_set, period) < today,
                "url": reverse("stats:entry", args=[firm.pk, data_set.code, format_period(period)]) if is_open else "",
            }
        )
    return {"forms_due": due, "reports_forms": bool(data_sets)}


def my_figures(user, firm):
    """The firm's latest figures (the latest period it reported any of FIRM_CODES) with their growth."""
    figures = firm_figures(user, firm, FIRM_CODES)
    if not figures:
        return None
    period = max(p for p, _code in figures)
    rows = []
    for code in FIRM_CODES:
        figure = figures.get((period, code))
        if figure is not None:
            rows.append({"code": code, "value": figure.value, "growth": growth_pct(figure.value, figure.base)})
    names = {i.code: i.label for i in Indicator.objects.filter(code__in=FIRM_CODES)}
    for row in rows:
        row["name"] = names.get(row["code"], row["code"])
    return {"period": period, "year": year_of(period), "label": cumulative_label(period), "rows": rows}


# -- region viewer ---------------------------------------------------------------------------------------------------


def region_home(user, params, today):
    ranking = zone_ranking(user, today)
    zones = [] if ranking else list(Zone.objects.restrict(user, "view").order_by("name", "pk"))
    return {"ranking": ranking, "zones": zones}


def in_yi(value):
    """万元 → 亿元 for a chart's axis (two decimals, as the table beside it)."""
    return None if value is None else (value / YI).quantize(Decimal("0.01"))


def zone_ranking(user, today):
    """The zones the user reads, ranked on the headline indicator at the last closed period, with the chart's data
    (money in 亿元, as the table beside it)."""
    indicator = headline_indicator()
    until = closed_period_of(indicator, today) if indicator else None
    indicator, period, rows = zone_headlines(StatsViewer(user), indicator, until=until)
    if period is None:
        return None
    query = urlencode({"indicator": indicator.code, "period": format_period(period)})
    for row in rows:
        row.url = f"{reverse('stats:dashboard', args=[row.zone.pk])}?{query}"
    chart = {
        "id": "chart-ranking",
        "unit": unit_name("亿元") if indicator.unit == "万元" else indicator.unit_label,
        "names": [str(row.zone) for row in rows],
        "values": [in_yi(row.cell.current) if indicator.unit == "万元" else row.cell.current for row in rows],
        "growth": [row.cell.growth_pct for row in rows],
        "urls": [row.url for row in rows],
    }
    return {
        "indicator": indicator,
        "period": period,
        "year": year_of(period),
        "label": cumulative_label(period),
        "rows": rows,
        "chart": chart,
        "is_money": indicator.unit == "万元",
        "ranking_url": url("stats:ranking", query={"indicator": indicator.code, "period": format_period(period)}),
    }
