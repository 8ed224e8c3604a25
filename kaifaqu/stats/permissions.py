"""Who may do what in statistics, in the app's own words. Visibility (the row in the user's view scope) is decided by
restrict() before any of these is asked."""

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.zones.querysets import writable_zones

from .models import EnterpriseYearStatus, ValidationFlag, Value

# Roles that work with many firms' figures (the staff pages, not a firm's own).
STAFF_ROLES = (RoleChoices.ZONE_ADMIN, RoleChoices.DEPARTMENT_STAFF, RoleChoices.LEADER, RoleChoices.REGION_VIEWER)


def is_business_user(user):
    return user.is_system_admin or user.has_role(*STAFF_ROLES)


def writable_stats_zones(user):
    """Zones where the user may write statistics (zone admin, statistics staff; every zone for the system admin)."""
    return writable_zones(user, Value)


def is_enterprise_user_of(user, enterprise):
    return any(
        m.role == RoleChoices.ENTERPRISE_USER and m.enterprise_id == enterprise.pk for m in user.active_memberships
    )


def may_enter_figures(user, enterprise):
    """Staff with the statistics domain in the firm's zone, its zone admin, the firm's own users, system admin."""
    if not user.is_authenticated:
        return False
    return user.can_add_in_zone(Value.scope, enterprise.zone_id) or is_enterprise_user_of(user, enterprise)


def may_scan_zone(user, zone):
    """Check a zone's figures for outliers: staff who write statistics in the zone (and the system admin)."""
    return user.is_authenticated and user.can_add_in_zone(ValidationFlag.scope, zone.pk)


def may_resolve_flag(user, flag):
    """Staff who write statistics in the flag's zone (and the system admin)."""
    return ValidationFlag.objects.restrict(user, "change").filter(pk=flag.pk).exists()


def may_explain_flag(user, flag):
    """The firm's own users, and staff who may resolve it."""
    return is_enterprise_user_of(user, flag.enterprise) or may_resolve_flag(user, flag)


def may_import_stats(user):
    """Import figures: staff who write statistics in some zone (and the system admin); the rows are checked per zone."""
    return user.may("add", Value)


def may_import_directory(user):
    """Import the 四上 directory: staff who write it in some zone (and the system admin)."""
    return user.may("add", EnterpriseYearStatus)


def may_reopen_periods(user):
    """Reopen a locked period: zone administrators (for their zones) and the system administrator."""
    return user.is_system_admin or user.has_role(RoleChoices.ZONE_ADMIN)
