"""Import of statistics figures: upload (three layouts), the data set's template, preview, commit, error workbook."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView

from kaifaqu.core.exports import workbook_response
from kaifaqu.core.forms import BootstrapFormMixin
from kaifaqu.core.imports import (
    ALLOWED_EXTENSIONS,
    ImportFileError,
    ImportUploadForm,
    error_workbook_response,
    human_size,
    job_preview_context,
    read_rows,
    request_commit,
    start_import,
    template_workbook,
)
from kaifaqu.core.models import ImportJob, ImportModeChoices
from kaifaqu.core.periods import format_period, previous_month
from kaifaqu.enterprises.models import Enterprise

from ..importers import (
    KIND_FORM,
    KIND_LONG,
    KIND_WIDE,
    KINDS,
    LAYOUTS,
    StatsLongImporter,
    can_import_stats,
    detect_layout,
    stats_zone_ids,
    to_period,
    wide_template,
)
from ..models import DataSet

AUTO = "auto"
LAYOUT_CHOICES = [
    (AUTO, gettext_lazy("自动识别（按表头）")),
    (KIND_WIDE, gettext_lazy("系统模板：每行一家企业，每列一个指标")),
    (KIND_LONG, gettext_lazy("长表：统一社会信用代码、报告期、指标、数值、单位")),
    (KIND_FORM, gettext_lazy("联网直报表：企业的报表副本（本年1—本月列，金额为千元）")),
]
DEFAULT_DATA_SET = "industry_monthly"


def period_field(required=False, help_text=""):
    return forms.CharField(
        label=gettext_lazy("报告期"),
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"placeholder": "2025-03"}),
    )


def clean_period_text(text):
    if not text:
        return None
    period = to_period(text)
    if period is None:
        raise forms.ValidationError(_("报告期格式不正确，应为 2025-03、2025年3月 或 202503"))
    return period


class StatsImportForm(BootstrapFormMixin, ImportUploadForm):
    layout = forms.ChoiceField(
        label=gettext_lazy("文件格式"), choices=LAYOUT_CHOICES, initial=AUTO, widget=forms.RadioSelect
    )
    data_set = forms.ModelChoiceField(
        label=gettext_lazy("报表"), queryset=DataSet.objects.all(), to_field_name="code", empty_label=None
    )
    period = period_field(help_text=gettext_lazy("系统模板和联网直报表需要；不填则从文件表头上方读取"))
    credit_code = forms.CharField(
        label=gettext_lazy("企业统一社会信用代码"),
        required=False,
        max_length=18,
        help_text=gettext_lazy("联网直报表需要；不填则从文件表头上方读取"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mode"]
        self.user = user
        self.fields["data_set"].initial = DEFAULT_DATA_SET
        self.order_fields(["file", "layout", "data_set", "period", "credit_code"])

    def clean_period(self):
        return clean_period_text(self.cleaned_data.get("period", "").strip())

    def clean_credit_code(self):
        code = self.cleaned_data.get("credit_code", "").strip().upper()
        if not code:
            return None
        zone_ids = stats_zone_ids(self.user)
        firms = Enterprise.objects.filter(credit_code=code)
        firm = (firms if zone_ids is None else firms.filter(zone_id__in=zone_ids)).first()
        if firm is None:
            raise forms.ValidationError(_("在您负责统计工作的开发区中没有统一社会信用代码为该值的企业"))
        return firm


class TemplateForm(forms.Form):
    data_set = forms.ModelChoiceField(queryset=DataSet.objects.all(), to_field_name="code")
    period = period_field()
    layout = forms.ChoiceField(choices=[(KIND_WIDE, KIND_WIDE), (KIND_LONG, KIND_LONG)], required=False)

    def clean_period(self):
        return clean_period_text(self.cleaned_data.get("period", "").strip())


class StatsImportAccessMixin(LoginRequiredMixin):
    """Import pages exist only for users who may write statistics somewhere; for the others they are 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_import_stats(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def default_period():
    from django.utils import timezone

    today = timezone.localdate()
    return previous_month(today.year * 100 + today.month)


class StatsImportView(StatsImportAccessMixin, FormView):
    template_name = "stats/import.html"
    form_class = StatsImportForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            recent_jobs=ImportJob.objects.filter(kind__in=KINDS, created_by=self.request.user)[:10],
            max_size=human_size(settings.UPLOAD_MAX_BYTES),
            max_rows=settings.IMPORT_MAX_ROWS,
            extensions="、".join(ALLOWED_EXTENSIONS),
            data_sets=DataSet.objects.all(),
            default_data_set=DEFAULT_DATA_SET,
            default_period=format_period(default_period()),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        upload = data["file"]
        layout = data["layout"]
        if layout == AUTO:
            try:
                layout = detect_layout(read_rows(upload.read(), upload.name))
            except ImportFileError as bad:
                form.add_error("file", bad.message)
                return self.form_invalid(form)
            upload.seek(0)
        options = {"data_set": data["data_set"].code, "layout": layout}
        if data["period"]:
            options["period"] = data["period"]
        if data["credit_code"] is not None:
            options["enterprise"] = data["credit_code"].pk
        job = start_import(
            actor=self.request.user,
            kind=layout,
            uploaded_file=upload,
            mode=ImportModeChoices.UPSERT,
            zone=data["credit_code"].zone if data["credit_code"] is not None else None,
            options=options,
        )
        return redirect("stats:import_job", pk=job.pk)


class StatsImportTemplateView(StatsImportAccessMixin, View):
    """The system template of a data set and period (prefilled firms), or the long layout's template."""

    def get(self, request):
        form = TemplateForm(request.GET or None)
        if not form.is_valid():
            raise Http404
        data_set = form.cleaned_data["data_set"]
        if form.cleaned_data.get("layout") == KIND_LONG:
            workbook = template_workbook(StatsLongImporter(user=request.user, data_set=data_set))
            return workbook_response(workbook, _("%(form)s-长表导入模板.xlsx") % {"form": data_set.name})
        period = form.cleaned_data["period"] or default_period()
        workbook = wide_template(request.user, data_set, period)
        return workbook_response(
            workbook, _("%(form)s-%(period)s-导入模板.xlsx") % {"form": data_set.name, "period": format_period(period)}
        )


class StatsImportJobMixin(StatsImportAccessMixin):
    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user).filter(kind__in=KINDS)


class StatsImportJobView(StatsImportJobMixin, DetailView):
    """The preview (counts, errors, warnings, commit button) and the result; polled by htmx while a task runs."""

    context_object_name = "job"

    def get_template_names(self):
        if self.request.htmx:
            return ["stats/import_job_status.html"]
        return ["stats/import_job.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        options = job.options or {}
        data_set = DataSet.objects.filter(code=options.get("data_set")).first()
        enterprise = Enterprise.objects.filter(pk=options["enterprise"]).first() if options.get("enterprise") else None
        context.update(
            **job_preview_context(job),
            warnings=options.get("warnings", []),
            warning_count=options.get("warning_count", 0),
            layout_name=LAYOUTS[job.kind].layout_name,
            data_set=data_set,
            period_label=format_period(options["period"]) if options.get("period") else "",
            enterprise=enterprise,
            status_url=reverse("stats:import_job", args=[job.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        job = self.get_object()
        if request.POST.get("action") == "commit" and not request_commit(job):
            messages.error(request, _("该文件有错误或已经处理，不能导入。"))
        return redirect("stats:import_job", pk=job.pk)


class StatsImportErrorsView(StatsImportJobMixin, DetailView):
    """The user's rows again with an added 错误说明 column: every error, not only the previewed ones."""

    def get(self, request, *args, **kwargs):
        return error_workbook_response(self.get_object())
