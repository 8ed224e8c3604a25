"""Account writes: each one records its audit event in the same transaction."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .audit import record_event
from .choices import AuditEventChoices
from .models import ApiToken, Membership, User


def password_expired(user):
    if not settings.PASSWORD_MAX_AGE_DAYS or user.password_changed_at is None:
        return False
    return timezone.now() - user.password_changed_at > timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


@transaction.atomic
def create_user(
    *, actor, request=None, username, password, display_name="", email="", phone="", home_zone_id=None, memberships=()
):
    """Create an account; a password set by an administrator must be changed at first login."""
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        phone=phone,
        home_zone_id=home_zone_id,
        must_change_password=True,
    )
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.full_clean()
    user.save()
    for grant in memberships:
        grant_role(actor=actor, request=request, user=user, **grant)
    record_event(AuditEventChoices.USER_CREATE, request=request, user=actor, obj=user)
    return user


@transaction.atomic
def grant_role(*, actor, request=None, user, role, zone=None, department=None, enterprise=None, region=None):
    membership = Membership(
        user=user, role=role, zone=zone, department=department, enterprise=enterprise, region=region
    )
    membership.full_clean()
    membership.save()
    record_event(
        AuditEventChoices.ROLE_CHANGE,
        request=request,
        user=actor,
        obj=user,
        detail={"granted": role, "scope": membership.scope_label},
    )
    return membership


@transaction.atomic
def revoke_role(*, actor, request=None, membership):
    user = membership.user
    detail = {"revoked": membership.role, "scope": membership.scope_label}
    membership.delete()
    record_event(AuditEventChoices.ROLE_CHANGE, request=request, user=actor, obj=user, detail=detail)


@transaction.atomic
def change_password(*, user, request=None, new_password):
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record_event(AuditEventChoices.PASSWORD_CHANGE, request=request, user=user, obj=user)


@transaction.atomic
def reset_password(*, actor, request=None, user, new_password):
    user.set_password(new_password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record_event(AuditEventChoices.PASSWORD_RESET, request=request, user=actor, obj=user)


@transaction.atomic
def set_user_active(*, actor, request=None, user, active):
    user.is_active = active
    user.save(update_fields=["is_active"])
    event = AuditEventChoices.USER_UPDATE if active else AuditEventChoices.USER_DISABLE
    record_event(event, request=request, user=actor, obj=user, detail={"active": active})


@transaction.atomic
def create_api_token(*, user, request=None, name):
    """A named token for the user's own API calls; the key is on the returned object only (shown once)."""
    token = ApiToken.objects.issue(user=user, name=name)
    record_event(
        AuditEventChoices.CONFIG_CHANGE,
        request=request,
        user=user,
        obj=token,
        detail={
            "api_token": "created",
            "name": name,
            "prefix": token.key_prefix,
            "expires": token.expires_at.isoformat(),
        },
    )
    return token


@transaction.atomic
def revoke_api_token(*, user, request=None, token):
    detail = {"api_token": "revoked", "name": token.name, "prefix": token.key_prefix}
    record_event(AuditEventChoices.CONFIG_CHANGE, request=request, user=user, obj=token, detail=detail)
    token.delete()
