from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "kaifaqu.enterprises"
    label = "enterprises"
    verbose_name = _("企业")

    def ready(self):
        from django.db.models.signals import m2m_changed

        from kaifaqu.core.cache import REFERENCE, bump, bump_on_write, zone_version

        from .models import Enterprise, IndustryClass, Tag

        # A firm's industry and tags decide which industries and tags a zone's filter lists offer.
        bump_on_write(Enterprise, lambda firm: [zone_version(firm.zone_id)])
        bump_on_write(Tag, lambda tag: [REFERENCE])
        bump_on_write(IndustryClass, lambda item: [REFERENCE])

        def links_changed(sender, instance, action, reverse, pk_set, **kwargs):
            if not action.startswith("post_"):
                return
            if isinstance(instance, Enterprise):
                bump(zone_version(instance.zone_id))
            else:  # from the tag's side: every zone of the firms named
                zone_ids = Enterprise.objects.filter(pk__in=pk_set or ()).values_list("zone_id", flat=True)
                bump(*(zone_version(zone_id) for zone_id in set(zone_ids)))

        # Tags only: a zone's chain list is the zone's chains, whichever firms are linked to them.
        through = Enterprise.tags.through
        m2m_changed.connect(links_changed, sender=through, weak=False, dispatch_uid=f"kaifaqu.cache.{through}")
