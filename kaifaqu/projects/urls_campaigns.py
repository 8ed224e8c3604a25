"""URLs of 三个一批 campaigns, inspections, the leader's page and the key-project tables (namespace "projects")."""

from django.urls import path

from .views import campaigns, inspections, leader

urlpatterns = [
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
