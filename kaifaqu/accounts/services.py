"""Account writes: each one records its audit event in the same transaction.

三员分立 is decided here, for the pages and any other caller (refusal()): `actor=None` is the server itself
(manage.py admin_account, the demo seed), which the web application never passes."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import record_event
from .choices import THREE_ADMIN_ROLES, AuditEventChoices, RoleChoices
from .models import SEPARATION_MESSAGE, ApiToken, Membership, User
from .querysets import grantable_roles, may_create_users

ACCOUNT_ACTIONS = ("update", "reset_password", "disable", "enable")
ROLE_ACTIONS = ("grant", "revoke")


class ActionRefused(PermissionDenied):
    """An account action 三员分立 or the actor's role does not allow; the message says why, for the actor."""


def admin_roles(user):
    """The three-admin roles an account holds now (read afresh: a cached role set may be stale). A superuser counts
    as a system administrator, as everywhere else."""
    roles = set(user.memberships.filter(role__in=THREE_ADMIN_ROLES).values_list("role", flat=True))
    if user.is_superuser:
        roles.add(RoleChoices.SYSTEM_ADMIN)
    return roles


def refusal(actor, action, target, role=None):
    """Why `actor` may not `action` the account `target` (for grant and revoke: `role`), or None when allowed.

    - nobody grants or revokes their own roles, resets their own password here (the password page asks for the old
      one), or disables or enables themselves;
    - an account holding one of the three administrator roles is managed only by an administrator of the same kind
      (or on the server): a system administrator cannot reset the audit administrator's password, nor disable the
      security administrator; a security administrator cannot grant to or revoke from either of them;
    - accounts are the system administrator's (and a zone administrator's, in their zone), roles the security
      administrator's (and a zone administrator's, the roles of their zone)."""
    if actor is None:
        return None
    if action in ROLE_ACTIONS:
        if actor.pk == target.pk:
            return _("三员分立：不能为自己授予或撤销角色。")
        if role is not None and role not in grantable_roles(actor):
            return _("您无权授予或撤销该角色。")
        if not grantable_roles(actor):
            return _("您无权授予或撤销角色。")
    else:
        if not may_create_users(actor):
            return _("您无权管理账户。")
        if actor.pk == target.pk and action != "update":
            return _("不能对自己的账户执行此操作；修改自己的密码请使用“修改密码”。")
    guarded = admin_roles(target) - admin_roles(actor)
    if guarded:
        labels = "、".join(str(RoleChoices(r).label) for r in sorted(guarded))
        return _("三员分立：该账户是%(roles)s，只能由同类管理员管理，或由运维人员在服务器上操作。") % {"roles": labels}
    return None


def allowed_actions(actor, target):
    """The actions the user page offers `actor` on `target` (grant: before the role is chosen)."""
    return {action for action in (*ACCOUNT_ACTIONS, "grant") if refusal(actor, action, target) is None}


def check(actor, action, target, role=None):
    reason = refusal(actor, action, target, role)
    if reason is not None:
        raise ActionRefused(reason)


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
    """Raises ActionRefused (三员分立, not the actor's to grant) or ValidationError (the grant itself is invalid,
    including a second administrator role granted at the same moment by someone else: the database refuses it)."""
    check(actor, "grant", user, role)
    membership = Membership(
        user=user, role=role, zone=zone, department=department, enterprise=enterprise, region=region
    )
    membership.full_clean()
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:
        # A rival grant committed between full_clean() and the insert; the unique indexes stopped this one.
        message = SEPARATION_MESSAGE if role in THREE_ADMIN_ROLES else _("该账户已有此授权")
        raise ValidationError({"role": message}) from error
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
    check(actor, "revoke", user, membership.role)
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
    check(actor, "reset_password", user)
    user.set_password(new_password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record_event(AuditEventChoices.PASSWORD_RESET, request=request, user=actor, obj=user)


@transaction.atomic
def set_user_active(*, actor, request=None, user, active):
    check(actor, "enable" if active else "disable", user)
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
