"""Reference lists (parks, chains, indicators, forms …) kept in Django's cache — Redis when REDIS_URL is set, local
memory otherwise — under keys that carry a data version.

A data version is a number in the database (core.DataVersion) that every write to the rows behind a list bumps in
its own transaction: the next read builds a new key, so no list outlives a write. A request reads all versions in
one query, the first time it needs one; outside a request (commands, tests) each read asks the database.

    names = cached(("parks", zone.pk), [ZONES], lambda: list(zone.parks.values_list("pk", "name")))

Cache reference data only. A figure that depends on who looks may be cached only under a key holding what decides
it (see docs/performance.md).
"""

import secrets
from contextvars import ContextVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models.signals import post_delete, post_save

# Version names. Global lists share one; lists drawn from a zone's firms have their own per zone.
REFERENCE = "reference"  # indicators, data sets and their indicators, price indexes, tags, industry classes
ZONES = "zones"  # zones, parks (园中园), industry chains
TIMEOUT = 24 * 3600  # a key of an old version is never read again; let it expire

_request_versions = ContextVar("kaifaqu_data_versions", default=None)


def zone_version(zone_id):
    """The version of the lists drawn from a zone's firms (industries and tags present there)."""
    return f"zone:{zone_id}"


def bump(*names):
    """Invalidate every list under these versions: call inside the transaction of the write. One statement, however
    many names and whether or not they were bumped before (INSERT … ON CONFLICT, in SQLite and PostgreSQL alike).
    A name's first number is random, so a database emptied and filled again does not meet the keys of its past in a
    cache that outlived it (Redis)."""
    from .models import DataVersion

    names = list(dict.fromkeys(names))
    if not names:
        return
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(names))
    params = [value for name in names for value in (name, secrets.randbelow(2**40) + 1)]
    sql = (
        f"INSERT INTO {table} (name, number) VALUES {rows} ON CONFLICT (name) DO UPDATE SET number = {table}.number + 1"  # noqa: S608 our table; values as parameters
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    known = _request_versions.get()
    if known:  # a request that writes, then reads, reads its own write
        known.clear()


def versions(names):
    """The current number of each name (0 for a name never bumped)."""
    from .models import DataVersion

    known = _request_versions.get()
    if known is None:  # outside a request: ask every time
        found = dict(DataVersion.objects.filter(name__in=list(names)).values_list("name", "number"))
        return tuple(found.get(name, 0) for name in names)
    if not known:
        known.update(DataVersion.objects.values_list("name", "number"))
        known[None] = 0  # loaded (the table may be empty)
    return tuple(known.get(name, 0) for name in names)


def cached(key_parts, version_of, fn):
    """fn(), from the cache while none of the versions named in `version_of` has moved. Cache model rows or codes,
    not translated labels: a label is read in the user's language when shown."""
    parts = [str(part) for part in key_parts]
    numbers = versions(list(version_of))
    key = "kaifaqu:" + ":".join(parts) + ":v" + ".".join(f"{n}" for n in numbers)
    found = cache.get(key, _MISSING)
    if found is not _MISSING:
        return found
    value = fn()
    cache.set(key, value, TIMEOUT)
    return value


_MISSING = object()


def start_request(**kwargs):
    _request_versions.set({})


def end_request(**kwargs):
    _request_versions.set(None)


request_started.connect(start_request, dispatch_uid="kaifaqu.cache.start_request")
request_finished.connect(end_request, dispatch_uid="kaifaqu.cache.end_request")


def bump_on_write(model, names_of):
    """Bump names_of(instance) on every save and delete of one `model` through the ORM (each save is its own
    transaction or inside the caller's). Bulk writes — bulk_create, update(), imports — call bump() themselves."""

    def on_write(sender, instance, **kwargs):
        bump(*names_of(instance))

    uid = f"kaifaqu.cache.{model._meta.label_lower}"
    post_save.connect(on_write, sender=model, weak=False, dispatch_uid=f"{uid}.save")
    post_delete.connect(on_write, sender=model, weak=False, dispatch_uid=f"{uid}.delete")
