"""Reporting windows: a closed reporting period opened again for one zone, with a written reason, until a closing
time. Statistics (stats.PeriodReopening: a data set's period after its deadline) and projects
(projects.ProgressReopening: a month of progress after its deadline) share the model's fields, the reads and the
write here; each adds what its period is (a data set) and which periods may be reopened (`period_errors`).

- `ReportingWindow`: the abstract model (zone, period, closing time; the reason and who opened it when are the
  subclass's fields, named by `opened_by_field` / `opened_at_field`: the two tables predate this module and keep their
  columns).
- `ReportingWindowQuerySet.open(now)` / `.open_for(zone, period, now)`: the windows still open.
- `reopen(model, …)`: the one write, validated by the model's full_clean and audited.
- `ReopenView` (kaifaqu/core/views.py): the page that reopens and lists the reopenings.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.audit import CONFIG_CHANGE, record_audit
from kaifaqu.core.periods import format_period
from kaifaqu.core.scoping import ScopedManager, ScopedQuerySet


class ReportingWindowQuerySet(ScopedQuerySet):
    def open(self, now=None):
        """Windows whose closing time is still to come."""
        return self.filter(closes_at__gt=now or timezone.now())

    def open_for(self, zone, period, now=None):
        """The open windows of one zone (a zone or its id) and period."""
        return self.open(now).filter(zone=zone, period=period)


class ReportingWindow(models.Model):
    """A closed period of a zone opened again until `closes_at`, with the reason."""

    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="+", verbose_name=_("开发区"))
    period = models.PositiveIntegerField(_("报告期"))
    closes_at = models.DateTimeField(_("重新关闭时间"))

    objects = ScopedManager.from_queryset(ReportingWindowQuerySet)()

    # The subclass's own fields: `reason`, and who opened the window and when (named here).
    opened_by_field, opened_at_field = "opened_by", "opened_at"
    closes_in_past = _("再次截止时间须晚于现在")

    class Meta:
        abstract = True

    @property
    def is_open(self):
        return self.closes_at > timezone.now()

    def clean_fields(self, exclude=None):
        self.reason = (self.reason or "").strip()  # a reason of spaces is no reason
        super().clean_fields(exclude)

    def clean(self):
        errors = self.period_errors() if self.period else {}
        if self.closes_at and self.closes_at <= timezone.now():
            errors["closes_at"] = self.closes_in_past
        if errors:
            raise ValidationError(errors)

    def period_errors(self):
        """{field: message} of why this period may not be reopened (none here: the subclasses say)."""
        return {}


@transaction.atomic
def reopen(model, *, actor, zone, period, reason, closes_at, request=None, detail=None, **keys):
    """Open `period` of `zone` again until `closes_at` (a `model`, subclass of ReportingWindow; `keys` are its own
    fields, e.g. the data set). Validated whole (the model's clean) and recorded in the audit log."""
    window = model(zone=zone, period=period, reason=reason, closes_at=closes_at, **keys)
    setattr(window, model.opened_by_field, actor)
    window.full_clean()
    window.save()
    record_audit(
        CONFIG_CHANGE,
        request=request,
        user=actor,
        obj=window,
        detail={
            **(detail or {}),
            "zone": zone.pk,
            "period": format_period(period),
            "closes_at": closes_at.isoformat(),
            "reason": window.reason,
        },
    )
    return window
