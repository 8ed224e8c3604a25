from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "kaifaqu.stats"
    label = "stats"
    verbose_name = _("统计")

    def ready(self):
        from . import importers_directory  # noqa: F401  (registers the directory import with the engine)
