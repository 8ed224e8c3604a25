"""`manage.py seed_demo`: the eight Shanxi demo zones, their synthetic firms and one account per role."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kaifaqu.accounts.demo import DEMO_PASSWORD
from kaifaqu.core.demo import DemoDataError
from kaifaqu.enterprises.demo import seed_demo
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.zones.models import Zone

LABELS = {
    "zone": "开发区",
    "park": "园中园",
    "department": "部门",
    "industrychain": "产业链",
    "tag": "标签",
    "enterprise": "企业",
    "contact": "联系人",
    "enterprise_tag": "企业标签",
    "enterprise_chain": "企业产业链",
    "enterprise_liaison": "补充包联部门",
    "recorder": "演示数据记录账户",
    "user": "演示账户",
    "membership": "角色授权",
}


class Command(BaseCommand):
    help = "写入演示数据（八个山西开发区、演示企业、各角色演示账户）；可重复运行，只补齐缺少的数据。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=f"把已存在的演示账户密码重置为 {DEMO_PASSWORD}",
        )

    def handle(self, *args, reset_passwords=False, **options):
        started = time.monotonic()
        try:
            created = seed_demo(reset_passwords=reset_passwords)
        except DemoDataError as bad:
            raise CommandError(f"演示数据文件有误：{bad}") from bad
        except ValidationError as bad:
            raise CommandError("演示密码不符合当前密码策略：" + "；".join(bad.messages)) from bad
        except LookupError as bad:
            raise CommandError(f"参考数据不完整：{bad}") from bad
        seconds = time.monotonic() - started
        if options["verbosity"] < 1:
            return
        made = "，".join(f"{LABELS.get(k, k)} {n}" for k, n in created.items() if n)
        zones = Zone.objects.filter(is_demo=True).count()
        firms = Enterprise.objects.filter(is_demo=True).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据就绪（{seconds:.1f} 秒）：共 {zones} 个演示开发区、{firms} 家演示企业。"
                + (f"本次新建：{made}。" if made else "无需新建，数据已齐全。")
            )
        )
