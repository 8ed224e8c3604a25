"""`manage.py print_demo_accounts`: the table of demo accounts `make run` shows before the server starts."""

import unicodedata

from django.core.management.base import BaseCommand

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.demo import DEMO_PASSWORD, demo_accounts
from kaifaqu.accounts.models import User


def width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, size):
    return text + " " * (size - width(text))


class Command(BaseCommand):
    help = "列出演示账户（账户、密码、角色、范围）。"

    def handle(self, *args, **options):
        accounts = demo_accounts()
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[a["username"] for a in accounts]).prefetch_related(
                "memberships__zone", "memberships__department", "memberships__enterprise", "memberships__region"
            )
        }
        rows, notes = [], []
        for account in accounts:
            user = users.get(account["username"])
            shown = DEMO_PASSWORD
            scope = account["scope_text"]
            if user is None:
                shown += "（未创建）"
            else:
                scope = self.scope_of(user, account) or scope
                if not user.check_password(DEMO_PASSWORD):
                    shown = "（已修改）"
                    notes.append(account["username"])
            rows.append((account["username"], shown, str(RoleChoices(account["role"]).label), scope))

        header = ("账户", "密码", "角色", "范围")
        sizes = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        rule = "+" + "+".join("-" * (s + 2) for s in sizes) + "+"
        lines = ["演示账户（仅供演示，请勿用于生产环境）", rule]
        for index, row in enumerate([header, *rows]):
            lines.append("| " + " | ".join(pad(cell, size) for cell, size in zip(row, sizes, strict=True)) + " |")
            if index == 0:
                lines.append(rule)
        lines.append(rule)
        if any(u is None for u in (users.get(a["username"]) for a in accounts)):
            lines.append("部分演示账户尚未创建，请先运行：python manage.py seed_demo")
        if notes:
            lines.append(
                "以下账户的密码已被修改："
                + "、".join(notes)
                + "。恢复演示密码：python manage.py seed_demo --reset-passwords"
            )
        self.stdout.write("\n".join(lines))

    @staticmethod
    def scope_of(user, account):
        for membership in user.memberships.all():
            if membership.role != account["role"]:
                continue
            if membership.department_id:
                return f"{membership.zone} · {membership.department}"
            if membership.enterprise_id:
                return f"{membership.zone} · {membership.enterprise}"
            if membership.region_id:
                return f"{membership.region.full_name}（{membership.region_id}）所辖开发区，只读"
            if membership.zone_id:
                return str(membership.zone)
        return ""
