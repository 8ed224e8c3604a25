"""`manage.py rebuild_stats_summaries [--zone ID]`: recompute the summary tables (汇总表) from the stored values.

The writes keep them exact; this is for an install restored from a dump, a bulk load that bypassed the services,
or a check (compare before and after)."""

import time

from django.core.management.base import BaseCommand

from kaifaqu.stats.summaries import rebuild_summaries


class Command(BaseCommand):
    help = "按已存统计数据重建汇总表（可指定开发区）。"

    def add_arguments(self, parser):
        parser.add_argument("--zone", type=int, action="append", help="开发区 ID，可重复；不指定则重建全部")

    def handle(self, *args, **options):
        started = time.monotonic()
        zones = rebuild_summaries(options["zone"])
        if options["verbosity"] >= 1:
            seconds = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"汇总表已重建：{zones} 个开发区，{seconds:.1f} 秒。"))
