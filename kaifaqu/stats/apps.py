from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "kaifaqu.stats"
    label = "stats"
    verbose_name = _("统计")

    def ready(self):
        from kaifaqu.core.cache import REFERENCE, bump_on_write
        from kaifaqu.enterprises.panels import Panel, register

        from . import importers_directory  # noqa: F401  (registers the directory import with the engine)
        from .firm_page import figures_panel, reporting_panel
        from .models import DataSet, DataSetIndicator, Indicator, PriceIndex

        for model in (Indicator, DataSet, DataSetIndicator, PriceIndex):  # the cached indicator and form lists
            bump_on_write(model, lambda instance: [REFERENCE])

        register(Panel("figures", _("经营数据"), "stats/panels/firm_figures.html", figures_panel, order=10))
        register(Panel("reporting", _("报送记录"), "stats/panels/firm_reporting.html", reporting_panel, order=20))
