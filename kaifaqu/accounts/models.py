"""Users, their memberships (role + scope), and the append-only audit log of security events."""

import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .choices import THREE_ADMIN_ROLES, AuditEventChoices, CheckpointReasonChoices, RoleChoices

NOTHING = Q(pk__in=[])
WRITE_ACTIONS = {"add", "change", "delete"}
# 三员分立 (docs/security.md, AC-2): the system administrator keeps accounts and configuration, not the zones' business
# records. He sees the registry, statistics and projects everywhere but writes none of their records (enterprises,
# their contacts and relocations, parks, industry chains; figures, assignments, targets, flags, the 四上 directory;
# projects and everything about them); their configuration rows stay his (Scope.configuration: approval kinds,
# reporting windows). The zones themselves and their departments are the "administration" domain: he creates zones.
# docs/users/roles.md says the same.
READ_ONLY_DOMAINS_FOR_SYSTEM_ADMIN = {"registry", "statistics", "projects"}
SEPARATION_MESSAGE = _("三员分立：一个账户不能同时担任系统管理员、安全管理员、审计管理员中的两个")


def region_prefix(code):
    """GB/T 2260: a province 140000 covers codes 14xxxx, a city 140100 covers 1401xx, a county only itself."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("手机"), max_length=30, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # The zone whose administrator created the account: before its first role, only that zone's admin sees it.
    home_zone = models.ForeignKey(
        "zones.Zone", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("所属开发区")
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    @cached_property
    def active_memberships(self):
        return list(self.memberships.select_related("zone", "department", "enterprise", "region"))

    @cached_property
    def roles(self):
        return {m.role for m in self.active_memberships}

    def has_role(self, *roles):
        return bool(self.roles.intersection(roles))

    @property
    def is_system_admin(self):
        return self.is_superuser or RoleChoices.SYSTEM_ADMIN in self.roles

    def zone_ids(self, *roles):
        """Zones where the user holds one of `roles` (any zone role when none given)."""
        return {m.zone_id for m in self.active_memberships if m.zone_id and (not roles or m.role in roles)}

    def system_admin_reads_only(self, scope, action):
        """A write the system administrator may not make: a business record of a domain he only reads."""
        return (
            action in WRITE_ACTIONS and scope.domain in READ_ONLY_DOMAINS_FOR_SYSTEM_ADMIN and not scope.configuration
        )

    def scope_q(self, scope, action):
        """The rows of a model (described by `scope`) this user may act on: a Q, or None for no restriction."""
        if self.is_system_admin:
            return NOTHING if self.system_admin_reads_only(scope, action) else None
        condition = NOTHING
        for membership in self.active_memberships:
            condition |= membership.scope_q(scope, action)
        return condition

    def can_add_in_zone(self, scope, zone_id):
        """Whether the user may create a row of a model described by `scope` in zone `zone_id`."""
        if self.is_system_admin:
            return not self.system_admin_reads_only(scope, "add")
        return any(m.may_write(scope) and m.zone_id == zone_id for m in self.active_memberships)

    def writable_zone_ids(self, scope):
        return {m.zone_id for m in self.active_memberships if m.zone_id and m.may_write(scope)}

    def may(self, action, target, *, zone=None):
        """Whether the user may `action` ("view", "add", "change", "delete") `target`: a scoped model class (may
        the user write it anywhere — or in `zone`, a zone or its id) or one of its rows (the row is within
        `restrict(user, action)`: one query, none for a system administrator).

        The one permission question every app asks (its permissions.py words it in its own terms); it adds no
        rule of its own: the model's Scope and the memberships decide, as restrict() does for lists."""
        if not self.is_authenticated or not self.is_active:
            return False
        if isinstance(target, type):
            return self.may_in_model(action, target, zone)
        if self.is_system_admin:
            return not self.system_admin_reads_only(type(target).scope, action)
        return type(target).objects.restrict(self, action).filter(pk=target.pk).exists()

    def may_in_model(self, action, model, zone):
        """Writes of a model anywhere or in one zone (what may be seen of a model is a list: restrict() it)."""
        if action not in WRITE_ACTIONS:
            raise ValueError(f"may({action!r}, a model): ask restrict() which rows may be seen")
        if self.is_system_admin:
            return not self.system_admin_reads_only(model.scope, action)
        zone_id = getattr(zone, "pk", zone)
        if zone_id is None:
            return bool(self.writable_zone_ids(model.scope))
        return self.can_add_in_zone(model.scope, zone_id)


class Membership(models.Model):
    """A role held by a user, with its scope: a zone (and department), an enterprise, or a region."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=30, choices=RoleChoices.choices)
    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("开发区")
    )
    department = models.ForeignKey(
        "zones.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("部门"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("企业"),
    )
    region = models.ForeignKey(
        "zones.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("行政区划")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "zone", "department", "enterprise", "region"],
                name="%(app_label)s_%(class)s_unique_grant",
            ),
            # 三员分立 in the database: at most one membership among the three administrator roles per account, so
            # two simultaneous grants cannot both pass the check in clean() (a partial unique index on both engines).
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=sorted(r.value for r in THREE_ADMIN_ROLES)),
                name="%(app_label)s_%(class)s_one_admin_role",
                violation_error_message=SEPARATION_MESSAGE,
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.scope_label}"

    @property
    def scope_label(self):
        return str(self.department or self.zone or self.enterprise or self.region or "")

    def clean(self):
        required = {
            RoleChoices.ZONE_ADMIN: ("zone",),
            RoleChoices.LEADER: ("zone",),
            RoleChoices.DEPARTMENT_STAFF: ("zone", "department"),
            RoleChoices.ENTERPRISE_USER: ("enterprise",),
            RoleChoices.REGION_VIEWER: ("region",),
        }.get(self.role, ())
        errors = {name: _("该角色必须指定此项") for name in required if getattr(self, f"{name}_id") is None}
        if self.role == RoleChoices.ENTERPRISE_USER and self.enterprise_id and not errors:
            self.zone_id = self.enterprise.zone_id
        if self.department_id and self.zone_id and self.department.zone_id != self.zone_id:
            errors["department"] = _("部门不属于所选开发区")
        if self.role in THREE_ADMIN_ROLES and self.user_id:
            others = self.user.memberships.exclude(pk=self.pk).filter(role__in=THREE_ADMIN_ROLES)
            if others.exclude(role=self.role).exists():
                errors["role"] = SEPARATION_MESSAGE
        if errors:
            raise ValidationError(errors)

    def may_write(self, scope):
        if self.role == RoleChoices.ZONE_ADMIN:
            return True
        if self.role == RoleChoices.DEPARTMENT_STAFF and self.department_id:
            return scope.domain in (self.department.domains or [])
        return False

    def assigned_q(self, scope, action, zone_q):
        """Rows assigned to the user's own department (承办部门): its staff change them, never add or delete."""
        if action == "change" and scope.department and self.role == RoleChoices.DEPARTMENT_STAFF:
            return zone_q & Q(**{scope.department: self.department_id})
        return NOTHING

    def scope_q(self, scope, action):
        role = self.role
        if role in (RoleChoices.ZONE_ADMIN, RoleChoices.DEPARTMENT_STAFF, RoleChoices.LEADER):
            zone_q = Q(**{scope.zone_lookup(): self.zone_id})
            if action in WRITE_ACTIONS and not self.may_write(scope):
                return self.assigned_q(scope, action, zone_q)
            return zone_q
        if action in WRITE_ACTIONS:
            return NOTHING
        if role == RoleChoices.ENTERPRISE_USER and scope.enterprise is not None:
            return Q(**{scope.enterprise: self.enterprise_id})
        if role == RoleChoices.REGION_VIEWER and self.region_id:
            return Q(**{scope.zone_lookup("region__code__startswith"): region_prefix(self.region_id)})
        return NOTHING


def token_digest(key):
    """Keys are 160 random bits: a plain SHA-256 is enough to keep them out of the database (no slow hash needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def issue(self, *, user, name="", days=None):
        """A new token for `user`, valid for `days` (API_TOKEN_DAYS). The key exists only on the returned object:
        the table keeps its digest and first characters (IA-3: no credential stored in clear)."""
        key = secrets.token_hex(20)
        now = timezone.now()
        token = self.create(
            user=user,
            name=name,
            key_digest=token_digest(key),
            key_prefix=key[:8],
            created_at=now,
            expires_at=now + timedelta(days=days or settings.API_TOKEN_DAYS),
        )
        token.key = key
        return token

    def for_key(self, key):
        return self.select_related("user").filter(key_digest=token_digest(key)).first()


class ApiToken(models.Model):
    """A named key for /api/ (header `Authorization: Token <key>`): expires, may go stale when unused, revocable."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("名称"), max_length=100)
    key_digest = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(_("令牌开头"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def expired(self):
        return timezone.now() >= self.expires_at

    @property
    def stale(self):
        """Unused for API_TOKEN_IDLE_DAYS (IA-2's idle rule for a key that has no session)."""
        if not settings.API_TOKEN_IDLE_DAYS:
            return False
        last = self.last_used_at or self.created_at
        return timezone.now() - last > timedelta(days=settings.API_TOKEN_IDLE_DAYS)

    @property
    def usable(self):
        return not (self.expired or self.stale)

    def touch(self):
        """Record use, at most one write a minute per token (a script may call many times a second)."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at > timedelta(minutes=1):
            type(self).objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


class AppendOnlyQuerySet(models.QuerySet):
    """The application's refusal; the database refuses too (triggers, migration 0007_audit_append_only)."""

    def update(self, **kwargs):
        raise PermissionError("audit records are append-only")

    def delete(self):
        raise PermissionError("audit records are append-only")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit records are append-only")


class AuditEvent(AppendOnlyModel):
    """Append-only log of security events (AU-1..4). Each record carries the hash of its predecessor."""

    occurred_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # A deleted account's records keep its id and name: the rows are never updated (append-only).
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
        db_constraint=False,
    )
    username = models.CharField(_("账户"), max_length=150, blank=True)
    event = models.CharField(_("事件"), max_length=30, choices=AuditEventChoices.choices, db_index=True)
    success = models.BooleanField(_("成功"), default=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    record_hash = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-occurred_at", "-pk"]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_event_display()}"

    def compute_hash(self):
        payload = json.dumps(
            [
                self.previous_hash,
                self.occurred_at.isoformat(),
                self.username,
                self.event,
                self.success,
                self.ip_address,
                self.object_type,
                self.object_repr,
                self.detail,
            ],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class AuditCheckpoint(AppendOnlyModel):
    """A seal on the audit chain (AU-3/4): how many records there were and the newest one's hash, at a moment.

    The hash chain shows an edited or removed record in the middle; only a seal shows that the newest records were
    removed. verify_chain() checks every seal whose head is still kept; the audit administrator exports the seals
    to keep a copy outside the system. A purge seals the chain's new start (first_pk and the hash before it)."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.CharField(_("原因"), max_length=20, choices=CheckpointReasonChoices.choices)
    created_by = models.CharField(_("操作者"), max_length=150, blank=True)
    row_count = models.PositiveBigIntegerField(_("记录数"))
    first_pk = models.BigIntegerField(_("首条记录"), null=True, blank=True)
    first_previous_hash = models.CharField(_("首条记录的前序哈希"), max_length=64, blank=True)
    head_pk = models.BigIntegerField(_("最新记录"), null=True, blank=True)
    head_hash = models.CharField(_("最新记录哈希"), max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计检查点")
        verbose_name_plural = _("审计检查点")
        ordering = ["-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} #{self.head_pk} {self.head_hash[:12]}"
