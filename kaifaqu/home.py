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

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from kaifaqu.accounts.choices import DomainChoices, RoleChoices
from kaifaqu.core.models import ImportJob, ImportStatusChoices
from kaifaqu.core.periods import (
    cumulative_label,
    format_period,
    month_title,
)
from kaifaqu.core.views import url_with_query as url
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.projects import aggregates
from kaifaqu.projects.choices import ProblemStatusChoices, ProjectStatusChoices
from kaifaqu.projects.models import Approval, Problem, Project, ProjectStage, StageDefinition
from kaifaqu.projects.querysets import PENDING_APPROVALS
from kaifaqu.projects.rules import closed_progress_period, progress_deadline, progress_period
from kaifaqu.stats.home import (
    flags_sent_back,
    forms_due,
    late_reports,
    monthly_data_sets,
    my_figures,
    reports_to_chase,
    zone_figures,
    zone_ranking,
)
from kaifaqu.stats.permissions import may_import_stats
from kaifaqu.zones.models import Zone

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
        "period_text": month_title(period),
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
    return {
        "firm": firm,
        **forms_due(firm, today),
        **flags_sent_back(user, firm, QUEUE_ROWS),
        "projects_due": list(projects[:QUEUE_ROWS]),
        "progress_period": period,
        "my_figures": my_figures(user, firm),
    }


# -- region viewer ---------------------------------------------------------------------------------------------------


def region_home(user, params, today):
    ranking = zone_ranking(user, today)
    zones = [] if ranking else list(Zone.objects.restrict(user, "view").order_by("name", "pk"))
    return {"ranking": ranking, "zones": zones}
