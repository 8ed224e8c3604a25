"""The audit hook of the core. Core mechanisms (the import engine) report auditable events here; the app that keeps
the audit log (accounts) installs its writer when Django starts (AccountsConfig.ready). Core imports nothing above
itself, so the writer comes to it, not the other way round.
"""

from django.core.exceptions import ImproperlyConfigured

IMPORT = "import"  # the event of a committed import (accounts.choices.AuditEventChoices.IMPORT)
CONFIG_CHANGE = "config_change"  # a configuration change, e.g. a reopened period (AuditEventChoices.CONFIG_CHANGE)

_writer = None


def install_audit_writer(writer):
    """`writer(event, *, user, obj, detail)` writes one audit record; the last one installed is used."""
    global _writer
    _writer = writer


def record_audit(event, *, user=None, obj=None, detail=None, request=None):
    """Write an audit record through the installed writer. Without one the caller's transaction fails: an auditable
    action must not happen unaudited."""
    if _writer is None:
        raise ImproperlyConfigured("no audit writer is installed (kaifaqu.accounts installs it)")
    if request is not None:
        return _writer(event, user=user, obj=obj, detail=detail, request=request)
    return _writer(event, user=user, obj=obj, detail=detail)
