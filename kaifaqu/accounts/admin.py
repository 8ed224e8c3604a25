"""The Django admin is the system administrator's configuration console (三员分立: configuration is theirs).

Access follows the 系统管理员 role, not Django's is_staff flag, so there is one permission system. Every change made
here is a configuration change in the audit log (AU-1/2), for our models and the third-party ones alike.
"""

import json

from django.contrib import admin

from .audit import record_event
from .choices import AuditEventChoices


def is_system_admin(request):
    user = request.user
    return user.is_active and user.is_authenticated and user.is_system_admin


admin.site.has_permission = is_system_admin
admin.site.site_header = admin.site.site_title = "Kaifaqu"


def admin_message(message):
    """Django's change message (a string, or a list of {"changed": {"fields": [...]}}) as plain JSON values."""
    return json.loads(json.dumps(message, default=str))


def audit_admin_change(request, action, objects, message=""):
    """One CONFIG_CHANGE record per object added or changed; one per deletion batch (a bulk delete names its rows)."""
    if action == "delete":
        detail = {
            "admin": action,
            "model": objects[0]._meta.label if objects else "",
            "count": len(objects),
            "objects": [str(obj)[:100] for obj in objects[:50]],
        }
        first = objects[0] if objects else None
        record_event(AuditEventChoices.CONFIG_CHANGE, request=request, obj=first, detail=detail)
        return
    for obj in objects:
        detail = {"admin": action, "model": obj._meta.label, "id": str(obj.pk), "message": admin_message(message)}
        record_event(AuditEventChoices.CONFIG_CHANGE, request=request, obj=obj, detail=detail)


class AuditedAdminMixin:
    """Audit what the admin logs in its LogEntry table; LogEntry alone misses the address and, for bulk deletions
    (saved with bulk_create), any signal."""

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        audit_admin_change(request, "add", [obj], message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        audit_admin_change(request, "change", [obj], message)
        return entry

    def log_deletions(self, request, queryset):
        objects = list(queryset)  # before the deletion, while the rows exist
        entries = super().log_deletions(request, objects)
        audit_admin_change(request, "delete", objects)
        return entries


def audit_every_admin(site):
    """Give every registered ModelAdmin (Django's, django-axes', django-tasks') the audit mixin. Called from
    AccountsConfig.ready, after the admin's autodiscovery has registered them all. DRF's token admin goes: its
    tokens are no longer used (kaifaqu.accounts.authentication)."""
    from rest_framework.authtoken.models import TokenProxy

    if site.is_registered(TokenProxy):
        site.unregister(TokenProxy)
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, AuditedAdminMixin):
            audited = type(type(model_admin).__name__, (AuditedAdminMixin, type(model_admin)), {"__module__": __name__})
            site.unregister(model)
            site.register(model, audited)


class SystemAdminModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_system_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_system_admin(request)

    def has_add_permission(self, request):
        return is_system_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_system_admin(request)

    def has_delete_permission(self, request, obj=None):
        return is_system_admin(request)
