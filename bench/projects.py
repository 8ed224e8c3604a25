#!/usr/bin/env python
"""Benchmark: the projects aggregations against hand-written SQL giving the same numbers.

Generates (bulk inserts) --projects projects (default 20,000) over --zones zones (default 10), each with its stage
dates along the zone's default ladder (signed over --years years, each later stage 20–150 days after the previous
one, the first one after the end planned only), a monthly progress report for every month of the --years years
(20,000 × 60 = 1.2 million rows, with consistent running totals), annual plans for the key projects (40%), and a
三个一批 campaign over the last year with hand inclusions and exclusions. Then times, as the median of --repeat
runs after a warm-up:

  看板（一个区）   the pipeline board's GROUP BY (count and investment per current stage, as BoardView runs it, read
                  through restrict() as the zone's administrator) vs one hand-written GROUP BY;
  看板（全部）     the same per stage code over every zone (system administrator) vs hand-written SQL;
  三个一批汇总     kaifaqu.projects.campaigns.batch_totals (count, investment, 亿元以上, expected output per batch,
                  overrides applied) vs hand-written SQL;
  三个一批名单     campaigns.batch_project_ids (the ids of the three batches) vs a hand-written SELECT;
  重点项目表（一个区/全部） aggregates.key_project_table vs two hand-written GROUP BY queries;

checks that both sides give the same figures (a mismatch fails the run; nothing is timed for it), and prints the
medians (the two sides' runs interleaved; on SQLite, which runs in this process, of the process's CPU time, which
other work on a shared machine does not inflate; on a database server, of the wall clock) and the ratios (issue 4's
target: ≤ 1.5×). Not a test: read the ratio, not the milliseconds.

Uses a throwaway SQLite database under var/bench/ (created with migrate, removed afterwards unless --keep) unless
DATABASE_URL is set; on a real database everything the run writes is rolled back.

    .venv/bin/python bench/projects.py [--projects 20000] [--years 5] [--zones 10] [--repeat 15] [--keep]
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from decimal import Decimal

from _setup import Rollback, configure, remove_sqlite

ZONE_PREFIX = "项目基准开发区"
TARGET = 1.5
LAST_YEAR = 2025
KEY_LEVELS = ("province", "city", "county", "district")
LEVELS = (*KEY_LEVELS, "none", "none", "none", "none", "none", "none")  # 40% key projects
KINDS = ("industry", "industry", "infrastructure", "livelihood")


# -- data -----------------------------------------------------------------------------------------------------------


def table(model):
    from django.db import connection

    return connection.ops.quote_name(model._meta.db_table)


def flush(cursor, sql, rows):
    if rows:
        cursor.executemany(sql, rows)
    return len(rows)


def generate(projects, years, zones, seed=20250101):
    """Everything in bulk; returns (zone rows, campaign, counts, seconds)."""
    from django.db import connection
    from django.utils import timezone

    from kaifaqu.accounts.models import User
    from kaifaqu.projects.choices import DEFAULT_STAGES, StagePhaseChoices
    from kaifaqu.projects.models import (
        AnnualPlan,
        Campaign,
        CampaignOverride,
        ProgressReport,
        Project,
        ProjectStage,
        StageDefinition,
    )
    from kaifaqu.projects.services import ensure_zone_defaults
    from kaifaqu.zones.models import Region, Zone

    started = time.perf_counter()
    rng = random.Random(seed)
    regions = list(Region.objects.filter(code__startswith="14", level="county").values_list("code", flat=True))
    zone_rows = Zone.objects.bulk_create(
        Zone(name=f"{ZONE_PREFIX}{n:02d}", level="provincial", kind="economic", region_id=regions[n % len(regions)])
        for n in range(zones)
    )
    for zone in zone_rows:
        ensure_zone_defaults(zone)
    stage_ids = {(s.zone_id, s.code): s.pk for s in StageDefinition.objects.filter(zone__in=zone_rows)}
    ladder = [stage[0] for stage in DEFAULT_STAGES if stage[-2] == StagePhaseChoices.PIPELINE]
    admin = User.objects.create(username="bench-projects-admin", is_superuser=True, is_active=True)

    first_day = datetime.date(LAST_YEAR - years + 1, 1, 1)
    last_day = datetime.date(LAST_YEAR, 12, 31)
    span = (last_day - first_day).days
    plans = []  # per project: (zone, level, kind, status, total, output, [(code, planned, actual)], current)
    for i in range(projects):
        zone = zone_rows[i % zones]
        signed = first_day + datetime.timedelta(days=rng.randrange(span))
        dates, day = [("talks", None, signed - datetime.timedelta(days=rng.randint(20, 90)))], signed
        for code in ladder[1:]:
            if day > last_day:
                dates.append((code, day, None))  # the next milestone: planned only
                break
            dates.append((code, day - datetime.timedelta(days=rng.randint(-10, 10)), day))
            day = day + datetime.timedelta(days=rng.randint(20, 150))
        current = [code for code, _planned, actual in dates if actual][-1]
        total = Decimal(rng.choice((800, 3000, 6000, 9999, 10000, 15000, 50000, 120000))) + Decimal(i % 7) / 4
        status = "cancelled" if i % 37 == 0 else ("paused" if i % 23 == 0 else "active")
        plans.append((zone, LEVELS[i % len(LEVELS)], KINDS[i % len(KINDS)], status, total, total * 2, dates, current))
    rows = Project.objects.bulk_create(
        (
            Project(
                zone=zone,
                name=f"基准项目{i:06d}",
                investor_name=f"基准投资方{i % 997:03d}",
                level=level,
                kind=kind,
                status=status,
                total_investment=total,
                expected_output_value=output,
                current_stage_id=stage_ids[(zone.pk, current)],
            )
            for i, (zone, level, kind, status, total, output, _dates, current) in enumerate(plans)
        ),
        batch_size=2000,
    )
    now = timezone.now() if connection.vendor != "sqlite" else "2026-01-01 00:00:00"
    counts = {"projects": len(rows), "stages": 0, "progress": 0, "plans": 0}
    stage_sql = (
        f"INSERT INTO {table(ProjectStage)} (project_id, stage_id, planned_on, actual_on, note, out_of_order_reason,"  # noqa: S608
        " recorded_by_id, created_at, updated_at, version) VALUES (%s, %s, %s, %s, '', '', %s, %s, %s, 1)"
    )
    progress_sql = (
        f"INSERT INTO {table(ProgressReport)} (project_id, period, decade, amount, year_to_date, since_start,"  # noqa: S608
        " image_progress, reported_by_id, created_at, updated_at, version)"
        " VALUES (%s, %s, 0, %s, %s, %s, '', %s, %s, %s, 1)"
    )
    plan_sql = (
        f"INSERT INTO {table(AnnualPlan)} (project_id, year, planned_investment, progress_goal, planned_start,"  # noqa: S608
        " planned_completion, created_at, updated_at, version) VALUES (%s, %s, %s, '', %s, %s, %s, %s, 1)"
    )
    years_list = list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
    with connection.cursor() as cursor:
        stage_batch, progress_batch, plan_batch = [], [], []
        for project, (zone, level, _kind, _status, _total, _output, dates, _current) in zip(rows, plans, strict=True):
            for code, planned, actual in dates:
                stage_batch.append((project.pk, stage_ids[(zone.pk, code)], planned, actual, admin.pk, now, now))
            since, base = Decimal(0), Decimal(project.pk % 50 + 1) * 7
            yearly = {}
            for year in years_list:
                ytd = Decimal(0)
                for month in range(1, 13):
                    amount = base + Decimal(month % 13) + Decimal("0.25")
                    ytd += amount
                    since += amount
                    progress_batch.append(
                        (project.pk, year * 100 + month, str(amount), str(ytd), str(since), admin.pk, now, now)
                    )
                yearly[year] = ytd
            if level in KEY_LEVELS:
                actual_year = {code: actual.year for code, _planned, actual in dates if actual}
                for year in years_list:
                    plan_batch.append(
                        (
                            project.pk,
                            year,
                            str((yearly[year] * Decimal("1.2")).quantize(Decimal("0.0001"))),
                            actual_year.get("started") == year or project.pk % 7 == 0,
                            actual_year.get("completed") == year or project.pk % 11 == 0,
                            now,
                            now,
                        )
                    )
            if len(progress_batch) >= 30000:
                counts["stages"] += flush(cursor, stage_sql, stage_batch)
                counts["progress"] += flush(cursor, progress_sql, progress_batch)
                counts["plans"] += flush(cursor, plan_sql, plan_batch)
                stage_batch, progress_batch, plan_batch = [], [], []
        counts["stages"] += flush(cursor, stage_sql, stage_batch)
        counts["progress"] += flush(cursor, progress_sql, progress_batch)
        counts["plans"] += flush(cursor, plan_sql, plan_batch)
    campaign = Campaign.objects.create(
        zone=zone_rows[0],
        name=f"{LAST_YEAR}年三个一批",
        starts_on=datetime.date(LAST_YEAR, 1, 1),
        ends_on=datetime.date(LAST_YEAR, 12, 31),
    )
    zone_projects = [p for p in rows if p.zone_id == zone_rows[0].pk]
    CampaignOverride.objects.bulk_create(
        CampaignOverride(
            campaign=campaign,
            project=project,
            batch=("signed", "started", "production")[n % 3],
            include=n % 2 == 0,
            reason="基准测试手动调整",
            decided_by=admin,
        )
        for n, project in enumerate(zone_projects[:60])
    )
    return zone_rows, campaign, admin, counts, time.perf_counter() - started


def zone_admin_of(zone):
    from kaifaqu.accounts.choices import RoleChoices
    from kaifaqu.accounts.models import Membership, User

    user = User.objects.create(username=f"bench-projects-{zone.pk}", is_active=True)
    Membership.objects.create(user=user, role=RoleChoices.ZONE_ADMIN, zone=zone)
    return User.objects.get(pk=user.pk)


# -- hand-written SQL -----------------------------------------------------------------------------------------------


def run_sql(sql, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def names():
    from kaifaqu.projects.models import (
        AnnualPlan,
        CampaignOverride,
        ProgressReport,
        Project,
        ProjectStage,
        StageDefinition,
    )

    return {
        "project": table(Project),
        "stage": table(ProjectStage),
        "definition": table(StageDefinition),
        "override": table(CampaignOverride),
        "progress": table(ProgressReport),
        "plan": table(AnnualPlan),
    }


def hand_board(zone_id):
    n = names()
    rows = run_sql(
        f"SELECT current_stage_id, COUNT(id), SUM(total_investment) FROM {n['project']} "  # noqa: S608
        "WHERE zone_id = %s AND status IN ('active', 'paused') GROUP BY current_stage_id",
        [zone_id],
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def hand_board_all():
    n = names()
    rows = run_sql(
        f"SELECT d.code, COUNT(p.id), SUM(p.total_investment) FROM {n['project']} p "  # noqa: S608
        f"LEFT JOIN {n['definition']} d ON d.id = p.current_stage_id "
        "WHERE p.status IN ('active', 'paused') GROUP BY d.code"
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def hand_campaign(campaign):
    n = names()
    params = {"zone": campaign.zone_id, "c": campaign.pk, "s": campaign.starts_on, "e": campaign.ends_on}
    in_range = (
        f"FROM {n['stage']} ps JOIN {n['definition']} sd ON sd.id = ps.stage_id "
        "WHERE sd.zone_id = %(zone)s AND sd.milestone IN ('signed', 'started', 'production') "
        "AND ps.actual_on >= %(s)s AND ps.actual_on <= %(e)s"
    )
    figures = (
        "COUNT(p.id), SUM(p.total_investment), SUM(CASE WHEN p.total_investment >= 10000 THEN 1 ELSE 0 END), "
        "SUM(p.expected_output_value)"
    )
    sql = f"""
        SELECT sd.milestone, {figures}
        {in_range.replace("WHERE", f"JOIN {n['project']} p ON p.id = ps.project_id WHERE")}
          AND NOT EXISTS (SELECT 1 FROM {n["override"]} o WHERE o.campaign_id = %(c)s
                          AND o.project_id = ps.project_id AND o.batch = sd.milestone AND NOT o.include)
        GROUP BY sd.milestone
        UNION ALL
        SELECT o.batch, {figures}
        FROM {n["override"]} o JOIN {n["project"]} p ON p.id = o.project_id
        WHERE o.campaign_id = %(c)s AND o.include
          AND NOT EXISTS (SELECT 1 {in_range} AND ps.project_id = o.project_id AND sd.milestone = o.batch)
        GROUP BY o.batch
    """  # noqa: S608
    totals = {}
    for batch, count, investment, big, output in run_sql(sql, params):
        old = totals.get(batch, (0, 0, 0, 0))
        totals[batch] = (old[0] + count, old[1] + (investment or 0), old[2] + (big or 0), old[3] + (output or 0))
    return totals


def hand_campaign_ids(campaign):
    n = names()
    params = {"zone": campaign.zone_id, "c": campaign.pk, "s": campaign.starts_on, "e": campaign.ends_on}
    sql = f"""
        SELECT ps.project_id FROM {n["stage"]} ps JOIN {n["definition"]} sd ON sd.id = ps.stage_id
        WHERE sd.zone_id = %(zone)s AND sd.milestone IN ('signed', 'started', 'production')
          AND ps.actual_on >= %(s)s AND ps.actual_on <= %(e)s
          AND NOT EXISTS (SELECT 1 FROM {n["override"]} o WHERE o.campaign_id = %(c)s
                          AND o.project_id = ps.project_id AND o.batch = sd.milestone AND NOT o.include)
        UNION
        SELECT project_id FROM {n["override"]} WHERE campaign_id = %(c)s AND include
    """  # noqa: S608
    return {r[0] for r in run_sql(sql, params)}


def hand_key_table(zone_ids, period):
    n = names()
    year = period // 100
    month = period % 100
    start = datetime.date(year, 1, 1)
    end = (datetime.date(year + (month == 12), month % 12 + 1, 1)) - datetime.timedelta(days=1)
    ids = ", ".join(str(int(z)) for z in zone_ids)
    levels = ", ".join(f"'{level}'" for level in KEY_LEVELS)

    def reached(milestone):
        return (
            f"EXISTS (SELECT 1 FROM {n['stage']} ps JOIN {n['definition']} sd ON sd.id = ps.stage_id "  # noqa: S608
            f"WHERE ps.project_id = ap.project_id AND sd.milestone = '{milestone}' "
            "AND ps.actual_on >= %(start)s AND ps.actual_on <= %(end)s)"
        )

    params = {"year": year, "start": start, "end": end, "first": year * 100 + 1, "period": period}
    plans = run_sql(
        f"""
        SELECT p.level, p.kind, COUNT(ap.id), SUM(p.total_investment), SUM(ap.planned_investment),
               SUM(CASE WHEN ap.planned_start THEN 1 ELSE 0 END),
               SUM(CASE WHEN ap.planned_start AND {reached("started")} THEN 1 ELSE 0 END),
               SUM(CASE WHEN ap.planned_completion THEN 1 ELSE 0 END),
               SUM(CASE WHEN ap.planned_completion AND {reached("completed")} THEN 1 ELSE 0 END)
        FROM {n["plan"]} ap JOIN {n["project"]} p ON p.id = ap.project_id
        WHERE ap.year = %(year)s AND p.level IN ({levels}) AND p.zone_id IN ({ids})
        GROUP BY p.level, p.kind
        """,  # noqa: S608
        params,
    )
    done = run_sql(
        f"""
        SELECT p.level, p.kind, SUM(r.amount)
        FROM {n["progress"]} r JOIN {n["project"]} p ON p.id = r.project_id
        JOIN {n["plan"]} ap ON ap.project_id = r.project_id AND ap.year = %(year)s
        WHERE p.level IN ({levels}) AND p.zone_id IN ({ids}) AND r.period >= %(first)s AND r.period <= %(period)s
        GROUP BY p.level, p.kind
        """,  # noqa: S608
        params,
    )
    cells = {(r[0], r[1]): [r[2], r[3], r[4], 0, r[5], r[6], r[7], r[8]] for r in plans}
    for level, kind, amount in done:
        cells.setdefault((level, kind), [0, 0, 0, 0, 0, 0, 0, 0])[3] = amount
    return {key: tuple(value) for key, value in cells.items()}


# -- ORM side -------------------------------------------------------------------------------------------------------


def orm_board(user, zone):
    from django.db.models import Count, Sum

    from kaifaqu.projects.models import Project
    from kaifaqu.projects.views.pages import BOARD_STATUSES as statuses  # noqa: N811 - the board's own

    projects = Project.objects.restrict(user, "view").filter(zone=zone, status__in=statuses)
    rows = projects.order_by().values("current_stage").annotate(count=Count("pk"), investment=Sum("total_investment"))
    return {r["current_stage"]: (r["count"], r["investment"]) for r in rows}


def orm_board_all(user):
    from django.db.models import Count, Sum

    from kaifaqu.projects.models import Project

    projects = Project.objects.restrict(user, "view").filter(status__in=("active", "paused"))
    rows = (
        projects.order_by()
        .values("current_stage__code")
        .annotate(count=Count("pk"), investment=Sum("total_investment"))
    )
    return {r["current_stage__code"]: (r["count"], r["investment"]) for r in rows}


def orm_campaign(campaign):
    from kaifaqu.projects.campaigns import batch_totals

    return {batch: totals.figures() for batch, totals in batch_totals(campaign).items() if totals.count}


def orm_campaign_ids(campaign):
    from kaifaqu.projects.campaigns import batch_project_ids

    return batch_project_ids(campaign)


def orm_key_table(user, zone_ids, period):
    from dataclasses import astuple

    from kaifaqu.projects.aggregates import key_project_cells

    return {key: astuple(figures) for key, figures in key_project_cells(user, zone_ids, period).items()}


# -- comparison and timing ------------------------------------------------------------------------------------------


def same(a, b):
    """Figures equal to the 万元 cent (SQLite sums decimals as floating point on the hand-written side)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, set):
        return a == b
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is None and b is None
    return abs(Decimal(str(a)) - Decimal(str(b))) < Decimal("0.01")


def bench_clock():
    """SQLite runs in this process: its CPU time is all the work of either side, and a busy shared machine does not
    inflate it. A database server works in another process: there only the wall clock sees its time."""
    from django.db import connection

    return (time.process_time, "CPU") if connection.vendor == "sqlite" else (time.perf_counter, "墙钟")


def paired_medians(orm, hand, repeat, clock=time.perf_counter):
    """Median milliseconds of both sides, their runs interleaved (a busy machine slows both alike)."""
    orm(), hand()  # warm up
    samples = {orm: [], hand: []}
    for round_ in range(repeat):
        for function in (orm, hand) if round_ % 2 == 0 else (hand, orm):
            start = clock()
            function()
            samples[function].append((clock() - start) * 1000)
    return statistics.median(samples[orm]), statistics.median(samples[hand])


def count_queries(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--years", type=int, default=5, help="years of monthly progress (and of signing dates)")
    parser.add_argument("--zones", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway SQLite database")
    parser.add_argument("--verbose", action="store_true", help="print both sides of a mismatch")
    args = parser.parse_args()
    if args.years < 1 or args.projects < args.zones:
        parser.error("--years must be ≥ 1 and --projects ≥ --zones")
    database = configure("projects")

    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    period = LAST_YEAR * 100 + 11  # 1—11月, as 高平's annual review reported
    failed = False
    try:
        with transaction.atomic():
            zones, campaign, admin, counts, seconds = generate(args.projects, args.years, args.zones)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(
                f"数据库 {connection.vendor}；造数 {args.zones} 个开发区、{counts['projects']:,} 个项目、"
                f"{counts['stages']:,} 条阶段日期、{counts['progress']:,} 条月度进度、{counts['plans']:,} 条年度计划，"
                f"用时 {seconds:.1f} 秒"
            )
            zone = zones[0]
            zone_admin = zone_admin_of(zone)
            assert zone_admin.active_memberships and admin.active_memberships is not None
            zone_ids = [z.pk for z in zones]
            scenarios = [
                ("看板（一个区）", lambda: orm_board(zone_admin, zone), lambda: hand_board(zone.pk)),
                ("看板（全部）", lambda: orm_board_all(admin), hand_board_all),
                ("三个一批汇总", lambda: orm_campaign(campaign), lambda: hand_campaign(campaign)),
                ("三个一批名单", lambda: orm_campaign_ids(campaign), lambda: hand_campaign_ids(campaign)),
                (
                    "重点项目表（一个区）",
                    lambda: orm_key_table(zone_admin, [zone.pk], period),
                    lambda: hand_key_table([zone.pk], period),
                ),
                (
                    "重点项目表（全部）",
                    lambda: orm_key_table(admin, zone_ids, period),
                    lambda: hand_key_table(zone_ids, period),
                ),
            ]
            clock, clock_name = bench_clock()
            print(f"计时：{clock_name}时间，{args.repeat} 次交替运行的中位数")
            print(f"{'场景':<14}{'ORM(ms)':>10}{'原生SQL(ms)':>13}{'倍数':>8}{'查询数':>7}  结果")
            for name, orm, hand in scenarios:
                orm_result, hand_result = orm(), hand()
                if not orm_result or not same(orm_result, hand_result):
                    print(f"{name:<14}{'—':>10}{'—':>13}{'—':>8}{'—':>7}  不一致（或为空）：未计时")
                    if args.verbose:
                        print("  ORM:", orm_result, "\n  SQL:", hand_result)
                    failed = True
                    continue
                orm_ms, hand_ms = paired_medians(orm, hand, args.repeat, clock)
                ratio = orm_ms / hand_ms
                verdict = "达标" if ratio <= TARGET else f"超过目标 {TARGET}×"
                print(f"{name:<14}{orm_ms:>10.1f}{hand_ms:>13.1f}{ratio:>7.2f}×{count_queries(orm):>7}  {verdict}")
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
