"""URLs of the projects edit pages (included by projects/urls.py under the "projects" namespace)."""

from django.urls import path

from .views import edit

urlpatterns = [
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
]
