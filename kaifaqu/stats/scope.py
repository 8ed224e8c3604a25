"""The scope (统计口径) of a figure: over which firms a 1—N月 total, its comparable base and last year's published
figure are taken — the statistics bureau's method (docs/users/statistics.md, "How growth is computed").

- The scope of a form in year Y is the directory (名录) of Y in the form's categories (`DataSet.scope_categories`,
  e.g. 规模以上工业 for the 规上工业月报). 本期 is the sum over the directory firms that reported; the firms of the
  directory that did not report are counted (应报 / 已报 / 未报), never silently dropped.
- 上年同期（同口径）: over the same firms, each firm's 上年同期 — the figure it reported in the 上年同期 column of this
  period's form (`Value.reported_prior`), else its stored figure of the same period a year before. A firm with
  neither (缺上年同期) is counted in 本期 but not in the growth, which is taken over the firms that have both.
- 上年同期（公布口径）: last year's figure as it stood over last year's directory — what was published a year ago.
- A zone that has no directory for a year (not entered yet, or a form with no categories) falls back to the firms
  that reported, and the page says so.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import cached_property

from kaifaqu.core.cache import REFERENCE, cached
from kaifaqu.core.periods import year_of

from .models import DataSet, DataSetIndicator, EnterpriseYearStatus


def form_for(indicator, code=""):
    """The form (data set) whose scope a figure of `indicator` is read in: the one named by `code` if it carries the
    indicator, else the directory-scoped form carrying it (规上工业月报 for 工业总产值), else the first by code.
    Reference data: read from the cache while no form or indicator changed (kaifaqu.core.cache)."""

    def forms_carrying():
        items = DataSetIndicator.objects.filter(indicator_id=indicator.pk).select_related("data_set")
        return sorted((item.data_set for item in items), key=lambda f: (not f.is_directory_scoped, f.code))

    forms = cached(("stats", "forms_of", indicator.pk), [REFERENCE], forms_carrying)
    if code:
        named = [form for form in forms if form.code == code]
        if named:
            return named[0]
    return forms[0] if forms else None


def directory_ids(year, categories):
    """Subquery: the firms in the directory of `year` in `categories`."""
    return EnterpriseYearStatus.objects.filter(year=year, category__in=categories).values("enterprise_id")


@dataclass(frozen=True)
class FigureScope:
    """The scope of one form and period over some zones: which zones have a directory this year and last year."""

    data_set: DataSet | None
    period: int
    zone_ids: tuple
    directory_zones: frozenset  # zones with a directory of this year (the rest fall back to the firms that reported)
    last_directory_zones: frozenset  # zones with a directory of last year

    @property
    def categories(self):
        return tuple(self.data_set.scope_categories) if self.data_set is not None else ()

    @property
    def year(self):
        return year_of(self.period)

    @property
    def has_directory(self):
        """Every zone has this year's directory: the counts of 应报 and 未报 are meaningful."""
        return bool(self.categories) and set(self.zone_ids) <= self.directory_zones

    @property
    def has_last_directory(self):
        return bool(self.categories) and set(self.zone_ids) <= self.last_directory_zones

    def current_q(self, prefix=""):
        """Value rows of this period in scope (on Value, or through `prefix` from another model)."""
        return self._in_directory(self.year, self.directory_zones, prefix)

    def published_q(self, prefix=""):
        """Value rows of the period a year before in last year's published scope."""
        return self._in_directory(self.year - 1, self.last_directory_zones, prefix)

    def _in_directory(self, year, zones, prefix):
        if not self.categories or not zones:
            return Q()
        member = Q(**{f"{prefix}enterprise_id__in": directory_ids(year, self.categories)})
        if set(self.zone_ids) <= zones:
            return member
        return (Q(**{f"{prefix}zone_id__in": sorted(zones)}) & member) | ~Q(**{f"{prefix}zone_id__in": sorted(zones)})

    @cached_property
    def firms_q(self):
        """Enterprise rows of this year's directory in the zones that have one (for 应报 counts)."""
        return Q(zone_id__in=sorted(self.directory_zones), pk__in=directory_ids(self.year, self.categories))


def figure_scope(zone_ids, period, data_set):
    """The scope of `data_set` for `period` over `zone_ids` (one query, none for a form without categories)."""
    zone_ids = tuple(sorted(set(zone_ids)))
    directory, last_directory = set(), set()
    categories = tuple(data_set.scope_categories) if data_set is not None else ()
    if categories:
        year = year_of(period)
        found = (
            EnterpriseYearStatus.objects.filter(
                year__in=(year, year - 1), category__in=categories, enterprise__zone_id__in=zone_ids
            )
            .values_list("enterprise__zone_id", "year")
            .distinct()
        )
        for zone_id, status_year in found:
            (directory if status_year == year else last_directory).add(zone_id)
    return FigureScope(data_set, period, zone_ids, frozenset(directory), frozenset(last_directory))
