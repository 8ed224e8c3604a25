"""URLs of the projects pages (included by projects/urls.py under the "projects" namespace)."""

from django.urls import path

from .views import pages

urlpatterns = [
    path("", pages.ProjectListView.as_view(), name="project_list"),
    path("export/", pages.ProjectExportView.as_view(), name="project_export"),
    path("board/", pages.BoardView.as_view(), name="board"),
    path("<int:pk>/", pages.ProjectView.as_view(), name="project"),
]
