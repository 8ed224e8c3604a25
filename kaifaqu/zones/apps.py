from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "kaifaqu.zones"
    label = "zones"
    verbose_name = _("开发区")

    def ready(self):
        from kaifaqu.core.cache import ZONES, bump_on_write

        from .models import IndustryChain, Park, Zone

        for model in (Zone, Park, IndustryChain):  # the cached zone, park and chain lists
            bump_on_write(model, lambda instance: [ZONES])
