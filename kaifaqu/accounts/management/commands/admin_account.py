"""`manage.py admin_account`: the recovery path for the three administrators' accounts (三员分立).

In the web pages an administrator's account is managed only by an administrator of the same kind, so a forgotten
audit administrator password, a locked-out security administrator or a change of who holds a role is done here, on
the server, by the operator — and audited like any other account change (the record names the OS account).

    manage.py admin_account reset-password <username>      # prompts; must be changed at next login
    manage.py admin_account enable|disable <username>
    manage.py admin_account grant|revoke <username> <role>  # role: system_admin, security_admin, audit_admin
"""

import getpass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kaifaqu.accounts import services
from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import THREE_ADMIN_ROLES, AuditEventChoices
from kaifaqu.accounts.models import User


class Command(BaseCommand):
    help = "在服务器上管理三员账户：重置密码、启用、停用、授予或撤销管理员角色（均记入审计日志）。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reset-password", "enable", "disable", "grant", "revoke"])
        parser.add_argument("username")
        parser.add_argument("role", nargs="?", choices=sorted(r.value for r in THREE_ADMIN_ROLES))
        parser.add_argument("--password", help="new password (default: prompt twice)")

    @transaction.atomic
    def handle(self, *args, action, username, role=None, password=None, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as missing:
            raise CommandError(f"no account {username!r}") from missing
        if action in ("grant", "revoke") and role is None:
            raise CommandError("grant and revoke need a role")
        operator = f"manage.py ({getpass.getuser()})"
        try:
            self.apply(action, user, role, password)
        except ValidationError as invalid:
            raise CommandError("; ".join(invalid.messages)) from invalid
        # The services record the change with no acting user; this record names who ran it, and where.
        record_event(
            AuditEventChoices.CONFIG_CHANGE,
            username=operator,
            obj=user,
            detail={"admin_account": action, **({"role": role} if role else {})},
        )
        self.stdout.write(f"{action} {username}{' ' + role if role else ''}: done")

    def apply(self, action, user, role, password):
        if action == "reset-password":
            password = password or self.prompt_password()
            password_validation.validate_password(password, user)
            services.reset_password(actor=None, user=user, new_password=password)
        elif action in ("enable", "disable"):
            services.set_user_active(actor=None, user=user, active=action == "enable")
        elif action == "grant":
            services.grant_role(actor=None, user=user, role=role)
        else:
            membership = user.memberships.filter(role=role).first()
            if membership is None:
                raise CommandError(f"{user.username} does not hold {role}")
            services.revoke_role(actor=None, membership=membership)

    def prompt_password(self):
        first = getpass.getpass("New password: ")
        if first != getpass.getpass("Again: "):
            raise CommandError("the passwords differ")
        return first
