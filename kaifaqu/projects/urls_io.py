"""URLs of the projects import and configuration pages (included by projects/urls.py under the "projects" namespace)."""

from django.urls import path

from .views import config, io

urlpatterns = [
    path("import/", io.ProjectImportView.as_view(), name="project_import"),
    path("import/template/", io.ProjectImportTemplateView.as_view(), name="project_import_template"),
    path("progress/import/", io.ProgressImportView.as_view(), name="progress_import"),
    path("progress/import/template/", io.ProgressImportTemplateView.as_view(), name="progress_import_template"),
    path("import/jobs/<int:pk>/", io.ImportJobView.as_view(), name="import_job"),
    path("import/jobs/<int:pk>/errors/", io.ImportErrorsView.as_view(), name="import_job_errors"),
    path("progress/reopen/", config.ProgressReopenView.as_view(), name="progress_reopen"),
    path("settings/stages/", config.StageConfigView.as_view(), name="stage_config"),
    path("settings/stages/add/", config.StageConfigEditView.as_view(), name="stage_config_add"),
    path("settings/stages/<int:pk>/edit/", config.StageConfigEditView.as_view(), name="stage_config_edit"),
    path("settings/approval-kinds/", config.ApprovalKindConfigView.as_view(), name="approval_kind_config"),
    path("settings/approval-kinds/add/", config.ApprovalKindEditView.as_view(), name="approval_kind_add"),
    path("settings/approval-kinds/<int:pk>/edit/", config.ApprovalKindEditView.as_view(), name="approval_kind_edit"),
]
