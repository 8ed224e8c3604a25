"""Benchmark: the zone dashboard aggregation and the region ranking against hand-written SQL GROUP BY.

Generates a dataset with bulk inserts (default 20 zones, 1,500 firms in all, 24 months, 12 indicators — about
430,000 values; --zones 100 --firms 30000 --months 36 is issue 3's province: about 13 million), with churn: 5% of
firms enter in the last year (no figures the year before) and 5% leave (no figures in the last year), so the
comparable scope (同口径) differs from the published one. Values are written period by period, as monthly imports
write them (so a period's rows lie together on disk), with COPY on PostgreSQL and executemany on SQLite. Then, for
the last period, times

  看板汇总  the zone dashboard's aggregation (kaifaqu.stats.aggregation: key-indicator cards, the indicator by park
            and by GB/T 4754 division with comparable-scope previous figures, the monthly trend) for one zone,
            vs the same figures from four hand-written SQL GROUP BY queries;
  企业明细  the firms behind the zone figure with their previous-year value (拉动), vs one hand-written query;
  区域排名  the ranking of every zone (one GROUP BY zone with comparable previous figures), vs hand-written SQL;

checks that both sides give the same figures (a mismatch fails the run rather than report incomparable numbers),
and prints the medians and the ratios. Not a test: read the ratio, not the seconds.

The dashboard and the ranking read the summary tables (kaifaqu.stats.summaries, issue 13: target ≤ 0.2× the fair
SQL over the base rows, which stays the baseline); the values are bulk-written here, so the summaries are built
once after the data (timed and printed: what `manage.py rebuild_stats_summaries` costs at this size). The firm
rows read base rows by nature (target ≤ 1.5×, issue 3). With --explain both sides' plans are printed.

Uses a throwaway SQLite database under var/bench/ (created with migrate, removed afterwards unless --keep) unless
DATABASE_URL is set; on a real database everything the run writes is rolled back.

    .venv/bin/python bench/stats_dashboard.py [--zones 20] [--firms 1500] [--months 24] [--repeat 5] [--keep]
"""

import argparse
import statistics
import sys
import time
from decimal import Decimal

from _setup import Rollback, configure, remove_sqlite

ZONE_PREFIX = "看板基准开发区"
INDICATORS = [
    "main_revenue",
    "revenue",
    "output_value",
    "value_added",
    "total_profit",
    "tax",
    "export_delivery",
    "rd_expense",
    "electricity",
    "energy_consumption",
    "employees",
    "total_assets",
]
INDUSTRIES = ["2651", "3411", "3311", "1711", "3971", "2614", "3360", "1311"]  # GB/T 4754-2017 classes
TARGETS = {"看板汇总": 0.2, "企业明细": 1.5, "区域排名": 0.2}  # the dashboard and ranking read the summaries


def months_back(last, count):
    periods, year, month = [], last // 100, last % 100
    for _ in range(count):
        periods.append(year * 100 + month)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(periods)


# -- data -----------------------------------------------------------------------------------------------------------


def generate(zones, firms, months, last_period):
    from django.db import connection
    from stdnum.cn import uscc

    from kaifaqu.enterprises.models import Enterprise
    from kaifaqu.stats.models import Indicator
    from kaifaqu.zones.models import Park, Region, Zone

    started = time.perf_counter()
    regions = list(Region.objects.filter(code__startswith="14", level="county").values_list("code", flat=True))
    zone_rows = Zone.objects.bulk_create(
        Zone(name=f"{ZONE_PREFIX}{n:03d}", level="provincial", kind="economic", region_id=regions[n % len(regions)])
        for n in range(zones)
    )
    parks = Park.objects.bulk_create(Park(zone=z, name=f"基准园{k}") for z in zone_rows for k in range(3))
    parks_of = {}
    for park in parks:
        parks_of.setdefault(park.zone_id, []).append(park)

    def code(i):
        body = f"91149900MD{i:07d}"
        return body + uscc.calc_check_digit(body)

    enterprises = []
    for i in range(firms):
        zone = zone_rows[i % zones]
        park = parks_of[zone.pk][i % 4] if i % 4 < 3 else None  # a quarter of the firms in no park
        enterprises.append(
            Enterprise(
                credit_code=code(i),
                name=f"看板基准企业{i:06d}",
                zone=zone,
                park=park,
                industry_id=INDUSTRIES[i % len(INDUSTRIES)],
            )
        )
    Enterprise.objects.bulk_create(enterprises, batch_size=2000)
    indicator_ids = [Indicator.objects.get(code=c).pk for c in INDICATORS]
    periods = months_back(last_period, months)
    last_year = last_period // 100
    now = "2026-01-01 00:00:00" if connection.vendor == "sqlite" else None
    if now is None:
        from django.utils import timezone

        now = timezone.now()

    def value_rows():
        # Period by period, as monthly imports write them: a period's rows lie together on disk, as in production.
        for period in periods:
            year, month = period // 100, period % 100
            for n, firm in enumerate(enterprises):
                churn = (n // zones) % 20  # independent of the zone (firm n is in zone n mod zones)
                entered, left = churn == 1, churn == 2  # 5% enter in the last year, 5% leave before it
                if (entered and year < last_year) or (left and year == last_year):
                    continue
                scale = 1000 + (n * 37) % 9000
                growth = Decimal(100 + (n + year) % 17) / 100
                for k, indicator_id in enumerate(indicator_ids):
                    amount = Decimal(scale * (k + 1) * month) * growth / 10
                    yield (firm.pk, firm.zone_id, indicator_id, period, str(amount.quantize(Decimal("0.0001"))), now)

    written = write_values(connection, value_rows())
    return zone_rows, written, time.perf_counter() - started


VALUE_COLUMNS = "enterprise_id, zone_id, indicator_id, period, value, entered_at, revision, is_current, source, reason"


def write_values(connection, rows):
    """Current revision-1 values from (firm, zone, indicator, period, value, entered_at) rows: COPY on PostgreSQL
    (ten times faster than INSERTs at province scale), executemany elsewhere. Returns the number written."""
    from kaifaqu.stats.models import Value

    table = connection.ops.quote_name(Value._meta.db_table)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({VALUE_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, 1, True, "demo", ""))
                    written += 1
            return written
        sql = f"INSERT INTO {table} ({VALUE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, 1, %s, 'demo', '')"  # noqa: S608
        batch = []
        for row in rows:
            batch.append((*row, True))
            if len(batch) >= 20000:
                cursor.executemany(sql, batch)
                written, batch = written + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


# -- hand-written SQL -----------------------------------------------------------------------------------------------


def names():
    from django.db import connection

    from kaifaqu.enterprises.models import Enterprise, IndustryClass
    from kaifaqu.stats.models import Value

    q = connection.ops.quote_name
    return q(Value._meta.db_table), q(Enterprise._meta.db_table), q(IndustryClass._meta.db_table)


def comparable_sql(group_column, where, join=""):
    """One GROUP BY: this period, the same firms' values a year earlier (LEFT JOIN), and the published previous.

    Written as a DBA would for the same indexes: the bare `is_current` predicate (the partial indexes are declared
    WHERE "is_current", and SQLite uses them only for that exact predicate — an earlier version compared
    is_current with a bound parameter and read the whole table, which made the ORM look many times faster than it
    is), and the enterprise table joined only when the grouping needs a firm's column (park, industry), never for
    the cards or the ranking."""
    value, _enterprise, _industry = names()
    return f"""
        SELECT {group_column} AS grp,
               SUM(CASE WHEN v.period = %(p)s THEN v.value END),
               COUNT(CASE WHEN v.period = %(p)s THEN 1 END),
               SUM(CASE WHEN v.period = %(p)s THEN prev.value END),
               SUM(CASE WHEN v.period = %(pp)s THEN v.value END),
               COUNT(CASE WHEN v.period = %(pp)s THEN 1 END)
        FROM {value} v
        {join}
        LEFT JOIN {value} prev ON v.period = %(p)s AND prev.enterprise_id = v.enterprise_id
             AND prev.indicator_id = v.indicator_id AND prev.period = %(pp)s AND prev.is_current
        WHERE {where} AND v.period IN (%(p)s, %(pp)s) AND v.is_current
        GROUP BY {group_column}
    """  # noqa: S608


def print_plans(title, function):
    """EXPLAIN every query `function` runs (the ORM's as Django sends them, the hand-written ones as written), so
    both sides' plans can be compared: the same indexes must serve both."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    print(f"-- {title}: {len(captured)} 条查询")
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute(explain + sql)  # the captured SQL has its parameters inlined
            print("   ", sql[:160].replace("\n", " "), "…" if len(sql) > 160 else "")
            for row in cursor.fetchall():
                print("      ", " ".join(str(part) for part in row))


def run_sql(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def hand_dashboard(zone_id, period, indicator_ids, main_id):
    value, enterprise, industry = names()
    params = {"p": period, "pp": period - 100, "zone": zone_id, "main": main_id}
    firm = f"JOIN {enterprise} e ON e.id = v.enterprise_id"
    ids = ", ".join(str(int(i)) for i in indicator_ids)
    cards = run_sql(comparable_sql("v.indicator_id", f"v.zone_id = %(zone)s AND v.indicator_id IN ({ids})"), params)
    parks = run_sql(
        comparable_sql("e.park_id", "v.zone_id = %(zone)s AND v.indicator_id = %(main)s", join=firm), params
    )
    divisions = run_sql(
        comparable_sql(
            "i.division",
            "v.zone_id = %(zone)s AND v.indicator_id = %(main)s",
            join=f"{firm} JOIN {industry} i ON i.code = e.industry_id",
        ),
        params,
    )
    trend = run_sql(
        f"SELECT period, SUM(value), COUNT(*) FROM {value} WHERE zone_id = %(zone)s AND indicator_id = %(main)s "  # noqa: S608
        "AND period >= %(from)s AND period <= %(to)s AND is_current GROUP BY period",
        {**params, "from": (period // 100 - 1) * 100 + 1, "to": (period // 100) * 100 + 12},
    )
    return {
        "cards": {r[0]: (r[1], r[3]) for r in cards},
        "parks": {r[0]: (r[1], r[3]) for r in parks},
        "divisions": {r[0]: (r[1], r[3]) for r in divisions},
        "trend": {r[0]: r[1] for r in trend},
    }


def hand_rows(zone_id, period, main_id):
    value, enterprise, _industry = names()
    sql = f"""
        SELECT v.enterprise_id, e.name, v.value, prev.value
        FROM {value} v JOIN {enterprise} e ON e.id = v.enterprise_id
        LEFT JOIN {value} prev ON prev.enterprise_id = v.enterprise_id AND prev.indicator_id = v.indicator_id
             AND prev.period = %(pp)s AND prev.is_current
        WHERE v.zone_id = %(zone)s AND v.indicator_id = %(main)s AND v.period = %(p)s AND v.is_current
        ORDER BY v.value - COALESCE(prev.value, 0) DESC, e.name, v.enterprise_id
    """  # noqa: S608
    rows = run_sql(sql, {"p": period, "pp": period - 100, "zone": zone_id, "main": main_id})
    return {r[0]: (r[2], r[3]) for r in rows}


def hand_ranking(zone_ids, period, main_id):
    ids = ", ".join(str(int(i)) for i in zone_ids)
    rows = run_sql(
        comparable_sql("v.zone_id", f"v.zone_id IN ({ids}) AND v.indicator_id = %(main)s"),
        {"p": period, "pp": period - 100, "main": main_id},
    )
    return {r[0]: (r[1], r[3]) for r in rows if r[2]}  # zones with firms reporting this period


# -- ORM side -------------------------------------------------------------------------------------------------------


def orm_dashboard(viewer, zone_id, period, main):
    from kaifaqu.stats.aggregation import indicator_cards, monthly_trend, scope_of, summarize

    # as the page does (stats/views/dashboard.py): the scope read once and passed to every figure
    common = {"zone_ids": [zone_id], "period": period, "scope": scope_of([zone_id], period, main)}
    cards = indicator_cards(viewer, codes=tuple(INDICATORS), **common)
    parks = summarize(viewer, indicator=main, group_by="park", **common)
    divisions = summarize(viewer, indicator=main, group_by="division", **common)
    trend = monthly_trend(viewer, indicator=main, **common)
    return {
        "cards": {c["indicator"].pk: (c["cell"].current, c["cell"].previous) for c in cards if c["cell"].firms},
        "parks": {c.key: (c.current, c.previous) for c in parks.groups},
        "divisions": {c.key: (c.current, c.previous) for c in divisions.groups},
        "trend": {
            (period // 100 - offset) * 100 + m: v
            for offset, series in ((0, trend["this"]), (1, trend["last"]))
            for m, v in zip(trend["months"], series, strict=True)
            if v is not None
        },
    }


def orm_rows(viewer, zone_id, period, main):
    from kaifaqu.stats.aggregation import firm_rows

    rows = firm_rows(viewer, zone_ids=[zone_id], period=period, indicator=main)
    return {r.enterprise_id: (r.current, r.previous) for r in rows}


def orm_ranking(viewer, zone_ids, period, main):
    from kaifaqu.stats.aggregation import rank_zones

    rows = rank_zones(viewer, zone_ids=zone_ids, period=period, indicator=main)
    return {r.zone.pk: (r.cell.current, r.cell.previous) for r in rows if r.cell.firms}


# -- comparison and timing ------------------------------------------------------------------------------------------


def same(a, b):
    """Figures equal to the 万元 cent (SQLite sums decimals as floating point on the hand-written side)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return all(same(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is None and b is None
    return abs(Decimal(str(a)) - Decimal(str(b))) < Decimal("0.01")


def interleaved_ms(orm, hand, repeat, clock):
    """Both sides timed in turn within each repeat (ORM, SQL, ORM, SQL …) so that a noisy moment of the machine falls
    on both: (min, median) in ms of each. `clock` is CPU time on SQLite (in-process), wall time on PostgreSQL."""
    orm(), hand()  # warm up
    samples = {"orm": [], "hand": []}
    for _ in range(repeat):
        for side, function in (("orm", orm), ("hand", hand)):
            start = clock()
            function()
            samples[side].append((clock() - start) * 1000)
    return {side: (min(s), statistics.median(s)) for side, s in samples.items()}


def count_queries(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=20)
    parser.add_argument("--firms", type=int, default=1500, help="firms in all (spread over the zones)")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway SQLite database")
    parser.add_argument("--verbose", action="store_true", help="print both sides of a mismatch")
    parser.add_argument("--explain", action="store_true", help="print both sides' query plans (EXPLAIN)")
    args = parser.parse_args()
    if args.months < 13:
        parser.error("--months must be at least 13 (the same period last year is needed)")
    database = configure("stats_dashboard")

    from django.core.management import call_command
    from django.db import connection, transaction

    from kaifaqu.accounts.models import User
    from kaifaqu.stats.aggregation import StatsViewer
    from kaifaqu.stats.models import FigureSummary, Indicator
    from kaifaqu.stats.summaries import rebuild_summaries

    call_command("migrate", verbosity=0)
    last_period = 202512
    failed = False
    try:
        with transaction.atomic():
            zones, written, seconds = generate(args.zones, args.firms, args.months, last_period)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            else:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(
                f"数据库 {connection.vendor}；造数 {args.zones} 个开发区、{args.firms} 家企业、{args.months} 个月、"
                f"{len(INDICATORS)} 个指标：{written:,} 条数据，用时 {seconds:.1f} 秒"
            )
            started = time.perf_counter()
            rebuild_summaries()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(
                f"汇总表重建（rebuild_stats_summaries）：{FigureSummary.objects.count():,} 行，"
                f"用时 {time.perf_counter() - started:.1f} 秒（墙钟）"
            )
            admin = User(username="bench-admin", is_superuser=True, is_active=True)
            admin.save()
            viewer = StatsViewer(admin)
            main_indicator = Indicator.objects.get(code="main_revenue")
            card_ids = list(Indicator.objects.filter(code__in=INDICATORS).values_list("pk", flat=True))
            zone = zones[0]
            zone_ids = [z.pk for z in zones]
            scenarios = [
                (
                    "看板汇总",
                    lambda: orm_dashboard(viewer, zone.pk, last_period, main_indicator),
                    lambda: hand_dashboard(zone.pk, last_period, card_ids, main_indicator.pk),
                ),
                (
                    "企业明细",
                    lambda: orm_rows(viewer, zone.pk, last_period, main_indicator),
                    lambda: hand_rows(zone.pk, last_period, main_indicator.pk),
                ),
                (
                    "区域排名",
                    lambda: orm_ranking(viewer, zone_ids, last_period, main_indicator),
                    lambda: hand_ranking(zone_ids, last_period, main_indicator.pk),
                ),
            ]
            clock = time.process_time if connection.vendor == "sqlite" else time.perf_counter
            kind = "CPU 时间" if connection.vendor == "sqlite" else "墙钟时间"
            print(f"计时：{kind}，两侧交替，{args.repeat} 次的最小值/中位数")
            header = f"{'场景':<8}{'ORM 最小/中位(ms)':>20}{'原生SQL 最小/中位(ms)':>24}{'倍数(中位)':>12}{'查询数':>8}"
            print(f"{header}  结果")
            for name, orm, hand in scenarios:
                orm_result, hand_result = orm(), hand()
                if not same(orm_result, hand_result):
                    print(f"{name:<8}{'—':>12}{'—':>14}{'—':>8}{'—':>8}  不一致：未计时")
                    if args.verbose:
                        print("  ORM:", orm_result, "\n  SQL:", hand_result)
                    failed = True
                    continue
                if args.explain:
                    print_plans(f"{name} ORM", orm)
                    print_plans(f"{name} 原生SQL", hand)
                timed = interleaved_ms(orm, hand, args.repeat, clock)
                (orm_min, orm_med), (hand_min, hand_med) = timed["orm"], timed["hand"]
                ratio = orm_med / hand_med
                target = TARGETS[name]
                verdict = f"达标（≤ {target}×）" if ratio <= target else f"超过目标 {target}×"
                print(
                    f"{name:<8}{orm_min:>10.1f}/{orm_med:<9.1f}{hand_min:>12.1f}/{hand_med:<11.1f}{ratio:>10.2f}×"
                    f"{count_queries(orm):>8}  {verdict}"
                )
            raise Rollback
    except Rollback:
        pass
    finally:
        connection.close()
        if database is not None and not args.keep:
            remove_sqlite(database)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
