"""The import pages every import shares: upload (`ImportView`), template (`ImportTemplateView`), job (`ImportJobView`:
preview, commit, htmx polling, result) and error workbook (`ImportErrorsView`), with one set of templates
(templates/core/import.html, import_job.html, import_job_status.html).

An app declares its pages with class attributes — a subclass of `ImportPages` naming the importer, who may import,
the URL names and the texts — and subclasses the four views with it (see kaifaqu/enterprises/views/io.py). Pages
exist only for users `may_import` accepts (404 for the others); a job is seen by the user who started it (and the
system administrator) and only through the pages of its kinds (404 through another app's URL).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView

from ..exports import XLSX_CONTENT_TYPE, workbook_response
from ..models import ImportJob, ImportModeChoices, ImportStatusChoices
from .forms import ImportUploadForm, human_size
from .jobs import request_commit, retry_job, start_import
from .reading import ALLOWED_EXTENSIONS, ImportFileError
from .workbooks import template_workbook
from .worker import fail_if_stale, fail_stale_jobs, progress

PREVIEW_ERRORS = 200  # listed on the job page
RECENT_JOBS = 10  # listed on the upload page
UPLOAD_STEP = gettext_lazy("支持 %(extensions)s 文件，不超过 %(max_size)s，每次最多 %(rows)s 行。")


def job_preview_context(job):
    """What a job page shows of the errors: the first PREVIEW_ERRORS, and whether there are more."""
    return {
        "errors": job.errors[:PREVIEW_ERRORS],
        "preview_limit": PREVIEW_ERRORS,
        "more_errors": job.error_count > PREVIEW_ERRORS,
    }


def error_workbook_response(job):
    """The user's rows again with an added 错误说明 column: every error, not only the previewed ones."""
    if not job.error_file:
        raise Http404
    stem = job.original_name.rsplit(".", 1)[0]
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=_("错误说明-%(name)s.xlsx") % {"name": stem},
        content_type=XLSX_CONTENT_TYPE,
    )


@dataclass
class Section:
    """A part of a job's preview an importer adds (ignored rows, the firms that would leave a directory …): a
    heading, a paragraph and a table, each optional."""

    id: str
    title: str = ""
    text: str = ""
    css: str = ""  # of the paragraph
    headers: tuple = ()
    rows: list = field(default_factory=list)
    table_id: str = ""


def count_card(element_id, label, value, css=""):
    """A count of the job page (includes/import_job_counts.html)."""
    return {"id": element_id, "label": label, "value": value, "css": css, "extra": None}


def error_card(job):
    card = count_card("count-errors", _("错误（所在行数）"), job.error_count, "text-danger" if job.error_count else "")
    card["extra"] = job.error_row_count if job.error_count else None
    return card


def committed_at(job):
    return format_date(timezone.localtime(job.committed_at), "Y-m-d H:i") if job.committed_at else ""


class ImportPages(LoginRequiredMixin):
    """What the pages of one import share: the importer, who may import, the URL names and the texts."""

    importer_class = None
    kinds = ()  # the job kinds these pages show; default: the importer's
    may_import = None  # staticmethod(callable(user) → bool): the pages are 404 for the users it refuses
    page_title = ""  # 导入企业: the upload page's title and breadcrumb, the job page's way back
    breadcrumbs = ()  # (label, URL name) before the page's own; URL name "" for a crumb without a link
    upload_url_name = ""
    template_url_name = ""
    job_url_name = ""
    errors_url_name = ""
    kind_name = ""  # named in the job page's heading when one job page serves several imports
    commit_confirm = ""  # the question before the commit
    commit_note = gettext_lazy("所有行一次写入；提交前系统会再校验一遍。")
    result_text = ""  # after the commit, with %(when)s
    result_link = None  # (URL name, label, element id) of the page that shows the result

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.may_import(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_kinds(self):
        return tuple(self.kinds) or (self.importer_class.kind,)

    def get_breadcrumbs(self):
        """(label, URL or "") of the crumbs before the page's own."""
        return [(label, reverse(name) if name else "") for label, name in self.breadcrumbs]


class ImportView(ImportPages, FormView):
    """The upload page: numbered steps (the template first), the form, the user's recent jobs of these kinds."""

    template_name = "core/import.html"
    form_class = ImportUploadForm
    heading = ""
    template_text = ""  # what the template holds
    template_form_class = None  # a GET form (to the template URL) choosing what the template holds, …
    template_buttons = ()  # … submitted by these: (name, value, label, element id, button class)
    steps = ()  # (title, text) after the template's step; %(extensions)s, %(max_size)s and %(rows)s in a text
    mode_help = ""  # under the 导入方式 choice
    field_columns = {}  # grid columns (of 12) of the form's other fields, by name; default a full line
    notes = ()  # paragraphs under the form
    links = ()  # (URL name, icon, label, element id) under the recent jobs

    def limits(self):
        return {
            "extensions": "、".join(ALLOWED_EXTENSIONS),
            "max_size": human_size(settings.UPLOAD_MAX_BYTES),
            "rows": intcomma(settings.IMPORT_MAX_ROWS),
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if "mode" in form.fields and self.mode_help:
            form.fields["mode"].help_text = self.mode_help
        return form

    def get_template_form(self):
        return self.template_form_class(auto_id="template-%s") if self.template_form_class else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        limits = self.limits()
        others = [name for name in form.fields if name != "file"]
        radios = [name for name in others if getattr(form.fields[name].widget, "input_type", "") == "radio"]
        context.update(
            page_title=self.page_title,
            breadcrumbs=self.get_breadcrumbs(),
            heading=self.heading,
            template_text=self.template_text,
            template_url=reverse(self.template_url_name),
            template_form=self.get_template_form(),
            template_buttons=[
                {"name": name, "value": value, "label": label, "id": element_id, "css": css}
                for name, value, label, element_id, css in self.template_buttons
            ],
            steps=[(title, str(text) % limits) for title, text in self.steps],
            choice_fields=[form[name] for name in radios],
            fields=[(form[name], self.field_columns.get(name, 12)) for name in others if name not in radios],
            notes=self.notes,
            links=[(reverse(name), icon, label, element_id) for name, icon, label, element_id in self.links],
            recent_jobs=self.recent_jobs(),
            job_url_name=self.job_url_name,
            **limits,
        )
        return context

    def recent_jobs(self):
        jobs = list(ImportJob.objects.filter(kind__in=self.get_kinds(), created_by=self.request.user)[:RECENT_JOBS])
        fail_stale_jobs(jobs)  # a job whose worker died shows as failed (and can run again), not 导入中 for ever
        return jobs

    # What the upload starts: override these for the app's own fields.
    def import_kind(self, form):
        """The kind of job the upload starts; ImportFileError puts its message on the file field."""
        return self.importer_class.kind

    def import_mode(self, form):
        return form.cleaned_data.get("mode") or ImportModeChoices.UPSERT

    def import_zone(self, form):
        """The zone the file is for (the job's zone), or None."""
        return None

    def import_options(self, form, kind):
        """The options of the job (of `kind`): what the upload form chose beyond the file and mode."""
        return {}

    def form_valid(self, form):
        try:
            kind = self.import_kind(form)
        except ImportFileError as bad:
            form.add_error("file", bad.message)
            return self.form_invalid(form)
        job = start_import(
            actor=self.request.user,
            kind=kind,
            uploaded_file=form.cleaned_data["file"],
            mode=self.import_mode(form),
            zone=self.import_zone(form),
            options=self.import_options(form, kind),
        )
        return redirect(self.job_url_name, pk=job.pk)


class ImportTemplateView(ImportPages, View):
    """The template workbook: headers, drop-downs, a 说明 sheet."""

    template_filename = ""

    def get_importer(self):
        return self.importer_class(user=self.request.user)

    def template(self):
        """(workbook, file name)."""
        return template_workbook(self.get_importer()), str(self.template_filename)

    def get(self, request, *args, **kwargs):
        return workbook_response(*self.template())


class ImportJobMixin(ImportPages):
    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user).filter(kind__in=self.get_kinds())

    def get_object(self, queryset=None):
        job = super().get_object(queryset)
        fail_if_stale(job)  # its worker died: failed, and it can run again
        return job


class ImportJobView(ImportJobMixin, DetailView):
    """The preview (counts, errors, warnings, commit button) and the result; polled by htmx while a task runs."""

    context_object_name = "job"
    template_name = "core/import_job.html"
    status_template_name = "core/import_job_status.html"

    def get_template_names(self):
        return [self.status_template_name if self.request.htmx else self.template_name]

    def page_of(self, job):
        """The pages whose texts the job's page uses: these, unless several imports share one job page."""
        return self

    def job_parameters(self, job):
        """(label or "", value) shown after the uploader and time."""
        return [(_("导入方式"), job.get_mode_display())]

    def counts(self, job):
        committed = job.status == ImportStatusChoices.COMMITTED
        return [
            count_card("count-rows", _("数据行"), job.row_count),
            count_card("count-new", _("已新增") if committed else _("将新增"), job.new_count, "text-success"),
            count_card("count-update", _("已更新") if committed else _("将更新"), job.update_count, "text-primary"),
            count_card("count-unchanged", _("无变化"), job.unchanged_count),
            error_card(job),
        ]

    def sections(self, job):
        """Sections of the preview the importer adds (shown once the job has run, unless it failed)."""
        return []

    def commit_label(self, job):
        return _("确认导入（新增 %(new)s，更新 %(update)s）") % {"new": job.new_count, "update": job.update_count}

    def result_message(self, job):
        return str(self.page_of(job).result_text) % {"when": committed_at(job)}

    def get_result_link(self, job):
        """(URL, label, element id) of the page that shows the committed data, or None."""
        link = self.page_of(job).result_link
        return (reverse(link[0]), link[1], link[2]) if link else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        page = self.page_of(job)
        options = job.options or {}
        committed = job.status == ImportStatusChoices.COMMITTED
        context.update(
            **job_preview_context(job),
            page_title=page.page_title,
            breadcrumbs=page.get_breadcrumbs(),
            upload_url=reverse(page.upload_url_name),
            kind_name=page.kind_name,
            parameters=self.job_parameters(job),
            status_url=reverse(self.job_url_name, args=[job.pk]),
            counts=self.counts(job),
            sections=self.sections(job),
            warnings=options.get("warnings", []),
            warning_count=options.get("warning_count", 0),
            commit_confirm=page.commit_confirm,
            commit_label=self.commit_label(job),
            commit_note=page.commit_note,
            result_message=self.result_message(job) if committed else "",
            result_link=self.get_result_link(job) if committed else None,
            errors_url_name=self.errors_url_name,
            progress=progress(job),
        )
        return context

    def post(self, request, *args, **kwargs):
        job = self.get_object()
        action = request.POST.get("action")
        if action == "commit" and not request_commit(job):
            messages.error(request, _("该文件有错误或已经处理，不能导入。"))
        elif action == "retry" and not retry_job(job):
            messages.error(request, _("该任务没有中断，不能重新运行。"))
        return redirect(self.job_url_name, pk=job.pk)


class ImportErrorsView(ImportJobMixin, DetailView):
    """The user's rows again with an added 错误说明 column: every error, not only the previewed ones."""

    def get(self, request, *args, **kwargs):
        return error_workbook_response(self.get_object())
