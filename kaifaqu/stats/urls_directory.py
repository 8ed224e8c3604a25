"""URLs of the 四上 directory (名录): the zone's status page, its export, removing a firm from a year, and the
directory import (included by stats/urls.py under the "stats" namespace)."""

from django.urls import path

from .views import directory

urlpatterns = [
    path("zones/<int:zone_pk>/status/", directory.StatusListView.as_view(), name="status_list"),
    path("zones/<int:zone_pk>/status/export/", directory.StatusExportView.as_view(), name="status_export"),
    path("zones/<int:zone_pk>/status/<int:pk>/remove/", directory.StatusRemoveView.as_view(), name="status_remove"),
    path("directory/import/", directory.DirectoryImportView.as_view(), name="directory_import"),
    path(
        "directory/import/template/", directory.DirectoryImportTemplateView.as_view(), name="directory_import_template"
    ),
    path("directory/import/<int:pk>/", directory.DirectoryImportJobView.as_view(), name="directory_import_job"),
    path(
        "directory/import/<int:pk>/errors/",
        directory.DirectoryImportErrorsView.as_view(),
        name="directory_import_errors",
    ),
]
