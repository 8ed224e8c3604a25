"""The 四上 directory (名录) of a zone: the status page (counts, entries and exits, figures against the thresholds),
entering and removing a firm's row, the list's export, and the directory import (upload, template, preview, errors).

Every write goes through kaifaqu.stats.services (services/directory.py), so reporting duties follow the directory.
The page compares a year with the year before only when both have a directory: a year not entered yet says so
instead of showing every firm as having left.
"""

from collections import Counter, defaultdict

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core.exports import add_table_sheet, workbook_response, write_only_workbook
from kaifaqu.core.imports import views as imports
from kaifaqu.core.models import ImportStatusChoices
from kaifaqu.core.periods import growth_pct, make_period
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.zones.importers import only_zone

from ..choices import DirectoryChangeChoices, StatsCategoryChoices
from ..forms import DirectoryImportForm, StatusFilterForm, YearStatusForm
from ..importers_directory import DirectoryImporter, directory_zone_ids
from ..models import EnterpriseYearStatus, Value
from ..permissions import may_import_directory
from ..services import record_year_status, remove_year_status
from ..thresholds import check_status
from .dashboard import ZoneStatsMixin, ZoneWriteMixin, chosen_year

ANNUAL_CODES = ("main_revenue", "revenue")  # the figures the thresholds compare (thresholds.py)


# -- the overview ------------------------------------------------------------------------------------------------


def directory_of(zone, years):
    """{year: {enterprise_id: EnterpriseYearStatus}} of the zone's directory in `years` (one query)."""
    rows = defaultdict(dict)
    for status in EnterpriseYearStatus.objects.filter(enterprise__zone=zone, year__in=years):
        rows[status.year][status.enterprise_id] = status
    return rows


def annual_figures(zone, year):
    """{enterprise_id: {code: 1—12月 value}} of the figures the thresholds compare (one query)."""
    figures = defaultdict(dict)
    values = Value.objects.filter(
        zone=zone, period=make_period(year, 12), is_current=True, indicator__code__in=ANNUAL_CODES
    )
    for enterprise_id, code, value in values.values_list("enterprise_id", "indicator__code", "value"):
        figures[enterprise_id][code] = value
    return figures


def category_counts(this_year, last_year):
    """Per category: this year's count, last year's, entries, exits and growth — each only when the years it needs
    have a directory (None otherwise)."""
    has_this, has_last = bool(this_year), bool(last_year)
    comparable = has_this and has_last
    now = Counter(s.category for s in this_year.values())
    then = Counter(s.category for s in last_year.values())
    counts = []
    for category, label in StatsCategoryChoices.choices:
        entries, exits = moves(category, this_year, last_year)
        counts.append(
            {
                "category": category,
                "label": label,
                "count": now[category] if has_this else None,
                "previous": then[category] if has_last else None,
                "entries": entries if comparable else None,
                "exits": exits if comparable else None,
                "growth_pct": growth_pct(now[category], then[category]) if comparable else None,
            }
        )
    return counts


def moves(category, this_year, last_year):
    """(firms that entered the category this year, firms that left it) — a change of category counts in both."""
    entries = sum(1 for f, s in this_year.items() if s.category == category and category_of(last_year, f) != category)
    exits = sum(1 for f, s in last_year.items() if s.category == category and category_of(this_year, f) != category)
    return entries, exits


def category_of(statuses, enterprise_id):
    status = statuses.get(enterprise_id)
    return status.category if status is not None else ""


def is_missing_figure(check, category):
    """缺少年度数据，无法核对: the firm has no annual figure to compare. Not a disagreement, so not flagged."""
    rule = check.rule
    return bool(category and rule and rule.amount is not None and rule.category == category and check.figure is None)


def change_of(category, was, has_last):
    if not has_last or category == was:
        return ""
    if not was:
        return DirectoryChangeChoices.ENTERED
    return DirectoryChangeChoices.LEFT if not category else DirectoryChangeChoices.CHANGED


def firm_row(firm, this_year, last_year, figures, labels):
    """One firm on the page, or None when it is neither in the directory (this year or last) nor flagged."""
    status = this_year.get(firm.pk)
    category, was = category_of(this_year, firm.pk), category_of(last_year, firm.pk)
    check = check_status(
        category=category, industry_code=firm.industry_id, section=firm.industry.section, figures=figures
    )
    missing = is_missing_figure(check, category)
    problem = "" if missing else check.problem
    if not category and not was and not problem:
        return None  # below-threshold firms without status and without a flag are not listed
    return {
        "firm": firm,
        "status": status,
        "category_code": category,
        "category": labels.get(category, ""),
        "was_code": was,
        "was": labels.get(was, ""),
        "change": change_of(category, was, bool(last_year)),
        "figure": check.figure,
        "threshold": check.rule.amount if check.rule else None,
        "problem": problem,
        "unchecked": check.problem if missing else "",
    }


def status_overview(zone, year, firms):
    """Counts per category this year and last, entries and exits, and figure checks (three queries). A year whose
    directory is not entered shows no counts and lists no firm (every firm would look as if it had left)."""
    directory = directory_of(zone, (year, year - 1))
    this_year, last_year = directory[year], directory[year - 1]
    has_this, has_last = bool(this_year), bool(last_year)
    labels = dict(StatsCategoryChoices.choices)
    rows = []
    if has_this:
        figures = annual_figures(zone, year)
        for firm in firms:
            row = firm_row(firm, this_year, last_year, figures.get(firm.pk, {}), labels)
            if row is not None:
                rows.append(row)
    counts = category_counts(this_year, last_year)
    comparable = has_this and has_last
    total_now, total_then = len(this_year), len(last_year)
    return {
        "has_directory": has_this,
        "has_previous": has_last,
        "comparable": comparable,
        "counts": counts,
        "industry": next(c for c in counts if c["category"] == StatsCategoryChoices.INDUSTRY),
        "total": total_now if has_this else None,
        "total_previous": total_then if has_last else None,
        "total_entries": sum(1 for f in this_year if f not in last_year) if comparable else None,
        "total_exits": sum(1 for f in last_year if f not in this_year) if comparable else None,
        "total_growth_pct": growth_pct(total_now, total_then) if comparable else None,
        "rows": rows,
        "flagged": sum(1 for r in rows if r["problem"]),
        "unchecked": sum(1 for r in rows if r["unchecked"]),
    }


# -- the page ------------------------------------------------------------------------------------------------------


class DirectoryMixin(ZoneStatsMixin):
    """A zone's directory pages: entitled viewers of the zone (404 for others)."""

    entitled_only = True
    write_model = EnterpriseYearStatus

    def enterprises(self):
        return Enterprise.objects.restrict(self.request.user, "view").filter(zone=self.zone)

    def listing(self):
        """(year, overview, filter form, the rows the filters keep)."""
        year = chosen_year(self.request.GET)
        firms = self.enterprises().select_related("industry").order_by("name")
        overview = status_overview(self.zone, year, firms)
        form = StatusFilterForm(self.request.GET or None, initial={"year": year})
        return year, overview, form, [row for row in overview["rows"] if form.matches(row)]


class StatusListView(DirectoryMixin, ZoneWriteMixin, TemplateView):
    """规上/四上 firms of a zone in a year: counts, entries and exits, and figures that disagree with the status."""

    template_name = "stats/status_list.html"

    def get_form(self, data=None):
        return YearStatusForm(
            data,
            enterprises=self.enterprises().order_by("name"),
            initial={"year": chosen_year(self.request.GET)},
        )

    def save(self, form):
        data = form.cleaned_data
        record_year_status(
            actor=self.request.user,
            enterprise=data["enterprise"],
            year=data["year"],
            category=data["category"],
            entered_on=data["entered_on"],
            note=data["note"],
        )

    def get_context_data(self, **kwargs):
        year, overview, filters, rows = self.listing()
        query = self.request.GET.copy()
        query["year"] = year
        may_write = self.may_write()
        context = super().get_context_data(**kwargs)
        context.update(
            zone=self.zone,
            year=year,
            overview=overview,
            rows=rows,
            filters=filters,
            filtered=len(rows) != len(overview["rows"]),
            may_write=may_write,
            form=kwargs.get("form") or self.get_form(),
            years=[year - 1, year + 1],
            export_url=f"{reverse('stats:status_export', args=[self.zone.pk])}?{query.urlencode()}",
            import_url=reverse("stats:directory_import") if may_write else "",
        )
        return context


EXPORT_HEADERS = (
    gettext_lazy("统一社会信用代码"),
    gettext_lazy("企业名称"),
    gettext_lazy("年度"),
    gettext_lazy("四上类别"),
    gettext_lazy("入库日期"),
    gettext_lazy("备注"),
    gettext_lazy("上年类别"),
    gettext_lazy("变动"),
    gettext_lazy("年度收入（万元）"),
    gettext_lazy("标准（万元）"),
    gettext_lazy("核对"),
)
EXPORT_WIDTHS = (22, 32, 8, 22, 12, 24, 22, 12, 16, 12, 30)


def change_label(change):
    return str(DirectoryChangeChoices(change).label) if change else ""


def export_row(row, year):
    status = row["status"]
    return [
        row["firm"].credit_code,
        row["firm"].name,
        year,
        row["category"],
        status.entered_on if status is not None else None,
        status.note if status is not None else "",
        row["was"],
        change_label(row["change"]),
        row["figure"],
        row["threshold"],
        row["problem"] or row["unchecked"],
    ]


class StatusExportView(DirectoryMixin, View):
    """The list as .xlsx with the page's year and filters; cells escaped against formulas, the export audited."""

    def get(self, request, *args, **kwargs):
        year, overview, filters, rows = self.listing()
        workbook = write_only_workbook()
        title = _("%(year)s年四上企业名录") % {"year": year}
        count = add_table_sheet(
            workbook, title, [str(h) for h in EXPORT_HEADERS], (export_row(r, year) for r in rows), widths=EXPORT_WIDTHS
        )
        record_event(
            AuditEventChoices.EXPORT,
            request=request,
            obj=self.zone,
            detail={"export": "stats_directory", "year": year, "filter": request.GET.urlencode(), "rows": count},
        )
        return workbook_response(workbook, f"{self.zone.short_name or self.zone.name}-{title}.xlsx")


class StatusRemoveView(DirectoryMixin, ZoneWriteMixin, View):
    """退出名录 (POST): the firm leaves the year's directory, with the write right of entering a status; its
    reporting duties for that year end."""

    def post(self, request, *args, **kwargs):
        if not self.may_write():
            raise Http404
        statuses = EnterpriseYearStatus.objects.restrict(request.user, "delete").filter(enterprise__zone=self.zone)
        status = get_object_or_404(statuses.select_related("enterprise"), pk=kwargs["pk"])
        year, name = status.year, status.enterprise.name
        remove_year_status(actor=request.user, status=status)
        messages.success(
            request, _("“%(firm)s”已退出%(year)s年名录，该年的报送任务随之结束。") % {"firm": name, "year": year}
        )
        return redirect(f"{reverse('stats:status_list', args=[self.zone.pk])}?{urlencode({'year': year})}")


# -- the directory import ------------------------------------------------------------------------------------------


class DirectoryImportPages(imports.ImportPages):
    """The import pages exist only for users who may write the directory somewhere; for others they are 404."""

    importer_class = DirectoryImporter
    may_import = staticmethod(may_import_directory)
    page_title = gettext_lazy("导入四上企业名录")
    breadcrumbs = ((gettext_lazy("统计看板"), "stats:dashboard_home"),)
    upload_url_name = "stats:directory_import"
    template_url_name = "stats:directory_import_template"
    job_url_name = "stats:directory_import_job"
    errors_url_name = "stats:directory_import_errors"
    commit_confirm = gettext_lazy("确认将这些企业写入四上企业名录？报送任务将随之调整。")
    result_text = gettext_lazy("已于 %(when)s 写入四上企业名录，报送任务已随之调整；修改记录中可以看到本次导入。")


class DirectoryImportView(DirectoryImportPages, imports.ImportView):
    form_class = DirectoryImportForm
    heading = gettext_lazy("从 Excel 导入四上企业名录")
    template_text = gettext_lazy("模板的“四上类别”列带有下拉列表，“说明”工作表解释每一列的格式。")
    steps = (
        (
            gettext_lazy("填写"),
            gettext_lazy(
                "每行一家企业一个年度（统一社会信用代码、年度、四上类别，入库日期和备注可不填），按统计局下发的名录填写。"
            ),
        ),
        (gettext_lazy("上传"), imports.UPLOAD_STEP),
        (
            gettext_lazy("预览"),
            gettext_lazy("系统校验每一行，列出全部错误（行号、列、原因）和提示；勾选“替换”时还列出将退出名录的企业。"),
        ),
        (
            gettext_lazy("确认导入"),
            gettext_lazy(
                "全部无误后确认导入：所有行一次写入，报送任务随名录自动调整；只要有一行出错，就不写入任何数据。"
            ),
        ),
    )

    def import_zone(self, form):
        return only_zone(directory_zone_ids(self.request.user))

    def import_options(self, form, kind):
        return {"replace": form.cleaned_data["replace"]}


class DirectoryImportTemplateView(DirectoryImportPages, imports.ImportTemplateView):
    template_filename = gettext_lazy("四上企业名录导入模板.xlsx")


class DirectoryJobPages(DirectoryImportPages):
    def job_parameters(self, job):
        replace = (job.options or {}).get("replace")
        return [("", _("替换文件所列年度的名录") if replace else _("新增或更新"))]

    def sections(self, job):
        """Replace mode: the firms that leave the directory (to be, or gone once committed)."""
        options = job.options or {}
        if not options.get("replace"):
            return []
        count = options.get("leaver_count", 0)
        if job.status == ImportStatusChoices.COMMITTED:
            removed = options.get("removed")
            text = _("已有 %(n)s 家企业退出名录，其该年的报送任务已结束。") % {
                "n": count if removed is None else removed
            }
            return [imports.Section("leavers", text=text)]
        if not count:
            text = _("名录中没有文件以外的企业，不会有企业退出名录。")
            return [imports.Section("leavers", text=text, css="text-muted")]
        labels = dict(StatsCategoryChoices.choices)
        return [
            imports.Section(
                "leavers",
                title=_("将退出名录的企业（%(n)s 家）") % {"n": count},
                text=_(
                    "这些企业在文件所列年度、所涉开发区的名录中，但文件中没有；确认导入后退出该年名录，该年的报送任务随之结束。"
                ),
                css="text-muted small",
                headers=(_("年度"), _("企业"), _("统一社会信用代码"), _("原类别")),
                rows=[
                    (leaver["year"], leaver["name"], leaver["code"], labels.get(leaver["category"], ""))
                    for leaver in options.get("leavers", [])
                ],
                table_id="leaver-table",
            )
        ]

    def get_result_link(self, job):
        if not job.zone_id:
            return None
        return reverse("stats:status_list", args=[job.zone_id]), _("查看名录"), "to-directory"


class DirectoryImportJobView(DirectoryJobPages, imports.ImportJobView):
    pass


class DirectoryImportErrorsView(DirectoryJobPages, imports.ImportErrorsView):
    pass
