"""URLs of the stats quality pages (included by stats/urls.py under the "stats" namespace)."""

urlpatterns = []
