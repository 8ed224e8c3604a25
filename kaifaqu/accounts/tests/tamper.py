"""An attacker who owns the database: switch the audit triggers off for a moment, as `ALTER TABLE … DISABLE TRIGGER`
or `DROP TRIGGER` would, to show what the hash chain and the checkpoints still catch."""

import importlib
from contextlib import contextmanager

from django.db import connection

append_only = importlib.import_module("kaifaqu.accounts.migrations.0007_audit_append_only")


@contextmanager
def triggers_off():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in append_only.TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for table in append_only.TABLES:
                cursor.execute(f"DROP TRIGGER {table}_no_update")
                cursor.execute(f"DROP TRIGGER {table}_no_delete")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                for table in append_only.TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                for table in append_only.TABLES:
                    for statement in append_only.split(append_only.sqlite_triggers(table)):
                        cursor.execute(statement)
