"""`manage.py seed_demo_projects`: the demo projects of scenarios 1, 2, 7 and 8 (run after seed_demo_stats)."""

import time

from django.core.management.base import BaseCommand, CommandError

from kaifaqu.core.demo import DemoDataError
from kaifaqu.projects.demo import seed_demo_projects

LABELS = {
    "recorder": "演示数据记录账户",
    "project": "项目",
    "phase": "项目分期",
    "stage": "阶段日期",
    "line": "生产线/单体",
    "approval": "审批事项",
    "plan": "年度计划",
    "progress": "进度填报",
    "inspection": "调研/现场办公",
    "problem": "问题",
    "campaign": "三个一批活动",
    "override": "三个一批手动调整",
}


class Command(BaseCommand):
    help = (
        "写入演示项目（平定聚砜项目、综改区TPU薄膜项目、永济现场办公、高平三个一批与重点项目）；"
        "可重复运行，已存在的项目、调研和活动不会重复创建。"
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            created = seed_demo_projects()
        except DemoDataError as bad:
            raise CommandError(f"演示数据文件有误：{bad}") from bad
        seconds = time.monotonic() - started
        if options["verbosity"] < 1:
            return
        made = "，".join(f"{LABELS.get(k, k)} {n}" for k, n in created.items() if n)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示项目就绪（{seconds:.1f} 秒）。" + (f"本次新建：{made}。" if made else "无需新建，数据已齐全。")
            )
        )
