"""The demo accounts, one per role, as data: `accounts.yaml` beside this file, read by `seed_demo` (which creates
them through the account services) and by `print_demo_accounts`.

Keep this package free of imports from zones or enterprises: an account's scope names zones, departments and firms
by their natural keys, and the caller (kaifaqu/enterprises/demo) turns them into rows (`grant_for`).
"""

from django.utils import timezone

from kaifaqu.core.demo import read

from .. import services as account_services
from ..choices import RoleChoices
from ..models import User

# Satisfies the password policy (≥ 8 characters, 3 of 4 character classes). Demo use only.
DEMO_PASSWORD = "Kaifaqu@2026"  # noqa: S105

FIRST_DEMO_FIRM = "first_demo_firm"
FIRST_REPORTING_FIRM = "first_reporting_firm"
CHANGE_REASON = "演示数据初始化"


def accounts_file():
    return read("accounts", "accounts")


def demo_accounts(file=None):
    """The account records (of `file`, a DemoFile, or accounts.yaml) in order, checked for the fields every
    account needs."""
    records = (file or accounts_file()).records("accounts")
    for record in records:
        if record["role"] not in RoleChoices.values:
            raise record.error(f"unknown role '{record['role']}'")
        if not isinstance(record.get("scope", {}), dict):
            raise record.error("scope must be a mapping")
        missing = [key for key in ("username", "display_name", "scope_text") if key not in record]
        if missing:
            raise record.error(f"missing field '{missing[0]}'")
    return records


def demo_actor(created=None):
    """The account demo rows are attributed to: inactive, no usable password, no role (it cannot sign in)."""
    recorder = accounts_file()["recorder"]
    user = User.objects.filter(username=recorder["username"]).first()
    if user is None:
        user = User(username=recorder["username"], display_name=recorder["display_name"], is_active=False)
        user.set_unusable_password()
        user.save()
        if created is not None:
            created["recorder"] += 1
    return user


def seed_accounts(*, actor, grant_for, created, reset_passwords=False, file=None):
    """Create the demo accounts that are missing (and a missing role of an existing one) through the account
    services. `grant_for(record)` gives the account's membership: role and scope rows."""
    records = demo_accounts(file)
    existing = {u.username: u for u in User.objects.filter(username__in=[r["username"] for r in records])}
    for record in records:
        grant = grant_for(record)
        user = existing.get(record["username"])
        is_new = user is None
        if is_new:
            user = account_services.create_user(
                actor=actor,
                username=record["username"],
                password=DEMO_PASSWORD,
                display_name=record["display_name"],
            )
            created["user"] += 1
        if not user.memberships.filter(role=record["role"]).exists():
            # Roles are granted on the server path (actor=None), as `manage.py admin_account grant` does: the
            # seeding account holds no role, and 三员分立 lets no account grant roles it does not manage.
            account_services.grant_role(actor=None, user=user, **grant)
            created["membership"] += 1
        if not is_new:
            if not reset_passwords:
                continue
            user.set_password(DEMO_PASSWORD)
        # Demo accounts work at once: no forced change at first login.
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
