"""Import and export of enterprises: template download, upload, preview, commit, error workbook, export."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView

from kaifaqu.core.exports import workbook_response
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
from kaifaqu.core.models import ImportJob
from kaifaqu.zones.models import Zone

from ..exports import export_enterprises
from ..importers import EnterpriseImporter, can_import_enterprises
from ..models import Enterprise


class EnterpriseExportView(LoginRequiredMixin, View):
    """The enterprise list as .xlsx: same GET parameters as the list page, same scope (restrict)."""

    def get(self, request):
        workbook, filename = export_enterprises(request)
        return workbook_response(workbook, filename)


class ImportAccessMixin(LoginRequiredMixin):
    """Import pages exist only for users who may write the registry somewhere; for others they are 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_import_enterprises(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class EnterpriseImportView(ImportAccessMixin, FormView):
    template_name = "enterprises/import.html"
    form_class = ImportUploadForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            recent_jobs=ImportJob.objects.filter(kind=EnterpriseImporter.kind, created_by=self.request.user)[:10],
            max_size=human_size(settings.UPLOAD_MAX_BYTES),
            max_rows=settings.IMPORT_MAX_ROWS,
            extensions="、".join(ALLOWED_EXTENSIONS),
        )
        return context

    def form_valid(self, form):
        user = self.request.user
        zone_ids = user.writable_zone_ids(Enterprise.scope)
        job = start_import(
            actor=user,
            kind=EnterpriseImporter.kind,
            uploaded_file=form.cleaned_data["file"],
            mode=form.cleaned_data["mode"],
            zone=Zone.objects.filter(pk__in=zone_ids).first() if len(zone_ids) == 1 else None,
        )
        return redirect("enterprises:import_job", pk=job.pk)


class EnterpriseImportTemplateView(ImportAccessMixin, View):
    def get(self, request):
        workbook = template_workbook(EnterpriseImporter(user=request.user))
        return workbook_response(workbook, _("企业名录导入模板.xlsx"))


class ImportJobMixin(ImportAccessMixin):
    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user).filter(kind=EnterpriseImporter.kind)


class ImportJobView(ImportJobMixin, DetailView):
    """The preview (counts, errors, commit button) and the result; polled by htmx while a task runs."""

    context_object_name = "job"

    def get_template_names(self):
        if self.request.htmx:
            return ["enterprises/import_job_status.html"]
        return ["enterprises/import_job.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        context.update(
            **job_preview_context(job),
            status_url=reverse("enterprises:import_job", args=[job.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        job = self.get_object()
        if request.POST.get("action") == "commit" and not request_commit(job):
            messages.error(request, _("该文件有错误或已经处理，不能导入。"))
        return redirect("enterprises:import_job", pk=job.pk)


class ImportErrorsView(ImportJobMixin, DetailView):
    """The user's rows again with an added 错误说明 column: every error, not only the previewed ones."""

    def get(self, request, *args, **kwargs):
        return error_workbook_response(self.get_object())
