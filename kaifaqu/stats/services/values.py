"""Recording figures: the one write path for the form, the imports and the API.

Every submission is checked against the period lock, the firm's data-set assignment, negativity and the
validation rules. Hard breaches refuse the whole batch (nothing is written); soft breaches are saved and flagged
for follow-up. A correction adds a new revision and keeps the old one. A zone admin may reopen a locked period.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.core.bulk import insert_rows
from kaifaqu.core.money import format_amounts
from kaifaqu.core.periods import cumulative_label, cumulative_title, format_period, month_of, previous_month
from kaifaqu.core.reporting_window import reopen

from ..calendar import is_due_period
from ..models import DataSetAssignment, Indicator, PeriodReopening, ValidationFlag, ValidationRule, Value
from ..periods import period_is_open
from ..rules import RuleSpec, check_figures, check_later, nearest_later
from ..summaries import refresh_written


@dataclass
class Submission:
    """The figures (indicator code → Decimal in the indicator's canonical unit) of one firm for one period."""

    enterprise: object
    period: int
    figures: dict
    row: int | None = None  # where it came from, for import error reports
    priors: dict = field(default_factory=dict)  # indicator code → 上年同期 as reported on this form (optional)
    firm_id: int = field(init=False)  # enterprise.pk, read once: the batch checks look it up per figure

    def __post_init__(self):
        self.firm_id = self.enterprise.pk


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


def assigned_enterprise_ids(data_set, period, enterprise_ids):
    assignments = DataSetAssignment.objects.covering(period).filter(data_set=data_set, enterprise_id__in=enterprise_ids)
    return set(assignments.values_list("enterprise_id", flat=True))


def active_rules(data_set):
    rules = ValidationRule.objects.filter(is_active=True).filter(Q(data_set=data_set) | Q(data_set__isnull=True))
    return [RuleSpec.from_rule(r) for r in rules.select_related("left", "right", "when_indicator")]


def current_figures(enterprise_ids, periods, codes=None):
    """{(enterprise_id, period): {code: value}} of the current values."""
    values = Value.objects.current().filter(enterprise_id__in=enterprise_ids, period__in=periods)
    if codes is not None:
        values = values.filter(indicator__code__in=codes)
    table = defaultdict(dict)
    for enterprise_id, period, code, value in values.values_list("enterprise_id", "period", "indicator__code", "value"):
        table[(enterprise_id, period)][code] = value
    return table


def check_submissions(*, data_set, submissions, now=None, assigned=None, stored=None):
    """All hard problems of a batch as (submission, code, message), and the soft breaches per submission.

    Cumulative (1—N月) flows are checked from both sides: not below the previous month (the batch's own figure when
    the batch carries that month, else the stored one), and not above the nearest later month of the same year that
    has a figure (`later_breaches`). Stored figures are read once for the whole batch. A caller that has read them
    already, in the same transaction, passes them: `assigned` ({period: assigned firm ids}, at least the batch's) and
    `stored` (current_figures of the batch's firms and periods).
    """
    indicators = {i.code: i for i in data_set.indicators.all()}
    rules = active_rules(data_set)
    ids = {s.firm_id for s in submissions}
    periods = {s.period for s in submissions}
    if assigned is None:
        assigned = {p: assigned_enterprise_ids(data_set, p, ids) for p in periods}
    earlier = current_figures(ids, {previous_month(p) for p in periods if month_of(p) > 1})
    if stored is None:
        stored = current_figures(ids, periods)
    in_batch = {(s.firm_id, s.period): s.figures for s in submissions}
    following = later_series(submissions, rules)
    open_cache = {}
    problems, soft = [], defaultdict(list)
    for sub in submissions:
        key = (data_set.pk, sub.enterprise.zone_id, sub.period)
        if key not in open_cache:
            open_cache[key] = period_is_open(data_set, sub.enterprise.zone_id, sub.period, now)
        problems += basic_problems(data_set, sub, indicators, assigned[sub.period], open_cache[key])
        stored_here = stored.get((sub.firm_id, sub.period), {})
        merged = {**stored_here, **sub.figures}
        previous = None
        if month_of(sub.period) > 1:
            before = (sub.firm_id, previous_month(sub.period))
            batch_before = {code: v for code, v in in_batch.get(before, {}).items() if v is not None}
            previous = {**earlier.get(before, {}), **batch_before}
        breaches = check_figures(rules, merged, previous)
        breaches += later_breaches(sub, rules, stored_here, following, indicators)
        for breach in breaches:
            if breach.is_hard:
                problems.append((sub, breach.indicator, breach.message))
            else:
                soft[id(sub)].append(breach)
    return problems, soft


def later_series(submissions, rules):
    """{(enterprise_id, code): {period: (value, from the batch)}} of the cumulative rules' indicators in the months
    after the batch's periods up to each December: the stored current figures, overridden by the batch's own. One
    query for the whole batch."""
    codes = {rule.left for rule in rules if rule.kind == "cumulative"}
    if not codes:
        return {}
    months = {p // 100 * 100 + m for p in {s.period for s in submissions} for m in range(month_of(p) + 1, 13)}
    series = defaultdict(dict)
    if months:
        stored = current_figures({s.firm_id for s in submissions}, months, codes)
        for (enterprise_id, period), figures in stored.items():
            for code, value in figures.items():
                series[(enterprise_id, code)][period] = (value, False)
    for sub in submissions:
        for code in codes:
            if sub.figures.get(code) is not None:
                series[(sub.firm_id, code)][sub.period] = (sub.figures[code], True)
    return series


def later_breaches(sub, rules, stored_here, series, indicators):
    """The cumulative rules seen from a later month: a figure of `sub` must not be above the nearest later month of
    the same year that has a figure (stored or in the batch; 1—N月 restarts each January, so December does not bound
    January). A pair is checked when one of its figures is entered or corrected now; when the later month is the
    very next one and comes in the same batch, the pair is that submission's previous-month check (reported once,
    on the later month)."""
    breaches = []
    for rule in rules:
        code = rule.left
        new = sub.figures.get(code)
        if rule.kind != "cumulative" or new is None:
            continue
        found = nearest_later(sub.period, series.get((sub.firm_id, code), {}))
        if found is None:
            continue
        later, (later_value, from_batch) = found
        if from_batch and later == sub.period + 1:  # the next month, same year (the series stops at December)
            continue
        if not from_batch and stored_here.get(code) == new:
            continue  # neither figure is entered now: an old pair is not this submission's business
        breach = check_later(rule, {code: new}, {code: later_value})
        if breach is None:
            continue
        indicator = indicators.get(code)
        value, later_shown = format_amounts(new, later_value, unit=indicator.unit if indicator else "")
        message = _(
            "%(name)s：%(period)s累计 %(value)s 高于%(later)s累计 %(later_value)s，后面月份的累计数不能低于前面月份"
        ) % {
            "name": indicator.label if indicator else code,
            "period": cumulative_title(sub.period),
            "value": value,
            "later": cumulative_label(later),
            "later_value": later_shown,
        }
        breaches.append(replace(breach, message=message))
    return breaches


def basic_problems(data_set, sub, indicators, assigned_ids, is_open):
    label = format_period(sub.period)
    if not is_due_period(sub.period, january_exempt=data_set.january_exempt):
        return [(sub, None, _("%(period)s 不是报告期：1月免报，1—2月数据在2月报送") % {"period": label})]
    if not is_open:
        return [(sub, None, _("%(period)s 已过截止日期并锁定，需管委会管理员重新开放") % {"period": label})]
    if sub.firm_id not in assigned_ids:
        return [(sub, None, _("该企业未被指定报送“%(form)s”") % {"form": data_set.label})]
    problems = []
    for code, value in sub.figures.items():
        if code not in indicators:
            problems.append((sub, code, _("“%(form)s”不含指标 %(code)s") % {"form": data_set.label, "code": code}))
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
    existing = current_revisions(submissions)
    entered_at = connection.ops.adapt_datetimefield_value(timezone.now())
    actor_id = actor.pk if actor is not None else None
    amount = DecimalAdapter(Value._meta.get_field("value"))
    result, new_rows, superseded = RecordResult(), [], []
    for sub in submissions:
        firm_id, zone_id, period = sub.firm_id, sub.enterprise.zone_id, sub.period
        for code, value in sub.figures.items():
            if value is None:
                continue
            value = amount.adapt(value)
            indicator_id = indicator_ids[code]
            old = existing.get((firm_id, indicator_id, period))
            # a reported 上年同期 given now replaces the one reported before; else that one is kept
            prior = sub.priors.get(code)
            prior = amount.adapt(prior) if prior is not None else (old[3] if old is not None else None)
            if old is not None and old[1] == value and old[3] == prior:
                result.unchanged += 1
                continue
            if old is not None:
                superseded.append(old[0])
            revision = old[2] + 1 if old is not None else 1
            new_rows.append(
                (firm_id, zone_id, indicator_id, period, value, prior, revision, True)
                + (data_set.pk, source, reason, actor_id, entered_at)
            )
    for ids in in_batches(superseded):  # before the inserts: one current value per firm, indicator and period
        Value.objects.filter(pk__in=ids).update(is_current=False)
    insert_values(new_rows)
    result.created = len(new_rows)
    result.flags = flag_soft_breaches(submissions, soft) + flag_prior_differences(submissions)
    return result


# The columns insert_values writes, in the order record_values builds its tuples.
INSERTED_FIELDS = (
    "enterprise",
    "zone",
    "indicator",
    "period",
    "value",
    "reported_prior",
    "revision",
    "is_current",
    "data_set",
    "source",
    "reason",
    "entered_by",
    "entered_at",
)
WRITE_BATCH = 2000  # rows per executemany and ids per IN list (SQLite builds allow 32,766 parameters by default)


def in_batches(items, size=None):
    items, size = list(items), size or WRITE_BATCH
    for start in range(0, len(items), size):
        yield items[start : start + size]


class DecimalAdapter:
    """Figures as a DecimalField stores them, without a model instance per figure (and with the backend's adapter
    looked up once: `connection` is a thread-local proxy, dear to reach 50,000 times)."""

    def __init__(self, field):
        self.field = field
        self.backend_adapt = connection.ops.adapt_decimalfield_value

    def adapt(self, value):
        if type(value) is not Decimal:
            value = self.field.to_python(value)
        return self.backend_adapt(value, self.field.max_digits, self.field.decimal_places)


def current_revisions(submissions):
    """{(enterprise_id, indicator_id, period): (pk, value, revision, reported_prior)} of the current values the batch
    may replace."""
    periods = {s.period for s in submissions}
    found = {}
    for ids in in_batches({s.firm_id for s in submissions}):
        current = Value.objects.current().filter(enterprise_id__in=ids, period__in=periods)
        for pk, firm_id, indicator_id, period, value, revision, prior in current.values_list(
            "pk", "enterprise_id", "indicator_id", "period", "value", "revision", "reported_prior"
        ):
            found[(firm_id, indicator_id, period)] = (pk, value, revision, prior)
    return found


@transaction.atomic
def insert_values(rows):
    """Insert Value rows (tuples in INSERTED_FIELDS order) with one INSERT run by executemany, and refresh the
    summary rows they change (their zones and periods, and the periods a year later) in the same transaction.

    Not bulk_create: for each row it builds a model instance and prepares every field, which was half the time of
    a 50,000-row import. Value has no history model, signals or defaults that bulk_create would apply here.
    """
    if not rows:
        return
    meta = Value._meta
    if connection.vendor == "postgresql":  # one array a column: psycopg's executemany runs a statement a row
        insert_rows(Value, [meta.get_field(name) for name in INSERTED_FIELDS], rows)
    else:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in INSERTED_FIELDS)
        marks = ", ".join(["%s"] * len(INSERTED_FIELDS))
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 names from the model
        with connection.cursor() as cursor:
            for batch in in_batches(rows):
                cursor.executemany(sql, batch)
    refresh_written({row[:4] for row in rows})  # enterprise, zone, indicator, period


def open_flag_keys(enterprise_ids, kind, key):
    """{(enterprise_id, period, `key`)} of the open flags of `kind` of these firms: a flag is not raised twice."""
    flags = ValidationFlag.objects.filter(enterprise_id__in=enterprise_ids, status="open", kind=kind)
    return set(flags.values_list("enterprise_id", "period", key))


def flag_soft_breaches(submissions, soft):
    """One open flag per firm, period and rule: saving the same figures again does not flag them twice."""
    indicator_ids = dict(Indicator.objects.values_list("code", "pk"))
    already = open_flag_keys({s.firm_id for s in submissions}, "rule", "rule_id")
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
        if (sub.firm_id, sub.period, breach.rule.rule_id) not in already
    ]
    return ValidationFlag.objects.bulk_create(flags)


def prior_differences(submissions):
    """(submission, indicator code, reported, stored) where a reported 上年同期 differs from the firm's stored figure
    of the same period a year before (one query)."""
    wanted = [s for s in submissions if s.priors]
    if not wanted:
        return []
    stored = current_figures({s.firm_id for s in wanted}, {s.period - 100 for s in wanted})
    found = []
    for sub in wanted:
        before = stored.get((sub.firm_id, sub.period - 100), {})
        for code, reported in sub.priors.items():
            if reported is not None and before.get(code) is not None and before[code] != reported:
                found.append((sub, code, reported, before[code]))
    return found


def prior_difference_message(indicator, period, reported, stored):
    reported_shown, stored_shown = format_amounts(reported, stored, unit=indicator.unit)
    return _(
        "%(name)s：本期表中上年同期（%(label)s）填报 %(reported)s，与系统中的数 %(stored)s 不一致；"
        "同口径增速按填报数计算"
    ) % {
        "name": indicator.label,
        "label": cumulative_title(period - 100),
        "reported": reported_shown,
        "stored": stored_shown,
    }


def flag_prior_differences(submissions):
    """A data-quality item per firm, period and indicator whose reported 上年同期 differs from the stored figure;
    both are kept (the reported one is the base). Not raised twice while one is open."""
    differences = prior_differences(submissions)
    if not differences:
        return []
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={code for _s, code, _r, _v in differences})}
    already = open_flag_keys({s.firm_id for s, *_rest in differences}, "prior", "indicator_id")
    flags = [
        ValidationFlag(
            enterprise=sub.enterprise,
            zone_id=sub.enterprise.zone_id,
            period=sub.period,
            kind="prior",
            indicator=indicators[code],
            message=prior_difference_message(indicators[code], sub.period, reported, stored)[:300],
        )
        for sub, code, reported, stored in differences
        if (sub.firm_id, sub.period, indicators[code].pk) not in already
    ]
    return ValidationFlag.objects.bulk_create(flags)


# -- reopening a locked period -----------------------------------------------------------------------------------------


def reopen_period(*, actor, data_set, zone, period, reason, closes_at, request=None):
    """A zone admin opens a locked period of a data set again until `closes_at` (PeriodReopening.clean says which
    periods); recorded and audited."""
    return reopen(
        PeriodReopening,
        actor=actor,
        zone=zone,
        period=period,
        reason=reason,
        closes_at=closes_at,
        request=request,
        detail={"action": "reopen_period", "data_set": data_set.code},
        data_set=data_set,
    )
