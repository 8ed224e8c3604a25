from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kaifaqu.accounts"
    label = "accounts"
    verbose_name = _("用户与权限")

    def ready(self):
        from django.contrib import admin

        from kaifaqu.core.audit import install_audit_writer

        from . import signals  # noqa: F401  (audit of authentication events)
        from .admin import audit_every_admin
        from .audit import record_event
        from .navigation import discover

        install_audit_writer(record_event)  # the core's mechanisms (imports) write their events through it
        audit_every_admin(admin.site)  # every change in the Django admin is audited
        discover()  # each app's navigation.py registers the tabs of its areas
