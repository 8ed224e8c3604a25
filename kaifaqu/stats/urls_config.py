"""URLs of the statistics configuration pages for the system administrator: the forms (报表) and their indicators
(included by stats/urls.py under the "stats" namespace)."""

from django.urls import path

from .views import config

urlpatterns = [
    path("forms/", config.DataSetListView.as_view(), name="data_set_list"),
    path("forms/<int:pk>/edit/", config.DataSetEditView.as_view(), name="data_set_edit"),
]
