"""URLs of the stats dashboard pages (included by stats/urls.py under the "stats" namespace)."""

from django.urls import path

from .views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.DashboardHomeView.as_view(), name="dashboard_home"),
    path("zones/<int:zone_pk>/dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("zones/<int:zone_pk>/dashboard/rows/", dashboard.DashboardRowsView.as_view(), name="dashboard_rows"),
    path("zones/<int:zone_pk>/dashboard/export/", dashboard.DashboardExportView.as_view(), name="dashboard_export"),
    path("zones/<int:zone_pk>/targets/", dashboard.TargetListView.as_view(), name="target_list"),
    path("ranking/", dashboard.RankingView.as_view(), name="ranking"),
    path("ranking/export/", dashboard.RankingExportView.as_view(), name="ranking_export"),
]
