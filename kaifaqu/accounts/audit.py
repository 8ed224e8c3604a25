"""Writing the security audit log. Every record chains the hash of the one before it (AU-3/4)."""

from django.db import transaction

from .models import AuditEvent


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def record_event(event, *, request=None, user=None, username="", success=True, obj=None, detail=None):
    if user is None and request is not None and getattr(request, "user", None) and request.user.is_authenticated:
        user = request.user
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


def verify_chain(events=None):
    """Return the first record whose hash does not match its content or predecessor, or None if intact."""
    previous = ""
    for entry in events if events is not None else AuditEvent.objects.order_by("pk").iterator():
        if entry.previous_hash != previous or entry.compute_hash() != entry.record_hash:
            return entry
        previous = entry.record_hash
    return None
