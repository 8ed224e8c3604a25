"""The numbers leaders read: 1—N月 totals with comparable-scope growth (同口径), shares, contributions (拉动).

Every read is SQL GROUP BY through the ORM over current values (is_current=True), scoped by zone:

- 本期 (current): the sum of the period's values of the firms that have one, and their number;
- 上年同期（同口径）(comparable previous): the sum of P-100 values of *those same firms* (a LEFT JOIN on the
  unique current-value index), so a firm that entered adds nothing to it and a firm that left is not in it;
- 上年同期（公布口径）(published previous): the sum of P-100 values of every firm that reported in that zone then,
  shown beside the comparable figure when they differ.

The number of queries does not depend on the number of firms (no per-firm queries).

Who sees what (统计法): viewers whose role covers the zone (zone roles, region viewers, the system administrator)
see everything, firm rows included; anyone else who may see the zone's aggregates (enterprise users, for their own
zone) sees no firm rows and no contributions, and every cell built from fewer than settings.STATS_MIN_GROUP_SIZE
firms is hidden with a reason (plus secondary suppression where groups add up to a shown total).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connections
from django.db.models import Count, DecimalField, Exists, F, FilteredRelation, Max, OuterRef, Q, Sum
from django.db.models import Value as V
from django.db.models.functions import Abs, Coalesce
from django.db.models.lookups import Exact
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.core.periods import (
    contribution_pct,
    cumulative_label,
    growth_pct,
    make_period,
    same_period_last_year,
    schedule_gap_points,
    schedule_share,
    share_pct,
    year_of,
)
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.zones.models import Zone

from . import reference
from .aggregation_math import competition_ranks, is_suppressed, real_growth_pct, secondary_suppression
from .choices import StatsCategoryChoices
from .models import DataSetAssignment, FigureSummary, Indicator, Target, Value
from .periods import closed_period_of
from .published import FirmFigures as PublishedFigures
from .published import published_tables
from .scope import FigureScope, figure_scope, form_for
from .summaries import directory_mask, in_last_summary, in_summary

AMOUNT_FIELD = DecimalField(max_digits=24, decimal_places=4)

# group_by → the lookup from a Value row to its group. Park, section and division partition the firms; chains do
# not (a firm may belong to several chains, or none), so chain groups need not add up to the total.
GROUPS = {
    "park": "enterprise__park_id",
    "section": "enterprise__industry__section",
    "division": "enterprise__industry__division",
    "industry": "enterprise__industry__division",
    "chain": "enterprise__chains",
    "zone": "zone_id",
}
PARTITIONS = {"park", "section", "division", "industry", "zone"}
# group_by → the column of a FigureSummary row (kaifaqu.stats.summaries). No chain: a firm may be in several chains,
# so chain groups (and narrowing by chain or tag) read the base rows.
SUMMARY_GROUPS = {
    "park": "park_id",
    "section": "section",
    "division": "division",
    "industry": "division",
    "zone": "zone_id",
}
API_GROUPS = ("park", "industry", "section", "division", "chain")
CARD_INDICATORS = ("output_value", "value_added", "main_revenue", "revenue", "total_profit", "tax")
VALUE_ADDED = "value_added"


def min_group_size():
    return settings.STATS_MIN_GROUP_SIZE


# -- who may see which zone's figures ------------------------------------------------------------------------------


class StatsViewer:
    """A user's view of statistics: the zones whose figures they may read, and whether individual figures show.

    Entitled zones are the zones `Zone.objects.restrict(user, "view")` returns. An enterprise user additionally
    sees the aggregates (never the firm rows) of the zone of its enterprise, with small cells suppressed.
    """

    def __init__(self, user):
        self.user = user

    @cached_property
    def entitled_zone_ids(self):
        return set(Zone.objects.restrict(self.user, "view").values_list("pk", flat=True))

    @cached_property
    def aggregate_only_zone_ids(self):
        if not self.user.is_authenticated:
            return set()
        own = {
            m.enterprise.zone_id
            for m in self.user.active_memberships
            if m.role == RoleChoices.ENTERPRISE_USER and m.enterprise_id
        }
        return own - self.entitled_zone_ids

    @property
    def zone_ids(self):
        return self.entitled_zone_ids | self.aggregate_only_zone_ids

    def zones(self):
        return Zone.objects.filter(pk__in=self.zone_ids).order_by("name")

    def entitled(self, zone_ids):
        """Whether the viewer may see individual figures of every zone in `zone_ids`."""
        return bool(zone_ids) and set(zone_ids) <= self.entitled_zone_ids

    def values(self, zone_ids):
        """Current values of `zone_ids` (each must be in self.zone_ids), through restrict() where entitled."""
        zone_ids = set(zone_ids)
        if not zone_ids <= self.zone_ids:
            raise PermissionError("zone out of scope")
        if self.entitled(zone_ids):
            base = Value.objects.restrict(self.user, "view")
            if self.user.is_system_admin or self.user.has_role(RoleChoices.REGION_VIEWER):
                # restrict() joins the region table for a region viewer; the zones were checked above.
                base = Value.objects.all()
        else:
            base = Value.objects.all()  # aggregates only: callers suppress small cells and show no firm rows
        return base.filter(zone_id__in=zone_ids, is_current=True)

    @property
    def is_region_viewer(self):
        return self.user.is_authenticated and (
            self.user.is_system_admin or self.user.has_role(RoleChoices.REGION_VIEWER)
        )


# -- narrowing -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Narrowing:
    """Optional narrowing of the firms counted: park, GB/T 4754 section or division, industry chain, tag."""

    park_id: int | None = None
    outside_parks: bool = False  # firms in no park (the "未入园企业" group)
    section: str = ""
    division: str = ""
    chain_id: int | None = None
    tag: str = ""

    @classmethod
    def from_params(cls, params):
        def number(name):
            text = (params.get(name) or "").strip()
            return int(text) if text.isdigit() else None

        return cls(
            park_id=number("park"),
            outside_parks=(params.get("park") or "").strip() == "none",
            section=(params.get("section") or "").strip().upper()[:1],
            division=(params.get("division") or "").strip()[:2],
            chain_id=number("chain"),
            tag=(params.get("tag") or "").strip()[:50],
        )

    def q(self, prefix="enterprise__"):
        condition = Q()
        if self.park_id:
            condition &= Q(**{f"{prefix}park_id": self.park_id})
        if self.outside_parks:
            condition &= Q(**{f"{prefix}park__isnull": True})
        if self.section:
            condition &= Q(**{f"{prefix}industry__section": self.section})
        if self.division:
            condition &= Q(**{f"{prefix}industry__division": self.division})
        if self.chain_id:
            condition &= Q(**{f"{prefix}chains": self.chain_id})
        if self.tag:
            condition &= Q(**{f"{prefix}tags__name": self.tag})
        return condition

    def __bool__(self):
        return bool(self.park_id or self.outside_parks or self.section or self.division or self.chain_id or self.tag)

    def params(self):
        pairs = {
            "park": "none" if self.outside_parks else self.park_id,
            "section": self.section,
            "division": self.division,
            "chain": self.chain_id,
            "tag": self.tag,
        }
        return {k: v for k, v in pairs.items() if v}


NO_NARROWING = Narrowing()


# -- the GROUP BY --------------------------------------------------------------------------------------------------


@dataclass
class Totals:
    current: Decimal | None = None
    firms: int = 0  # 已报: firms in scope with a figure this period
    comparable: Decimal | None = None  # 上年同期，同口径: the bases of those firms that have one
    compared_firms: int = 0  # of those firms, how many have a base (reported 上年同期 or a stored figure)
    current_compared: Decimal | None = None  # 本期 of the firms that have a base: the comparable growth's numerator
    published: Decimal | None = None  # 上年同期，公布口径 (last year's figure over last year's directory)
    published_firms: int = 0
    expected: int | None = None  # 应报: firms of this year's directory (None: no directory, the scope is who reported)

    @property
    def missing(self):
        """未报: directory firms without a figure this period."""
        return None if self.expected is None else max(self.expected - self.firms, 0)

    @property
    def without_base(self):
        """缺上年同期: firms with a figure this period but no base."""
        return self.firms - self.compared_firms


def added_up(parts):
    """The Totals of groups that partition the firms (every firm in one group, firms without a park or industry in
    the group None), added up: the figures of the whole, as the total's own query would return them."""
    parts = list(parts)

    def amount(name):
        found = [getattr(part, name) for part in parts if getattr(part, name) is not None]
        return sum(found, Decimal(0)) if found else None

    def count(name):
        return sum(getattr(part, name) for part in parts)

    expected = [part.expected for part in parts if part.expected is not None]
    return Totals(
        current=amount("current"),
        firms=count("firms"),
        comparable=amount("comparable"),
        compared_firms=count("compared_firms"),
        current_compared=amount("current_compared"),
        published=amount("published"),
        published_firms=count("published_firms"),
        expected=sum(expected) if expected else None,
    )


def with_prior(values, period, *, rows_of=None):
    """Annotate the LEFT JOIN `prior`: the same firm's current value of the same indicator a year before `period`.

    The unique current-value constraint (firm, indicator, period) makes it at most one row, so sums stay exact.
    With `rows_of`, only rows of that period look for one (the others join nothing, and are not probed for it).
    """
    condition = Q(same_firm_figures__period=same_period_last_year(period), same_firm_figures__is_current=True)
    if rows_of is not None:
        condition &= Q(Exact(F("period"), rows_of))
    return values.annotate(prior=FilteredRelation("same_firm_figures", condition=condition))


# A firm's comparable base: the 上年同期 it reported on this period's form, else its stored figure a year before.
BASE = Coalesce(F("reported_prior"), F("prior__value"), output_field=AMOUNT_FIELD)
HAS_BASE = Q(reported_prior__isnull=False) | Q(prior__value__isnull=False)


def comparable_sums(this_period=None):
    """The aggregates of this period's rows joined to their priors; with `this_period` (a Q), the rows of other
    periods in the same GROUP BY are left out of them (their own reported_prior must not count)."""
    has_base = HAS_BASE if this_period is None else this_period & HAS_BASE
    return {
        "current": Sum("value", filter=this_period),
        "firms": Count("enterprise_id", filter=this_period),
        "comparable": Sum(BASE, filter=this_period),
        "compared_firms": Count(BASE, filter=this_period),
        "current_compared": Sum("value", filter=has_base),
    }


def totals(
    values,
    *,
    period,
    indicator_ids,
    group=None,
    narrowing=NO_NARROWING,
    across_zones=False,
    scope=None,
    zone_ids=None,
):
    """{(indicator_id, group key): Totals}. `values` is a scoped queryset of current values; `scope` (a FigureScope)
    limits this period's rows to this year's directory and last year's to last year's (None: no directory).

    With `zone_ids` (the zones `values` holds, checked by the caller: StatsViewer.values raises otherwise), the
    figures come from the summary rows of those zones (kaifaqu.stats.summaries: one GROUP BY over a few hundred
    rows) unless a chain or tag narrows them or they are grouped by chain — a firm may be in several chains, which
    the summaries do not hold, so those read the base rows as below.

    The period's rows give the current figure and, through a LEFT JOIN to the same firms' values a year earlier,
    the comparable one; last year's rows of the zones give the published figure: one GROUP BY per period.

    `across_zones` says the values span many zones (a ranking). PostgreSQL then reads both periods in one GROUP BY,
    hashing last year's rows once instead of probing the index firm by firm: at 3.3 million values the ranking took
    2.3× the hand-written single query with two queries, 1.2× with one. For one zone's dashboard the one query is
    slower (it hashes last year's rows of every zone), and so is it on SQLite, whose joins are nested loops.
    """
    if zone_ids is not None and reads_summaries(group, narrowing):
        key_field = SUMMARY_GROUPS.get(group)
        fields = ["indicator_id"] + ([key_field] if group else [])
        grouped = totals_from_summaries(zone_ids, period, indicator_ids, fields, narrowing, scope)
    else:
        key_field = GROUPS.get(group)
        rows = values.filter(indicator_id__in=list(indicator_ids))
        if narrowing:
            rows = rows.filter(narrowing.q())
        now_q, then_q = (scope.current_q(), scope.published_q()) if scope is not None else (Q(), Q())
        fields = ["indicator_id"] + ([key_field] if group else [])
        if across_zones and connections[values.db].vendor == "postgresql":
            grouped = totals_in_one_query(rows, period, fields, now_q, then_q)
        else:
            grouped = totals_in_two_queries(rows, period, fields, now_q, then_q)
    expected = expected_counts(scope, group, narrowing) if scope is not None else {}
    result = {}
    for row in grouped:
        key = row[key_field] if group else None
        result[(row["indicator_id"], key)] = Totals(
            current=row.get("current"),
            firms=row.get("firms", 0),
            comparable=row.get("comparable"),
            compared_firms=row.get("compared_firms", 0),
            current_compared=row.get("current_compared"),
            published=row.get("published"),
            published_firms=row.get("published_firms", 0),
            expected=expected.get(key),
        )
    for key, count in expected.items():  # a group of directory firms of which none reported
        for indicator_id in indicator_ids:
            result.setdefault((indicator_id, key), Totals(expected=count))
    return result


def totals_in_one_query(rows, period, fields, now_q=None, then_q=None):
    """Both periods in one GROUP BY; the join condition names the period, so last year's rows join nothing."""
    now_q, then_q = now_q or Q(), then_q or Q()
    previous = same_period_last_year(period)
    this_period, last_year = Q(period=period), Q(period=previous)
    return (
        with_prior(rows.filter((this_period & now_q) | (last_year & then_q)), period, rows_of=period)
        .values(*fields)
        .annotate(
            **comparable_sums(this_period),
            published=Sum("value", filter=last_year),
            published_firms=Count("enterprise_id", filter=last_year),
        )
        .order_by()
    )


def totals_in_two_queries(rows, period, fields, now_q=None, then_q=None):
    """The period's rows with their prior values, then last year's rows: the same row dicts as the one query."""
    now_q, then_q = now_q or Q(), then_q or Q()
    grouped = with_prior(rows.filter(now_q, period=period), period).values(*fields).annotate(**comparable_sums())
    merged = {tuple(row[f] for f in fields): row for row in grouped.order_by()}
    published = rows.filter(then_q, period=same_period_last_year(period)).values(*fields)
    for row in published.annotate(published=Sum("value"), published_firms=Count("enterprise_id")).order_by():
        merged.setdefault(tuple(row[f] for f in fields), {f: row[f] for f in fields}).update(row)
    return merged.values()


def reads_summaries(group, narrowing):
    """Whether the summary rows hold these figures: every grouping and narrowing but by chain or tag."""
    return group != "chain" and not narrowing.chain_id and not narrowing.tag


def summary_narrowing_q(narrowing):
    """Narrowing.q() on FigureSummary rows (park, outside parks, section, division)."""
    condition = Q()
    if narrowing.park_id:
        condition &= Q(park_id=narrowing.park_id)
    if narrowing.outside_parks:
        condition &= Q(park_id__isnull=True)
    if narrowing.section:
        condition &= Q(section=narrowing.section)
    if narrowing.division:
        condition &= Q(division=narrowing.division)
    return condition


def summary_rows(zone_ids, indicator_ids, scope):
    """The summary rows of the zones and indicators, annotated with their directory bits in the scope's categories
    (`directory_bits`, which summaries.in_summary and in_last_summary test)."""
    rows = FigureSummary.objects.filter(zone_id__in=sorted(set(zone_ids)), indicator_id__in=list(indicator_ids))
    if scope is not None and scope.categories:
        rows = rows.annotate(directory_bits=F("directory").bitand(directory_mask(scope.categories)))
    return rows


def totals_from_summaries(zone_ids, period, indicator_ids, fields, narrowing=NO_NARROWING, scope=None):
    """The row dicts of totals_in_one_query, from the summary rows: this period's rows in this year's directory give
    本期 and 同口径, last year's rows in last year's directory give 公布口径 — one GROUP BY."""
    this_period, last_year = Q(period=period), Q(period=same_period_last_year(period))
    rows = summary_rows(zone_ids, indicator_ids, scope).filter(
        (this_period & in_summary(scope)) | (last_year & in_last_summary(scope))
    )
    if narrowing:
        rows = rows.filter(summary_narrowing_q(narrowing))
    sums = {  # the names of Totals, prefixed: an annotation may not take the name of a column it sums
        "sum_current": Sum("current", filter=this_period),
        "sum_firms": Coalesce(Sum("firms", filter=this_period), 0),
        "sum_comparable": Sum("comparable", filter=this_period),
        "sum_compared_firms": Coalesce(Sum("compared_firms", filter=this_period), 0),
        "sum_current_compared": Sum("current_compared", filter=this_period),
        "sum_published": Sum("current", filter=last_year),
        "sum_published_firms": Coalesce(Sum("firms", filter=last_year), 0),
    }
    for row in rows.values(*fields).annotate(**sums).order_by():
        yield {name.removeprefix("sum_"): value for name, value in row.items()}


def expected_counts(scope, group, narrowing):
    """{group key: 应报} — the directory firms of each group (one query), or {} where the count means nothing: no
    directory, or some of several zones without one (except when grouping by zone, each zone on its own)."""
    if not scope.directory_zones or (not scope.has_directory and group != "zone"):
        return {}
    firms = Enterprise.objects.filter(scope.firms_q)
    if narrowing:
        firms = firms.filter(narrowing.q(prefix=""))
    if not group:
        return {None: firms.count()}
    if isinstance(group, tuple):  # several groups at once: keyed by a tuple of their keys
        paths = [GROUPS[g].removeprefix("enterprise__") for g in group]
        counts = firms.values(*paths).annotate(n=Count("pk", distinct=True)).order_by()
        return {tuple(row[path] for path in paths): row["n"] for row in counts}
    path = GROUPS[group].removeprefix("enterprise__")
    counts = firms.values(path).annotate(n=Count("pk", distinct=True)).order_by()
    return {row[path]: row["n"] for row in counts}


def dashboard_figures(zone_ids, period, indicator_ids, *, narrowing=NO_NARROWING, scope=None, trend_of=None):
    """The figures of a zone's dashboard in two queries, or None where the summaries do not hold them (narrowed by
    chain or tag: the caller reads the base rows then).

    One GROUP BY of the summary rows by (indicator, park, division) gives {(indicator_id, park_id, division):
    Totals} for `period`; parks and divisions partition the firms (None: none), so every card, park and division
    figure is a sum of these cells (rolled_up). One query of 应报 by (park, division) gives their directory counts.
    With `trend_of` (an indicator id), the same query also reads that indicator's months of this year and last year
    (each year in its own directory, as monthly_trend): `trend`, {period: total}."""
    if not reads_summaries(None, narrowing):
        return None
    previous = same_period_last_year(period)
    year = year_of(period)
    this_year = Q(period__gte=make_period(year, 1), period__lte=make_period(year, 12))
    last_year = Q(period__gte=make_period(year - 1, 1), period__lte=make_period(year - 1, 12))
    wanted = Q(period=period) & in_summary(scope) | Q(period=previous) & in_last_summary(scope)
    if trend_of is not None:
        months = (this_year & in_summary(scope)) | (last_year & in_last_summary(scope))
        wanted |= Q(indicator_id=trend_of) & months
    rows = summary_rows(zone_ids, sorted(set(indicator_ids) | {trend_of} - {None}), scope).filter(wanted)
    if narrowing:
        rows = rows.filter(summary_narrowing_q(narrowing))
    sums = {  # prefixed: an annotation may not take the name of a column it sums
        "sum_current": Sum("current"),
        "sum_firms": Coalesce(Sum("firms"), 0),
        "sum_comparable": Sum("comparable"),
        "sum_compared_firms": Coalesce(Sum("compared_firms"), 0),
        "sum_current_compared": Sum("current_compared"),
    }
    cells, trend = {}, {}
    for row in rows.values("indicator_id", "period", "park_id", "division").annotate(**sums).order_by():
        if row["indicator_id"] == trend_of and row["sum_current"] is not None:
            trend[row["period"]] = trend.get(row["period"], Decimal(0)) + row["sum_current"]
        if row["indicator_id"] not in indicator_ids or row["period"] not in (period, previous):
            continue
        figures = cells.setdefault((row["indicator_id"], row["park_id"], row["division"]), Totals())
        if row["period"] == period:
            figures.current, figures.firms = row["sum_current"], row["sum_firms"]
            figures.comparable, figures.compared_firms = row["sum_comparable"], row["sum_compared_firms"]
            figures.current_compared = row["sum_current_compared"]
        else:  # last year's rows in last year's directory: the published figure
            figures.published, figures.published_firms = row["sum_current"], row["sum_firms"]
    expected = expected_counts(scope, ("park", "division"), narrowing) if scope is not None else {}
    for (park, division), count in expected.items():
        for indicator_id in indicator_ids:  # a cell of directory firms of which none reported
            cells.setdefault((indicator_id, park, division), Totals()).expected = count
    # the zone's 应报 where expected_counts gives one (0 where the directory holds none of these firms)
    has_count = scope is not None and bool(scope.directory_zones) and scope.has_directory
    return Figures(cells, list(indicator_ids), sum(expected.values()) if has_count else None, trend)


@dataclass
class Figures:
    """dashboard_figures: the (indicator, park, division) cells, the zone's 应报 (None: no directory) and the trend."""

    cells: dict
    indicator_ids: list
    expected: int | None
    trend: dict

    def rolled_up(self, group=None, indicator_id=None):
        """{(indicator_id, key): Totals} grouped by "park", "division" or nothing (key None): the cells added up,
        as totals() returns them; with `indicator_id`, of that indicator only (what summarize takes)."""
        position = {"park": 1, "division": 2}.get(group)
        parts = {}
        for cell, figures in self.cells.items():
            if indicator_id is not None and cell[0] != indicator_id:
                continue
            parts.setdefault((cell[0], cell[position] if position else None), []).append(figures)
        result = {key: added_up(found) for key, found in parts.items()}
        if group is None:  # the zone's 应报 is a count of its own, given even where no firm reported
            for indicator_id in self.indicator_ids:
                result.setdefault((indicator_id, None), Totals()).expected = self.expected
        return result


# -- cells and summaries -------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One figure as shown: a total or a group, after suppression."""

    key: object
    label: str
    current: Decimal | None
    previous: Decimal | None  # comparable scope (同口径上年同期)
    published: Decimal | None  # last year's published figure (上年公布口径)
    firms: int | None  # 已报
    growth_pct: Decimal | None  # comparable growth (the official one)
    share_pct: Decimal | None = None
    suppressed: bool = False
    reason: str = ""
    published_growth_pct: Decimal | None = None  # growth over last year's published figure
    expected: int | None = None  # 应报 (None without a directory)
    without_base: int | None = None  # 缺上年同期: counted in `current`, not in the growth

    @property
    def published_differs(self):
        return self.published is not None and self.published != self.previous

    @property
    def missing(self):
        if self.expected is None or self.firms is None:
            return None
        return max(self.expected - self.firms, 0)

    @property
    def is_incomplete(self):
        return bool(self.missing) or bool(self.without_base)

    @property
    def completeness_note(self):
        """ "应报 12 家，已报 11 家，增速按已报企业计算" — said on the figure whenever it is incomplete."""
        parts = []
        if self.missing:
            parts.append(
                _("应报%(expected)s家，已报%(firms)s家，增速按已报企业计算")
                % {"expected": self.expected, "firms": self.firms}
            )
        if self.without_base:
            parts.append(_("%(n)s家缺上年同期，未计入增速") % {"n": self.without_base})
        return "；".join(parts)

    def as_dict(self):
        return {
            "key": self.key,
            "label": self.label,
            "value": self.current,
            "previous": self.previous,
            "previous_published": self.published,
            "growth_pct": self.growth_pct,
            "growth_pct_published": self.published_growth_pct,
            "share_pct": self.share_pct,
            "enterprises": self.firms,
            "enterprises_expected": self.expected,
            "enterprises_missing": self.missing,
            "enterprises_without_base": self.without_base,
            "completeness_note": self.completeness_note,
            "suppressed": self.suppressed,
            "reason": self.reason,
        }


def suppression_reason():
    return _("少于%(k)s家企业，依统计法不予显示") % {"k": min_group_size()}


def make_cell(key, label, figures, *, whole=None, price_index=None, hide=False, hide_published=False):
    figures = figures or Totals()
    if hide:
        return Cell(key, label, None, None, None, None, None, None, True, suppression_reason())
    published = None if hide_published else figures.published
    return Cell(
        key=key,
        label=label,
        current=figures.current,
        previous=figures.comparable,
        published=published,
        firms=figures.firms,
        growth_pct=real_growth_pct(figures.current_compared, figures.comparable, price_index),
        share_pct=share_pct(figures.current, whole) if whole is not None else None,
        published_growth_pct=real_growth_pct(figures.current, published, price_index),
        expected=figures.expected,
        without_base=figures.without_base,
    )


@dataclass
class Summary:
    zone_ids: list
    period: int
    indicator: Indicator
    narrowing: Narrowing
    group_by: str | None
    entitled: bool
    total: Cell
    zone_share_pct: Decimal | None
    groups: list = field(default_factory=list)
    price_index: Decimal | None = None
    scope: FigureScope | None = None

    @property
    def scope_note(self):
        """What the figures are taken over, said beside them: the directory of the year, or the fallback."""
        return scope_note(self.scope)

    @property
    def period_label(self):
        return cumulative_label(self.period)

    @property
    def price_basis(self):
        """现价 or 可比价: value added is nominal unless a price index for the period is entered."""
        if self.indicator.code != VALUE_ADDED:
            return ""
        return price_basis_label(self.price_index)


def scope_note(scope):
    if scope is None or not scope.categories:
        return _("口径：本期已报企业")
    labels = "、".join(str(StatsCategoryChoices(c).label) for c in scope.categories)
    if scope.has_directory and scope.has_last_directory:
        return _("口径：%(year)s年%(categories)s名录企业；上年公布数按%(last)s年名录") % {
            "year": scope.year,
            "categories": labels,
            "last": scope.year - 1,
        }
    if scope.has_directory:
        return _("口径：%(year)s年%(categories)s名录企业；%(last)s年名录未录入，上年公布数按当时已报企业") % {
            "year": scope.year,
            "categories": labels,
            "last": scope.year - 1,
        }
    return _("%(year)s年%(categories)s名录未录入：口径为本期已报企业") % {"year": scope.year, "categories": labels}


def price_basis_label(index):
    if index is None:
        return _("现价增速")
    return _("可比价增速（按价格指数 %(index)s 折算）") % {"index": index}


def price_index_for(indicator, period):
    if indicator.code != VALUE_ADDED:
        return None
    return reference.price_index(period)


def group_labels(group, keys):
    """Readable names of group keys (from the cached reference lists; one query for zones)."""
    keys = [k for k in keys if k is not None]
    if group == "park":
        names = reference.park_names()
    elif group == "chain":
        names = reference.chain_names()
    elif group in ("section", "division", "industry"):
        industries = reference.industry_names()
        names = {code: f"{code} {industries[code]}" for code in keys if code in industries}
    elif group == "zone":
        names = {z.pk: str(z) for z in Zone.objects.filter(pk__in=keys)}
    else:
        names = {}
    missing = {"park": _("未入园企业"), "chain": _("未归入产业链"), "zone": ""}.get(group, _("未分类"))
    return {key: names.get(key, str(key)) if key is not None else missing for key in [*keys, None]}


def scope_of(zone_ids, period, indicator, data_set=None):
    """The FigureScope a figure of `indicator` is read in (two queries): `data_set` or the indicator's form."""
    return figure_scope(zone_ids, period, data_set or form_for(indicator))


def summarize(viewer, *, zone_ids, period, indicator, narrowing=NO_NARROWING, group_by=None, scope=None, grouped=None):
    """The figures of one indicator for one period over `zone_ids`, optionally narrowed and grouped, in `scope`
    (a FigureScope of this period and zones; by default the indicator's form's).

    Queries: the scope (2, unless given), the total (2 + 1 for 应报 where there is a directory, or none when the
    groups partition the firms: they add up to it), the zone total when narrowed (the same), the groups (2 + 1) and
    their labels (1), the price index of value added (1). `grouped`: the groups' totals already read (a dashboard's
    Figures.rolled_up), for an entitled viewer.
    """
    zone_ids = sorted(set(zone_ids))
    scope = scope or scope_of(zone_ids, period, indicator)
    entitled = viewer.entitled(zone_ids)
    if not entitled:
        return published_summary(viewer, zone_ids=zone_ids, indicator=indicator, group_by=group_by, scope=scope)
    values = viewer.values(zone_ids)
    k = min_group_size()
    index = price_index_for(indicator, period)
    common = {"period": period, "indicator_ids": [indicator.pk], "scope": scope, "zone_ids": zone_ids}
    if grouped is None:
        grouped = totals(values, group=group_by, narrowing=narrowing, **common) if group_by else {}
    if group_by in PARTITIONS:
        figures = added_up(grouped.values())
    else:
        figures = totals(values, narrowing=narrowing, **common).get((indicator.pk, None), Totals())
    whole = figures.current
    zone_share = None
    if narrowing:
        zone_figures = totals(values, **common).get((indicator.pk, None))
        whole = zone_figures.current if zone_figures else None
        zone_share = share_pct(figures.current, whole)
    hide_total = not entitled and is_suppressed(figures.firms, k)
    total = make_cell(
        None,
        _("合计"),
        figures,
        price_index=index,
        hide=hide_total,
        hide_published=not entitled and is_suppressed(figures.published_firms, k),
    )
    if hide_total:
        zone_share = None
    elif narrowing:
        total.share_pct = zone_share
    summary = Summary(
        zone_ids, period, indicator, narrowing, group_by, entitled, total, zone_share, price_index=index, scope=scope
    )
    if group_by:
        by_key = {key: t for (_i, key), t in grouped.items() if t.firms or t.expected}
        hidden = set()
        if not entitled:
            counts = {key: t.firms for key, t in by_key.items()}
            if group_by in PARTITIONS and not hide_total:
                hidden = secondary_suppression(counts, k)
            else:
                hidden = {key for key, firms in counts.items() if is_suppressed(firms, k)}
        labels = group_labels(group_by, list(by_key))
        cells = [
            make_cell(
                key,
                labels[key],
                t,
                whole=figures.current,
                price_index=index,
                hide=key in hidden,
                hide_published=not entitled and is_suppressed(t.published_firms, k),
            )
            for key, t in by_key.items()
        ]
        cells.sort(key=lambda c: (c.current is None, -(c.current or 0), str(c.label)))
        summary.groups = cells
    return summary


# -- published tables (viewers not entitled to firm figures) ------------------------------------------------------

PUBLISHED_GROUPS = {"park": "park", "division": "division", "industry": "division", "chain": "chain"}


def published_summary(viewer, *, zone_ids, indicator, group_by=None, scope, rows=None, tables=None):
    """The Summary a viewer not entitled to firm figures gets: the published tables (total, by park, by division, by
    chain — one dimension at a time, no narrowing), with primary and secondary suppression decided over every table
    of this zone, period and indicator at once (kaifaqu.stats.published). Queries: firm_figures' four, unless `rows`
    gives them (firm_figures_of for several indicators and tables of one page); `tables`, if given, are
    published_tables_of(rows, indicator) — the suppression decided once for the card and both tables of a page.
    """
    if group_by and group_by not in PUBLISHED_GROUPS:
        raise PermissionError("only the published tables are given to this viewer")
    from .reconciliation import firm_figures  # firm-level rows, never shown: the tables are computed from them

    if rows is None:
        rows = firm_figures(viewer.values(zone_ids), scope, indicator)
    if tables is None:
        tables = published_tables_of(rows, indicator)
    index = price_index_for(indicator, scope.period)
    expected = expected_by_cell(rows, scope)
    total = published_cell(tables.total, _("合计"), expected.get(("total", None)), rows, index)
    summary = Summary(zone_ids, scope.period, indicator, NO_NARROWING, group_by, False, total, None, scope=scope)
    summary.price_index = index
    if group_by:
        table = PUBLISHED_GROUPS[group_by]
        cells = tables.tables[table]
        labels = group_labels(group_by, [c.key for c in cells])
        summary.groups = [
            published_cell(c, labels[c.key], expected.get((table, c.key)), rows, index, table=table) for c in cells
        ]
        summary.groups.sort(key=lambda c: (c.current is None, -(c.current or 0), str(c.label)))
    return summary


def published_tables_of(rows, indicator):
    """The published tables of one indicator's firm figures, primary and secondary suppression decided."""
    return published_tables(
        [as_published(row) for row in rows],
        k=min_group_size(),
        dominance_pct=settings.STATS_DOMINANCE_PCT,
        signed=indicator.allow_negative,
    )


def as_published(row):
    return PublishedFigures(
        enterprise_id=row.enterprise_id,
        park_id=row.park_id,
        division=row.division,
        chain_ids=row.chain_ids,
        current=row.current,
        base=row.base if row.current is not None else None,
        last_year=row.last_year,
    )


def in_cell(row, table, key):
    if table is None:
        return True
    if table == "chain":
        return key in row.chain_ids
    return (row.park_id if table == "park" else row.division) == key


def expected_by_cell(rows, scope):
    """{(table, key): 应报} from the directory firms among the rows (counts of firms are not confidential)."""
    if not scope.has_directory:
        return {}
    counts = {}
    for row in rows:
        if not row.in_directory or row.moved_out:
            continue
        keys = [("total", None), ("park", row.park_id), ("division", row.division)]
        keys += [("chain", chain) for chain in row.chain_ids]
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    return counts


def published_cell(cell, label, expected, rows, index, table=None):
    """A Cell from a PublishedCell: what is withheld is None; growth at comparable prices for value added."""
    shown = not cell.suppressed["value"]
    reporting = [r for r in rows if r.current is not None and in_cell(r, table, cell.key)]
    growth = None
    if not cell.suppressed["growth_pct"]:
        growth = real_growth_pct(cell.value_compared, cell.previous, index)
    published_growth = None
    if not cell.suppressed["growth_pct_published"]:
        published_growth = real_growth_pct(cell.value, cell.previous_published, index)
    return Cell(
        key=cell.key,
        label=label,
        current=cell.value,
        previous=cell.previous,
        published=cell.previous_published,
        firms=cell.enterprises,
        growth_pct=growth,
        share_pct=cell.share_pct,
        suppressed=not shown,
        reason=cell.reason,
        published_growth_pct=published_growth,
        expected=expected,
        without_base=sum(1 for r in reporting if r.base is None),
    )


# -- firm rows (entitled viewers only) -----------------------------------------------------------------------------


@dataclass
class FirmRow:
    enterprise_id: int
    name: str
    park: str
    industry: str
    current: Decimal | None
    previous: Decimal | None  # the comparable base: reported 上年同期, else the stored figure
    growth_pct: Decimal | None
    contribution_pct: Decimal | None
    share_pct: Decimal | None
    reported_prior: Decimal | None = None  # 上年同期 as the firm reported it on this form
    stored_prior: Decimal | None = None  # the firm's stored figure a year before

    @property
    def prior_differs(self):
        """The reported 上年同期 differs from the stored figure (a data-quality item; the reported one is used)."""
        return None not in (self.reported_prior, self.stored_prior) and self.reported_prior != self.stored_prior


def firm_rows(viewer, *, zone_ids, period, indicator, narrowing=NO_NARROWING, total=None, limit=None, scope=None):
    """The firms behind a figure, biggest contribution first: one query (plus those of the scope and of the
    comparable total when not given). Raises PermissionError for viewers not entitled to individual figures."""
    if not viewer.entitled(zone_ids):
        raise PermissionError("individual figures are not shown to this viewer")
    scope = scope or scope_of(zone_ids, period, indicator)
    values = viewer.values(zone_ids)
    if total is None:
        total = totals(
            values, period=period, indicator_ids=[indicator.pk], narrowing=narrowing, scope=scope, zone_ids=zone_ids
        ).get((indicator.pk, None), Totals())
    rows = values.filter(scope.current_q(), indicator_id=indicator.pk, period=period)
    if narrowing:
        rows = rows.filter(narrowing.q())
    rows = (
        with_prior(rows, period)
        .annotate(previous=BASE, stored_prior=F("prior__value"))
        .annotate(delta=F("value") - Coalesce(BASE, V(0), output_field=AMOUNT_FIELD))
        .order_by("-delta", "enterprise__name", "enterprise_id")
        .values(
            "enterprise_id",
            "enterprise__name",
            "enterprise__park__name",
            "enterprise__industry_id",
            "value",
            "previous",
            "reported_prior",
            "stored_prior",
        )
    )
    if limit:
        rows = rows[:limit]
    return [
        FirmRow(
            enterprise_id=row["enterprise_id"],
            name=row["enterprise__name"],
            park=row["enterprise__park__name"] or "",
            industry=row["enterprise__industry_id"],
            current=row["value"],
            previous=row["previous"],
            growth_pct=growth_pct(row["value"], row["previous"]),
            # a firm without a base is not in the comparable growth, so it contributes nothing to it
            contribution_pct=None
            if row["previous"] is None
            else contribution_pct(row["value"], row["previous"], total.comparable),
            share_pct=share_pct(row["value"], total.current),
            reported_prior=row["reported_prior"],
            stored_prior=row["stored_prior"],
        )
        for row in rows
    ]


# -- trend, cards, completeness --------------------------------------------------------------------------------------


def monthly_trend(viewer, *, zone_ids, period, indicator, narrowing=NO_NARROWING, scope=None, table=None):
    """This year vs last year, month by month up to December, each year over its own directory (the published
    figure of each month): one query, or none with `table` ({period: total} already read: Figures.trend).

    Returns {"months": [1..12], "this": [...], "last": [...]} with None where nothing (or a suppressed cell).
    """
    year = year_of(period)
    scope = scope or scope_of(zone_ids, period, indicator)
    this_year = Q(period__gte=make_period(year, 1), period__lte=make_period(year, 12))
    last_year = Q(period__gte=make_period(year - 1, 1), period__lte=make_period(year - 1, 12))
    values = viewer.values(zone_ids)  # checks the zones
    entitled = viewer.entitled(zone_ids)
    if reads_summaries(None, narrowing):  # the summary rows of each month, each year in its own directory
        in_scope = (this_year & in_summary(scope)) | (last_year & in_last_summary(scope))
        rows = summary_rows(zone_ids, [indicator.pk], scope).filter(in_scope)
        if narrowing:
            rows = rows.filter(summary_narrowing_q(narrowing))
        sums = {"total": Sum("current"), "firms_": Sum("firms")}
        if not entitled:  # the primary rules of the published tables, month by month (a month is its own table)
            sums |= {"largest_": Max("largest"), "gross_": Sum("gross")}
    else:
        in_scope = (this_year & scope.current_q()) | (last_year & scope.published_q())
        rows = values.filter(in_scope, indicator_id=indicator.pk)
        if narrowing:
            rows = rows.filter(narrowing.q())
        sums = {"total": Sum("value"), "firms": Count("enterprise_id")}
        if not entitled:
            sums |= {"largest": Max(Abs("value")), "gross": Sum(Abs("value"))}
    if table is None:
        table = trend_table(rows.values("period").annotate(**sums).order_by(), entitled)
    months = list(range(1, 13))
    return {
        "months": months,
        "this": [table.get(make_period(year, m)) for m in months],
        "last": [table.get(make_period(year - 1, m)) for m in months],
    }


def trend_table(rows, entitled):
    """{period: total} of the trend's grouped rows, a month left out where its cell fails the primary rules (for a
    viewer of published tables)."""
    table = {}
    for row in rows:
        row = {name.removesuffix("_"): value for name, value in row.items()}  # the summaries' names taken
        if entitled or not fails_primary_rules(row["firms"], row["largest"], row["gross"]):
            table[row["period"]] = row["total"]
    return table


def fails_primary_rules(firms, largest, gross):
    """The primary rules of kaifaqu.stats.disclosure on a cell's aggregates: fewer than k firms, or one firm above
    p% of the cell (absolute values). A cell of zeros protects nothing."""
    if not gross:
        return False
    return firms < min_group_size() or largest * 100 > Decimal(settings.STATS_DOMINANCE_PCT) * gross


def indicator_cards(
    viewer,
    *,
    zone_ids,
    period,
    narrowing=NO_NARROWING,
    codes=CARD_INDICATORS,
    scope=None,
    published=None,
    figures=None,
):
    """Key-indicator cards: 1—N月 value and both growths of several indicators in one query (plus the scope's).
    `published`: {indicator pk: (firm_figures, published_tables_of them)} already worked out for a viewer of
    published tables; `figures`: {(indicator pk, None): Totals} already read for an entitled one."""
    indicators = [i for i in reference.active_indicators() if i.code in codes]
    indicators.sort(key=lambda i: codes.index(i.code))
    if scope is None and indicators:
        scope = scope_of(zone_ids, period, indicators[0])
    if figures is None and viewer.entitled(zone_ids):
        figures = totals(
            viewer.values(zone_ids),
            period=period,
            indicator_ids=[i.pk for i in indicators],
            narrowing=narrowing,
            scope=scope,
            zone_ids=zone_ids,
        )
    index_value = reference.price_index(period)
    entitled = viewer.entitled(zone_ids)
    cards = []
    for indicator in indicators:
        if entitled:
            cell = make_cell(
                indicator.code,
                indicator.name,
                figures.get((indicator.pk, None), Totals()),
                price_index=index_value if indicator.code == VALUE_ADDED else None,
            )
        else:  # the published total of that indicator, suppressed with its tables
            rows, tables = (published or {}).get(indicator.pk, (None, None))
            cell = published_summary(
                viewer, zone_ids=zone_ids, indicator=indicator, scope=scope, rows=rows, tables=tables
            ).total
        basis = ""
        if indicator.code == VALUE_ADDED:
            basis = price_basis_label(index_value)
        cards.append({"indicator": indicator, "cell": cell, "basis": basis})
    return cards


def completeness_counts(viewer, *, zone_ids, period, narrowing=NO_NARROWING):
    """Firms assigned to a monthly data set for the period, and how many of them have reported (one query)."""
    assigned = DataSetAssignment.objects.covering(period).filter(data_set__period_type="monthly")
    firms = Enterprise.objects.filter(zone_id__in=zone_ids, pk__in=assigned.values("enterprise_id"))
    if narrowing:
        firms = firms.filter(narrowing.q(prefix=""))
    reported = Value.objects.filter(enterprise_id=OuterRef("pk"), period=period, is_current=True)
    counts = firms.annotate(has_reported=Exists(reported)).aggregate(
        assigned=Count("pk", distinct=True), reported=Count("pk", filter=Q(has_reported=True), distinct=True)
    )
    counts["missing"] = counts["assigned"] - counts["reported"]
    return counts


def headline_indicator():
    """The indicator pages show when none is chosen: the first active card indicator (工业总产值), else any."""
    active = reference.active_indicators()
    indicators = {i.code: i for i in active}
    for code in CARD_INDICATORS:
        if code in indicators:
            return indicators[code]
    return active[0] if active else None


def latest_period(viewer, zone_ids, indicator=None):
    values = viewer.values(zone_ids)
    if indicator is not None:
        values = values.filter(indicator=indicator)
    return values.aggregate(latest=Max("period"))["latest"]


# -- region ranking --------------------------------------------------------------------------------------------------


@dataclass
class RankRow:
    zone: Zone
    cell: Cell
    rank_value: int | None = None
    rank_growth: int | None = None


def rank_zones(viewer, *, zone_ids, period, indicator, order="value", narrowing=NO_NARROWING):
    """Zones ranked by 1—N月 value or by comparable growth, with both ranks.

    Queries: the GROUP BY zone (one on PostgreSQL, one per period elsewhere: see totals) and the zones' names.
    """
    zone_ids = sorted(set(zone_ids))
    grouped = totals(
        viewer.values(zone_ids),
        period=period,
        indicator_ids=[indicator.pk],
        group="zone",
        narrowing=narrowing,
        across_zones=True,
        scope=scope_of(zone_ids, period, indicator),
        zone_ids=zone_ids,
    )
    index = price_index_for(indicator, period)
    whole = sum((t.current or 0 for t in grouped.values()), Decimal(0))
    rows = [
        RankRow(
            zone, make_cell(zone.pk, str(zone), grouped.get((indicator.pk, zone.pk)), whole=whole, price_index=index)
        )
        for zone in Zone.objects.filter(pk__in=zone_ids).only("pk", "name", "short_name")  # what str() and pages show
    ]
    values_rank = competition_ranks([r.cell.current for r in rows])
    growth_rank = competition_ranks([r.cell.growth_pct for r in rows])
    for row, by_value, by_growth in zip(rows, values_rank, growth_rank, strict=True):
        row.rank_value, row.rank_growth = by_value, by_growth
    key = (
        (lambda r: (r.rank_growth is None, r.rank_growth or 0, str(r.zone)))
        if order == "growth"
        else (lambda r: (r.rank_value is None, r.rank_value or 0, str(r.zone)))
    )
    rows.sort(key=key)
    return rows


def closed_latest_period(viewer, zone_ids, indicator, today=None):
    """The latest period with figures of `indicator` in the zones, but never one still being reported (after the
    indicator's last closed period): a half-reported month would read as a fall."""
    latest = latest_period(viewer, zone_ids, indicator)
    until = closed_period_of(indicator, today) if latest is not None else None
    return min(latest, until) if until is not None else latest


def zone_headlines(viewer, indicator=None, today=None):
    """(indicator, period, [RankRow]): the zones whose figures the viewer reads in full, ranked on the headline
    indicator at the latest period any of them has, but not after the indicator's last closed period (a month still
    being reported would read as a fall) — the region viewer's overview (a bounded number of queries)."""
    zone_ids = sorted(viewer.entitled_zone_ids)
    indicator = indicator or headline_indicator()
    period = closed_latest_period(viewer, zone_ids, indicator, today) if zone_ids and indicator else None
    if period is None:
        return indicator, None, []
    return indicator, period, rank_zones(viewer, zone_ids=zone_ids, period=period, indicator=indicator)


# -- headline table with targets -----------------------------------------------------------------------------------


@dataclass
class HeadlineRow:
    indicator: Indicator
    cell: Cell
    target: Decimal | None
    completion_pct: Decimal | None
    schedule_gap: Decimal | None


def headline_table(viewer, *, zone_id, period, codes=None, scope=None):
    """指标 | 单位 | 1—N月 | 同比增长% | 全年目标 | 完成目标% | 超/低于时序进度: three queries (plus the scope's).

    Every indicator is read in `scope` (the 规上工业 form's by default: the headline table is the 规上 one)."""
    targets = {
        t.indicator_id: t.value
        for t in Target.objects.filter(zone_id=zone_id, year=year_of(period)).only("indicator_id", "value")
    }
    indicators = [i for i in reference.active_indicators() if not codes or i.code in codes or i.pk in targets]
    if scope is None and indicators:
        scope = scope_of([zone_id], period, indicators[0])
    figures = totals(
        viewer.values([zone_id]),
        period=period,
        indicator_ids=[i.pk for i in indicators],
        scope=scope,
        zone_ids=[zone_id],
    )
    index_value = reference.price_index(period)
    entitled = viewer.entitled([zone_id])
    rows = []
    for indicator in indicators:
        t = figures.get((indicator.pk, None))
        if t is None and indicator.pk not in targets:
            continue
        if entitled:
            cell = make_cell(
                indicator.code,
                indicator.name,
                t or Totals(),
                price_index=index_value if indicator.code == VALUE_ADDED else None,
            )
        else:  # the published total of that indicator, suppressed with its tables
            cell = published_summary(viewer, zone_ids=[zone_id], indicator=indicator, scope=scope).total
        target = targets.get(indicator.pk)
        rows.append(
            HeadlineRow(
                indicator=indicator,
                cell=cell,
                target=target,
                completion_pct=share_pct(cell.current, target) if target else None,
                schedule_gap=schedule_gap_points(cell.current, target, period) if target else None,
            )
        )
    return rows


def schedule_pct(period):
    """时序进度 in percent, e.g. 1—2月 → 16.67."""
    return (schedule_share(period) * 100).quantize(Decimal("0.01"))
