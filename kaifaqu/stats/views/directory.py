"""The 四上 directory (名录) of a zone: the status page (counts, entries and exits, figures against the thresholds),
entering and removing a firm's row, the list's export, and the directory import (upload, template, preview, errors).

Every write goes through kaifaqu.stats.directory, so reporting duties follow the directory. The page compares a
year with the year before only when both have a directory: a year not entered yet says so instead of showing every
firm as having left.
"""

from collections import Counter, defaultdict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core.exports import add_table_sheet, workbook_response, write_only_workbook
from kaifaqu.core.forms import BootstrapFormMixin
from kaifaqu.core.imports import (
    ALLOWED_EXTENSIONS,
    ImportUploadForm,
    error_workbook_response,
    human_size,
    job_preview_context,
    request_commit,
    start_import,
    template_workbook,
)
from kaifaqu.core.models import ImportJob, ImportModeChoices
from kaifaqu.core.periods import growth_pct, make_period
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.zones.models import Zone

from ..choices import StatsCategoryChoices
from ..directory import record_year_status, remove_year_status
from ..importers_directory import KIND_DIRECTORY, DirectoryImporter, can_import_directory, directory_zone_ids
from ..models import EnterpriseYearStatus, Value
from ..thresholds import check_status
from .dashboard import ZoneStatsMixin, ZoneWriteMixin, chosen_year

ANNUAL_CODES = ("main_revenue", "revenue")  # the figures the thresholds compare (thresholds.py)
ENTERED, LEFT, CHANGED, FLAGGED = "entered", "left", "changed", "flagged"


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
        return ENTERED
    return LEFT if not category else CHANGED


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


# -- filters -------------------------------------------------------------------------------------------------------


class StatusFilterForm(BootstrapFormMixin, forms.Form):
    """The list's filters (GET): the year, a category, entered / left / flagged, a firm name."""

    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100, required=False)
    category = forms.ChoiceField(label=gettext_lazy("四上类别"), required=False)
    change = forms.ChoiceField(
        label=gettext_lazy("变动"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            (ENTERED, gettext_lazy("新进入名录")),
            (LEFT, gettext_lazy("退出名录")),
            (CHANGED, gettext_lazy("类别变化")),
            (FLAGGED, gettext_lazy("需核对")),
        ],
    )
    q = forms.CharField(label=gettext_lazy("企业名称"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部")), *StatsCategoryChoices.choices]

    def matches(self, row):
        data = self.cleaned_data if self.is_valid() else {}
        category, change, text = data.get("category"), data.get("change"), (data.get("q") or "").strip()
        if category and category != (row["category_code"] or row["was_code"]):
            return False
        if change == FLAGGED and not row["problem"]:
            return False
        if change and change != FLAGGED and row["change"] != change:
            return False
        return not text or text in row["firm"].name or text.upper() in row["firm"].credit_code


# -- the page ------------------------------------------------------------------------------------------------------


class YearStatusForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = EnterpriseYearStatus
        fields = ["enterprise", "year", "category", "entered_on", "note"]
        labels = {"enterprise": gettext_lazy("企业")}
        widgets = {"entered_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises

    def validate_unique(self):
        """Entering a status again for the same firm and year changes it (record_year_status)."""


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
    return {ENTERED: _("新进入名录"), LEFT: _("退出名录"), CHANGED: _("类别变化")}.get(change, "")


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


class DirectoryImportForm(BootstrapFormMixin, ImportUploadForm):
    replace = forms.BooleanField(
        label=gettext_lazy("替换文件所列年度的名录"),
        required=False,
        help_text=gettext_lazy(
            "勾选后，文件中每个年度、每个所涉开发区的名录以文件为准：名录中有而文件中没有的企业退出该年名录，"
            "其该年的报送任务随之结束。不勾选则只新增或更新文件所列企业。"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mode"]  # a firm's row of a year is created or updated: always 新增或更新


class DirectoryImportAccessMixin(LoginRequiredMixin):
    """The import pages exist only for users who may write the directory somewhere; for others they are 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_import_directory(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class DirectoryImportView(DirectoryImportAccessMixin, FormView):
    template_name = "stats/directory_import.html"
    form_class = DirectoryImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            recent_jobs=ImportJob.objects.filter(kind=KIND_DIRECTORY, created_by=self.request.user)[:10],
            max_size=human_size(settings.UPLOAD_MAX_BYTES),
            max_rows=settings.IMPORT_MAX_ROWS,
            extensions="、".join(ALLOWED_EXTENSIONS),
        )
        return context

    def form_valid(self, form):
        zone_ids = directory_zone_ids(self.request.user) or ()
        job = start_import(
            actor=self.request.user,
            kind=KIND_DIRECTORY,
            uploaded_file=form.cleaned_data["file"],
            mode=ImportModeChoices.UPSERT,
            zone=Zone.objects.filter(pk__in=zone_ids).first() if len(zone_ids) == 1 else None,
            options={"replace": form.cleaned_data["replace"]},
        )
        return redirect("stats:directory_import_job", pk=job.pk)


class DirectoryImportTemplateView(DirectoryImportAccessMixin, View):
    def get(self, request):
        workbook = template_workbook(DirectoryImporter(user=request.user))
        return workbook_response(workbook, _("四上企业名录导入模板.xlsx"))


class DirectoryImportJobMixin(DirectoryImportAccessMixin):
    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user).filter(kind=KIND_DIRECTORY)


class DirectoryImportJobView(DirectoryImportJobMixin, DetailView):
    """The preview (counts, errors, warnings, who would leave, commit button) and the result; polled by htmx while
    a task runs."""

    context_object_name = "job"

    def get_template_names(self):
        if self.request.htmx:
            return ["stats/directory_import_job_status.html"]
        return ["stats/directory_import_job.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        options = job.options or {}
        labels = dict(StatsCategoryChoices.choices)
        context.update(
            **job_preview_context(job),
            replace=bool(options.get("replace")),
            warnings=options.get("warnings", []),
            warning_count=options.get("warning_count", 0),
            leavers=[{**leaver, "label": labels.get(leaver["category"], "")} for leaver in options.get("leavers", [])],
            leaver_count=options.get("leaver_count", 0),
            status_url=reverse("stats:directory_import_job", args=[job.pk]),
            directory_url=reverse("stats:status_list", args=[job.zone_id]) if job.zone_id else "",
        )
        return context

    def post(self, request, *args, **kwargs):
        job = self.get_object()
        if request.POST.get("action") == "commit" and not request_commit(job):
            messages.error(request, _("该文件有错误或已经处理，不能导入。"))
        return redirect("stats:directory_import_job", pk=job.pk)


class DirectoryImportErrorsView(DirectoryImportJobMixin, DetailView):
    """The user's rows again with an added 错误说明 column: every error, not only the previewed ones."""

    def get(self, request, *args, **kwargs):
        return error_workbook_response(self.get_object())
