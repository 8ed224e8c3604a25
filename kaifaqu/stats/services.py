"""Recording figures: the one write path for the form, the imports and the API.

Every submission is checked against the period lock, the firm's data-set assignment, negativity and the
validation rules. Hard breaches refuse the whole batch (nothing is written); soft breaches are saved and flagged
for follow-up. A correction adds a new revision and keeps the old one.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core.periods import format_period, month_of, previous_month

from .calendar import deadline, is_due_period
from .models import DataSetAssignment, Indicator, PeriodReopening, ValidationFlag, ValidationRule, Value
from .rules import RuleSpec, check_figures


@dataclass
class Submission:
    """The figures (indicator code → Decimal in the indicator's canonical unit) of one firm for one period."""

    enterprise: object
    period: int
    figures: dict
    row: int | None = None  # where it came from, for import error reports


@dataclass
class RecordResult:
    created: int = 0
    unchanged: int = 0
    flags: list = field(default_factory=list)


class SubmissionError(ValidationError):
    """Hard problems, as a list of (submission, indicator code or None, message)."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__([message for _sub, _code, message in problems])


def period_is_open(data_set, zone_id, period, now=None):
    """Open until the deadline; after it, only if the data set does not lock or a zone admin reopened it."""
    now = now or timezone.now()
    due = deadline(
        period,
        period_type=data_set.period_type,
        deadline_day=data_set.deadline_day,
        annual_deadline_month=data_set.annual_deadline_month,
    )
    if not data_set.lock_after_deadline or now.date() <= due:
        return True
    return PeriodReopening.objects.filter(data_set=data_set, zone_id=zone_id, period=period, closes_at__gt=now).exists()


def assigned_enterprise_ids(data_set, period, enterprise_ids):
    assignments = DataSetAssignment.objects.filter(
        data_set=data_set, enterprise_id__in=enterprise_ids, from_period__lte=period
    ).filter(Q(to_period__isnull=True) | Q(to_period__gte=period))
    return set(assignments.values_list("enterprise_id", flat=True))


def active_rules(data_set):
    rules = ValidationRule.objects.filter(is_active=True).filter(Q(data_set=data_set) | Q(data_set__isnull=True))
    return [RuleSpec.from_rule(r) for r in rules.select_related("left", "right", "when_indicator")]


def current_figures(enterprise_ids, periods, codes=None):
    """{(enterprise_id, period): {code: value}} of the current values."""
    values = Value.objects.filter(enterprise_id__in=enterprise_ids, period__in=periods, is_current=True)
    if codes is not None:
        values = values.filter(indicator__code__in=codes)
    table = defaultdict(dict)
    for enterprise_id, period, code, value in values.values_list("enterprise_id", "period", "indicator__code", "value"):
        table[(enterprise_id, period)][code] = value
    return table


def check_submissions(*, data_set, submissions, now=None):
    """All hard problems of a batch as (submission, code, message), and the soft breaches per submission."""
    indicators = {i.code: i for i in data_set.indicators.all()}
    rules = active_rules(data_set)
    ids = {s.enterprise.pk for s in submissions}
    periods = {s.period for s in submissions}
    assigned = {p: assigned_enterprise_ids(data_set, p, ids) for p in periods}
    earlier = current_figures(ids, {previous_month(p) for p in periods if month_of(p) > 1})
    stored = current_figures(ids, periods)
    open_cache = {}
    problems, soft = [], defaultdict(list)
    for sub in submissions:
        key = (data_set.pk, sub.enterprise.zone_id, sub.period)
        if key not in open_cache:
            open_cache[key] = period_is_open(data_set, sub.enterprise.zone_id, sub.period, now)
        problems += basic_problems(data_set, sub, indicators, assigned[sub.period], open_cache[key])
        merged = {**stored.get((sub.enterprise.pk, sub.period), {}), **sub.figures}
        previous = earlier.get((sub.enterprise.pk, previous_month(sub.period))) if month_of(sub.period) > 1 else None
        for breach in check_figures(rules, merged, previous):
            if breach.is_hard:
                problems.append((sub, breach.indicator, breach.message))
            else:
                soft[id(sub)].append(breach)
    return problems, soft


def basic_problems(data_set, sub, indicators, assigned_ids, is_open):
    label = format_period(sub.period)
    if not is_due_period(sub.period, january_exempt=data_set.january_exempt):
        return [(sub, None, _("%(period)s 不是报告期：1月免报，1—2月数据在2月报送") % {"period": label})]
    if not is_open:
        return [(sub, None, _("%(period)s 已过截止日期并锁定，需管委会管理员重新开放") % {"period": label})]
    if sub.enterprise.pk not in assigned_ids:
        return [(sub, None, _("该企业未被指定报送“%(form)s”") % {"form": data_set.name})]
    problems = []
    for code, value in sub.figures.items():
        if code not in indicators:
            problems.append((sub, code, _("“%(form)s”不含指标 %(code)s") % {"form": data_set.name, "code": code}))
        elif value is not None and value < 0 and not indicators[code].allow_negative:
            problems.append((sub, code, _("%(name)s 不能为负数") % {"name": indicators[code].name}))
    return problems


@transaction.atomic
def record_values(*, actor, data_set, submissions, source, reason="", now=None, checked=None):
    """Write a batch of submissions all-or-nothing. Raises SubmissionError listing every hard problem.

    `checked` is the (problems, soft) result of check_submissions on these very submissions earlier in the same
    transaction (an import validates the whole file just before committing it): it is not computed twice.
    """
    problems, soft = checked or check_submissions(data_set=data_set, submissions=submissions, now=now)
    if problems:
        raise SubmissionError(problems)
    indicator_ids = dict(Indicator.objects.values_list("code", "pk"))
    ids = {s.enterprise.pk for s in submissions}
    existing = {
        (v.enterprise_id, v.indicator_id, v.period): v
        for v in Value.objects.filter(
            enterprise_id__in=ids, period__in={s.period for s in submissions}, is_current=True
        )
    }
    result, new_rows, superseded = RecordResult(), [], []
    for sub in submissions:
        for code, value in sub.figures.items():
            if value is None:
                continue
            old = existing.get((sub.enterprise.pk, indicator_ids[code], sub.period))
            if old is not None and old.value == Decimal(value):
                result.unchanged += 1
                continue
            if old is not None:
                superseded.append(old.pk)
            new_rows.append(
                Value(
                    enterprise=sub.enterprise,
                    zone_id=sub.enterprise.zone_id,
                    indicator_id=indicator_ids[code],
                    period=sub.period,
                    value=value,
                    revision=(old.revision + 1) if old else 1,
                    is_current=True,
                    data_set=data_set,
                    source=source,
                    reason=reason,
                    entered_by=actor,
                )
            )
    Value.objects.filter(pk__in=superseded).update(is_current=False)
    Value.objects.bulk_create(new_rows, batch_size=2000)
    result.created = len(new_rows)
    result.flags = flag_soft_breaches(submissions, soft)
    return result


def flag_soft_breaches(submissions, soft):
    """One open flag per firm, period and rule: saving the same figures again does not flag them twice."""
    indicator_ids = dict(Indicator.objects.values_list("code", "pk"))
    already = set(
        ValidationFlag.objects.filter(
            enterprise_id__in={s.enterprise.pk for s in submissions}, status="open", kind="rule"
        ).values_list("enterprise_id", "period", "rule_id")
    )
    flags = [
        ValidationFlag(
            enterprise=sub.enterprise,
            zone_id=sub.enterprise.zone_id,
            period=sub.period,
            kind="rule",
            rule_id=breach.rule.rule_id,
            indicator_id=indicator_ids.get(breach.indicator),
            message=breach.message,
        )
        for sub in submissions
        for breach in soft.get(id(sub), [])
        if (sub.enterprise.pk, sub.period, breach.rule.rule_id) not in already
    ]
    return ValidationFlag.objects.bulk_create(flags)


# -- period reopening and data-set assignments (entry pages) ----------------------------------------------------


@transaction.atomic
def reopen_period(*, actor, data_set, zone, period, reason, closes_at, request=None):
    """A zone admin opens a locked period of a data set again until `closes_at`; recorded and audited."""
    reopening = PeriodReopening.objects.create(
        data_set=data_set, zone=zone, period=period, reason=reason, reopened_by=actor, closes_at=closes_at
    )
    record_event(
        AuditEventChoices.CONFIG_CHANGE,
        request=request,
        user=actor,
        obj=reopening,
        detail={
            "action": "reopen_period",
            "data_set": data_set.code,
            "zone": zone.pk,
            "period": format_period(period),
            "closes_at": closes_at.isoformat(),
            "reason": reason,
        },
    )
    return reopening


def overlapping_assignments(data_set, enterprise_ids, from_period, to_period=None):
    """Assignments of the data set to these firms whose span meets [from_period, to_period] (open when None)."""
    overlapping = DataSetAssignment.objects.filter(data_set=data_set, enterprise_id__in=enterprise_ids).filter(
        Q(to_period__isnull=True) | Q(to_period__gte=from_period)
    )
    if to_period is not None:
        overlapping = overlapping.filter(from_period__lte=to_period)
    return overlapping


@transaction.atomic
def assign_data_set(*, actor, data_set, enterprises, from_period, to_period=None):
    """Assign a data set to several firms from a period; firms already assigned over that span are skipped.

    Returns (created assignments, number skipped). History rows name the actor.
    """
    firms = list(enterprises)
    taken = set(
        overlapping_assignments(data_set, [f.pk for f in firms], from_period, to_period).values_list(
            "enterprise_id", flat=True
        )
    )
    rows = [
        DataSetAssignment(
            data_set=data_set, enterprise=firm, from_period=from_period, to_period=to_period, created_by=actor
        )
        for firm in firms
        if firm.pk not in taken
    ]
    created = bulk_create_with_history(rows, DataSetAssignment, default_user=actor) if rows else []
    return created, len(firms) - len(rows)


@transaction.atomic
def end_assignment(*, actor, assignment, to_period):
    """The firm reports the data set up to and including `to_period`."""
    if to_period < assignment.from_period:
        raise ValidationError({"to_period": _("截止报告期不能早于起始报告期")})
    assignment.to_period = to_period
    assignment._history_user = actor
    assignment.save(update_fields=["to_period"])
    return assignment
