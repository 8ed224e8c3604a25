"""Benchmark: statistics import (long layout) against python-calamine merely reading the same workbook.

Builds an N-row long-layout workbook (default 50,000, --rows; columns 统一社会信用代码, 企业名称, 报告期, 指标, 数值,
单位; twelve indicators of 规上工业月报 per firm, money partly in 千元) for synthetic firms assigned to 规上工业月报,
then, --repeat times and after one warm-up, interleaved:
  (a) the baseline: python-calamine reading the workbook into Python lists, nothing else;
  (b) the whole operation the user waits for: the preview (validate: read, parse, firms, scope, assignments, locks,
      hard and soft rules through services.check_submissions; the checked figures are kept with the job) and the
      commit (those figures checked again against the database, then written by services.record_values in one
      transaction), both through the import job and the django-tasks immediate backend, in a savepoint rolled back
      afterwards so every repeat writes the same figures anew.
It prints the min and median of each side (CPU time of this process on SQLite, where the database runs in the
process; wall time on a database server) and the ratio of the medians (issue 13's target: preview + commit ≤ 4× the
read). Never sums of bests: preview and commit are timed together in the same repeat; their own medians are shown
for information. --profile adds one profiled run (not timed) and prints its hottest functions.

Uses a throwaway SQLite database under var/bench/ (created with migrate, removed afterwards unless --keep) unless
DATABASE_URL is set; everything the run writes is rolled back, so a real database is left as it was.

    .venv/bin/python bench/stats_import.py [--rows 50000] [--repeat 5] [--profile] [--keep]
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

from _setup import BENCH_DIR, Rollback, configure, remove_sqlite

BENCH_ZONE = "统计导入基准开发区"
BENCH_REGION = "140105"  # 太原市小店区: no demo zone uses it, so no credit code can clash with demo firms
HEADERS = ["统一社会信用代码", "企业名称", "报告期", "指标", "数值", "单位"]
# indicator name, value for firm i (万元 unless the unit says otherwise), unit
FIGURES = [
    ("主营业务收入", lambda i: 2000 + i % 900, "万元"),
    ("营业收入", lambda i: 22000 + i % 9000, "千元"),
    ("工业总产值", lambda i: 2500 + i % 700, "万元"),
    ("工业增加值", lambda i: 700 + i % 100, "万元"),
    ("利润总额", lambda i: (i % 200) - 50, "万元"),
    ("税金总额", lambda i: 800 + i % 300, "千元"),
    ("出口交货值", lambda i: i % 500, "万元"),
    ("研发费用", lambda i: 30.5 + i % 40, "万元"),
    ("用电量", lambda i: 12.25 + i % 30, "万千瓦时"),
    ("综合能源消费量", lambda i: 100 + i % 80, "吨标准煤"),
    ("从业人员期末人数", lambda i: 20 + i % 400, "人"),
    ("资产总计", lambda i: 5000 + i % 5000, "万元"),
]


def credit_code(i):
    from stdnum.cn import uscc

    first = f"91{BENCH_REGION}MC{i:07d}"
    return first + uscc.calc_check_digit(first)


def firm_count(rows):
    return -(-rows // len(FIGURES))


def build_workbook(rows, period_text):
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("统计数据")
    sheet.append(HEADERS)
    written = 0
    for i in range(firm_count(rows)):
        code, name = credit_code(i), f"统计基准{i}号有限公司"
        for indicator, value, unit in FIGURES:
            if written == rows:
                break
            sheet.append([code, name, period_text, indicator, value(i), unit])
            written += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def clock():
    """CPU time where the database runs in this process (SQLite), wall time where it is a server (house rule 2)."""
    from django.db import connection

    return (time.process_time, "CPU") if connection.vendor == "sqlite" else (time.perf_counter, "wall")


def spread(samples):
    return min(samples), statistics.median(samples)


def print_profile(title, profile, limit=30):
    for order in ("tottime", "cumulative"):
        print(f"\n--- profile: {title}, by {order} (top {limit}) ---")
        pstats.Stats(profile, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(limit)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats after one warm-up")
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile: its hottest functions")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway SQLite database")
    args = parser.parse_args()
    database = configure("stats_import", media="stats-import-media", immediate_tasks=True)

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from kaifaqu.accounts.choices import RoleChoices
    from kaifaqu.accounts.models import Membership, User
    from kaifaqu.core.imports.jobs import request_commit, start_import
    from kaifaqu.core.models import ImportModeChoices, ImportStatusChoices
    from kaifaqu.core.periods import format_period
    from kaifaqu.enterprises.models import Enterprise
    from kaifaqu.stats.importers import KIND_LONG
    from kaifaqu.stats.models import DataSet, DataSetAssignment, Value
    from kaifaqu.zones.models import Region, Zone

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    settings.UPLOAD_MAX_BYTES = max(settings.UPLOAD_MAX_BYTES, 200 * 1024 * 1024)
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    # The current month is open until its deadline next month (January is exempt: take February, also open).
    period = today.year * 100 + max(today.month, 2)
    firms = firm_count(args.rows)
    print(f"database: {connection.vendor} · rows: {args.rows:,} · firms: {firms:,} · period: {format_period(period)}")
    now, clock_name = clock()
    samples = {"read": [], "whole": [], "preview": [], "commit": []}
    profile = cProfile.Profile() if args.profile else None
    try:
        with transaction.atomic():
            zone = Zone.objects.create(
                name=BENCH_ZONE, level="provincial", kind="economic", region=Region.objects.get(code=BENCH_REGION)
            )
            user = User.objects.create(username="bench-stats-importer")
            Membership.objects.create(user=user, role=RoleChoices.ZONE_ADMIN, zone=zone)
            data_set = DataSet.objects.get(code="industry_monthly")
            created = Enterprise.objects.bulk_create(
                [
                    Enterprise(credit_code=credit_code(i), name=f"统计基准{i}号有限公司", zone=zone, industry_id="2651")
                    for i in range(firms)
                ],
                batch_size=1000,
            )
            if created[0].pk is None:  # backends that do not return keys from bulk inserts
                created = list(Enterprise.objects.filter(zone=zone))
            DataSetAssignment.objects.bulk_create(
                [DataSetAssignment(data_set=data_set, enterprise=firm, from_period=period) for firm in created],
                batch_size=1000,
            )
            started = time.perf_counter()
            data = build_workbook(args.rows, format_period(period))
            print(f"built workbook ({len(data) / 1024 / 1024:.1f} MB) in {time.perf_counter() - started:.2f}s")

            def calamine_read():
                return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()

            def preview():
                upload = SimpleUploadedFile("bench-stats.xlsx", data)
                job = start_import(
                    actor=user,
                    kind=KIND_LONG,
                    uploaded_file=upload,
                    mode=ImportModeChoices.UPSERT,
                    options={"data_set": data_set.code},
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
                written = Value.objects.filter(zone=zone, period=period, is_current=True).count()
                assert written == args.rows, (written, args.rows)
                transaction.savepoint_rollback(savepoint)  # the next repeat writes the same figures anew
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
        shutil.rmtree(BENCH_DIR / "stats-import-media", ignore_errors=True)
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
        f" (issue target: ≤ 4x) · {args.rows / spread(samples['whole'])[1]:,.0f} rows/s"
    )
    if profile is not None:
        print_profile("preview + commit", profile)


if __name__ == "__main__":
    main()
