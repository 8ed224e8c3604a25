from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kaifaqu.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/", include("kaifaqu.accounts.urls")),
    path("zones/", include("kaifaqu.zones.urls")),
    path("enterprises/", include("kaifaqu.enterprises.urls")),
    path("stats/", include("kaifaqu.stats.urls")),
    path("projects/", include("kaifaqu.projects.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", include("kaifaqu.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path(settings.ADMIN_URL, admin.site.urls),
]
