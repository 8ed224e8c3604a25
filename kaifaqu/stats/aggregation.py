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
from django.db.models.functions import Coalesce
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
from kaifaqu.enterprises.models import Enterprise, IndustryClass
from kaifaqu.zones.models import IndustryChain, Park, Zone

from .aggregation_math import competition_ranks, is_suppressed, real_growth_pct, secondary_suppression
from .models import DataSetAssignment, Indicator, PriceIndex, Target, Value

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
    firms: int = 0
    comparable: Decimal | None = None  # 上年同期，同口径 (the same firms)
    compared_firms: int = 0  # of those firms, how many have a figure last year
    published: Decimal | None = None  # 上年同期，公布口径 (every firm that reported then)
    published_firms: int = 0


def added_up(parts):
    """The Totals of groups that partition the firms (every firm in one group, firms without a park or industry in
    the group None), added up: the figures of the whole, as the total's own query would return them."""
    parts = list(parts)

    def amount(name):
        found = [getattr(part, name) for part in parts if getattr(part, name) is not None]
        return sum(found, Decimal(0)) if found else None

    return Totals(
        current=amount("current"),
        firms=sum(part.firms for part in parts),
        comparable=amount("comparable"),
        compared_firms=sum(part.compared_firms for part in parts),
        published=amount("published"),
        published_firms=sum(part.published_firms for part in parts),
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


def totals(values, *, period, indicator_ids, group=None, narrowing=NO_NARROWING, across_zones=False):
    """{(indicator_id, group key): Totals}. `values` is a scoped queryset of current values.

    The period's rows give the current figure and, through a LEFT JOIN to the same firms' values a year earlier,
    the comparable one; last year's rows of the zones give the published figure: one GROUP BY per period.

    `across_zones` says the values span many zones (a ranking). PostgreSQL then reads both periods in one GROUP BY,
    hashing last year's rows once instead of probing the index firm by firm: at 3.3 million values the ranking took
    2.3× the hand-written single query with two queries, 1.2× with one. For one zone's dashboard the one query is
    slower (it hashes last year's rows of every zone), and so is it on SQLite, whose joins are nested loops.
    """
    rows = values.filter(indicator_id__in=list(indicator_ids))
    if narrowing:
        rows = rows.filter(narrowing.q())
    fields = ["indicator_id"] + ([GROUPS[group]] if group else [])
    if across_zones and connections[values.db].vendor == "postgresql":
        grouped = totals_in_one_query(rows, period, fields)
    else:
        grouped = totals_in_two_queries(rows, period, fields)
    return {
        (row["indicator_id"], row[GROUPS[group]] if group else None): Totals(
            current=row.get("current"),
            firms=row.get("firms", 0),
            comparable=row.get("comparable"),
            compared_firms=row.get("compared_firms", 0),
            published=row.get("published"),
            published_firms=row.get("published_firms", 0),
        )
        for row in grouped
    }


def totals_in_one_query(rows, period, fields):
    """Both periods in one GROUP BY; the join condition names the period, so last year's rows join nothing."""
    previous = same_period_last_year(period)
    this_period, last_year = Q(period=period), Q(period=previous)
    return (
        with_prior(rows.filter(period__in=[period, previous]), period, rows_of=period)
        .values(*fields)
        .annotate(
            current=Sum("value", filter=this_period),
            firms=Count("enterprise_id", filter=this_period),
            comparable=Sum("prior__value"),
            compared_firms=Count("prior__value"),
            published=Sum("value", filter=last_year),
            published_firms=Count("enterprise_id", filter=last_year),
        )
        .order_by()
    )


def totals_in_two_queries(rows, period, fields):
    """The period's rows with their prior values, then last year's rows: the same row dicts as the one query."""
    grouped = (
        with_prior(rows.filter(period=period), period)
        .values(*fields)
        .annotate(
            current=Sum("value"),
            firms=Count("enterprise_id"),
            comparable=Sum("prior__value"),
            compared_firms=Count("prior__value"),
        )
        .order_by()
    )
    merged = {tuple(row[f] for f in fields): row for row in grouped}
    published = rows.filter(period=same_period_last_year(period)).values(*fields)
    for row in published.annotate(published=Sum("value"), published_firms=Count("enterprise_id")).order_by():
        merged.setdefault(tuple(row[f] for f in fields), {f: row[f] for f in fields}).update(row)
    return merged.values()


# -- cells and summaries -------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One figure as shown: a total or a group, after suppression."""

    key: object
    label: str
    current: Decimal | None
    previous: Decimal | None  # comparable scope
    published: Decimal | None
    firms: int | None
    growth_pct: Decimal | None
    share_pct: Decimal | None = None
    suppressed: bool = False
    reason: str = ""

    @property
    def published_differs(self):
        return self.published is not None and self.published != self.previous

    def as_dict(self):
        return {
            "key": self.key,
            "label": self.label,
            "value": self.current,
            "previous": self.previous,
            "previous_published": self.published,
            "growth_pct": self.growth_pct,
            "share_pct": self.share_pct,
            "enterprises": self.firms,
            "suppressed": self.suppressed,
            "reason": self.reason,
        }


def suppression_reason():
    return _("少于%(k)s家企业，依统计法不予显示") % {"k": min_group_size()}


def make_cell(key, label, figures, *, whole=None, price_index=None, hide=False, hide_published=False):
    figures = figures or Totals()
    if hide:
        return Cell(key, label, None, None, None, None, None, None, True, suppression_reason())
    growth = real_growth_pct(figures.current, figures.comparable, price_index)
    return Cell(
        key=key,
        label=label,
        current=figures.current,
        previous=figures.comparable,
        published=None if hide_published else figures.published,
        firms=figures.firms,
        growth_pct=growth,
        share_pct=share_pct(figures.current, whole) if whole is not None else None,
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

    @property
    def period_label(self):
        return cumulative_label(self.period)

    @property
    def price_basis(self):
        """现价 or 可比价: value added is nominal unless a price index for the period is entered."""
        if self.indicator.code != VALUE_ADDED:
            return ""
        return price_basis_label(self.price_index)


def price_basis_label(index):
    if index is None:
        return _("现价增速")
    return _("可比价增速（按价格指数 %(index)s 折算）") % {"index": index}


def price_index_for(indicator, period):
    if indicator.code != VALUE_ADDED:
        return None
    return PriceIndex.objects.filter(period=period).values_list("index", flat=True).first()


def group_labels(group, keys):
    """Readable names of group keys (one query)."""
    keys = [k for k in keys if k is not None]
    if group == "park":
        names = dict(Park.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group == "chain":
        names = dict(IndustryChain.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group in ("section", "division", "industry"):
        names = {
            code: f"{code} {name}"
            for code, name in IndustryClass.objects.filter(code__in=keys).values_list("code", "name")
        }
    elif group == "zone":
        names = {z.pk: str(z) for z in Zone.objects.filter(pk__in=keys)}
    else:
        names = {}
    missing = {"park": _("未入园企业"), "chain": _("未归入产业链"), "zone": ""}.get(group, _("未分类"))
    return {key: names.get(key, str(key)) if key is not None else missing for key in [*keys, None]}


def summarize(viewer, *, zone_ids, period, indicator, narrowing=NO_NARROWING, group_by=None):
    """The figures of one indicator for one period over `zone_ids`, optionally narrowed and grouped.

    Queries: the total (2, or none when the groups partition the firms: they add up to it), the zone total when
    narrowed (2), the groups (2) and their labels (1), the price index of value added (1).
    """
    zone_ids = sorted(set(zone_ids))
    values = viewer.values(zone_ids)
    entitled = viewer.entitled(zone_ids)
    k = min_group_size()
    index = price_index_for(indicator, period)
    grouped = {}
    if group_by:
        grouped = totals(values, period=period, indicator_ids=[indicator.pk], group=group_by, narrowing=narrowing)
    if group_by in PARTITIONS:
        figures = added_up(grouped.values())
    else:
        figures = totals(values, period=period, indicator_ids=[indicator.pk], narrowing=narrowing).get(
            (indicator.pk, None), Totals()
        )
    whole = figures.current
    zone_share = None
    if narrowing:
        zone_figures = totals(values, period=period, indicator_ids=[indicator.pk]).get((indicator.pk, None))
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
    summary = Summary(zone_ids, period, indicator, narrowing, group_by, entitled, total, zone_share, price_index=index)
    if group_by:
        by_key = {key: t for (_i, key), t in grouped.items() if t.firms}
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


# -- firm rows (entitled viewers only) -----------------------------------------------------------------------------


@dataclass
class FirmRow:
    enterprise_id: int
    name: str
    park: str
    industry: str
    current: Decimal | None
    previous: Decimal | None
    growth_pct: Decimal | None
    contribution_pct: Decimal | None
    share_pct: Decimal | None


def firm_rows(viewer, *, zone_ids, period, indicator, narrowing=NO_NARROWING, total=None, limit=None):
    """The firms behind a figure, biggest contribution first: one query (plus one for the comparable total when
    `total` is not given). Raises PermissionError for viewers not entitled to individual figures."""
    if not viewer.entitled(zone_ids):
        raise PermissionError("individual figures are not shown to this viewer")
    values = viewer.values(zone_ids)
    if total is None:
        total = totals(values, period=period, indicator_ids=[indicator.pk], narrowing=narrowing).get(
            (indicator.pk, None), Totals()
        )
    rows = values.filter(indicator_id=indicator.pk, period=period)
    if narrowing:
        rows = rows.filter(narrowing.q())
    rows = (
        with_prior(rows, period)
        .annotate(previous=F("prior__value"))
        .annotate(delta=F("value") - Coalesce("prior__value", V(0), output_field=AMOUNT_FIELD))
        .order_by("-delta", "enterprise__name", "enterprise_id")
        .values(
            "enterprise_id",
            "enterprise__name",
            "enterprise__park__name",
            "enterprise__industry_id",
            "value",
            "previous",
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
            contribution_pct=contribution_pct(row["value"], row["previous"], total.comparable),
            share_pct=share_pct(row["value"], total.current),
        )
        for row in rows
    ]


def departed_firm_rows(viewer, *, zone_ids, period, indicator, narrowing=NO_NARROWING):
    """Firms in the published scope of last year with no figure this period (left, closed, not yet reported)."""
    if not viewer.entitled(zone_ids):
        raise PermissionError("individual figures are not shown to this viewer")
    values = viewer.values(zone_ids)
    now = Value.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), indicator_id=indicator.pk, period=period, is_current=True
    )
    rows = values.filter(indicator_id=indicator.pk, period=same_period_last_year(period))
    if narrowing:
        rows = rows.filter(narrowing.q())
    rows = rows.filter(~Exists(now)).order_by("-value", "enterprise_id")
    return list(rows.values("enterprise_id", "enterprise__name", "value"))


# -- trend, cards, completeness --------------------------------------------------------------------------------------


def monthly_trend(viewer, *, zone_ids, period, indicator, narrowing=NO_NARROWING):
    """This year vs last year, month by month up to December (published scope of each month): one query.

    Returns {"months": [1..12], "this": [...], "last": [...]} with None where nothing (or a suppressed cell).
    """
    year = year_of(period)
    values = viewer.values(zone_ids).filter(
        indicator_id=indicator.pk, period__gte=make_period(year - 1, 1), period__lte=make_period(year, 12)
    )
    if narrowing:
        values = values.filter(narrowing.q())
    entitled, k = viewer.entitled(zone_ids), min_group_size()
    table = {}
    for row in values.values("period").annotate(total=Sum("value"), firms=Count("enterprise_id")).order_by():
        if entitled or not is_suppressed(row["firms"], k):
            table[row["period"]] = row["total"]
    months = list(range(1, 13))
    return {
        "months": months,
        "this": [table.get(make_period(year, m)) for m in months],
        "last": [table.get(make_period(year - 1, m)) for m in months],
    }


def indicator_cards(viewer, *, zone_ids, period, narrowing=NO_NARROWING, codes=CARD_INDICATORS):
    """Key-indicator cards: 1—N月 value and comparable growth of several indicators in one query."""
    indicators = list(Indicator.objects.filter(code__in=codes, is_active=True))
    indicators.sort(key=lambda i: codes.index(i.code))
    figures = totals(
        viewer.values(zone_ids), period=period, indicator_ids=[i.pk for i in indicators], narrowing=narrowing
    )
    index_value = PriceIndex.objects.filter(period=period).values_list("index", flat=True).first()
    entitled, k = viewer.entitled(zone_ids), min_group_size()
    cards = []
    for indicator in indicators:
        t = figures.get((indicator.pk, None), Totals())
        cell = make_cell(
            indicator.code,
            indicator.name,
            t,
            price_index=index_value if indicator.code == VALUE_ADDED else None,
            hide=not entitled and is_suppressed(t.firms, k),
            hide_published=not entitled and is_suppressed(t.published_firms, k),
        )
        basis = ""
        if indicator.code == VALUE_ADDED:
            basis = price_basis_label(index_value)
        cards.append({"indicator": indicator, "cell": cell, "basis": basis})
    return cards


def completeness_counts(viewer, *, zone_ids, period, narrowing=NO_NARROWING):
    """Firms assigned to a monthly data set for the period, and how many of them have reported (one query)."""
    from .querysets import active_assignment_q

    assigned = DataSetAssignment.objects.filter(active_assignment_q(period), data_set__period_type="monthly")
    firms = Enterprise.objects.filter(zone_id__in=zone_ids, pk__in=assigned.values("enterprise_id"))
    if narrowing:
        firms = firms.filter(narrowing.q(prefix=""))
    reported = Value.objects.filter(enterprise_id=OuterRef("pk"), period=period, is_current=True)
    counts = firms.annotate(has_reported=Exists(reported)).aggregate(
        assigned=Count("pk", distinct=True), reported=Count("pk", filter=Q(has_reported=True), distinct=True)
    )
    counts["missing"] = counts["assigned"] - counts["reported"]
    return counts


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


# -- headline table with targets -----------------------------------------------------------------------------------


@dataclass
class HeadlineRow:
    indicator: Indicator
    cell: Cell
    target: Decimal | None
    completion_pct: Decimal | None
    schedule_gap: Decimal | None


def headline_table(viewer, *, zone_id, period, codes=None):
    """指标 | 单位 | 1—N月 | 同比增长% | 全年目标 | 完成目标% | 超/低于时序进度: three queries."""
    targets = {
        t.indicator_id: t.value
        for t in Target.objects.filter(zone_id=zone_id, year=year_of(period)).only("indicator_id", "value")
    }
    indicators = Indicator.objects.filter(is_active=True)
    if codes:
        indicators = indicators.filter(Q(code__in=codes) | Q(pk__in=list(targets)))
    indicators = list(indicators)
    figures = totals(viewer.values([zone_id]), period=period, indicator_ids=[i.pk for i in indicators])
    index_value = PriceIndex.objects.filter(period=period).values_list("index", flat=True).first()
    entitled, k = viewer.entitled([zone_id]), min_group_size()
    rows = []
    for indicator in indicators:
        t = figures.get((indicator.pk, None))
        if t is None and indicator.pk not in targets:
            continue
        t = t or Totals()
        hidden = not entitled and is_suppressed(t.firms, k)
        cell = make_cell(
            indicator.code,
            indicator.name,
            t,
            price_index=index_value if indicator.code == VALUE_ADDED else None,
            hide=hidden,
        )
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
