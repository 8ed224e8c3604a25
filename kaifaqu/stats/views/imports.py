"""Import of statistics figures (three layouts): declarations on the core's generic import views, with the data set,
period and firm chosen on the upload page and the data set's template chosen before downloading it."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.core.imports import views as imports
from kaifaqu.core.imports.reading import HEADER_SEARCH_ROWS, read_rows
from kaifaqu.core.imports.workbooks import template_workbook
from kaifaqu.core.periods import format_period
from kaifaqu.enterprises.models import Enterprise

from ..forms import AUTO, StatsImportForm, TemplateChoiceForm, TemplateForm, default_period
from ..importers import (
    KIND_LONG,
    KIND_WIDE,
    KINDS,
    LAYOUTS,
    StatsLongImporter,
    detect_layout,
    wide_template,
)
from ..models import DataSet
from ..permissions import may_import_stats


class StatsImportPages(imports.ImportPages):
    """Import pages exist only for users who may write statistics somewhere; for the others they are 404."""

    kinds = KINDS
    may_import = staticmethod(may_import_stats)
    page_title = gettext_lazy("导入统计数据")
    breadcrumbs = ((gettext_lazy("统计"), ""),)
    upload_url_name = "stats:value_import"
    template_url_name = "stats:import_template"
    job_url_name = "stats:import_job"
    errors_url_name = "stats:import_errors"
    commit_confirm = gettext_lazy("确认写入这些统计数据？")
    commit_note = gettext_lazy("所有数据一次写入；提交前系统会再校验一遍。已有数据改变的，保存为新版本。")


class StatsImportView(StatsImportPages, imports.ImportView):
    form_class = StatsImportForm
    heading = gettext_lazy("从 Excel 导入统计数据")
    template_text = gettext_lazy(
        "系统模板每行一家企业、每列一个指标，已列出您负责的开发区中须报送该报表的企业；长表模板每行一个数据。"
        "任何科室自有的长表、企业的联网直报表副本也可以直接上传。"
    )
    template_form_class = TemplateChoiceForm
    template_buttons = (
        ("layout", KIND_WIDE, gettext_lazy("系统模板"), "download-wide", "btn-outline-primary"),
        ("layout", KIND_LONG, gettext_lazy("长表模板"), "download-long", "btn-outline-secondary"),
    )
    steps = ((gettext_lazy("上传"), imports.UPLOAD_STEP),)
    field_columns = {"data_set": 4, "period": 3, "credit_code": 5}
    notes = (
        gettext_lazy(
            "长表的“单位”列：金额指标可填元、千元、万元、亿元（不填为万元），系统换算为万元；非金额指标不能填写金额单位。"
        ),
        gettext_lazy(
            "联网直报表：取“本年1—本月”列为累计数（存量指标取“本年本月”），金额按千元换算为万元；表内“上年同期”列作为企业填报的"
            "上年同期一并导入（同口径增速的基数），与系统中的上年数据不一致时给出提示，导入后列为数据质量问题待核实。"
        ),
        gettext_lazy(
            "与录入页面相同的规则：报告期已锁定、企业未被指定报送、负数、累计数低于上月等强制规则不通过的，整批不写入。"
        ),
        gettext_lazy(
            "系统先校验全部行并列出每个错误（行号、列、原因），可下载带“错误说明”列的工作簿；全部无误后确认导入，一次写入。"
        ),
    )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def import_kind(self, form):
        layout = form.cleaned_data["layout"]
        if layout == AUTO:
            upload = form.cleaned_data["file"]
            layout = detect_layout(read_rows(upload.read(), upload.name, limit=HEADER_SEARCH_ROWS))
            upload.seek(0)
        return layout

    def import_zone(self, form):
        firm = form.cleaned_data["credit_code"]
        return firm.zone if firm is not None else None

    def import_options(self, form, kind):
        data = form.cleaned_data
        options = {"data_set": data["data_set"].code, "layout": kind}
        if data["period"]:
            options["period"] = data["period"]
        if data["credit_code"] is not None:
            options["enterprise"] = data["credit_code"].pk
        return options


class StatsImportTemplateView(StatsImportPages, imports.ImportTemplateView):
    """The system template of a data set and period (prefilled firms), or the long layout's template."""

    def template(self):
        form = TemplateForm(self.request.GET or None)
        if not form.is_valid():
            raise Http404
        data_set = form.cleaned_data["data_set"]
        if form.cleaned_data.get("layout") == KIND_LONG:
            workbook = template_workbook(StatsLongImporter(user=self.request.user, data_set=data_set))
            return workbook, _("%(form)s-长表导入模板.xlsx") % {"form": data_set.name}
        period = form.cleaned_data["period"] or default_period()
        workbook = wide_template(self.request.user, data_set, period)
        filename = _("%(form)s-%(period)s-导入模板.xlsx") % {"form": data_set.name, "period": format_period(period)}
        return workbook, filename


class StatsJobPages(StatsImportPages):
    def job_parameters(self, job):
        options = job.options or {}
        data_set = DataSet.objects.filter(code=options.get("data_set")).first()
        enterprise = Enterprise.objects.filter(pk=options["enterprise"]).first() if options.get("enterprise") else None
        parameters = [("", LAYOUTS[job.kind].layout_name)]
        if data_set:
            parameters.append((_("报表"), data_set.name))
        if options.get("period"):
            parameters.append((_("报告期"), format_period(options["period"])))
        if enterprise:
            parameters.append((_("企业"), enterprise.name))
        return parameters

    def counts(self, job):
        return [
            imports.count_card("count-rows", _("数据行"), job.row_count),
            imports.count_card("count-figures", _("数据个数"), (job.options or {}).get("figure_count") or 0),
            imports.count_card("count-new", _("新报（行）"), job.new_count, "text-success"),
            imports.count_card("count-update", _("修改（行）"), job.update_count, "text-primary"),
            imports.count_card("count-unchanged", _("无变化（行）"), job.unchanged_count),
            imports.error_card(job),
        ]

    def sections(self, job):
        ignored = (job.options or {}).get("ignored_rows")
        if not ignored:
            return []
        text = _("另有 %(n)s 行不属于所选报表的指标或没有数值，已忽略。") % {"n": ignored}
        return [imports.Section("ignored-rows", text=text, css="text-muted small")]

    def commit_label(self, job):
        return _("确认导入")

    def result_message(self, job):
        return _("已于 %(when)s 写入 %(n)s 个数据，每个数据的版本记录中可以看到本次导入。") % {
            "when": imports.committed_at(job),
            "n": (job.options or {}).get("values_written") or 0,
        }


class StatsImportJobView(StatsJobPages, imports.ImportJobView):
    pass


class StatsImportErrorsView(StatsJobPages, imports.ImportErrorsView):
    pass
