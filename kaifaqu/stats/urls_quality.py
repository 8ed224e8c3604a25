"""URLs of the stats quality pages (included by stats/urls.py under the "stats" namespace)."""

from django.urls import path

from .views import quality

urlpatterns = [
    path("quality/completeness/", quality.CompletenessView.as_view(), name="completeness"),
    path("quality/completeness/reminders/", quality.ReminderExportView.as_view(), name="completeness_export"),
    path("quality/outlier-scan/", quality.OutlierScanView.as_view(), name="outlier_scan"),
    path("quality/flags/", quality.FlagListView.as_view(), name="flag_list"),
    path("quality/flags/<int:pk>/", quality.FlagView.as_view(), name="flag"),
    path("quality/rules/", quality.RuleListView.as_view(), name="rule_list"),
    path("quality/rules/add/", quality.RuleEditView.as_view(), name="rule_add"),
    path("quality/rules/<int:pk>/edit/", quality.RuleEditView.as_view(), name="rule_edit"),
]
