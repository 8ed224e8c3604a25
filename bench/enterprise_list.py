#!/usr/bin/env python
"""Enterprise list page vs the same SELECT in raw SQL.

Builds N synthetic enterprises (default 30,000) in one zone, then times, both sides in turn within each repeat (CPU
time on SQLite, wall time on PostgreSQL; min and median, the ratio of the medians):
  (a) GET /enterprises/?page=2 and GET /enterprises/?section=C&status=active through django.test.Client, logged in
      as that zone's administrator (middleware, scope, filters, table, template — the whole page);
  (b) the SELECTs behind each page in raw SQL through connection.cursor(): the count plus one page of 50 rows
      with the zone, park and industry names joined.
It prints both times, their ratio (page ÷ raw SQL) and the number of queries the page issued. `--profile N` then
runs the page-2 request under cProfile and prints the N heaviest functions (cumulative, then own time).

Uses a throwaway SQLite database under var/bench/ unless DATABASE_URL is set; with DATABASE_URL it works in a
zone of its own (基准测试开发区) and removes it afterwards. Not a timed test: read the ratio, not the milliseconds.

    .venv/bin/python bench/enterprise_list.py [--rows 30000] [--repeat 7] [--keep] [--profile 25]
"""

import argparse
import statistics
import sys
import time
from dataclasses import replace

from _setup import ROOT, remove_sqlite
from _setup import configure as setup_django

BENCH_ZONE = "基准测试开发区"
BENCH_REGION = "140105"  # 太原市小店区: no demo zone uses it, so no credit code can clash with demo firms
PAGE_SIZE = 50


def configure():
    """The shared set-up, and the test client's host name allowed."""
    database = setup_django("enterprise_list")
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return database


def fail(message):
    print(f"失败：{message}", file=sys.stderr)
    sys.exit(1)


def list_url():
    """The list page's URL, or a clear failure when the view is not there yet (no numbers are faked)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("enterprises:enterprise_list")
    except (ImportError, AttributeError, NoReverseMatch) as missing:
        fail(
            "企业列表页（URL 名 enterprises:enterprise_list，kaifaqu/enterprises/views/pages.py 的 "
            f"EnterpriseListView）尚不可用：{missing}"
        )


def build(rows):
    """One zone with parks, its administrator, and `rows` synthetic enterprises."""
    from decimal import Decimal

    from django.db import connection

    from kaifaqu.accounts.choices import RoleChoices
    from kaifaqu.accounts.models import Membership, User
    from kaifaqu.enterprises.demo import FirmFactory, industry_sections, zones_by_short_name
    from kaifaqu.enterprises.models import Enterprise
    from kaifaqu.zones.models import Park, Region, Zone

    drop()
    template = zones_by_short_name()["高平经开区"]
    spec = replace(
        template,
        name=BENCH_ZONE,
        short_name="基准区",
        region=BENCH_REGION,
        firms=rows,
        seed="kaifaqu-bench-v1",
        parks=tuple(replace(p, name=p.name.replace("高平经开区", "基准区")) for p in template.parks),
    )
    zone = Zone.objects.create(
        name=spec.name,
        short_name=spec.short_name,
        level=spec.level,
        kind=spec.kind,
        region=Region.objects.get(code=spec.region),
        description="基准测试数据",
        is_demo=True,
    )
    parks = {p.name: Park.objects.create(zone=zone, name=p.name, area_mu=Decimal(p.area_mu)) for p in spec.parks}
    admin = User.objects.create_user(username="bench_zone_admin", password=None, display_name="基准测试管理员")
    Membership.objects.create(user=admin, role=RoleChoices.ZONE_ADMIN, zone=zone)

    plans = FirmFactory(spec, industry_sections(), address_prefix="基准").plan()
    Enterprise.objects.bulk_create(
        (
            Enterprise(
                credit_code=p.credit_code,
                name=p.name,
                zone=zone,
                park=parks.get(p.park),
                industry_id=p.industry,
                region_id=spec.region,
                address=p.address,
                legal_representative=p.legal_representative,
                founded_on=p.founded_on,
                registered_capital=p.registered_capital,
                scale=p.scale,
                status=p.status,
                status_changed_on=p.status_changed_on,
                main_products=p.main_products,
                is_demo=True,
            )
            for p in plans
        ),
        batch_size=1000,
    )
    if connection.vendor == "postgresql":
        # Autovacuum would analyze a bulk load within a minute; without statistics the planner guesses badly.
        with connection.cursor() as cursor:
            for model in (Enterprise, Park, Zone):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return zone, admin


def drop():
    """Remove the bench zone and everything in it (for a shared DATABASE_URL)."""
    from kaifaqu.accounts.models import User
    from kaifaqu.enterprises.models import Enterprise
    from kaifaqu.zones.models import Zone

    Enterprise.history.filter(zone__name=BENCH_ZONE).delete()
    Enterprise.objects.filter(zone__name=BENCH_ZONE).delete()
    Zone.objects.filter(name=BENCH_ZONE).delete()
    User.objects.filter(username="bench_zone_admin").delete()


def raw_queries(zone_id, *, filtered, page):
    """The page's two SELECTs in plain SQL: count, then one page with the joined names."""
    from django.db import connection

    from kaifaqu.enterprises.models import Enterprise, IndustryClass
    from kaifaqu.zones.models import Park, Zone

    q = connection.ops.quote_name
    e, z, p, i = (q(m._meta.db_table) for m in (Enterprise, Zone, Park, IndustryClass))
    where, params = "e.zone_id = %s", [zone_id]
    if filtered:
        where += " AND i.section = %s AND e.status = %s"
        params += ["C", "active"]
    industry_join = f"INNER JOIN {i} i ON i.code = e.industry_id"
    count_sql = f"SELECT COUNT(*) FROM {e} e {industry_join if filtered else ''} WHERE {where}"
    page_sql = (
        "SELECT e.id, e.name, e.credit_code, e.scale, e.status, e.founded_on, e.is_demo, "
        "z.name, z.short_name, p.name, i.code, i.name "
        f"FROM {e} e INNER JOIN {z} z ON z.id = e.zone_id LEFT OUTER JOIN {p} p ON p.id = e.park_id {industry_join} "
        f"WHERE {where} ORDER BY e.name, e.id LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}"
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(count_sql, params)
            total = cursor.fetchone()[0]
            cursor.execute(page_sql, params)
            rows = cursor.fetchall()
        return total, rows

    return run


def cell(text, size, right=True):
    """Pad to `size` display columns (a CJK character takes two)."""
    text = str(text)
    gap = " " * max(size - sum(2 if ord(ch) > 0x2E80 else 1 for ch in text), 0)
    return gap + text if right else text + gap


def interleaved_ms(page, raw, repeat, clock):
    """Page, SQL, page, SQL … so that a noisy moment of the machine falls on both sides: {side: (min, median)} ms.
    `clock` is CPU time on SQLite (in-process), wall time on PostgreSQL (the server's time is not ours)."""
    page(), raw()  # warm-up: caches, prepared statements, template loading
    samples = {"page": [], "raw": []}
    for _ in range(repeat):
        for side, function in (("page", page), ("raw", raw)):
            started = clock()
            function()
            samples[side].append((clock() - started) * 1000)
    return {side: (min(times), statistics.median(times)) for side, times in samples.items()}


def profile(get, path, top, runs=20):
    """The request under cProfile, `runs` times: the heaviest functions by cumulative time, then by own time."""
    import cProfile
    import io
    import pstats

    get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        get(path)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(f"\ncProfile {path}，{runs} 次请求，按 {order} 排序：")
        print(text[text.index("   ncalls") :].rstrip())


def main():
    parser = argparse.ArgumentParser(description="企业列表页与等价原生 SQL 的耗时比")
    parser.add_argument("--rows", type=int, default=30_000, help="生成的演示企业数（默认 30000）")
    parser.add_argument("--repeat", type=int, default=7, help="每项测量次数，取中位数（默认 7）")
    parser.add_argument("--keep", action="store_true", help="保留基准数据（默认结束后删除）")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="用 cProfile 剖析第 2 页，打印前 N 个函数")
    args = parser.parse_args()

    database = configure()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    url = list_url()
    print(f"数据库：{connection.vendor}{'（临时文件 ' + str(database.relative_to(ROOT)) + '）' if database else ''}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"迁移：{time.perf_counter() - started:.1f} 秒")
    started = time.perf_counter()
    zone, admin = build(args.rows)
    print(f"生成 {args.rows} 家企业：{time.perf_counter() - started:.1f} 秒")

    client = Client()
    client.force_login(admin)
    cases = [
        ("第 2 页", f"{url}?page=2", raw_queries(zone.pk, filtered=False, page=2)),
        ("筛选 门类C+在营", f"{url}?section=C&status=active", raw_queries(zone.pk, filtered=True, page=1)),
    ]
    clock = time.process_time if connection.vendor == "sqlite" else time.perf_counter
    clock_name = "CPU 时间" if clock is time.process_time else "墙钟时间"
    print(f"\n两侧交替各测 {args.repeat} 次，{clock_name}，毫秒：最小值 / 中位数；倍数 = 中位数之比")
    widths = (18, 14, 12, 8, 8, 10)
    header = ("场景", "页面", "原生SQL", "倍数", "查询数", "命中行数")
    print("".join(cell(h, w, right=i > 0) for i, (h, w) in enumerate(zip(header, widths, strict=True))))
    problems = []
    try:
        for label, path, raw in cases:
            response = client.get(path)
            if response.status_code != 200:
                fail(f"{path} 返回 {response.status_code}（应为 200）")
            total, rows = raw()
            if rows and rows[0][1] not in response.content.decode():
                problems.append(
                    f"{path}：原生 SQL 命中 {total} 家，页面上却没有同一页的第一家企业「{rows[0][1]}」，"
                    "页面与 SQL 不是同一结果（列表页的筛选或排序有误？），此项不计时。"
                )
                print(cell(label, widths[0], right=False) + cell("不一致", widths[1]))
                continue
            with CaptureQueriesContext(connection) as queries:
                client.get(path)
            query_count = len(queries)  # read now: the next request clears the connection's query log
            timed = interleaved_ms(lambda path=path: client.get(path), raw, args.repeat, clock)
            (page_min, page_ms), (raw_min, raw_ms) = timed["page"], timed["raw"]
            values = (
                label,
                f"{page_min:.1f} / {page_ms:.1f}",
                f"{raw_min:.1f} / {raw_ms:.1f}",
                f"{page_ms / raw_ms:.1f}x",
                query_count,
                total,
            )
            print("".join(cell(v, w, right=i > 0) for i, (v, w) in enumerate(zip(values, widths, strict=True))))
        if args.profile:
            profile(client.get, cases[0][1], args.profile)
        sys.stdout.flush()
        for problem in problems:
            print(f"失败：{problem}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        if not args.keep:
            if database:
                connection.close()
                remove_sqlite(database)
            else:
                drop()


if __name__ == "__main__":
    sys.exit(main())
