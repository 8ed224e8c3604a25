"""No edit is lost: every record edited through a form or the API carries a version, and a stale save is refused.

`Versioned` adds a `version` counter that every UPDATE raises by one in the database (`version = version + 1`).
A save that knows which version its user started from (`obj.expect_version(n)`: the form's hidden field, the API's
`If-Match` or body `version`) is a compare-and-set: `UPDATE … SET …, version = n + 1 WHERE pk = … AND version = n`.
When another save got there first the UPDATE matches no row, nothing is written and `StaleEdit` is raised with the
current row, who changed it and when (from the history), and the fields the other person changed (theirs beside
yours). One statement, so it is correct under concurrency on PostgreSQL and SQLite alike, with no lock held across
requests.

Saves that name no expected version (services writing derived values, commands, the admin) still raise the
version, so every form or API client holding the old one is refused afterwards; they are not checked themselves.
`StaleEdit` is a ValidationError without a field: a form shows it above the fields (`VersionedFormMixin` keeps the
user's input and moves the hidden version on, so that saving again after reading the differences overwrites on
purpose); the API answers 412 (If-Match) or 409 (body `version`), see `kaifaqu.core.api`.
"""

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .history import display_value


class StaleEdit(ValidationError):
    """The row changed since the user loaded it (their `expected` version); nothing of theirs was written.

    `current` is the row as stored now, `by` and `at` who saved the newest version and when (None when the
    history does not say), `changes` the fields the others changed as (label, theirs, yours) for display."""

    def __init__(self, obj, expected):
        model = type(obj)
        self.model = model
        self.expected = expected
        self.current = model._base_manager.get(pk=obj.pk)
        self.current_version = self.current.version
        newer = latest_records(self.current, expected)
        newest = newer[0] if newer else None
        self.by = getattr(newest, "history_user", None)
        self.at = getattr(newest, "history_date", None) or getattr(self.current, "updated_at", None)
        self.changes = conflicting_fields(obj, self.current, base_record(self.current, expected))
        super().__init__(self.describe())

    def describe(self):
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M") if self.at else "—"
        who = str(self.by) if self.by else _("其他用户")
        lines = [
            _(
                "该记录已被 %(user)s 于 %(time)s 修改，您的修改未保存。您填写的内容仍在表单中：请核对下列差异，"
                "确认后再次保存将以您的内容为准。"
            )
            % {"user": who, "time": when}
        ]
        lines += [
            _("%(field)s：对方改为“%(theirs)s”，您填写的是“%(yours)s”")
            % {"field": change["label"], "theirs": change["theirs"], "yours": change["yours"]}
            for change in self.changes
        ]
        return lines

    def as_data(self):
        """JSON-able details for the API: the version to send next, who and when, the differences."""
        return {
            "current_version": self.current_version,
            "changed_by": str(self.by) if self.by else None,
            "changed_at": self.at.isoformat() if self.at else None,
            "changes": [
                {
                    "field": change["name"],
                    "label": str(change["label"]),
                    "theirs": change["theirs"],
                    "yours": change["yours"],
                }
                for change in self.changes
            ],
        }


def has_history(obj):
    return hasattr(type(obj), "history") and hasattr(obj, "history")


def latest_records(obj, expected):
    """History records written after version `expected`, newest first."""
    if not has_history(obj):
        return []
    records = obj.history.filter(version__gt=expected).select_related("history_user")
    return list(records.order_by("-history_date", "-history_id")[:20])


def base_record(obj, expected):
    """The history record of version `expected`: the row as the user saw it, or None when the history lacks it."""
    if not has_history(obj):
        return None
    return obj.history.filter(version=expected).order_by("-history_date", "-history_id").first()


def edit_fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key and field.name != "version"
    ]


def shown(obj, field):
    if field.is_relation:
        related = getattr(obj, field.name, None)
        return str(related) if related is not None else "—"
    value = getattr(obj, field.attname)
    return str(display_value(field, value))


def conflicting_fields(yours, theirs, base):
    """The fields the others changed since `base` (every field that differs from the user's when `base` is None)."""
    changes = []
    for field in edit_fields(type(theirs)):
        current = getattr(theirs, field.attname)
        if base is not None:
            changed = getattr(base, field.attname, current) != current
        else:
            changed = getattr(yours, field.attname) != current
        if changed:
            changes.append(
                {
                    "name": field.name,
                    "label": field.verbose_name,
                    "theirs": shown(theirs, field),
                    "yours": shown(yours, field),
                }
            )
    return changes


class Versioned(models.Model):
    """A row that refuses a stale save: see the module's docstring."""

    version = models.PositiveIntegerField(
        _("版本"), default=1, editable=False, help_text=_("每次保存加一；保存时须提交读取时的版本")
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if getattr(self, "_expected_version", None) is None or self._state.adding:
            return super().save(*args, **kwargs)
        # A checked save may be refused: in a savepoint, so that the refusal leaves the caller's transaction usable
        # (to show the conflict, or to carry on).
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            return super().save(*args, **kwargs)

    def expect_version(self, version):
        """The next save writes only if the stored row is still at `version` (else StaleEdit)."""
        self._expected_version = int(version) if version not in (None, "") else None
        return self

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        field = self._meta.get_field("version")
        values = [value for value in values if value[0] is not field]
        filtered = base_qs.filter(pk=pk_val)
        expected = getattr(self, "_expected_version", None)
        loaded = self.__dict__.get("version")
        check = expected if expected is not None else loaded
        if check is not None:
            # Compare-and-set: the row must still be at the version this save started from.
            if filtered.filter(version=check)._update([*values, (field, None, check + 1)]) > 0:
                self.version = check + 1
                if expected is not None:
                    self._expected_version = self.version  # a second save of this instance checks again
                return True
            if expected is not None:
                if filtered.exists():
                    raise StaleEdit(self, expected)
                raise ValidationError(_("该记录已被其他用户删除，无法保存"))
        # An unchecked save over a row changed meanwhile: still raise the version (read back when next needed).
        updated = filtered._update([*values, (field, None, F("version") + 1)]) > 0
        if updated:
            self.__dict__.pop("version", None)
        return updated  # not found: Django inserts the row as it is (loaddata, serialized test data)


def bump_versions(queryset_or_model, pks):
    """Raise the version of rows written with bulk_update or update() (which bypass save)."""
    manager = getattr(queryset_or_model, "_base_manager", queryset_or_model)
    return manager.filter(pk__in=list(pks)).update(version=F("version") + 1)
