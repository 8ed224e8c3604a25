"""URLs of the statistics import pages (included by stats/urls.py under the "stats" namespace)."""

from django.urls import path

from .views import imports

urlpatterns = [
    path("imports/", imports.StatsImportView.as_view(), name="value_import"),
    path("imports/template/", imports.StatsImportTemplateView.as_view(), name="import_template"),
    path("imports/<int:pk>/", imports.StatsImportJobView.as_view(), name="import_job"),
    path("imports/<int:pk>/errors/", imports.StatsImportErrorsView.as_view(), name="import_errors"),
]
