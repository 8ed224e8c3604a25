"""三员分立 in the database: an account holds at most one of the three administrator roles (a partial unique index on
PostgreSQL and SQLite), so two simultaneous grants cannot both pass the check in Membership.clean()."""

from django.db import migrations, models

ADMIN_ROLES = ["audit_admin", "security_admin", "system_admin"]


def refuse_dual_administrators(apps, schema_editor):
    """Identical duplicate grants of one admin role are merged; two different admin roles need a person to choose."""
    Membership = apps.get_model("accounts", "Membership")
    admin_grants = Membership.objects.filter(role__in=ADMIN_ROLES).order_by("user_id", "pk")
    seen = {}
    for grant in admin_grants:
        kept = seen.setdefault(grant.user_id, grant)
        if kept.pk == grant.pk:
            continue
        if kept.role != grant.role:
            raise RuntimeError(
                f"三员分立: user {grant.user_id} holds both {kept.role} and {grant.role}; revoke one, then migrate."
            )
        grant.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_tokens_from_authtoken"),
    ]

    operations = [
        migrations.RunPython(refuse_dual_administrators, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("role__in", ADMIN_ROLES)),
                fields=("user",),
                name="accounts_membership_one_admin_role",
                violation_error_message="三员分立：一个账户不能同时担任系统管理员、安全管理员、审计管理员中的两个",
            ),
        ),
    ]
