"""Import of projects and of monthly progress: template download, upload, preview, commit, error workbook.

Who: the project list is imported by project writers of a zone (zone admin, 项目 department staff) and the system
administrator; progress also by enterprise users, for the projects their firm invests in. A job is seen only by the
user who started it (and the system administrator). Everyone else gets 404.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView

from kaifaqu.core.exports import workbook_response
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
from kaifaqu.core.money import UNIT_FACTORS
from kaifaqu.zones.models import Zone

from ..importers import (
    DEFAULT_UNIT,
    KIND_PROGRESS,
    KINDS,
    ProgressImporter,
    ProjectImporter,
    can_import_progress,
    can_import_projects,
    can_use_imports,
    writable_zones,
)
from ..models import Project


def project_list_url():
    """The project list (another page group's view); the import pages link to it when it exists."""
    try:
        return reverse("projects:project_list")
    except NoReverseMatch:
        return ""


def progress_zones(user):
    """Zones the progress upload may be narrowed to: the writable ones (enterprise users choose none)."""
    if user.is_system_admin or user.writable_zone_ids(Project.scope):
        return writable_zones(user)
    return Zone.objects.none()


class ProjectUploadForm(BootstrapFormMixin, ImportUploadForm):
    """The engine's upload form, with the zone the file is for and the unit of money columns without one."""

    zone = forms.ModelChoiceField(
        label=gettext_lazy("开发区"),
        queryset=Zone.objects.none(),
        required=False,
        empty_label=gettext_lazy("按文件中的“所属开发区”列"),
        help_text=gettext_lazy("文件中“所属开发区”列留空的行属于这里选择的开发区"),
    )
    unit = forms.ChoiceField(
        label=gettext_lazy("金额单位"),
        choices=[(unit, unit) for unit in UNIT_FACTORS],
        initial=DEFAULT_UNIT,
        help_text=gettext_lazy(
            "表头未注明单位的金额列按此单位换算为万元；表头注明单位的（如“……（亿元）”）按表头的单位"
        ),
    )

    def __init__(self, *args, zones, progress=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones
        if progress:
            del self.fields["mode"]
        first = list(zones[:2])
        if len(first) == 1:
            self.fields["zone"].initial = first[0]
            self.fields["zone"].widget = forms.HiddenInput()
        elif not first:
            del self.fields["zone"]
        self.order_fields(["file", "mode", "zone", "unit"])


class ImportPageMixin(LoginRequiredMixin):
    """Import pages exist only for users who may import here; for the others they are 404."""

    def allowed(self, user):
        return can_use_imports(user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.allowed(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class BaseImportView(ImportPageMixin, FormView):
    form_class = ProjectUploadForm
    importer_class = None
    progress = False

    def zones(self):
        raise NotImplementedError

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "zones": self.zones().order_by("name"), "progress": self.progress}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            recent_jobs=ImportJob.objects.filter(kind=self.importer_class.kind, created_by=self.request.user)[:10],
            max_size=human_size(settings.UPLOAD_MAX_BYTES),
            max_rows=settings.IMPORT_MAX_ROWS,
            extensions="、".join(ALLOWED_EXTENSIONS),
            list_url=project_list_url(),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        zones = list(self.zones()[:2])
        job = start_import(
            actor=self.request.user,
            kind=self.importer_class.kind,
            uploaded_file=data["file"],
            mode=ImportModeChoices.UPSERT if self.progress else data["mode"],
            zone=data.get("zone") or (zones[0] if len(zones) == 1 else None),
            options={"unit": data["unit"]},
        )
        return redirect("projects:import_job", pk=job.pk)


class ProjectImportView(BaseImportView):
    template_name = "projects/import.html"
    importer_class = ProjectImporter

    def allowed(self, user):
        return can_import_projects(user)

    def zones(self):
        return writable_zones(self.request.user)


class ProgressImportView(BaseImportView):
    template_name = "projects/import_progress.html"
    importer_class = ProgressImporter
    progress = True

    def allowed(self, user):
        return can_import_progress(user)

    def zones(self):
        return progress_zones(self.request.user)


def template_zone(request, zones):
    """The zone named by ?zone= among `zones` (its stage names make the columns), or None; a stranger one is 404."""
    value = request.GET.get("zone")
    if not value:
        return None
    try:
        return zones.get(pk=int(value))
    except (ValueError, Zone.DoesNotExist) as missing:
        raise Http404 from missing


class ProjectImportTemplateView(ImportPageMixin, View):
    def allowed(self, user):
        return can_import_projects(user)

    def get(self, request):
        zone = template_zone(request, writable_zones(request.user))
        workbook = template_workbook(ProjectImporter(user=request.user, zone=zone))
        return workbook_response(workbook, _("项目清单导入模板.xlsx"))


class ProgressImportTemplateView(ImportPageMixin, View):
    def allowed(self, user):
        return can_import_progress(user)

    def get(self, request):
        zone = template_zone(request, progress_zones(request.user))
        workbook = template_workbook(ProgressImporter(user=request.user, zone=zone))
        return workbook_response(workbook, _("项目进度导入模板.xlsx"))


class ImportJobMixin(ImportPageMixin):
    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user).filter(kind__in=KINDS)


class ImportJobView(ImportJobMixin, DetailView):
    """The preview (counts, errors, commit button) and the result; polled by htmx while a task runs."""

    context_object_name = "job"

    def get_template_names(self):
        if self.request.htmx:
            return ["projects/import_job_status.html"]
        return ["projects/import_job.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        progress = job.kind == KIND_PROGRESS
        context.update(
            **job_preview_context(job),
            progress=progress,
            kind_name=(ProgressImporter if progress else ProjectImporter).verbose_name,
            upload_url=reverse("projects:progress_import" if progress else "projects:project_import"),
            unit=(job.options or {}).get("unit") or DEFAULT_UNIT,
            status_url=reverse("projects:import_job", args=[job.pk]),
            list_url=project_list_url(),
        )
        return context

    def post(self, request, *args, **kwargs):
        job = self.get_object()
        if request.POST.get("action") == "commit" and not request_commit(job):
            messages.error(request, _("该文件有错误或已经处理，不能导入。"))
        return redirect("projects:import_job", pk=job.pk)


class ImportErrorsView(ImportJobMixin, DetailView):
    """The user's rows again with an added 错误说明 column: every error, not only the previewed ones."""

    def get(self, request, *args, **kwargs):
        return error_workbook_response(self.get_object())
