"""URLs of the statistics app (namespace "stats"), grouped by page family."""

from django.urls import path

from .views import config, dashboard, directory, entry, imports, quality

app_name = "stats"
urlpatterns = [
    # -- reporting, reopening a locked period, data-set assignments (views/entry.py)
    path("report/", entry.ReportView.as_view(), name="report"),
    path("entry/<int:pk>/<slug:data_set>/<str:period>/", entry.EntryView.as_view(), name="entry"),
    path("reopenings/", entry.ReopenView.as_view(), name="reopen_list"),
    path("assignments/", entry.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/add/", entry.AssignmentBulkView.as_view(), name="assignment_bulk"),
    path("assignments/<int:pk>/end/", entry.AssignmentEndView.as_view(), name="assignment_end"),
    # -- leaders' dashboards, targets, ranking (views/dashboard.py)
    path("dashboard/", dashboard.DashboardHomeView.as_view(), name="dashboard_home"),
    path("zones/<int:zone_pk>/dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("zones/<int:zone_pk>/dashboard/rows/", dashboard.DashboardRowsView.as_view(), name="dashboard_rows"),
    path("zones/<int:zone_pk>/dashboard/export/", dashboard.DashboardExportView.as_view(), name="dashboard_export"),
    path("zones/<int:zone_pk>/targets/", dashboard.TargetListView.as_view(), name="target_list"),
    path("ranking/", dashboard.RankingView.as_view(), name="ranking"),
    path("ranking/export/", dashboard.RankingExportView.as_view(), name="ranking_export"),
    # -- data quality: completeness, outlier scan, flags, validation rules (views/quality.py)
    path("quality/completeness/", quality.CompletenessView.as_view(), name="completeness"),
    path("quality/completeness/reminders/", quality.ReminderExportView.as_view(), name="completeness_export"),
    path("quality/outlier-scan/", quality.OutlierScanView.as_view(), name="outlier_scan"),
    path("quality/flags/", quality.FlagListView.as_view(), name="flag_list"),
    path("quality/flags/<int:pk>/", quality.FlagView.as_view(), name="flag"),
    path("quality/rules/", quality.RuleListView.as_view(), name="rule_list"),
    path("quality/rules/add/", quality.RuleEditView.as_view(), name="rule_add"),
    path("quality/rules/<int:pk>/edit/", quality.RuleEditView.as_view(), name="rule_edit"),
    # -- imports of figures (views/imports.py)
    path("imports/", imports.StatsImportView.as_view(), name="value_import"),
    path("imports/template/", imports.StatsImportTemplateView.as_view(), name="import_template"),
    path("imports/<int:pk>/", imports.StatsImportJobView.as_view(), name="import_job"),
    path("imports/<int:pk>/errors/", imports.StatsImportErrorsView.as_view(), name="import_errors"),
    # -- the 四上 directory and its import (views/directory.py)
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
    # -- the system administrator's configuration of the forms (报表) (views/config.py)
    path("forms/", config.DataSetListView.as_view(), name="data_set_list"),
    path("forms/<int:pk>/edit/", config.DataSetEditView.as_view(), name="data_set_edit"),
]
