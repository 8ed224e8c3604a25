"""Benchmark: the completeness page (报送完整性与及时性) as a zone leader loads it, against hand-written SQL.

Generates one or more zones (default 1 zone holding all --firms firms, 30,000 being issue 13's province-sized case),
three parks and three liaison departments per zone (a quarter of the firms in no park, a quarter with no
department), firms in six industry sections, every firm assigned to 规上工业月报 (5% of the assignments ended before
the measured period, so they do not count), and --months monthly periods of the form's twelve indicators written as
imports write them (period by period; COPY on PostgreSQL, executemany elsewhere). In the measured period 70% of the
firms report on time, 10% late, 15% not at all, and 5% report on time then correct a figure after the deadline
(their first entry is the first revision's: on time). Then it times, sides interleaved per repeat:

  page      GET /stats/quality/completeness/?… through django.test.Client as the zone's leader (middleware, session,
            scope, the filter form, the counts, one page of 50 firms with their contacts, the template);
  baseline  the hand-written SQL a DBA would write for what the page shows: one GROUP BY giving the counts by zone,
            park, liaison department, industry section and status, plus the page's 50 rows (LIMIT/OFFSET in the
            page's order, with each firm's first entry), on the same indexes;

for two requests: page 2 of all firms, and page 1 of the missing ones (status=missing: the status is a filter in
SQL). Before timing it checks that both sides give the same counts, breakdowns and rows (a mismatch fails the run).
CPU time of this process on SQLite, wall time on PostgreSQL; min and median; the ratio of the medians (issue 13's
target: ≤ 1.5×). --explain prints both sides' query plans. Not a test: read the ratio, not the milliseconds.

Uses a throwaway SQLite database under var/bench/ (created with migrate, removed afterwards unless --keep) unless
DATABASE_URL is set. On PostgreSQL the generated rows are committed and vacuumed before timing (as production holds
them: see measure_committed) and deleted afterwards; the timing's own writes (the leader, the login) are rolled back.

    .venv/bin/python bench/stats_completeness.py [--firms 30000] [--zones 1] [--months 6] [--repeat 7] [--explain]
"""

import argparse
import datetime
import statistics
import sys
import time

from _setup import Rollback, configure, remove_sqlite
from stats_dashboard import count_queries, interleaved_ms, print_plans

ZONE_PREFIX = "完整性基准开发区"
SECTIONS = "CCCBDEFI"  # mostly manufacturing, as 规上工业 is
PERIOD = 202510
TARGET = 1.5
PER_PAGE = 50
INDICATORS = 12


def months_back(last, count):
    periods, year, month = [], last // 100, last % 100
    for _ in range(count):
        periods.append(year * 100 + month)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(periods)


def state_of(n):
    """What firm n does in the measured period: on_time, late, missing, or corrected (on time, then late)."""
    k = n % 20
    return "late" if k < 2 else "missing" if k < 5 else "corrected" if k == 5 else "on_time"


# -- data -----------------------------------------------------------------------------------------------------------


def generate(firms, zones, months):
    """The zones, parks, departments, firms, assignments and values; returns (zones, values written, seconds)."""
    from django.db import connection
    from django.utils import timezone
    from stdnum.cn import uscc

    from kaifaqu.enterprises.models import Enterprise, IndustryClass
    from kaifaqu.stats.models import DataSet, DataSetAssignment
    from kaifaqu.stats.periods import due_date
    from kaifaqu.zones.models import Department, Park, Region, Zone

    started = time.perf_counter()
    regions = list(Region.objects.filter(code__startswith="14", level="county").values_list("code", flat=True))
    zone_rows = Zone.objects.bulk_create(
        Zone(name=f"{ZONE_PREFIX}{n:03d}", level="provincial", kind="economic", region_id=regions[n % len(regions)])
        for n in range(zones)
    )
    parks = Park.objects.bulk_create(Park(zone=z, name=f"完整性园{k}") for z in zone_rows for k in range(3))
    departments = Department.objects.bulk_create(
        Department(zone=z, name=name) for z in zone_rows for name in ("经济运行部", "项目服务中心", "招商局")
    )
    classes = {}
    for section in set(SECTIONS):
        classes[section] = IndustryClass.objects.filter(section=section, level="class").values_list("code", flat=True)[
            0
        ]

    def code(i):
        body = f"91149900MF{i:07d}"
        return body + uscc.calc_check_digit(body)

    rows = []
    for i in range(firms):
        z = i % zones
        rows.append(
            Enterprise(
                credit_code=code(i),
                name=f"完整性基准企业{(i * 7919) % firms:06d}",  # names not in id order: the page sorts by name
                zone=zone_rows[z],
                park=parks[z * 3 + i % 4] if i % 4 < 3 else None,
                service_department=departments[z * 3 + (i // 4) % 4] if (i // 4) % 4 < 3 else None,
                industry_id=classes[SECTIONS[i % len(SECTIONS)]],
            )
        )
    Enterprise.objects.bulk_create(rows, batch_size=2000)
    data_set = DataSet.objects.get(code="industry_monthly")
    periods = months_back(PERIOD, months)
    DataSetAssignment.objects.bulk_create(
        (
            DataSetAssignment(
                data_set=data_set,
                enterprise=firm,
                from_period=periods[0],
                to_period=periods[0] if i % 20 == 7 else None,
            )
            for i, firm in enumerate(rows)
        ),
        batch_size=2000,
    )
    indicator_ids = list(data_set.indicators.order_by("pk").values_list("pk", flat=True)[:INDICATORS])
    adapt = connection.ops.adapt_datetimefield_value

    def entered(period, days):
        return adapt(
            timezone.make_aware(datetime.datetime.combine(due_date(data_set, period), datetime.time(10)))
            + datetime.timedelta(days=days)
        )

    def value_rows():
        for period in periods:
            before, after = entered(period, -3), entered(period, 4)
            for n, firm in enumerate(rows):
                state = state_of(n) if period == PERIOD else "on_time"
                if state == "missing":
                    continue
                first = after if state == "late" else before
                for k, indicator_id in enumerate(indicator_ids):
                    corrected = state == "corrected" and k == 0
                    yield (firm.pk, firm.zone_id, indicator_id, period, 100 + n % 50 + k, first, 1, not corrected)
                    if corrected:
                        yield (firm.pk, firm.zone_id, indicator_id, period, 90 + n % 50, after, 2, True)

    written = write_values(connection, value_rows(), data_set.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return zone_rows, written, time.perf_counter() - started


VALUE_COLUMNS = "enterprise_id, zone_id, indicator_id, period, value, entered_at, revision, is_current, data_set_id, "
VALUE_COLUMNS += "source, reason"


def write_values(connection, rows, data_set_id):
    from kaifaqu.stats.models import Value

    table = connection.ops.quote_name(Value._meta.db_table)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({VALUE_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, data_set_id, "import", ""))
                    written += 1
            return written
        sql = f"INSERT INTO {table} ({VALUE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'import', '')"  # noqa: S608
        batch = []
        for row in rows:
            batch.append((*row, data_set_id))
            if len(batch) >= 20000:
                cursor.executemany(sql, batch)
                written, batch = written + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


# -- hand-written SQL -----------------------------------------------------------------------------------------------


def tables():
    from django.db import connection

    from kaifaqu.enterprises.models import Enterprise, IndustryClass
    from kaifaqu.stats.models import DataSetAssignment, Value
    from kaifaqu.zones.models import Department, Park, Zone

    models = (Value, Enterprise, IndustryClass, DataSetAssignment, Zone, Park, Department)
    return [connection.ops.quote_name(m._meta.db_table) for m in models]


def hand_sql(zone_id, data_set, status=None, page=1, form="correlated"):
    """The counts (one GROUP BY) and the page's rows (LIMIT/OFFSET), as a DBA would write them: each firm's status
    from one seek in stats_value_first_entry (MIN over every revision of the data set's period, the CASE inside the
    scalar subquery so that it runs once per firm: faster than a LEFT JOIN of a grouped derived table, or than a
    MATERIALIZED CTE with the CASE outside, on SQLite); the assigned firms of the leader's zone; the page's 50 ids
    picked first (ORDER BY … LIMIT/OFFSET), their first entries and names read for those 50 only."""
    from django.db import connection
    from django.utils import timezone

    from kaifaqu.stats.periods import due_date

    value, enterprise, industry, assignment, zone, park, department = tables()
    due = due_date(data_set, PERIOD)
    end = timezone.make_aware(datetime.datetime.combine(due + datetime.timedelta(days=1), datetime.time.min))
    params = {"ds": data_set.pk, "p": PERIOD, "zone": zone_id, "end": connection.ops.adapt_datetimefield_value(end)}
    entries = f"FROM {value} v WHERE v.data_set_id = %(ds)s AND v.period = %(p)s AND v.enterprise_id = e.id"
    first = f"(SELECT MIN(v.entered_at) {entries})"
    report_status = f"""(SELECT CASE WHEN MIN(v.entered_at) IS NULL THEN 'missing'
        WHEN MIN(v.entered_at) < %(end)s THEN 'on_time' ELSE 'late' END {entries})"""
    assigned = f"""SELECT a.enterprise_id FROM {assignment} a WHERE a.data_set_id = %(ds)s AND a.from_period <= %(p)s
                   AND (a.to_period IS NULL OR a.to_period >= %(p)s)"""  # noqa: S608
    if form == "correlated":  # each firm's status a scalar subquery: fastest on SQLite
        counts = f"""
            SELECT e.zone_id, e.park_id, e.service_department_id, i.section, {report_status}, COUNT(*)
            FROM {enterprise} e JOIN {industry} i ON i.code = e.industry_id
            WHERE e.zone_id = %(zone)s AND e.id IN ({assigned})
            GROUP BY 1, 2, 3, 4, 5
        """  # noqa: S608
    else:  # "joined": the first entries grouped once and hash-joined: fastest on PostgreSQL
        counts = f"""
            SELECT e.zone_id, e.park_id, e.service_department_id, i.section,
                   CASE WHEN f.first_at IS NULL THEN 'missing' WHEN f.first_at < %(end)s THEN 'on_time' ELSE 'late' END,
                   COUNT(*)
            FROM {enterprise} e JOIN {industry} i ON i.code = e.industry_id
            LEFT JOIN (SELECT enterprise_id, MIN(entered_at) AS first_at FROM {value}
                       WHERE data_set_id = %(ds)s AND period = %(p)s GROUP BY enterprise_id) f ON f.enterprise_id = e.id
            WHERE e.zone_id = %(zone)s AND e.id IN ({assigned})
            GROUP BY 1, 2, 3, 4, 5
        """  # noqa: S608
    chosen = f"AND {report_status} = %(status)s" if status else ""
    rows = f"""
        SELECT e.id, {first}, e.name, e.credit_code, z.name, p.name, d.name
        FROM {enterprise} e JOIN {zone} z ON z.id = e.zone_id LEFT JOIN {park} p ON p.id = e.park_id
             LEFT JOIN {department} d ON d.id = e.service_department_id
        WHERE e.id IN (
            SELECT e.id FROM {enterprise} e JOIN {zone} z ON z.id = e.zone_id
            WHERE e.zone_id = %(zone)s AND e.id IN ({assigned}) {chosen}
            ORDER BY z.name, e.name, e.id LIMIT {PER_PAGE} OFFSET {(page - 1) * PER_PAGE})
        ORDER BY z.name, e.name, e.id
    """  # noqa: S608
    return (counts, params), (rows, {**params, "status": status})


def run_sql(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def hand_figures(zone_id, data_set, status, page, form):
    (counts_sql, params), (rows_sql, row_params) = hand_sql(zone_id, data_set, status, page, form)
    return figures_of_groups(run_sql(counts_sql, params), [r[0] for r in run_sql(rows_sql, row_params)])


def best_counts_form(zone_id, data_set, clock, repeat, out):
    """The baseline is the best hand-written SQL: of the two ways to write the counts (a scalar subquery per firm, or
    the first entries grouped once and joined), the one faster here (median of `repeat`, interleaved), checked to
    give the same rows."""
    timings, answers = {}, {}
    for form in ("correlated", "joined"):
        (sql, params), _rows = hand_sql(zone_id, data_set, form=form)
        answers[form] = sorted(run_sql(sql, params), key=str)
        timings[form] = []
    assert answers["correlated"] == answers["joined"], answers
    for _ in range(repeat):
        for form, samples in timings.items():
            (sql, params), _rows = hand_sql(zone_id, data_set, form=form)
            start = clock()
            run_sql(sql, params)
            samples.append((clock() - start) * 1000)
    medians = {form: statistics.median(samples) for form, samples in timings.items()}
    best = min(medians, key=medians.get)
    out("基线计数的写法：" + "，".join(f"{form} {ms:.1f} ms" for form, ms in medians.items()) + f" → 用 {best}")
    return best


def figures_of_groups(groups, row_ids):
    """{breakdown: {key: (assigned, on_time, late, missing)}} and the page's firm ids, from GROUP BY rows."""
    columns = {"on_time": 1, "late": 2, "missing": 3}
    figures = {"total": {}, "zone": {}, "park": {}, "department": {}, "section": {}}
    for zone_id, park_id, department_id, section, status, count in groups:
        for name, key in (
            ("total", None),
            ("zone", zone_id),
            ("park", park_id),
            ("department", department_id),
            ("section", section),
        ):
            counts = figures[name].setdefault(key, [0, 0, 0, 0])
            counts[0] += count
            counts[columns[status]] += count
    return {name: {k: tuple(v) for k, v in groups.items()} for name, groups in figures.items()}, row_ids


# -- the page -------------------------------------------------------------------------------------------------------


def page_figures(response):
    result = response.context["result"]

    def key(tally):
        return getattr(tally.key, "pk", tally.key)

    figures = {
        name: {key(t): (t.assigned, t.on_time, t.late, t.missing) for t in tallies}
        for name, tallies in (
            ("total", [result.total]),
            ("zone", result.by_zone),
            ("park", result.by_park),
            ("department", result.by_department),
            ("section", result.by_section),
        )
    }
    return figures, [r.enterprise.pk for r in response.context["page"].object_list]


def with_context(request):
    """The response with its template context (kept only in Django's test environment: set up for this request
    alone, so the timed requests render as in production)."""
    from django.template import Template
    from django.test.utils import instrumented_test_render, setup_test_environment, teardown_test_environment

    if Template._render is instrumented_test_render:  # already (the smoke run in the test suite)
        return request()
    setup_test_environment()
    try:
        return request()
    finally:
        teardown_test_environment()


def leader_of(zone):
    from kaifaqu.accounts.choices import RoleChoices
    from kaifaqu.accounts.models import Membership, User

    leader = User.objects.create(username="completeness-bench-leader", is_active=True)
    Membership.objects.create(user=leader, role=RoleChoices.LEADER, zone=zone)
    return leader


def measure(firms, zones, months, repeat, explain=False, out=print, generated=None):
    """Generate (unless `generated` is given), check both sides agree, time them. Runs in the current database and
    transaction (the caller rolls back). Returns a list of (scenario, page (min, median) ms, baseline (min, median)
    ms, ratio, queries) — or None for a scenario whose two sides disagreed (then nothing is timed)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from kaifaqu.stats.models import DataSet

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    zone_rows, written, seconds = generated or generate(firms, zones, months)
    out(
        f"数据库 {connection.vendor}；造数 {zones} 个开发区、{firms} 家企业、{months} 个月 × {INDICATORS} 个指标："
        f"{written:,} 条数据，用时 {seconds:.1f} 秒"
    )
    zone = zone_rows[0]
    data_set = DataSet.objects.get(code="industry_monthly")
    client = Client()
    client.force_login(leader_of(zone))
    url = reverse("stats:completeness")
    clock = time.process_time if connection.vendor == "sqlite" else time.perf_counter
    period = f"{PERIOD // 100}-{PERIOD % 100:02d}"
    form = best_counts_form(zone.pk, data_set, clock, repeat, out)
    second = 2 if firms // zones >= 2 * PER_PAGE else 1  # tiny runs (the test suite's) have one page
    scenarios = [(f"全部 第{second}页", None, second), ("未报 第1页", "missing", 1)]
    out(
        f"计时：{'CPU 时间' if connection.vendor == 'sqlite' else '墙钟时间'}，两侧交替，{repeat} 次的最小值/中位数；"
        f"页面以开发区领导身份请求"
    )
    out(f"{'场景':<10}{'页面 最小/中位(ms)':>20}{'手写SQL 最小/中位(ms)':>24}{'倍数(中位)':>12}{'查询数':>8}")
    results = []
    for name, status, page in scenarios:
        query = {"data_set": data_set.code, "period": period, "zone": zone.pk, "page": page}
        if status:
            query["status"] = status

        def page_request(query=query):
            response = client.get(url, query)
            assert response.status_code == 200, response.status_code
            return response

        def hand(status=status, page=page):
            return hand_figures(zone.pk, data_set, status, page, form)

        shown, expected = page_figures(with_context(page_request)), hand()
        if shown != expected or not shown[1]:
            out(f"{name:<10}  不一致：未计时\n  页面：{shown}\n  SQL：{expected}")
            results.append((name, None))
            continue
        if explain:
            print_plans(f"{name} 页面", page_request)
            print_plans(f"{name} 手写SQL", hand)
        timed = interleaved_ms(page_request, hand, repeat, clock)
        (page_min, page_med), (hand_min, hand_med) = timed["orm"], timed["hand"]
        ratio = page_med / hand_med
        queries = count_queries(page_request)
        verdict = "达标" if ratio <= TARGET else f"超过目标 {TARGET}×"
        out(
            f"{name:<10}{page_min:>10.1f}/{page_med:<9.1f}{hand_min:>12.1f}/{hand_med:<11.1f}{ratio:>10.2f}×"
            f"{queries:>8}  {verdict}"
        )
        results.append((name, (page_min, page_med), (hand_min, hand_med), ratio, queries))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=30000, help="firms in all (spread over the zones)")
    parser.add_argument("--zones", type=int, default=1, help="zones; the leader of the first one requests the page")
    parser.add_argument("--months", type=int, default=6, help="monthly periods of figures, up to the measured one")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway SQLite database")
    parser.add_argument("--explain", action="store_true", help="print both sides' query plans (EXPLAIN)")
    args = parser.parse_args()
    database = configure("stats_completeness")

    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    sizes = (args.firms, args.zones, args.months, args.repeat)
    if connection.vendor == "postgresql":
        results = measure_committed(*sizes, explain=args.explain)
    else:
        try:
            with transaction.atomic():
                results = measure(*sizes, explain=args.explain)
                raise Rollback
        except Rollback:
            pass
        finally:
            connection.close()
            if database is not None and not args.keep:
                remove_sqlite(database)
    return 1 if any(r[1] is None for r in results) else 0


def measure_committed(firms, zones, months, repeat, explain):
    """On PostgreSQL the figures are committed and vacuumed before timing, as a database holds them in production:
    rows written in the timing's own open transaction are not yet all-visible, so every index-only look-up of a first
    entry also visits the table (both sides about 100 ms slower at 30,000 firms, which flattered the ratio). The
    timing itself runs in a transaction rolled back afterwards (the leader, the login); the generated rows are
    deleted at the end, whatever happens."""
    from django.db import connection, transaction

    generated = None
    results = []
    try:
        with transaction.atomic():
            generated = generate(firms, zones, months)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        try:
            with transaction.atomic():
                results = measure(firms, zones, months, repeat, explain=explain, generated=generated)
                raise Rollback
        except Rollback:
            pass
    finally:
        if generated is not None:
            remove_generated([zone.pk for zone in generated[0]])
        connection.close()
    return results


def remove_generated(zone_ids):
    """Delete what generate() committed (plain DELETEs: two million values through the ORM's collector take
    minutes)."""
    from django.db import connection, transaction

    value, enterprise, _industry, assignment, zone, park, department = tables()
    ids = ", ".join(str(int(i)) for i in zone_ids)
    firms = f"SELECT id FROM {enterprise} WHERE zone_id IN ({ids})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {value} WHERE zone_id IN ({ids})")  # noqa: S608
        cursor.execute(f"DELETE FROM {assignment} WHERE enterprise_id IN ({firms})")  # noqa: S608
        cursor.execute(f"DELETE FROM {enterprise} WHERE zone_id IN ({ids})")  # noqa: S608
        for table in (department, park):
            cursor.execute(f"DELETE FROM {table} WHERE zone_id IN ({ids})")  # noqa: S608
        cursor.execute(f"DELETE FROM {zone} WHERE id IN ({ids})")  # noqa: S608


if __name__ == "__main__":
    sys.exit(main())
