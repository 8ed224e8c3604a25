"""Which accounts an administrator may see and manage."""

from django.db.models import Q

from .choices import THREE_ADMIN_ROLES, ZONE_ROLES, RoleChoices
from .models import User


def manageable_users(actor):
    """System and security administrators manage every account; a zone admin the accounts of their zone."""
    if actor.is_superuser or actor.has_role(RoleChoices.SYSTEM_ADMIN, RoleChoices.SECURITY_ADMIN):
        return User.objects.all()
    zones = actor.zone_ids(RoleChoices.ZONE_ADMIN)
    if not zones:
        return User.objects.none()
    in_zone = User.objects.filter(memberships__zone__in=zones).values("pk")
    privileged = User.objects.filter(Q(is_superuser=True) | Q(memberships__role__in=THREE_ADMIN_ROLES)).values("pk")
    # An account the zone admin created has no role yet: reachable through its home zone to grant the first one.
    created_here = User.objects.filter(home_zone__in=zones, memberships__isnull=True).values("pk")
    return User.objects.filter(Q(pk__in=in_zone) | Q(pk__in=created_here)).exclude(pk__in=privileged)


def grantable_roles(actor):
    """Roles an actor may grant: the security admin any, a zone admin the roles of their own zone."""
    if actor.is_superuser or actor.has_role(RoleChoices.SECURITY_ADMIN):
        return list(RoleChoices)
    if actor.has_role(RoleChoices.ZONE_ADMIN):
        return [r for r in RoleChoices if r in ZONE_ROLES]
    return []


def may_create_users(actor):
    return actor.is_superuser or actor.has_role(RoleChoices.SYSTEM_ADMIN, RoleChoices.ZONE_ADMIN)
