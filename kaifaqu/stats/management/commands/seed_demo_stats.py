"""`manage.py seed_demo_stats`: synthetic 规上工业月报 figures for the demo firms (run after seed_demo)."""

import time

from django.core.management.base import BaseCommand, CommandError

from kaifaqu.core.demo import DemoDataError
from kaifaqu.stats.demo import reporting_calendar, seed_demo_stats

LABELS = {
    "assignment": "报送任务",
    "value": "统计数据",
    "year_status": "四上企业名录",
    "flag": "待核实问题",
    "reopening": "重新开放",
    "target": "全年目标",
}


class Command(BaseCommand):
    help = "写入演示统计数据（演示开发区规上演示企业的月报，上年2月至当前报告期）；可重复运行，只补齐缺少的数据。"

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            created = seed_demo_stats()
        except DemoDataError as bad:
            raise CommandError(f"演示数据文件有误：{bad}") from bad
        seconds = time.monotonic() - started
        if options["verbosity"] < 1:
            return
        made = "，".join(f"{LABELS.get(k, k)} {n}" for k, n in created.items() if n)
        calendar = reporting_calendar()
        first, last = calendar.periods[0], calendar.current
        self.stdout.write(
            self.style.SUCCESS(
                f"演示统计数据就绪（{seconds:.1f} 秒，报告期 {first // 100}-{first % 100:02d} 至 "
                f"{last // 100}-{last % 100:02d}）。" + (f"本次新建：{made}。" if made else "无需新建，数据已齐全。")
            )
        )
