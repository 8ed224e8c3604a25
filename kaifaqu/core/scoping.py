"""Row-level scope: the one place that decides which rows a user may see or change.

A model declares how its rows reach a zone (and an enterprise) with a `Scope`; the user object answers with a Q
object for an action (see `kaifaqu.accounts.models.User.scope_q`). Views, API, exports and imports call
`Model.objects.restrict(user, action)` and never filter by hand. Out of scope means not found (404).
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import F
from django.http import Http404


def is_versioned(model):
    """A model with kaifaqu.core.versioning.Versioned (checked by duck type: scoping is imported first)."""
    return hasattr(model, "expect_version")


ACTIONS = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class Scope:
    """Paths from a row to its zone and enterprise; `domain` names the department domain that may write it.

    zone: lookup path to the zone's primary key ("zone" for a ForeignKey, "" when the row *is* a zone).
    enterprise: lookup path to the enterprise's primary key, or None when enterprise users never see the rows.
    department: lookup path to the department a row is assigned to (an approval matter, a problem): staff of that
        department may change the row even when the model's domain is not theirs.
    configuration: rows that set up how a domain works (approval kinds, reporting windows) rather than record the
        zones' business; the system administrator writes these even in a domain whose records he only reads.
    """

    zone: str
    enterprise: str | None = None
    domain: str = "registry"
    department: str | None = None
    configuration: bool = False

    def zone_lookup(self, suffix=""):
        """The ORM lookup from a row to its zone's field `suffix` (e.g. "region__code__startswith")."""
        if not self.zone:
            return suffix or "pk"
        return f"{self.zone}__{suffix}" if suffix else self.zone


class ScopedQuerySet(models.QuerySet):
    # Writes that bypass save() still raise a versioned row's version, so a form or API client holding the old one is
    # refused (kaifaqu.core.versioning).

    def update(self, **kwargs):
        if is_versioned(self.model) and "version" not in kwargs:
            kwargs["version"] = F("version") + 1
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        if not is_versioned(self.model) or "version" in fields:
            return super().bulk_update(objs, fields, batch_size=batch_size)
        objs = list(objs)
        loaded = [obj.version for obj in objs]
        for obj in objs:
            obj.version = F("version") + 1
        try:
            return super().bulk_update(objs, [*fields, "version"], batch_size=batch_size)
        finally:
            for obj, version in zip(objs, loaded, strict=True):
                obj.version = version + 1  # as stored unless a save came in between (then the history says so)

    def restrict(self, user, action="view"):
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        condition = user.scope_q(self.model.scope, action)
        if condition is None:
            return self
        return self.filter(condition)

    def get_restricted_or_404(self, user, action="view", **lookup):
        try:
            return self.restrict(user, action).get(**lookup)
        except self.model.DoesNotExist as missing:
            raise Http404 from missing


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass
