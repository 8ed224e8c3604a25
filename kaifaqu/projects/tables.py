"""The tables of the project app's lists: projects (with the reads it needs: this year's plan and completion in one
annotated query, and the overdue flags — late stage, overdue problem, overdue approval matter — for the rows shown),
campaigns and inspections."""

import django_tables2 as tables
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.money import money_in, unit_in_brackets

from .choices import ProjectLevelChoices
from .models import AnnualPlan, Approval, Campaign, Inspection, ProgressReport, Project
from .querysets import PENDING_APPROVALS
from .rules import approval_due_on, pct


def overdue_approval_project_ids(projects, today):
    """Ids of the projects (a queryset or a list of ids) with a pending approval matter past its due date.

    One query; the due date (planned date, or acceptance + statutory limit) is computed in Python like
    ApprovalQuerySet.overdue, because a column of days cannot be added to a date portably in SQL.
    """
    rows = (
        Approval.objects.filter(project__in=projects, status__in=PENDING_APPROVALS)
        .filter(Q(planned_on__lt=today) | Q(submitted_on__isnull=False, time_limit_days__isnull=False))
        .values_list("project_id", "submitted_on", "time_limit_days", "planned_on")
    )
    return {
        project_id
        for project_id, submitted_on, limit, planned_on in rows
        if (due := approval_due_on(submitted_on, limit, planned_on)) and due < today
    }


def annotate_for_list(queryset, year, today):
    """The list's row facts in the same query: this year's plan (年度计划投资), completed this year (年初至报告期累计
    of the year's latest report), a late stage and an overdue problem."""
    plan = AnnualPlan.objects.filter(project=OuterRef("pk"), year=year).values("planned_investment")[:1]
    done = (
        ProgressReport.objects.filter(project=OuterRef("pk"), period__gte=year * 100 + 1, period__lte=year * 100 + 12)
        .order_by("-period", "-decade")
        .values("year_to_date")[:1]
    )
    return queryset.with_overdue(today).annotate(annual_plan=Subquery(plan), completed_this_year=Subquery(done))


def overdue_badges(record, late_approval):
    badges = []
    if getattr(record, "has_late_stage", False):
        badges.append(("text-bg-warning", _("节点滞后")))
    if getattr(record, "has_overdue_problem", False):
        badges.append(("text-bg-danger", _("问题逾期")))
    if late_approval:
        badges.append(("text-bg-danger", _("审批超时")))
    return badges


LEVEL_BADGES = {
    ProjectLevelChoices.PROVINCE: "text-bg-danger",
    ProjectLevelChoices.CITY: "text-bg-primary",
    ProjectLevelChoices.COUNTY: "text-bg-info",
    ProjectLevelChoices.DISTRICT: "text-bg-info",
}


class MoneyColumn(tables.Column):
    """An amount in one unit for the whole column (kaifaqu.core.money.money_in), the unit in the header."""

    def __init__(self, *args, unit="亿元", **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)
        self.unit = unit

    @property
    def header(self):
        return format_html("{}{}", super().header, unit_in_brackets(self.unit))

    def render(self, value):
        return money_in(value, self.unit)


class ProjectTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("项目名称"))
    zone = tables.Column(verbose_name=_("开发区"), order_by=("zone__name",))
    park = tables.Column(verbose_name=_("园区"), order_by=("park__name",))
    investor = tables.Column(
        verbose_name=_("投资方"), accessor="investor_label", order_by=("investor__name", "investor_name")
    )
    level = tables.Column(verbose_name=_("级别"))
    current_stage = tables.Column(verbose_name=_("当前阶段"), order_by=("current_stage__order",))
    total_investment = MoneyColumn(verbose_name=_("总投资"))
    annual_plan = MoneyColumn(verbose_name=_("年度计划"))
    completed_this_year = MoneyColumn(verbose_name=_("本年完成"))
    overdue = tables.Column(verbose_name=_("逾期"), accessor="pk", orderable=False)
    leader = tables.Column(verbose_name=_("挂点领导"))

    class Meta:
        model = Project
        fields = [
            "name",
            "zone",
            "park",
            "investor",
            "level",
            "current_stage",
            "total_investment",
            "annual_plan",
            "completed_this_year",
            "overdue",
            "leader",
        ]
        attrs = {"class": "table table-sm table-hover", "id": "project-table"}
        empty_text = _("没有符合条件的项目")

    def __init__(self, *args, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year or timezone.localdate().year
        self.late_approvals = set()
        self.columns["annual_plan"].column.verbose_name = _("%(year)s年计划") % {"year": self.year}
        self.columns["completed_this_year"].column.verbose_name = _("%(year)s年完成") % {"year": self.year}

    def before_render(self, request):
        """One query for the approval matters of the rows on this page (the rest of a row is in the list query)."""
        rows = self.paginated_rows
        ids = [row.record.pk for row in rows]
        self.late_approvals = overdue_approval_project_ids(ids, timezone.localdate()) if ids else set()

    def render_name(self, record, value):
        if record.is_demo:
            return format_html('{} <span class="badge badge-demo">{}</span>', value, _("演示"))
        return value

    def render_investor(self, record, value):
        if record.investor_id:
            return value
        return format_html('{} <span class="badge text-bg-light">{}</span>', value, _("未登记"))

    def render_level(self, record, value):
        css = LEVEL_BADGES.get(record.level)
        return format_html('<span class="badge {}">{}</span>', css, value) if css else value

    def render_completed_this_year(self, record, value):
        rate = pct(value, record.annual_plan)
        amount = money_in(value, self.columns["completed_this_year"].column.unit)
        if rate is None:
            return amount
        return format_html('{} <small class="text-muted">{}%</small>', amount, rate)

    def render_overdue(self, record):
        badges = overdue_badges(record, record.pk in self.late_approvals)
        if not badges:
            return "—"
        return format_html_join(" ", '<span class="badge {}">{}</span>', badges)


class CampaignTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("名称"))
    zone = tables.Column(verbose_name=_("开发区"), order_by=("zone__name",))
    starts_on = tables.DateColumn(format="Y-m-d", verbose_name=_("起始日期"))
    ends_on = tables.DateColumn(format="Y-m-d", verbose_name=_("截止日期"))
    note = tables.Column(verbose_name=_("说明"))

    class Meta:
        model = Campaign
        fields = ["name", "zone", "starts_on", "ends_on", "note"]
        attrs = {"class": "table table-sm table-hover", "id": "campaign-table"}
        empty_text = _("没有符合条件的三个一批活动")


class InspectionTable(tables.Table):
    """The rows come annotated with their counts (views.inspections.with_counts)."""

    held_on = tables.DateColumn(format="Y-m-d", linkify=True, verbose_name=_("日期"))
    kind = tables.Column(verbose_name=_("类型"))
    zone = tables.Column(verbose_name=_("开发区"), order_by=("zone__name",))
    leaders = tables.Column(verbose_name=_("参加领导"))
    location = tables.Column(verbose_name=_("地点"))
    project_count = tables.Column(verbose_name=_("调研项目"), attrs={"td": {"class": "text-end"}})
    problem_count = tables.Column(verbose_name=_("交办问题"), attrs={"td": {"class": "text-end"}})
    open_count = tables.Column(verbose_name=_("未解决"), attrs={"td": {"class": "text-end"}})
    overdue_count = tables.Column(verbose_name=_("逾期"), attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Inspection
        fields = ["held_on", "kind", "zone", "leaders", "location"]
        attrs = {"class": "table table-sm table-hover", "id": "inspection-table"}
        empty_text = _("没有符合条件的调研或现场办公")

    def render_overdue_count(self, value):
        if value:
            return format_html('<span class="badge text-bg-danger">{}</span>', value)
        return value
