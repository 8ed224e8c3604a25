from django.urls import include, path

app_name = "projects"
urlpatterns = [
    path("", include("kaifaqu.projects.urls_pages")),
    path("", include("kaifaqu.projects.urls_edit")),
    path("", include("kaifaqu.projects.urls_io")),
    path("", include("kaifaqu.projects.urls_campaigns")),
]
