"""URLs of the stats dashboard pages (included by stats/urls.py under the "stats" namespace)."""

urlpatterns = []
