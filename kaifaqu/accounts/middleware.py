"""Session idle timeout (IA-2), forced password change (IA-1), no caching of signed-in pages, audit of denials."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .denials import record_denied
from .services import password_expired

LAST_SEEN_KEY = "last_seen"
LAST_SEEN_RESOLUTION = 60  # seconds; idle time is measured to the minute
STARTED_KEY = "session_started"


class SessionTimeoutMiddleware:
    """Idle timeout, and an absolute lifetime: touching the session on every request would otherwise renew
    SESSION_COOKIE_AGE for ever, so the start of the session is kept and checked too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            started = request.session.get(STARTED_KEY, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            if idle or now - started > settings.SESSION_COOKIE_AGE:
                logout(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}&timeout=1")
            if now - last_seen > LAST_SEEN_RESOLUTION or LAST_SEEN_KEY not in request.session:
                request.session[LAST_SEEN_KEY] = now  # at most one session write a minute
        response = self.get_response(request)
        # Stamp the start on the login request itself; only sessions that carry a login (not API token calls,
        # where DRF sets request.user too) get one.
        if request.user.is_authenticated and SESSION_KEY in request.session and STARTED_KEY not in request.session:
            request.session[STARTED_KEY] = timezone.now().timestamp()
        return response


class PasswordChangeRequiredMiddleware:
    """A user whose password was set by an administrator, or has expired, changes it before anything else."""

    exempt_prefixes = ("/static/", "/api/", "/i18n/", "/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and self.must_change(user) and not self.exempt(request.path):
            return redirect("accounts:password_change")
        return self.get_response(request)

    @staticmethod
    def must_change(user):
        return user.must_change_password or password_expired(user)

    def exempt(self, path):
        allowed = (reverse("accounts:password_change"), reverse("accounts:logout"))
        return path in allowed or path.startswith(self.exempt_prefixes)


def signed_in(request):
    """After the view: DRF puts the token's user on the request too, so API calls by token count as signed in."""
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and Django's other never-cache headers) on every response to a signed-in user:
    pages, exports and API answers carry data a shared or browser cache must not keep after logout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if signed_in(request):
            add_never_cache_headers(response)
        return response


class DeniedAccessAuditMiddleware:
    """A signed-in user's request that a view refused — 403, or 404 (out of scope looks like "no such row") — is
    audited as 越权访问, throttled per account and path (kaifaqu/accounts/denials.py). A 404 for an address that
    no view serves is a typo, not a denial, and is not recorded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        denied = response.status_code == 403 or (response.status_code == 404 and request.resolver_match is not None)
        if denied and signed_in(request):
            record_denied(request, request.user, status=response.status_code)
        return response
