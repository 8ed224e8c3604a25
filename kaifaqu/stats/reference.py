"""The reference lists statistics pages read on every request — indicators, forms, price indexes, the names of
parks, chains and industries, a zone's filter lists — from the cache (kaifaqu.core.cache), by data version.

Only reference data: no figure, nothing a viewer's scope decides.
"""

from django.db.models import Q

from kaifaqu.core.cache import REFERENCE, ZONES, cached, zone_version
from kaifaqu.enterprises.choices import IndustryLevelChoices
from kaifaqu.enterprises.models import Enterprise, IndustryClass, Tag
from kaifaqu.zones.models import IndustryChain, Park, Zone

from .models import Indicator, PriceIndex


def active_indicators():
    """Active indicators in their display order (sort_order, code)."""
    return cached(("stats", "indicators"), [REFERENCE], lambda: list(Indicator.objects.filter(is_active=True)))


def active_indicator(code):
    return next((indicator for indicator in active_indicators() if indicator.code == code), None)


def price_index(period):
    """The price index (上年同期=100) of a period, or None."""
    indexes = cached(
        ("stats", "price_indexes"), [REFERENCE], lambda: dict(PriceIndex.objects.values_list("period", "index"))
    )
    return indexes.get(period)


def industry_names():
    """{GB/T 4754 code: name}, every level."""
    return cached(
        ("stats", "industry_names"), [REFERENCE], lambda: dict(IndustryClass.objects.values_list("code", "name"))
    )


def park_names():
    """{park id: name}, every zone's parks (a province has a few hundred)."""
    return cached(("stats", "park_names"), [ZONES], lambda: dict(Park.objects.values_list("pk", "name")))


def chain_names():
    return cached(("stats", "chain_names"), [ZONES], lambda: dict(IndustryChain.objects.values_list("pk", "name")))


def zone(pk):
    """The zone row (a page's heading and links), or Zone.DoesNotExist."""
    return cached(("stats", "zone", pk), [ZONES], lambda: Zone.objects.get(pk=pk))


def zone_filter_lists(zone_id):
    """What a zone's filter panel offers: its parks and chains, and the industries (门类, 大类) and tags of its own
    firms — not the 1,700 classes of GB/T 4754 nor every zone's tags. Model rows, so labels follow the language."""

    def build():
        firms = Enterprise.objects.filter(zone_id=zone_id)
        present = Q(code__in=firms.values("industry__section")) | Q(code__in=firms.values("industry__division"))
        levels = [IndustryLevelChoices.SECTION, IndustryLevelChoices.DIVISION]
        industries = list(IndustryClass.objects.filter(present, level__in=levels).values_list("code", "name", "level"))
        return {
            "parks": list(Park.objects.filter(zone_id=zone_id).order_by("name").values_list("pk", "name")),
            "chains": list(IndustryChain.objects.filter(zone_id=zone_id).order_by("name")),
            "industries": sorted(industries),
            "tags": list(Tag.objects.filter(enterprises__zone_id=zone_id).distinct().order_by("name")),
        }

    return cached(("stats", "zone_filters", zone_id), [ZONES, REFERENCE, zone_version(zone_id)], build)
