"""Benchmark: enterprise import throughput against python-calamine merely reading the same workbook.

Builds an N-row enterprise workbook (default 10,000, --rows) with openpyxl, then times
  (a) the baseline: python-calamine reading the workbook into Python lists, nothing else;
  (b) our import: validate (the dry run a user previews) and commit (validated again, then written in one
      transaction with history and audit), both through the import job and the django-tasks immediate backend;
and prints both times and the ratios. Not a test: read the ratio, not the seconds.

Uses a throwaway SQLite database under var/bench/ (created with migrate, removed afterwards unless --keep) unless
DATABASE_URL is set; everything the run writes is rolled back, so a real database is left as it was.

    .venv/bin/python bench/enterprise_import.py [--rows 10000] [--keep]
"""

import argparse
import io
import shutil
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


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway SQLite database")
    args = parser.parse_args()
    database = configure("enterprise_import", media="import-media", immediate_tasks=True)

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from kaifaqu.accounts.models import User
    from kaifaqu.core.imports.jobs import request_commit, start_import
    from kaifaqu.core.models import ImportModeChoices, ImportStatusChoices
    from kaifaqu.enterprises.importers import EnterpriseImporter
    from kaifaqu.enterprises.models import Enterprise, IndustryClass
    from kaifaqu.zones.models import Region, Zone

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    settings.UPLOAD_MAX_BYTES = max(settings.UPLOAD_MAX_BYTES, 200 * 1024 * 1024)
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} · rows: {args.rows:,}")
    try:
        with transaction.atomic():
            zone = Zone.objects.create(
                name=BENCH_ZONE, level="provincial", kind="economic", region=Region.objects.get(code=BENCH_REGION)
            )
            user = User.objects.create(username="bench-importer", is_superuser=True)
            industries = list(IndustryClass.objects.filter(level="class").values_list("code", flat=True)[:200])
            built, data = timed(lambda: build_workbook(args.rows, zone.name, industries))
            print(f"built workbook ({len(data) / 1024 / 1024:.1f} MB) in {built:.2f}s (not measured below)")

            def calamine_read():
                return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()

            baseline, rows = timed(calamine_read)
            assert len(rows) == args.rows + 1

            before = Enterprise.objects.count()
            upload = SimpleUploadedFile("bench.xlsx", data)
            validate, job = timed(
                lambda: start_import(
                    actor=user, kind=EnterpriseImporter.kind, uploaded_file=upload, mode=ImportModeChoices.CREATE
                )
            )
            if job.status != ImportStatusChoices.VALIDATED or job.error_count:
                raise SystemExit(f"validation did not pass: {job.message} {job.errors[:5]}")
            commit, _claimed = timed(lambda: request_commit(job))
            job.refresh_from_db()
            if job.status != ImportStatusChoices.COMMITTED:
                raise SystemExit(f"commit did not pass: {job.message}")
            assert Enterprise.objects.count() == before + args.rows
            raise Rollback
    except Rollback:
        pass
    finally:
        shutil.rmtree(BENCH_DIR / "import-media", ignore_errors=True)
        if database is not None and not args.keep:
            from django.db import connections

            connections.close_all()
            remove_sqlite(database)

    total = validate + commit
    print(f"calamine read (baseline)      {baseline:8.3f}s")
    print(f"validate (dry run, preview)   {validate:8.3f}s   ratio {validate / baseline:6.1f}x")
    print(f"commit (re-validate + write)  {commit:8.3f}s   ratio {commit / baseline:6.1f}x")
    print(
        f"validate + commit             {total:8.3f}s   ratio {total / baseline:6.1f}x"
        f"   ({args.rows / total:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
