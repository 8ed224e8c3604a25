from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "kaifaqu.projects"
    label = "projects"
    verbose_name = _("项目")

    def ready(self):
        from kaifaqu.enterprises.panels import Panel, register

        from .firm_page import projects_panel

        register(Panel("projects", _("投资项目"), "projects/panels/firm_projects.html", projects_panel, order=30))
