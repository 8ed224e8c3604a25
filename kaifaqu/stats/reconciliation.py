"""口径差: why this year's comparable base differs from last year's published figure, firm by firm.

    上年公布数 (last year's figure over last year's directory)
  − 退出名录      firms of last year's directory that are not in this year's (their figure a year before)
  − 迁出          firms still in the directory whose figures are now reported in another zone
  − 本期未报      firms of this year's directory without a figure this period (their figure a year before)
  + 新入库        firms that entered the directory this year (the base they bring)
  + 迁入          firms whose figure a year before was reported in another zone (the base they bring)
  + 上年未报或未入统 other firms with a base but no published figure last year (no stored figure: the reported one)
  ± 上年同期修订  firms in both whose reported 上年同期 differs from the figure stored a year ago
  = 同口径上年同期 (the comparable base)

Firms with a figure this period but no base at all (缺上年同期) are listed apart: they are in neither side.
Each line is computed from the firm-level figures, so the table adds up exactly. Entitled viewers only.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.core.periods import same_period_last_year
from kaifaqu.enterprises.models import Enterprise

from .models import EnterpriseYearStatus
from .scope import FigureScope

ZERO = Decimal(0)


@dataclass
class FirmFigure:
    """What one firm brings to a figure of one zone, period and indicator."""

    enterprise_id: int
    name: str = ""
    park_id: int | None = None
    division: str | None = None
    chain_ids: frozenset = frozenset()
    current: Decimal | None = None  # this period, in the zone, in scope
    reported_prior: Decimal | None = None
    stored_prior: Decimal | None = None  # the firm's stored figure a year before (any zone)
    prior_elsewhere: bool = False  # that stored figure was reported in another zone
    last_year: Decimal | None = None  # counted in last year's published figure of the zone
    in_directory: bool = False
    in_last_directory: bool = False
    moved_out: bool = False  # in this year's directory, but registered in another zone now

    @property
    def base(self):
        return self.reported_prior if self.reported_prior is not None else self.stored_prior


def firm_figures(values, scope: FigureScope, indicator, narrowing=None, *, chains=True):
    """Every firm behind a zone's figure: its figure, bases and directory membership (three queries; two without
    `chains`, the firms' industry chains, which the 口径差 table does not use).

    `values` are the viewer's current values of the scope's zones; the firms listed are this period's reporters in
    scope, last year's published firms and this year's directory firms of those zones."""
    return firm_figures_of(values, scope, [indicator], narrowing, chains=chains)[indicator.pk]


def firm_figures_of(values, scope: FigureScope, indicators, narrowing=None, *, chains=True):
    """firm_figures of several indicators in one scope, {indicator pk: [FirmFigure]}: still three queries in all (the
    published tables of a dashboard's six cards read once, not six times)."""
    period, previous = scope.period, same_period_last_year(scope.period)
    ids = [indicator.pk for indicator in indicators]
    rows = values.filter(indicator_id__in=ids)
    if narrowing:
        rows = rows.filter(narrowing.q())
    figures = {pk: {} for pk in ids}  # indicator → enterprise → FirmFigure

    def firm(indicator_id, enterprise_id):
        by_firm = figures[indicator_id]
        if enterprise_id not in by_firm:
            by_firm[enterprise_id] = FirmFigure(enterprise_id)
        return by_firm[enterprise_id]

    from .aggregation import with_prior  # the one LEFT JOIN to a year before

    # this period's rows in scope with their priors and last year's published rows, in one query: the join names
    # this period, so last year's rows join nothing
    both = (Q(period=period) & scope.current_q()) | (Q(period=previous) & scope.published_q())
    read = with_prior(rows.filter(both), period, rows_of=period)
    for indicator_id, enterprise_id, row_period, value, reported, stored, stored_zone, zone_id in read.values_list(
        "indicator_id",
        "enterprise_id",
        "period",
        "value",
        "reported_prior",
        "prior__value",
        "prior__zone_id",
        "zone_id",
    ):
        item = firm(indicator_id, enterprise_id)
        if row_period != period:
            item.last_year = value
            continue
        item.current, item.reported_prior, item.stored_prior = value, reported, stored
        item.prior_elsewhere = stored is not None and stored_zone != zone_id
    expected = None
    if scope.categories:
        expected = Enterprise.objects.filter(scope.firms_q)
        if narrowing:
            expected = expected.filter(narrowing.q(prefix=""))
    described = describe({pk for by_firm in figures.values() for pk in by_firm}, scope, expected, chains=chains)
    result = {}
    for indicator_id, by_firm in figures.items():
        for enterprise_id, about in described.items():
            if about["expected"] or enterprise_id in by_firm:  # this year's directory firms are listed for each
                item = firm(indicator_id, enterprise_id)
                for name, value in about.items():
                    if name != "expected":
                        setattr(item, name, value)
        result[indicator_id] = sorted(by_firm.values(), key=lambda f: (f.name, f.enterprise_id))
    return result


def describe(firm_ids, scope, expected=None, *, chains=True):
    """{enterprise id: name, park, division, chains, directory membership, and whether it is one of `expected`} for
    `firm_ids` and the `expected` firms (this year's directory, a queryset): two queries — the firms with their
    directory years, and their chains (not read without `chains`: chain_ids left empty)."""
    wanted = Q(pk__in=list(firm_ids))
    records = Enterprise.objects.annotate(division=F("industry__division"))
    if expected is not None:
        is_expected = Q(pk__in=expected.values("pk"))
        wanted |= is_expected
        records = records.annotate(is_expected=ExpressionWrapper(is_expected, output_field=BooleanField()))
    if scope.categories:
        statuses = EnterpriseYearStatus.objects.filter(enterprise_id=OuterRef("pk"), category__in=scope.categories)
        records = records.annotate(
            in_directory=Exists(statuses.filter(year=scope.year)),
            in_last_directory=Exists(statuses.filter(year=scope.year - 1)),
        )
    described = {}
    records = records.filter(wanted).only("pk", "name", "park_id", "zone_id")
    if chains:
        records = records.prefetch_related("chains")
    for record in records:
        described[record.pk] = {
            "expected": bool(getattr(record, "is_expected", False)),
            "name": record.name,
            "park_id": record.park_id,
            "division": record.division,
            "chain_ids": frozenset(chain.pk for chain in record.chains.all()) if chains else frozenset(),
            "moved_out": record.zone_id not in scope.zone_ids,
            "in_directory": bool(getattr(record, "in_directory", False)),
            "in_last_directory": bool(getattr(record, "in_last_directory", False)),
        }
    return described


LINES = (
    ("left", -1, gettext_lazy("退出名录")),
    ("moved_out", -1, gettext_lazy("迁出本区")),
    ("missing", -1, gettext_lazy("本期未报")),
    ("entered", 1, gettext_lazy("新入库")),
    ("moved_in", 1, gettext_lazy("迁入本区")),
    ("unpublished", 1, gettext_lazy("上年未报或未入统")),
    ("revised", 1, gettext_lazy("上年同期修订")),
)


@dataclass
class Reconciliation:
    published: Decimal
    comparable: Decimal
    lines: dict = field(default_factory=dict)  # key → (sign, label, amount, [FirmFigure])
    without_base: list = field(default_factory=list)  # reported, no base: in neither side

    @property
    def adds_up(self):
        return self.published + sum(sign * amount for sign, _label, amount, _f in self.lines.values()) == (
            self.comparable
        )


def line_of(item):
    """Which line of the table a firm is on, with the amount it moves the base by (or None: on no line)."""
    reported, published = item.current is not None, item.last_year is not None
    has_base = reported and item.base is not None
    if published and not has_base:  # (a reporter always has a base when it has a published figure)
        if not item.in_directory and item.in_last_directory:
            return "left", item.last_year
        if item.moved_out:
            return "moved_out", item.last_year
        return "missing", item.last_year
    if has_base and not published:
        if item.prior_elsewhere:
            return "moved_in", item.base
        if item.in_last_directory or not item.in_directory:
            return "unpublished", item.base
        return "entered", item.base
    if has_base and published and item.base != item.last_year:
        return "revised", item.base - item.last_year
    return None


def reconcile(firms):
    """The 口径差 table of firm_figures' rows."""
    lines = {key: [sign, label, ZERO, []] for key, sign, label in LINES}
    published = sum((f.last_year for f in firms if f.last_year is not None), ZERO)
    comparable = sum((f.base for f in firms if f.current is not None and f.base is not None), ZERO)
    without_base = [f for f in firms if f.current is not None and f.base is None]
    for item in firms:
        found = line_of(item)
        if found is None:
            continue
        key, amount = found
        line = lines[key]
        line[2] += amount
        line[3].append(item)
    # a missing firm of this year's directory with no figure a year before is still a 未报 firm worth naming
    for item in firms:
        if item.in_directory and item.current is None and item.last_year is None and not item.moved_out:
            lines["missing"][3].append(item)
    return Reconciliation(
        published=published,
        comparable=comparable,
        lines={key: tuple(line) for key, line in lines.items()},
        without_base=without_base,
    )


def label_of(key):
    return next(str(label) for k, _sign, label in LINES if k == key)


def explain(reconciliation):
    """One sentence for the page: "同口径上年同期比上年公布数少 4,603.30：退出名录 1 家 …"."""
    parts = [
        _("%(label)s%(count)s家") % {"label": label, "count": len(firms)}
        for _sign, label, _amount, firms in reconciliation.lines.values()
        if firms
    ]
    return "、".join(parts)
