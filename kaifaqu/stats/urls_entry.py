"""URLs of the stats entry pages (included by stats/urls.py under the "stats" namespace)."""

from django.urls import path

from .views import entry

urlpatterns = [
    path("report/", entry.ReportView.as_view(), name="report"),
    path("entry/<int:pk>/<slug:data_set>/<str:period>/", entry.EntryView.as_view(), name="entry"),
    path("reopenings/", entry.ReopenView.as_view(), name="reopen_list"),
    path("assignments/", entry.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/add/", entry.AssignmentBulkView.as_view(), name="assignment_bulk"),
    path("assignments/<int:pk>/end/", entry.AssignmentEndView.as_view(), name="assignment_end"),
]
