"""`manage.py flush` with the audit triggers' guard lifted for its own transaction.

flush empties every table, the audit log included (the test runner calls it between transactional tests); without
this the append-only triggers (migration 0007_audit_append_only) would refuse it. Whoever can run manage.py on the
server owns the database anyway; the web application has no path here."""

from django.core.cache import cache
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from kaifaqu.accounts.audit import set_guard


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            set_guard(cursor, True, connection=connection)
            super().handle(**options)
            set_guard(cursor, False, connection=connection)
        cache.clear()  # lists cached under the emptied database's data versions (kaifaqu.core.cache) go with it
