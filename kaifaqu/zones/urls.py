from django.urls import path

from . import views

app_name = "zones"
urlpatterns = [
    path("", views.ZoneListView.as_view(), name="zone_list"),
    path("add/", views.ZoneEditView.as_view(), name="zone_add"),
    path("export/", views.ZoneExportView.as_view(), name="zone_export"),
    path("<int:pk>/", views.ZoneView.as_view(), name="zone"),
    path("<int:pk>/edit/", views.ZoneEditView.as_view(), name="zone_edit"),
    path("<int:zone_pk>/parks/add/", views.ParkEditView.as_view(), name="park_add"),
    path("parks/<int:pk>/edit/", views.ParkEditView.as_view(), name="park_edit"),
    path("parks/<int:pk>/delete/", views.ParkDeleteView.as_view(), name="park_delete"),
    path("<int:zone_pk>/departments/add/", views.DepartmentEditView.as_view(), name="department_add"),
    path("departments/<int:pk>/edit/", views.DepartmentEditView.as_view(), name="department_edit"),
    path("departments/<int:pk>/delete/", views.DepartmentDeleteView.as_view(), name="department_delete"),
    path("<int:zone_pk>/chains/add/", views.IndustryChainEditView.as_view(), name="chain_add"),
    path("chains/<int:pk>/edit/", views.IndustryChainEditView.as_view(), name="chain_edit"),
    path("chains/<int:pk>/delete/", views.IndustryChainDeleteView.as_view(), name="chain_delete"),
]
