"""URLs of the projects app (namespace "projects"), grouped by page family. Order matters where a fixed path and a
"<int:pk>/" path share a prefix: the groups keep the order they had when each was a module of its own."""

from django.urls import path

from .views import campaigns, config, edit, inspections, io, leader, pages

app_name = "projects"
urlpatterns = [
    # -- the pages people read: list, export, pipeline board, project page (views/pages.py)
    path("", pages.ProjectListView.as_view(), name="project_list"),
    path("export/", pages.ProjectExportView.as_view(), name="project_export"),
    path("board/", pages.BoardView.as_view(), name="board"),
    path("<int:pk>/", pages.ProjectView.as_view(), name="project"),
    # -- writes of a project and its rows, the approval and problem queues (views/edit.py)
    path("add/", edit.ProjectEditView.as_view(), name="project_add"),
    path("<int:pk>/edit/", edit.ProjectEditView.as_view(), name="project_edit"),
    path("<int:pk>/delete/", edit.ProjectDeleteView.as_view(), name="project_delete"),
    path("<int:pk>/link-investor/", edit.LinkInvestorView.as_view(), name="link_investor"),
    path("<int:pk>/stages/<int:stage>/", edit.StageEditView.as_view(), name="stage_edit"),
    path("<int:pk>/phases/add/", edit.PhaseEditView.as_view(), name="phase_add"),
    path("phases/<int:pk>/edit/", edit.PhaseEditView.as_view(), name="phase_edit"),
    path("<int:pk>/lines/add/", edit.LineEditView.as_view(), name="line_add"),
    path("lines/<int:pk>/edit/", edit.LineEditView.as_view(), name="line_edit"),
    path("<int:pk>/approvals/add/", edit.ApprovalEditView.as_view(), name="approval_add"),
    path("approvals/<int:pk>/edit/", edit.ApprovalEditView.as_view(), name="approval_edit"),
    path("approvals/", edit.ApprovalListView.as_view(), name="approval_list"),
    path("approvals/export/", edit.ApprovalExportView.as_view(), name="approval_export"),
    path("<int:pk>/problems/add/", edit.ProblemEditView.as_view(), name="problem_add"),
    path("problems/<int:pk>/edit/", edit.ProblemEditView.as_view(), name="problem_edit"),
    path("problems/<int:pk>/resolve/", edit.ProblemResolveView.as_view(), name="problem_resolve"),
    path("problems/", edit.ProblemListView.as_view(), name="problem_list"),
    path("problems/export/", edit.ProblemExportView.as_view(), name="problem_export"),
    path("<int:pk>/plans/<int:year>/", edit.PlanEditView.as_view(), name="plan_edit"),
    path("<int:pk>/progress/add/", edit.ProgressAddView.as_view(), name="progress_add"),
    path("<int:pk>/files/add/", edit.FileAddView.as_view(), name="file_add"),
    path("files/<int:pk>/", edit.FileDownloadView.as_view(), name="file_download"),
    # -- imports (views/io.py) and a zone's configuration: reopening, stage ladder, approval matters (views/config.py)
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
    # -- 三个一批 campaigns, inspections, the leader's page and the key-project tables
    path("campaigns/", campaigns.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/add/", campaigns.CampaignEditView.as_view(), name="campaign_add"),
    path("campaigns/<int:pk>/", campaigns.CampaignView.as_view(), name="campaign"),
    path("campaigns/<int:pk>/edit/", campaigns.CampaignEditView.as_view(), name="campaign_edit"),
    path("campaigns/<int:pk>/export/", campaigns.CampaignExportView.as_view(), name="campaign_export"),
    path("campaigns/<int:pk>/override/", campaigns.CampaignOverrideView.as_view(), name="campaign_override"),
    path("inspections/", inspections.InspectionListView.as_view(), name="inspection_list"),
    path("inspections/export/", inspections.InspectionExportView.as_view(), name="inspection_export"),
    path("inspections/add/", inspections.InspectionAddView.as_view(), name="inspection_add"),
    path("inspections/<int:pk>/", inspections.InspectionView.as_view(), name="inspection"),
    path("leader/", leader.LeaderView.as_view(), name="leader"),
    path("key-projects/", leader.KeyProjectsView.as_view(), name="key_projects"),
    path("key-projects/export/", leader.KeyProjectsExportView.as_view(), name="key_projects_export"),
    path("bulletin/", leader.BulletinView.as_view(), name="bulletin"),
    path("bulletin/export/", leader.BulletinExportView.as_view(), name="bulletin_export"),
]
