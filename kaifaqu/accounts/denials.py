"""Audit of denied requests (越权, AU-1/2): a 403, or a 404 from a view that exists (out of scope answers 404).

One record per account and path per AUDIT_DENIED_INTERVAL_MINUTES: a scanner trying 2,000 ids leaves one record per
address it tried, not 2,000 identical ones per minute. The throttle lives in the cache — per process with the
default local-memory cache, shared with Redis — so at worst each worker writes one record per interval.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from .audit import record_event
from .choices import AuditEventChoices


def throttle_key(user, path):
    return f"audit-denied:{user.pk}:{hashlib.sha256(path.encode()).hexdigest()[:32]}"


def record_denied(request, user, *, status, reason=""):
    """Write an ACCESS_DENIED record unless one was written for this account and path within the interval."""
    interval = settings.AUDIT_DENIED_INTERVAL_MINUTES * 60
    if interval and not cache.add(throttle_key(user, request.path), 1, timeout=interval):
        return None
    detail = {"method": request.method, "path": request.path[:500], "status": status}
    if reason:
        detail["reason"] = reason
    return record_event(AuditEventChoices.ACCESS_DENIED, request=request, user=user, success=False, detail=detail)
