"""Audit of authentication events; Django and django-axes announce them as signals."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import record_event
from .choices import AuditEventChoices


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record_event(AuditEventChoices.LOGIN, request=request, user=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    record_event(
        AuditEventChoices.LOGIN_FAILED, request=request, username=credentials.get("username", "")[:150], success=False
    )


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(AuditEventChoices.LOGOUT, request=request, user=user)


@receiver(user_locked_out)
def audit_locked_out(sender, request, username, ip_address, **kwargs):
    record_event(AuditEventChoices.LOCKED_OUT, request=request, username=(username or "")[:150], success=False)
