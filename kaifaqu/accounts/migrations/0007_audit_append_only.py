"""Append-only audit in the database (AU-3/4): triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) of
audit records and checkpoints, whoever asks — the ORM, raw SQL, a database shell with the application's account.

The one way through is kaifaqu.accounts.audit.audit_guard_lifted(), used by the retention purge and by `flush`:
PostgreSQL lets a DELETE pass when the transaction has SET LOCAL kaifaqu.audit_purge = 'on'; SQLite, which has no
session variables, when the one-row table accounts_audit_guard says so (opened and closed in the same transaction).
Records are never updated, purge or not."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TABLES = ("accounts_auditevent", "accounts_auditcheckpoint")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION kaifaqu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND current_setting('kaifaqu.audit_purge', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def pg_triggers(table):
    return f"""
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION kaifaqu_audit_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION kaifaqu_audit_append_only();
"""


def sqlite_triggers(table):
    return f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE on {table} refused'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
WHEN (SELECT purge_open FROM accounts_audit_guard WHERE id = 1) IS NOT 1
BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE on {table} refused'); END;
"""


SQLITE_GUARD = """
CREATE TABLE accounts_audit_guard (id integer PRIMARY KEY CHECK (id = 1), purge_open integer NOT NULL DEFAULT 0);
INSERT INTO accounts_audit_guard (id, purge_open) VALUES (1, 0);
"""


def split(sql):
    """SQLite's executor runs one statement at a time; trigger bodies end with '; END;'."""
    statements, current = [], ""
    for line in sql.strip().splitlines():
        current += line + "\n"
        if line.rstrip().endswith(";") and (not current.lstrip().startswith("CREATE TRIGGER") or "END;" in line):
            statements.append(current.strip())
            current = ""
    return statements


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, None)
        for table in TABLES:
            schema_editor.execute(pg_triggers(table), None)
    elif vendor == "sqlite":
        for statement in split(SQLITE_GUARD) + [s for t in TABLES for s in split(sqlite_triggers(t))]:
            schema_editor.execute(statement, None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}", None)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}", None)
        schema_editor.execute("DROP FUNCTION IF EXISTS kaifaqu_audit_append_only()", None)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update", None)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete", None)
        schema_editor.execute("DROP TABLE IF EXISTS accounts_audit_guard", None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_admin_role_constraint"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="时间")),
                (
                    "reason",
                    models.CharField(
                        choices=[("scheduled", "定时"), ("verified", "校验后"), ("purge", "清理后")],
                        max_length=20,
                        verbose_name="原因",
                    ),
                ),
                ("created_by", models.CharField(blank=True, max_length=150, verbose_name="操作者")),
                ("row_count", models.PositiveBigIntegerField(verbose_name="记录数")),
                ("first_pk", models.BigIntegerField(blank=True, null=True, verbose_name="首条记录")),
                ("first_previous_hash", models.CharField(blank=True, max_length=64, verbose_name="首条记录的前序哈希")),
                ("head_pk", models.BigIntegerField(blank=True, null=True, verbose_name="最新记录")),
                ("head_hash", models.CharField(blank=True, max_length=64, verbose_name="最新记录哈希")),
            ],
            options={
                "verbose_name": "审计检查点",
                "verbose_name_plural": "审计检查点",
                "ordering": ["-pk"],
            },
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="event",
            field=models.CharField(
                choices=[
                    ("login", "登录"),
                    ("login_failed", "登录失败"),
                    ("logout", "退出"),
                    ("locked_out", "账户锁定"),
                    ("password_change", "修改密码"),
                    ("password_reset", "重置密码"),
                    ("user_create", "创建用户"),
                    ("user_update", "修改用户"),
                    ("user_disable", "停用用户"),
                    ("role_change", "角色变更"),
                    ("export", "导出数据"),
                    ("import", "导入数据"),
                    ("access_denied", "越权访问"),
                    ("config_change", "配置变更"),
                    ("audit_purge", "清理过期审计记录"),
                ],
                db_index=True,
                max_length=30,
                verbose_name="事件",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="用户",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
