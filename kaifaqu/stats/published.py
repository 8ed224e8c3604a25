"""Published tables (公布表) for viewers not entitled to individual figures. Pure: the caller passes the figures.

As statistical offices publish them, one dimension at a time and nothing else: the zone total, by park (firms in no
park form the group None, 未入园), by industry division (None: unknown), by industry chain (not a partition: a firm
may be in several chains or none, so chains need not add up to the total). No intersections, no free filters —
every other table the viewer could get would have to enter the disclosure check below.

Each shown quantity reveals some items (sums of a per-firm vector over a set of firms, see disclosure.py):

    value                 (current, S_cur)                  S_cur: firms with a figure this period
    value_compared        (current, S_cmp)                  S_cmp: of those, firms with a comparable base
    previous              (prior, S_cmp)                    上年同期（同口径）
    previous_published    (prior, S_pub)                    S_pub: firms in last year's published total
    growth_pct            (current, S_cmp), (prior, S_cmp)
    growth_pct_published  (current, S_cur), (prior, S_pub)
    share_pct             (current, S_cur) of the cell and of the total

A quantity is shown only if every item it reveals is published. Counts of firms are not confidential.
"""

from dataclasses import dataclass
from decimal import Decimal

from kaifaqu.core.periods import growth_pct, share_pct

from .disclosure import CURRENT, PRIOR, Item, disclose

TABLES = ("park", "division", "chain")
QUANTITIES = (
    "value",
    "value_compared",
    "previous",
    "previous_published",
    "growth_pct",
    "growth_pct_published",
    "share_pct",
)
REVEALS = {
    "value": ("value",),
    "value_compared": ("value_compared",),
    "previous": ("previous",),
    "previous_published": ("previous_published",),
    "growth_pct": ("value_compared", "previous"),
    "growth_pct_published": ("value", "previous_published"),
    "share_pct": ("value", "total value"),
}


@dataclass(frozen=True)
class FirmFigures:
    enterprise_id: int
    park_id: int | None
    division: str | None  # 2-digit GB/T 4754 division, None if unknown
    chain_ids: frozenset  # industry chain ids
    current: Decimal | None  # this period's 1—N月 figure; None = no figure (not reported, or left the scope)
    base: Decimal | None  # the firm's comparable base (上年同期); only used when current is not None
    last_year: Decimal | None  # figure counted in last year's published total (None: not in last year's scope)

    @property
    def compared(self):
        return self.current is not None and self.base is not None

    @property
    def prior(self):
        """The firm's figure in the prior vector: its comparable base when it has one, else last year's figure."""
        return self.base if self.compared else self.last_year


@dataclass(frozen=True)
class PublishedCell:
    key: object
    enterprises: int
    value: Decimal | None
    value_compared: Decimal | None
    previous: Decimal | None
    previous_published: Decimal | None
    growth_pct: Decimal | None
    growth_pct_published: Decimal | None
    share_pct: Decimal | None
    suppressed: dict  # quantity name → withheld
    reason: str = ""

    @property
    def any_suppressed(self):
        return any(self.suppressed.values())


@dataclass(frozen=True)
class PublishedTables:
    total: PublishedCell
    tables: dict  # "park" | "division" | "chain" → [PublishedCell], ordered by key (None last)


def published_tables(firms, *, k, dominance_pct, signed=False):
    """The zone total and the tables by park, division and chain, with primary and secondary suppression applied
    across all of them at once (a viewer gets them all, so a leak may come from any two together)."""
    firms = list(firms)
    groups = {"total": {None: firms}} | {name: grouped(firms, name) for name in TABLES}
    items = {(name, key): cell_items(members) for name, table in groups.items() for key, members in table.items()}
    figures = {
        CURRENT: {f.enterprise_id: f.current for f in firms if f.current is not None},
        PRIOR: {f.enterprise_id: f.prior for f in firms if f.prior is not None},
    }
    # Last year's published figures are last year's own published tables (the same firms' stored figures), which the
    # viewer gets by asking for that period: withholding them here would protect nothing, so they go last of all.
    decision = disclose(
        [item for found in items.values() for item in found.values()],
        figures,
        k=k,
        dominance_pct=dominance_pct,
        signed=signed,
        keep=items[("total", None)].values(),  # the zone total goes last
        protect=[found["previous_published"] for found in items.values()],
    )
    total_items = items[("total", None)]
    total = make_cell(None, total_items, total_items, decision)
    tables = {
        name: [
            make_cell(key, items[(name, key)], total_items, decision)
            for key in sorted(groups[name], key=lambda key: (key is None, str(key)))
        ]
        for name in TABLES
    }
    return PublishedTables(total=total, tables=tables)


def grouped(firms, table):
    """{key: firms} of one table; only groups with a figure this period or last year."""
    groups = {}
    for firm in firms:
        if firm.current is None and firm.last_year is None:
            continue
        for key in group_keys(firm, table):
            groups.setdefault(key, []).append(firm)
    return groups


def group_keys(firm, table):
    if table == "chain":
        return sorted(firm.chain_ids)
    return [firm.park_id if table == "park" else firm.division]


def cell_items(members):
    """The four sums a cell can show, as items (an empty set sums to 0 and is shown as None)."""
    reporting = [f for f in members if f.current is not None]
    compared = [f for f in reporting if f.compared]
    counted_last_year = [f for f in members if f.last_year is not None]

    def item(vector, firms, figure):
        total = sum((getattr(f, figure) for f in firms), Decimal(0))
        return Item(vector, frozenset(f.enterprise_id for f in firms), total)

    return {
        "value": item(CURRENT, reporting, "current"),
        "value_compared": item(CURRENT, compared, "current"),
        "previous": item(PRIOR, compared, "base"),
        "previous_published": item(PRIOR, counted_last_year, "last_year"),
    }


def make_cell(key, items, total_items, decision):
    sums = {name: item.value if item.firms else None for name, item in items.items()}
    shown = sums | {
        "growth_pct": growth_pct(sums["value_compared"], sums["previous"]),
        "growth_pct_published": growth_pct(sums["value"], sums["previous_published"]),
        "share_pct": share_pct(sums["value"], total_items["value"].value),
    }
    revealed = items | {"total value": total_items["value"]}
    suppressed = {name: any(not decision.is_published(revealed[part]) for part in REVEALS[name]) for name in QUANTITIES}
    reasons = [decision.reason(revealed[part]) for name in QUANTITIES for part in REVEALS[name]]
    return PublishedCell(
        key=key,
        enterprises=len(items["value"].firms),
        **{name: None if suppressed[name] else shown[name] for name in QUANTITIES},
        suppressed=suppressed,
        reason=next((reason for reason in reasons if reason), ""),
    )
