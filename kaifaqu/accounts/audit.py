"""Writing the security audit log. Every record chains the hash of the one before it (AU-3/4).

The database refuses UPDATE and DELETE of audit records and checkpoints (triggers, migration 0007_audit_append_only);
the one way to remove records is purge_expired(), which lifts that guard inside its own transaction."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AuditEventChoices, CheckpointReasonChoices
from .models import AuditCheckpoint, AuditEvent

# Any constant: the PostgreSQL advisory lock that puts writers of the chain in a line (see lock_chain).
CHAIN_LOCK = 0x4B4651_0A0D17
# SQLite has no session variables: the purge path opens this one-row table's flag inside its own transaction.
SQLITE_GUARD_TABLE = "accounts_audit_guard"


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def lock_chain():
    """Serialise writers of the chain until the transaction ends, so two records never claim the same predecessor.
    SQLite needs nothing: its transactions begin IMMEDIATE (settings), one writer at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


@transaction.atomic
def record_event(event, *, request=None, user=None, username="", success=True, obj=None, detail=None):
    if user is None and request is not None and getattr(request, "user", None) and request.user.is_authenticated:
        user = request.user
    lock_chain()
    last = AuditEvent.objects.order_by("-pk").values_list("record_hash", flat=True).first()
    entry = AuditEvent(
        user=user,
        username=username or (user.get_username() if user else ""),
        event=event,
        success=success,
        ip_address=client_ip(request),
        object_type=obj._meta.label if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        detail=detail or {},
        previous_hash=last or "",
    )
    entry.record_hash = entry.compute_hash()
    entry.save()
    return entry


# ---------------------------------------------------------------------------------------------------- verification
@dataclass
class ChainBreak:
    """Where verification failed: the record `pk` (altered, out of line, or missing) and why."""

    pk: int
    reason: str
    entry: AuditEvent | None = None
    checkpoint: AuditCheckpoint | None = None


def chain_start():
    """The chain's expected first record and its predecessor's hash: the latest purge's seal, or the genesis."""
    purge = AuditCheckpoint.objects.filter(reason=CheckpointReasonChoices.PURGE).order_by("-pk").first()
    if purge is None or purge.first_pk is None:
        return None, ""
    return purge.first_pk, purge.first_previous_hash


def verify_chain():
    """Return the first ChainBreak, or None when the log is intact: every record's hash matches its content and its
    predecessor, the chain starts where the latest purge left it, and every checkpoint's head is still there."""
    first_pk, previous = chain_start()
    seals = {}
    for checkpoint in AuditCheckpoint.objects.exclude(head_pk=None).order_by("pk"):
        seals.setdefault(checkpoint.head_pk, []).append(checkpoint)
    count = 0
    for entry in AuditEvent.objects.order_by("pk").iterator():
        if count == 0 and first_pk is not None and entry.pk != first_pk:
            return ChainBreak(min(entry.pk, first_pk), _("链首记录缺失"), entry=entry)
        if entry.previous_hash != previous or entry.compute_hash() != entry.record_hash:
            return ChainBreak(entry.pk, _("记录内容或前序哈希不符"), entry=entry)
        for checkpoint in seals.pop(entry.pk, ()):
            if checkpoint.head_hash != entry.record_hash:
                return ChainBreak(entry.pk, _("与检查点的哈希不符"), entry=entry, checkpoint=checkpoint)
        previous = entry.record_hash
        count += 1
    # Seals left over name records that are gone: the newest records were removed (or the oldest, before a purge).
    missing = [c for checkpoints in seals.values() for c in checkpoints if first_pk is None or c.head_pk >= first_pk]
    if missing:
        checkpoint = min(missing, key=lambda c: c.head_pk)
        return ChainBreak(checkpoint.head_pk, _("检查点所覆盖的记录缺失"), checkpoint=checkpoint)
    if count == 0 and first_pk is not None:
        return ChainBreak(first_pk, _("链首记录缺失"))
    return None


@transaction.atomic
def write_checkpoint(reason, *, by=""):
    """Seal the chain's current head (count, newest record and its hash; the start, for later purges)."""
    lock_chain()
    first = AuditEvent.objects.order_by("pk").values("pk", "previous_hash").first()
    head = AuditEvent.objects.order_by("-pk").values("pk", "record_hash").first()
    return AuditCheckpoint.objects.create(
        reason=reason,
        created_by=by[:150],
        row_count=AuditEvent.objects.count(),
        first_pk=first["pk"] if first else None,
        first_previous_hash=first["previous_hash"] if first else "",
        head_pk=head["pk"] if head else None,
        head_hash=head["record_hash"] if head else "",
    )


# ----------------------------------------------------------------------------------------------------- the purge
class ChainBroken(Exception):
    """The purge refuses to run on a broken chain: it would remove the evidence."""


@contextmanager
def audit_guard_lifted():
    """Let DELETE through the audit triggers until the block ends, in this transaction and connection only:
    PostgreSQL `SET LOCAL kaifaqu.audit_purge`, SQLite the flag in the one-row guard table. An error inside rolls
    the flag back with everything else."""
    with transaction.atomic(), connection.cursor() as cursor:
        set_guard(cursor, True)
        yield
        set_guard(cursor, False)


def set_guard(cursor, lifted, *, connection=connection):
    if connection.vendor == "postgresql":
        cursor.execute("SELECT set_config('kaifaqu.audit_purge', %s, true)", ["on" if lifted else "off"])
    elif connection.vendor == "sqlite":
        cursor.execute(f"UPDATE {SQLITE_GUARD_TABLE} SET purge_open = %s WHERE id = 1", [int(lifted)])  # noqa: S608


@transaction.atomic
def purge_expired(*, by="manage.py"):
    """Delete the oldest records older than AUDIT_RETENTION_DAYS (AU-5): a prefix of the chain, so a record younger
    than the retention period is never removed even when clocks disagree with the order. The purge is audited and
    sealed: the checkpoint it writes records the chain's new start, so verify_chain() still passes.
    Returns the number of records deleted."""
    lock_chain()
    broken = verify_chain()
    if broken is not None:
        raise ChainBroken(f"record {broken.pk}: {broken.reason}")
    cutoff = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    first_young = AuditEvent.objects.filter(occurred_at__gte=cutoff).order_by("pk").values_list("pk", flat=True)
    first_young = first_young.first()
    expired = AuditEvent.objects.all() if first_young is None else AuditEvent.objects.filter(pk__lt=first_young)
    last = expired.order_by("-pk").values("pk", "record_hash").first()
    if last is None:
        return 0
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with audit_guard_lifted(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last["pk"]])  # noqa: S608 (name from the model)
        deleted = cursor.rowcount
    record_event(
        AuditEventChoices.AUDIT_PURGE,
        username=by,
        detail={
            "deleted": deleted,
            "through": last["pk"],
            "boundary_hash": last["record_hash"],
            "cutoff": cutoff.isoformat(),
            "retention_days": settings.AUDIT_RETENTION_DAYS,
        },
    )
    write_checkpoint(CheckpointReasonChoices.PURGE, by=by)
    return deleted
