from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "kaifaqu.stats"
    label = "stats"
    verbose_name = _("统计")

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_delete

        from kaifaqu.core.cache import REFERENCE, bump_on_write
        from kaifaqu.enterprises.panels import Panel, register
        from kaifaqu.enterprises.signals import placement_changed
        from kaifaqu.zones.models import Park

        from . import (
            importers_directory,  # noqa: F401  (registers the directory import with the engine)
            summaries,
        )
        from .firm_page import figures_panel, reporting_panel
        from .models import DataSet, DataSetIndicator, Indicator, PriceIndex

        for model in (Indicator, DataSet, DataSetIndicator, PriceIndex):  # the cached indicator and form lists
            bump_on_write(model, lambda instance: [REFERENCE])

        # the summary tables follow every write of what they summarise (kaifaqu.stats.summaries)
        Value = self.get_model("Value")
        post_save.connect(summaries.value_saved, sender=Value, dispatch_uid="stats_summary_value_saved")
        post_delete.connect(summaries.value_saved, sender=Value, dispatch_uid="stats_summary_value_deleted")
        Status = self.get_model("EnterpriseYearStatus")
        post_save.connect(summaries.status_changed, sender=Status, dispatch_uid="stats_summary_status_saved")
        post_delete.connect(summaries.status_changed, sender=Status, dispatch_uid="stats_summary_status_deleted")
        placement_changed.connect(summaries.placement_changed, dispatch_uid="stats_summary_placement")
        pre_delete.connect(summaries.park_deleting, sender=Park, dispatch_uid="stats_summary_park_deleting")
        post_delete.connect(summaries.park_deleted, sender=Park, dispatch_uid="stats_summary_park_deleted")
        register(Panel("figures", _("经营数据"), "stats/panels/firm_figures.html", figures_panel, order=10))
        register(Panel("reporting", _("报送记录"), "stats/panels/firm_reporting.html", reporting_panel, order=20))
