"""Benchmark: enterprise import throughput against python-calamine merely reading the same workbook.

Builds an N-row enterprise workbook (default 10,000, --rows) with openpyxl, then, --repeat times after one warm-up,
interleaved:
  (a) the baseline: python-calamine reading the workbook into Python lists, nothing else;
  (b) the whole operation the user waits for: the preview (validate, the dry run) and the commit (validated again,
      then written in one transaction with tags, history and audit), both through the import job and the
      django-tasks immediate backend, in a savepoint rolled back afterwards.
It prints the min and median of each side (CPU time of this process on SQLite, wall time on a database server) and
the ratio of the medians (issue 13's target: ≤ 8×); preview and commit are timed in the same repeat and their own
medians shown for information, never best times added up. --profile adds one profiled run (not timed).

Uses a throwaway SQLite database under var/bench/ (created with migrate, removed afterwards unless --keep) unless
DATABASE_URL is set; everything the run writes is rolled back, so a real database is left as it was.

    .venv/bin/python bench/enterprise_import.py [--rows 10000] [--repeat 5] [--profile] [--keep]
"""

import argparse
import cProfile
import gc
import io
import pstats
import shutil
import statistics
import sys
import time
from datetime import date

from _setup import BENCH_DIR, Rollback, configure, remove_sqlite

BENCH_ZONE = "基准测试开发区"
BENCH_REGION = "140105"  # 太原市小店区: no demo zone uses it, so no credit code can clash with demo firms


def build_workbook(rows, zone_name, industries, *, region=BENCH_REGION, prefix="MB"):
    """An enterprise workbook of `rows` new firms; credit codes `91<region><prefix><row>` (bench/load.py passes a fresh
    prefix per run so runs never collide)."""
    import openpyxl
    from stdnum.cn import uscc

    from kaifaqu.enterprises.importers import EnterpriseImporter

    headers = [str(column.header) for column in EnterpriseImporter(user=None).columns]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("企业名录")
    sheet.append(headers)
    for i in range(rows):
        first = f"91{region}{prefix}{i:07d}"
        values = {
            "统一社会信用代码": first + uscc.calc_check_digit(first),
            "企业名称": f"基准测试{i}号有限公司",
            "所属开发区": zone_name,
            "国民经济行业代码": industries[i % len(industries)],
            "注册地区划代码": region,
            "注册地址": f"高平市基准路{i}号",
            "法定代表人": "张三",
            "成立日期": date(2000 + i % 24, 1 + i % 12, 1 + i % 28),
            "注册资本(万元)": 100 + i % 5000,
            "金额单位": "万元",
            "企业规模": ("大型", "中型", "小型", "微型")[i % 4],
            "经营状态": "在营",
            "曾用名": f"基准旧名{i}" if i % 10 == 0 else None,
            "主要产品": "碳化硅",
            "标签": "基准、测试" if i % 3 == 0 else None,
        }
        sheet.append([values.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def clock():
    """CPU time where the database runs in this process (SQLite), wall time where it is a server (house rule 2)."""
    from django.db import connection

    return (time.process_time, "CPU") if connection.vendor == "sqlite" else (time.perf_counter, "wall")


def spread(samples):
    return min(samples), statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats after one warm-up")
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile: its hottest functions")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway SQLite database")
    args = parser.parse_args()
    database = configure("enterprise_import", media="import-media", immediate_tasks=True)

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from kaifaqu.accounts.choices import RoleChoices
    from kaifaqu.accounts.models import Membership, User
    from kaifaqu.core.imports.jobs import request_commit, start_import
    from kaifaqu.core.models import ImportModeChoices, ImportStatusChoices
    from kaifaqu.enterprises.importers import EnterpriseImporter
    from kaifaqu.enterprises.models import Enterprise, IndustryClass
    from kaifaqu.zones.models import Region, Zone

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    settings.UPLOAD_MAX_BYTES = max(settings.UPLOAD_MAX_BYTES, 200 * 1024 * 1024)
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} · rows: {args.rows:,}")
    now, clock_name = clock()
    samples = {"read": [], "whole": [], "preview": [], "commit": []}
    profile = cProfile.Profile() if args.profile else None
    try:
        with transaction.atomic():
            zone = Zone.objects.create(
                name=BENCH_ZONE, level="provincial", kind="economic", region=Region.objects.get(code=BENCH_REGION)
            )
            # A zone administrator: a system administrator only reads the firms of the zones (its writes are theirs).
            user = User.objects.create(username="bench-importer")
            Membership.objects.create(user=user, role=RoleChoices.ZONE_ADMIN, zone=zone)
            industries = list(IndustryClass.objects.filter(level="class").values_list("code", flat=True)[:200])
            started = time.perf_counter()
            data = build_workbook(args.rows, zone.name, industries)
            print(f"built workbook ({len(data) / 1024 / 1024:.1f} MB) in {time.perf_counter() - started:.2f}s")
            before = Enterprise.objects.count()

            def calamine_read():
                return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()

            def preview():
                upload = SimpleUploadedFile("bench.xlsx", data)
                job = start_import(
                    actor=user, kind=EnterpriseImporter.kind, uploaded_file=upload, mode=ImportModeChoices.CREATE
                )
                if job.status != ImportStatusChoices.VALIDATED or job.error_count:
                    raise SystemExit(f"validation did not pass: {job.message} {job.errors[:5]}")
                return job

            def commit(job):
                request_commit(job)
                job.refresh_from_db()
                if job.status != ImportStatusChoices.COMMITTED:
                    raise SystemExit(f"commit did not pass: {job.message}")

            def one_repeat(keep):
                gc.collect()  # neither side pays for the other's garbage
                started = now()
                rows = calamine_read()
                read = now() - started
                assert len(rows) == args.rows + 1
                savepoint = transaction.savepoint()
                del rows
                gc.collect()
                started = now()
                job = preview()
                previewed = now()
                commit(job)
                ended = now()
                assert Enterprise.objects.count() == before + args.rows
                transaction.savepoint_rollback(savepoint)  # the next repeat creates the same firms anew
                if keep:
                    for key, seconds in (
                        ("read", read),
                        ("whole", ended - started),
                        ("preview", previewed - started),
                        ("commit", ended - previewed),
                    ):
                        samples[key].append(seconds)

            one_repeat(keep=False)  # warm-up: caches, the first compile of every query
            for _repeat in range(args.repeat):
                one_repeat(keep=True)
            if profile is not None:
                savepoint = transaction.savepoint()
                profile.enable()
                commit(preview())
                profile.disable()
                transaction.savepoint_rollback(savepoint)
            raise Rollback
    except Rollback:
        pass
    finally:
        shutil.rmtree(BENCH_DIR / "import-media", ignore_errors=True)
        if database is not None and not args.keep:
            from django.db import connections

            connections.close_all()
            remove_sqlite(database)

    read_min, read_median = spread(samples["read"])
    print(f"{args.repeat} interleaved repeats after a warm-up, {clock_name} seconds    min    median   ×read (medians)")
    print(f"calamine read (baseline)                 {read_min:8.3f} {read_median:8.3f}")
    for label, key in (
        ("preview + commit (the whole operation)", "whole"),
        ("  of which preview (validate)          ", "preview"),
        ("  of which commit (re-check + write)   ", "commit"),
    ):
        low, middle = spread(samples[key])
        print(f"{label}   {low:8.3f} {middle:8.3f}   {middle / read_median:5.2f}x")
    ratios = [whole / read for whole, read in zip(samples["whole"], samples["read"], strict=True)]
    print(
        f"per repeat, preview + commit ÷ its own read: min {min(ratios):.2f}x, median {statistics.median(ratios):.2f}x"
        f" (issue target: ≤ 8x) · {args.rows / spread(samples['whole'])[1]:,.0f} rows/s"
    )
    if profile is not None:
        for order in ("tottime", "cumulative"):
            print(f"\n--- profile: preview + commit, by {order} (top 30) ---")
            pstats.Stats(profile, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(30)


if __name__ == "__main__":
    main()
