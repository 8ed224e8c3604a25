"""Benchmark: statistics import (long layout) against python-calamine merely reading the same workbook.

Builds an N-row long-layout workbook (default 50,000, --rows; columns 统一社会信用代码, 企业名称, 报告期, 指标, 数值,
单位; twelve indicators of 规上工业月报 per firm, money partly in 千元) for synthetic firms assigned to 规上工业月报,
then times
  (a) the baseline: python-calamine reading the workbook into Python lists, nothing else;
  (b) our import: validate (the dry run a user previews: parse, firms, scope, assignments, locks, hard and soft rules
      through services.check_submissions; the checked figures are kept with the job) and commit (those figures
      checked again against the database, then written by services.record_values in one transaction), both through
      the import job and the django-tasks immediate backend;
and prints both times and the ratios (issue 3's target: ≤ 4× the read). Not a test: read the ratio, not the
seconds. --profile prints the hottest functions of validate and of commit.

--repeat N runs the three steps N times (each validate + commit in a savepoint rolled back afterwards) and keeps
each step's best time: on a machine shared with other work the best run is the one least disturbed. Besides wall
time it prints CPU time (this process only), whose ratios other processes on the machine disturb far less, and the
median over the attempts of each attempt's CPU ratios (its steps against its own read, timed just before them).

Uses a throwaway SQLite database under var/bench/ (created with migrate, removed afterwards unless --keep) unless
DATABASE_URL is set; everything the run writes is rolled back, so a real database is left as it was.

    .venv/bin/python bench/stats_import.py [--rows 50000] [--repeat 3] [--profile] [--keep]
"""

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import time
from dataclasses import dataclass
from decimal import Decimal

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


@dataclass
class Timing:
    wall: float = float("inf")
    cpu: float = float("inf")
    last_cpu: float = 0.0  # the latest run's CPU time, for the ratio of each attempt

    def keep_best(self, wall, cpu):
        self.wall, self.cpu, self.last_cpu = min(self.wall, wall), min(self.cpu, cpu), cpu


def value_rows(firms, zone, data_set, period, user, rows):
    """The rows record_values inserts for this workbook, for timing the INSERT on its own."""
    from django.db import connection
    from django.utils import timezone

    from kaifaqu.stats.models import Indicator

    ids = dict(Indicator.objects.values_list("name", "pk"))
    entered_at = connection.ops.adapt_datetimefield_value(timezone.now())
    values = []
    for i, firm in enumerate(firms):
        for name, value, _unit in FIGURES:
            if len(values) == rows:
                return values
            amount = Decimal(str(value(i))).quantize(Decimal("0.0001"))
            values.append(
                (firm.pk, zone.pk, ids[name], period, amount, None, 1, True, data_set.pk, "import", "", user.pk)
                + (entered_at,)  # in services.values.INSERTED_FIELDS order (reported_prior None)
            )
    return values


def timed(function, timing, profile=None):
    """Run `function`, keep its wall and CPU time in `timing` when they are the best so far, return its result."""
    start, start_cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    try:
        result = function()
    finally:
        if profile is not None:
            profile.disable()
    timing.keep_best(time.perf_counter() - start, time.process_time() - start_cpu)
    return result


def print_profile(title, profile, limit=25):
    print(f"\n--- profile: {title} (own time, top {limit}) ---")
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(limit)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=1, help="run each step N times and keep the best")
    parser.add_argument("--profile", action="store_true", help="print the hottest functions of validate and commit")
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
    from kaifaqu.core.imports.reading import read_table
    from kaifaqu.core.models import ImportModeChoices, ImportStatusChoices
    from kaifaqu.core.periods import format_period
    from kaifaqu.enterprises.models import Enterprise
    from kaifaqu.stats.importers import KIND_LONG, StatsLongImporter
    from kaifaqu.stats.models import DataSet, DataSetAssignment, Value
    from kaifaqu.stats.services.values import insert_values
    from kaifaqu.zones.models import Region, Zone

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    settings.UPLOAD_MAX_BYTES = max(settings.UPLOAD_MAX_BYTES, 200 * 1024 * 1024)
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    # The current month is open until its deadline next month (January is exempt: take February, also open).
    period = today.year * 100 + max(today.month, 2)
    firms = firm_count(args.rows)
    print(f"database: {connection.vendor} · rows: {args.rows:,} · firms: {firms:,} · period: {format_period(period)}")
    validate_profile = cProfile.Profile() if args.profile else None
    baseline, validate, commit = Timing(), Timing(), Timing()
    read, insert = Timing(), Timing()  # the parts of validate + commit that are not Python per-row work
    attempts = []  # (validate, commit) CPU time ÷ the same attempt's baseline
    commit_profile = cProfile.Profile() if args.profile else None
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
            built = Timing()
            data = timed(lambda: build_workbook(args.rows, format_period(period)), built)
            print(f"built workbook ({len(data) / 1024 / 1024:.1f} MB) in {built.wall:.2f}s (not measured below)")

            def calamine_read():
                return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()

            def validate_and_commit():
                upload = SimpleUploadedFile("bench-stats.xlsx", data)
                job = timed(
                    lambda: start_import(
                        actor=user,
                        kind=KIND_LONG,
                        uploaded_file=upload,
                        mode=ImportModeChoices.UPSERT,
                        options={"data_set": data_set.code},
                    ),
                    validate,
                    validate_profile,
                )
                if job.status != ImportStatusChoices.VALIDATED or job.error_count:
                    raise SystemExit(f"validation did not pass: {job.message} {job.errors[:5]}")
                timed(lambda: request_commit(job), commit, commit_profile)
                job.refresh_from_db()
                if job.status != ImportStatusChoices.COMMITTED:
                    raise SystemExit(f"commit did not pass: {job.message}")
                written = Value.objects.filter(zone=zone, period=period, is_current=True).count()
                assert written == args.rows, (written, args.rows)

            def engine_read():
                return read_table(StatsLongImporter(user=user, data_set=data_set), data, "bench-stats.xlsx")

            new_values = value_rows(created, zone, data_set, period, user, args.rows)

            def insert_only():
                savepoint = transaction.savepoint()
                insert_values(new_values)
                transaction.savepoint_rollback(savepoint)

            for _attempt in range(args.repeat):
                rows = timed(calamine_read, baseline)
                assert len(rows) == args.rows + 1
                savepoint = transaction.savepoint()
                validate_and_commit()
                transaction.savepoint_rollback(savepoint)  # the next attempt writes the same figures anew
                attempts.append(
                    (validate.last_cpu / baseline.last_cpu, commit.last_cpu / baseline.last_cpu)
                )  # each attempt's ratios, its steps timed right after its own baseline read
                timed(engine_read, read)
                timed(insert_only, insert)
            raise Rollback
    except Rollback:
        pass
    finally:
        shutil.rmtree(BENCH_DIR / "stats-import-media", ignore_errors=True)
        if database is not None and not args.keep:
            from django.db import connections

            connections.close_all()
            remove_sqlite(database)

    total = Timing(validate.wall + commit.wall, validate.cpu + commit.cpu)
    print(f"best of {args.repeat}                         wall             CPU (this process)")
    print(f"calamine read (baseline)      {baseline.wall:8.3f}s            {baseline.cpu:8.3f}s")
    for label, timing in (
        ("validate (dry run, preview) ", validate),
        ("commit (re-validate + write)", commit),
        ("validate + commit           ", total),
    ):
        print(
            f"{label}  {timing.wall:8.3f}s {timing.wall / baseline.wall:5.1f}x     "
            f"{timing.cpu:8.3f}s {timing.cpu / baseline.cpu:5.1f}x"
        )
    print(f"({args.rows / total.wall:,.0f} rows/s)")
    validate_ratios = sorted(v for v, _c in attempts)
    commit_ratios = sorted(c for _v, c in attempts)
    total_ratios = sorted(v + c for v, c in attempts)
    middle = len(attempts) // 2
    print(
        f"median of {len(attempts)} attempts, CPU time ÷ the same attempt's read: validate "
        f"{validate_ratios[middle]:.1f}x, commit {commit_ratios[middle]:.1f}x, validate + commit "
        f"{total_ratios[middle]:.1f}x (issue target: ≤ 4x)"
    )
    floor = Timing(read.wall + insert.wall, read.cpu + insert.cpu)
    print("parts that are no per-row Python (the preview reads the file, the commit inserts the values):")
    for label, timing in (
        ("engine read of the file      ", read),
        ("INSERT of the values alone   ", insert),
        ("read + INSERT (the floor)    ", floor),
    ):
        print(
            f"{label} {timing.wall:8.3f}s {timing.wall / baseline.wall:5.1f}x     "
            f"{timing.cpu:8.3f}s {timing.cpu / baseline.cpu:5.1f}x"
        )
    if validate_profile is not None:
        print_profile("validate", validate_profile)
        print_profile("commit", commit_profile)


if __name__ == "__main__":
    main()
