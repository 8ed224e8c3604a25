"""Summary tables kept exact (汇总表): FigureSummary holds, per zone, indicator, period, park, GB/T 4754 section and
division and 名录 category, the sums the dashboard and the ranking read — so that they read a few hundred rows
instead of every firm's value.

Exact, and simple: `refresh_summaries(zone_ids, periods, indicator_ids)` deletes those rows and recomputes them from
the base rows with one INSERT … SELECT … GROUP BY, in the transaction of the write that changed them:

- a value written (services.values.insert_values, Value.objects.bulk_create, or a single save or delete of a
  Value): its zone and period, and the period a year later, whose comparable base (上年同期) it is;
- a firm's zone, park or industry changed (the enterprises app's `placement_changed`): the zones and periods of its
  figures (a value keeps the zone it was recorded in; its park and industry are the firm's);
- a firm's directory row of a year saved or deleted (record_year_status, remove_year_status, import_directory, or
  any save of the model): the zones and periods of its figures of that year.

The directory import, which records row by row, wraps itself in `refreshing_once()`, so that the refresh runs once
at the end of the block, not once per row. QuerySet.update() of values refreshes nothing (the services never change
a stored value: a correction is a new revision); after such a bulk change run `manage.py rebuild_stats_summaries`.

The comparable base of a figure is as in aggregation.BASE: the 上年同期 the firm reported on this period's form, else
its own current value of the same indicator a year before. The directory is a bitmask (`directory_bit`) of the
firm's category in the period's own year; a firm is in one category a year, so it is one bit or none.
"""

import threading
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q

from kaifaqu.core.periods import make_period
from kaifaqu.enterprises.models import Enterprise, IndustryClass

from .choices import StatsCategoryChoices
from .models import EnterpriseYearStatus, FigureSummary, Value

# The measures of a summary row, in the order of the INSERT (each as aggregation.comparable_sums and the disclosure
# rules compute them over base rows).
MEASURES = ("current", "firms", "comparable", "compared_firms", "current_compared", "gross", "largest")
SUMMARY_LOCK = 20261207  # the first key of the advisory locks of summary refreshes (the second is the zone)
KEYS = ("zone_id", "indicator_id", "period", "park_id", "section", "division", "directory")


def directory_bit(category):
    """The bit of a 名录 category in FigureSummary.directory: 1 << its place among StatsCategoryChoices (the one
    mapping; appending a category keeps the bits of the others)."""
    return 1 << list(StatsCategoryChoices.values).index(category)


def directory_mask(categories):
    """The bits of several categories: a row is in their directory when `directory & mask` is not 0."""
    mask = 0
    for category in categories:
        mask |= directory_bit(category)
    return mask


def summary_select(where, connection):
    """SELECT of the summary rows of the current values matching `where` (SQL on the alias v), one row per key."""
    quote = connection.ops.quote_name
    value, status = quote(Value._meta.db_table), quote(EnterpriseYearStatus._meta.db_table)
    firm, industry = quote(Enterprise._meta.db_table), quote(IndustryClass._meta.db_table)
    bits = " ".join(f"WHEN '{category}' THEN {directory_bit(category)}" for category in StatsCategoryChoices.values)
    base = "COALESCE(v.reported_prior, p.value)"
    # The year of a yyyymm period is period / 100 (integer division on both databases); a year before is period - 100.
    return f"""
        SELECT v.zone_id, v.indicator_id, v.period, e.park_id, c.section, c.division,
            COALESCE((SELECT CASE s.category {bits} ELSE 0 END FROM {status} s
                WHERE s.enterprise_id = v.enterprise_id AND s.year = v.period / 100), 0) AS directory,
            SUM(v.value), COUNT(*), SUM({base}), COUNT({base}),
            SUM(CASE WHEN {base} IS NOT NULL THEN v.value END), SUM(ABS(v.value)), MAX(ABS(v.value))
        FROM {value} v
        JOIN {firm} e ON e.id = v.enterprise_id
        JOIN {industry} c ON c.code = e.industry_id
        LEFT JOIN {value} p ON p.enterprise_id = v.enterprise_id AND p.indicator_id = v.indicator_id
            AND p.period = v.period - 100 AND p.is_current
        WHERE v.is_current AND {where}
        GROUP BY v.zone_id, v.indicator_id, v.period, e.park_id, c.section, c.division, 7
    """  # noqa: S608 names from the models, categories from the choices; values are parameters


def lock_zones(zone_ids, connection):
    """Serialise refreshes of the same zones until the transaction ends. Without it, two firms of a zone submitting
    at once on PostgreSQL (READ COMMITTED) both DELETE, the second cannot see the first's INSERT, and the zone's rows
    are counted twice. Zones in order, so two refreshes never wait on each other. SQLite needs nothing: one writer at
    a time (transactions begin IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for zone_id in sorted(set(zone_ids)):
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SUMMARY_LOCK, zone_id])


def insert_summaries(where, params, zone_ids, using=DEFAULT_DB_ALIAS):
    """Recompute: DELETE the summary rows matching `where` (within `zone_ids`) and INSERT them again from the values
    (SQL on the alias v of the values, whose columns zone_id, indicator_id and period the summary table has too)."""
    connection = connections[using]
    lock_zones(zone_ids, connection)
    quote = connection.ops.quote_name
    table = quote(FigureSummary._meta.db_table)
    columns = ", ".join(quote(FigureSummary._meta.get_field(name.removesuffix("_id")).column) for name in KEYS)
    measures = ", ".join(quote(name) for name in MEASURES)
    stale = where.replace("v.", f"{table}.")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {stale}", params)  # noqa: S608 derived rows, nothing refers to them
        cursor.execute(f"INSERT INTO {table} ({columns}, {measures}) {summary_select(where, connection)}", params)  # noqa: S608


def placeholders(items):
    return ", ".join(["%s"] * len(items))


# -- keeping them exact ------------------------------------------------------------------------------------------


_pending = threading.local()


def refresh_summaries(zone_ids, periods, indicator_ids=None):
    """Recompute the summary rows of these zones and periods (and indicators; None: all) from the base rows: one
    DELETE and one INSERT … SELECT … GROUP BY. Inside `refreshing_once()`, only noted for the end of the block."""
    zone_ids, periods = sorted(set(zone_ids)), sorted(set(periods))
    indicator_ids = None if indicator_ids is None else sorted(set(indicator_ids))
    if not zone_ids or not periods or indicator_ids == []:
        return
    noted = getattr(_pending, "keys", None)
    if noted is not None:
        noted.append((zone_ids, periods, indicator_ids))
        return
    where = f"v.zone_id IN ({placeholders(zone_ids)}) AND v.period IN ({placeholders(periods)})"
    params = [*zone_ids, *periods]
    if indicator_ids is not None:
        where += f" AND v.indicator_id IN ({placeholders(indicator_ids)})"
        params += indicator_ids
    with transaction.atomic():
        insert_summaries(where, params, zone_ids)


@contextmanager
def refreshing_once():
    """Within the block, refresh_summaries notes what to refresh; the end of the block refreshes it in one go (the
    union of the zones, periods and indicators noted: more than needed at worst, never less). Nested blocks join the
    outermost. Nothing is refreshed when the block raises (its transaction is rolled back)."""
    if getattr(_pending, "keys", None) is not None:
        yield
        return
    _pending.keys = []
    try:
        yield
        noted = _pending.keys
    finally:
        _pending.keys = None
    if noted:
        every_indicator = any(ids is None for _zones, _periods, ids in noted)
        refresh_summaries(
            {z for zones, _periods, _ids in noted for z in zones},
            {p for _zones, periods, _ids in noted for p in periods},
            None if every_indicator else {i for _zones, _periods, ids in noted for i in ids},
        )


def refresh_written(keys):
    """After values were written; keys are (enterprise_id, zone_id, indicator_id, period). Refreshes each zone's
    periods, and the periods a year later (whose comparable base changed) in the zones where those firms' figures of
    that later period are — a firm that moved reports them in its new zone (one query per 2,000 firms)."""
    by_zone, later = {}, {}
    for enterprise_id, zone_id, indicator_id, period in keys:
        periods, indicators = by_zone.setdefault(zone_id, (set(), set()))
        periods.add(period)
        indicators.add(indicator_id)
        later.setdefault(period + 100, set()).add(enterprise_id)
    firms = sorted({firm for ids in later.values() for firm in ids})
    for start in range(0, len(firms), 2000):
        found = Value.objects.filter(
            enterprise_id__in=firms[start : start + 2000], period__in=list(later), is_current=True
        ).values_list("zone_id", "period", "indicator_id")
        for zone_id, period, indicator_id in found.distinct().order_by():
            periods, indicators = by_zone.setdefault(zone_id, (set(), set()))
            periods.add(period)
            indicators.add(indicator_id)
    for zone_id, (periods, indicators) in by_zone.items():
        refresh_summaries([zone_id], periods, indicators)


def refresh_firms(enterprise_ids, year=None):
    """After firms' placement (or their directory row of `year`) changed: the zones and periods of their figures
    (of that year only, when given). One query to find them, one refresh per zone."""
    values = Value.objects.filter(enterprise_id__in=list(enterprise_ids), is_current=True)
    if year is not None:
        values = values.filter(period__gte=make_period(year, 1), period__lte=make_period(year, 12))
    by_zone = {}
    for zone_id, period in values.values_list("zone_id", "period").distinct().order_by():
        by_zone.setdefault(zone_id, set()).add(period)
    for zone_id, periods in by_zone.items():
        refresh_summaries([zone_id], periods)


def rebuild_summaries(zone_ids=None, using=DEFAULT_DB_ALIAS):
    """Every summary row (of `zone_ids`, None: every zone with values or summaries) recomputed from the base rows,
    zone by zone, each in its own transaction. Returns the number of zones. Plain SQL (the data migration uses it)."""
    if zone_ids is None:
        quote = connections[using].ops.quote_name
        with connections[using].cursor() as cursor:
            cursor.execute(
                f"SELECT zone_id FROM {quote(Value._meta.db_table)} UNION "  # noqa: S608 names from the models
                f"SELECT zone_id FROM {quote(FigureSummary._meta.db_table)}"
            )
            zone_ids = [row[0] for row in cursor.fetchall()]
    zone_ids = sorted(set(zone_ids))
    for zone_id in zone_ids:
        with transaction.atomic(using=using):
            insert_summaries("v.zone_id = %s", [zone_id], [zone_id], using)
    return len(zone_ids)


# -- the receivers (connected in StatsConfig.ready) ----------------------------------------------------------------


def value_saved(sender, instance, **kwargs):
    """A single Value saved or deleted through the ORM (fixtures, the shell): services write through insert_values
    and seeders through bulk_create, which refresh themselves."""
    refresh_written([(instance.enterprise_id, instance.zone_id, instance.indicator_id, instance.period)])


def status_changed(sender, instance, **kwargs):
    """A directory row (名录) saved or deleted: the firm's figures of that year change directory bits."""
    refresh_firms([instance.enterprise_id], instance.year)


def placement_changed(sender, enterprise_ids, **kwargs):
    refresh_firms(enterprise_ids)


def park_deleting(sender, instance, **kwargs):
    """A park about to be deleted: note its firms, which SET NULL moves to no park without a save."""
    instance.firm_ids = list(Enterprise.objects.filter(park_id=instance.pk).values_list("pk", flat=True))


def park_deleted(sender, instance, **kwargs):
    refresh_firms(getattr(instance, "firm_ids", []))


def in_summary(scope):
    """Q on FigureSummary rows of this period in `scope` (a FigureScope), as scope.current_q() on Value rows."""
    return directory_q(scope, scope.directory_zones)


def in_last_summary(scope):
    """Q on FigureSummary rows of the period a year before in last year's published scope (scope.published_q())."""
    return directory_q(scope, scope.last_directory_zones)


def directory_q(scope, zones):
    if scope is None or not scope.categories or not zones:
        return Q()
    member = Q(directory_bits__gt=0)  # annotated by aggregation.summary_rows
    if set(scope.zone_ids) <= zones:
        return member
    return (Q(zone_id__in=sorted(zones)) & member) | ~Q(zone_id__in=sorted(zones))
