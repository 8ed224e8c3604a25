"""Project list export (项目清单导出): the list page's scope and filters, one row per project, escaped, audited."""

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.accounts.exports import export_list

from .filtersets import ProjectFilterSet
from .models import Project
from .rules import pct
from .tables import annotate_for_list, overdue_approval_project_ids


def filtered_projects(request, year, today):
    """What the list page shows for the same GET parameters (scope first, then the shared filter)."""
    queryset = annotate_for_list(Project.objects.restrict(request.user, "view"), year, today)
    filterset = ProjectFilterSet(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return queryset.none()  # the list page (strict FilterView) shows nothing either
    return filterset.qs


def headers(year):
    return [
        _("项目名称"),
        _("所属开发区"),
        _("园区"),
        _("投资方"),
        _("投资方是否已登记"),
        _("重点项目级别"),
        _("项目类型"),
        _("状态"),
        _("当前阶段"),
        _("国民经济行业"),
        _("产业链"),
        _("责任部门"),
        _("挂点领导"),
        _("建设地点"),
        _("建设规模及主要建设内容"),
        _("总投资（万元）"),
        _("其中固定资产投资（万元）"),
        _("%(year)s年计划投资（万元）") % {"year": year},
        _("%(year)s年完成投资（万元）") % {"year": year},
        _("年度完成率（%）"),
        _("用地（亩）"),
        _("建筑面积（平方米）"),
        _("主要产品"),
        _("设计产能"),
        _("达产后年产值（万元）"),
        _("达产后年税收（万元）"),
        _("达产后新增就业（人）"),
        _("建设年限"),
        _("形象进度"),
        _("逾期情况"),
    ]


def overdue_text(project, late_approvals):
    parts = []
    if project.has_late_stage:
        parts.append(_("节点滞后"))
    if project.has_overdue_problem:
        parts.append(_("问题逾期"))
    if project.pk in late_approvals:
        parts.append(_("审批超时"))
    return "、".join(parts)


def project_row(p, late_approvals):
    capacity = f"{p.capacity_quantity.normalize():f}{p.capacity_unit}" if p.capacity_quantity is not None else ""
    years = "–".join(str(y) for y in (p.start_year, p.end_year) if y)
    return [
        p.name,
        p.zone.name,
        p.park.name if p.park_id else "",
        p.investor_label,
        _("是") if p.investor_id else _("否"),
        p.get_level_display(),
        p.get_kind_display(),
        p.get_status_display(),
        p.current_stage.name if p.current_stage_id else "",
        str(p.industry) if p.industry_id else "",
        p.chain.name if p.chain_id else "",
        p.department.name if p.department_id else "",
        p.leader,
        p.location,
        p.content,
        p.total_investment,
        p.fixed_asset_investment,
        p.annual_plan,
        p.completed_this_year,
        pct(p.completed_this_year, p.annual_plan),
        p.land_mu,
        p.floor_area_m2,
        p.products,
        capacity,
        p.expected_output_value,
        p.expected_tax,
        p.expected_jobs,
        years,
        p.image_progress,
        overdue_text(p, late_approvals),
    ]


def export_projects(request):
    """The filtered list as .xlsx with an audit record (accounts.exports.export_list). Returns the response."""
    today = timezone.localdate()
    year = today.year
    queryset = filtered_projects(request, year, today).select_related(
        "zone", "park", "investor", "industry", "chain", "department", "current_stage"
    )
    late_approvals = overdue_approval_project_ids(queryset.values("pk"), today)
    projects = queryset.order_by("zone__name", "name", "pk").iterator(chunk_size=2000)
    rows = (project_row(p, late_approvals) for p in projects)
    widths = (36, 18, 14, 28, 8, 10, 10, 8, 10, 24, 14, 14, 10, 20, 40, 14, 14, 14, 14, 10, 10, 12, 20, 16, 14, 14, 10)
    return export_list(request, name=_("项目清单"), headers=headers(year), rows=rows, widths=widths)
