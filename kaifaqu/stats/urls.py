from django.urls import include, path

app_name = "stats"
urlpatterns = [
    path("", include("kaifaqu.stats.urls_entry")),
    path("", include("kaifaqu.stats.urls_dashboard")),
    path("", include("kaifaqu.stats.urls_quality")),
    path("", include("kaifaqu.stats.urls_imports")),
    path("", include("kaifaqu.stats.urls_directory")),
    path("", include("kaifaqu.stats.urls_config")),
]
