"""URLs of the stats entry pages (included by stats/urls.py under the "stats" namespace)."""

urlpatterns = []
