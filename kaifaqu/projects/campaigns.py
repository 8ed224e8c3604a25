"""三个一批 campaigns: batch membership computed from stage dates within the campaign period.

A project is in a batch (签约一批 / 开工一批 / 投产一批) when the actual date of its stage whose milestone is the
batch's (choices.BATCH_MILESTONES: signed / started / production) falls in [starts_on, ends_on], both days
included — unless a CampaignOverride takes it out of that batch; an override can also put a project in by hand.
Every override carries its reason and the user who decided it (history).

Reads come in three sizes, all a fixed number of queries whatever the number of projects:
- `batch_project_ids` — the ids in a batch (two queries: dated stages and overrides; rules.batch_members's rule);
- `batch_totals` — per batch: count, total investment, 亿元以上 count and share, expected annual output
  (one GROUP BY, corrected by the few hand decisions) — what the campaign page's summary and the benchmark use;
- `batch_rows` — the projects of each batch with their date, for the lists and the export (three queries).
`achieved_output` reads the statistics through their read API (current 工业总产值 of the producing enterprises) for the
production batch. Filters (minimum investment, level, kind, park) narrow every one of them alike.

Who may read: campaigns are scoped to their zone (Campaign.scope); every user who sees a campaign sees its zone,
and therefore the zone's statistics (StatsViewer.entitled_zone_ids is the zone scope) — so the output figures of
the producing firms may be shown on the campaign page and in its export.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.core.history import attributed
from kaifaqu.core.periods import make_period, month_of, year_of
from kaifaqu.stats.read import latest_cumulative_total

from .choices import BATCH_MILESTONES, CampaignBatchChoices
from .models import CampaignOverride, Project, ProjectStage
from .rules import pct

BATCHES = list(CampaignBatchChoices)
# 亿元以上: total investment of at least 1亿元 = 10,000万元.
BIG_PROJECT = Decimal("10000")
OUTPUT_INDICATOR = "output_value"  # 工业总产值 (当年价格), 1—N月 cumulative


# -- filters ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchFilter:
    """What the campaign page lets a leader narrow the batches to (e.g. 亿元以上: min_investment=10000)."""

    min_investment: Decimal | None = None
    level: str = ""
    kind: str = ""
    park_id: int | None = None

    def q(self, prefix=""):
        """The condition on Project fields, reached through `prefix` ("project__" from a stage row)."""
        condition = Q()
        if self.min_investment is not None:
            condition &= Q(**{f"{prefix}total_investment__gte": self.min_investment})
        if self.level:
            condition &= Q(**{f"{prefix}level": self.level})
        if self.kind:
            condition &= Q(**{f"{prefix}kind": self.kind})
        if self.park_id:
            condition &= Q(**{f"{prefix}park_id": self.park_id})
        return condition


NO_FILTER = BatchFilter()


def dated_stages(campaign):
    """Stage rows whose milestone is a batch's and whose actual date is within the campaign (bounds included)."""
    return ProjectStage.objects.filter(
        stage__zone_id=campaign.zone_id,
        stage__milestone__in=[m.value for m in BATCH_MILESTONES.values()],
        actual_on__gte=campaign.starts_on,
        actual_on__lte=campaign.ends_on,
    ).order_by()  # unordered: the default ordering would join the project and its zone to sort


# -- membership ---------------------------------------------------------------------------------------------------


def batch_members_by_batch(campaign):
    """{batch: set of project ids} for the three batches, overrides applied (two queries).

    The rule of rules.batch_members — a milestone date within [starts_on, ends_on], then the hand decisions — with
    the date bounds applied in SQL, so that only the ids travel (the tests check it against rules.batch_members
    over every stage date).
    """
    milestones = {m.value: b.value for b, m in BATCH_MILESTONES.items()}
    members = {batch.value: set() for batch in BATCHES}
    for project_id, milestone in dated_stages(campaign).values_list("project_id", "stage__milestone"):
        members[milestones[milestone]].add(project_id)
    decisions = CampaignOverride.objects.filter(campaign=campaign).order_by()
    for project_id, batch, include in decisions.values_list("project_id", "batch", "include"):
        if include:
            members[batch].add(project_id)
        else:
            members[batch].discard(project_id)
    return members


def batch_project_ids(campaign, batch=None):
    """Ids of the projects in `batch` of `campaign` (all three batches when batch is None), overrides applied."""
    members = batch_members_by_batch(campaign)
    if batch:
        return members[str(batch)]
    return set().union(*members.values())


def batch_project_q(campaign, batch=None):
    """The same membership as a condition on Project querysets (subqueries, no id list): for list filters."""
    batches = [CampaignBatchChoices(batch)] if batch else BATCHES
    condition = Q(pk__in=[])
    for code in batches:
        dated = dated_stages(campaign).filter(project=OuterRef("pk"), stage__milestone=BATCH_MILESTONES[code])
        chosen = CampaignOverride.objects.filter(campaign=campaign, project=OuterRef("pk"), batch=code)
        condition |= (Exists(dated) & ~Exists(chosen.filter(include=False))) | Exists(chosen.filter(include=True))
    return condition


# -- totals -------------------------------------------------------------------------------------------------------


@dataclass
class BatchTotals:
    """The figures of one batch as leaders read them (investment and output in 万元)."""

    batch: str
    count: int = 0
    investment: Decimal = Decimal(0)
    big_count: int = 0  # 亿元以上
    expected_output: Decimal = Decimal(0)

    @property
    def label(self):
        return CampaignBatchChoices(self.batch).label

    @property
    def big_share(self):
        """亿元以上 projects as a percentage of the batch (None for an empty batch)."""
        return pct(self.big_count, self.count)

    def add(self, count, investment, big_count, expected_output):
        self.count += count or 0
        self.investment += investment or 0
        self.big_count += big_count or 0
        self.expected_output += expected_output or 0

    def figures(self):
        return (self.count, self.investment, self.big_count, self.expected_output)


def batch_totals(campaign, filters=NO_FILTER):
    """{batch: BatchTotals} — two queries whatever the number of projects.

    1. One GROUP BY over the stage rows dated within the campaign, by milestone (the verdict of the dates);
    2. the campaign's hand decisions (few rows, the filters applied) with their projects' figures and the stages
       they reached within the campaign: an exclusion of a project dated in its batch takes the project's figures
       out, an inclusion of a project not dated in it adds them; a decision agreeing with the dates changes nothing.
    The arithmetic on the few decided projects is done here rather than with SQL subqueries: the same numbers (see
    bench/projects.py, which checks them against one hand-written SQL query) for less work per call.
    """
    milestones = {m.value: b.value for b, m in BATCH_MILESTONES.items()}
    totals = {b.value: BatchTotals(b.value) for b in BATCHES}
    dated = (
        dated_stages(campaign)
        .filter(filters.q("project__"))
        .values("stage__milestone")
        .annotate(
            n=Count("project_id"),
            investment=Sum("project__total_investment"),
            big=Count("project_id", filter=Q(project__total_investment__gte=BIG_PROJECT)),
            output=Sum("project__expected_output_value"),
        )
        .order_by()
    )
    for row in dated:
        totals[milestones[row["stage__milestone"]]].add(row["n"], row["investment"], row["big"], row["output"])
    # The hand decisions, each with its project's figures and (LEFT JOIN) its stage rows dated within the campaign.
    dated_within = FilteredRelation(
        "project__stages",
        condition=Q(
            project__stages__actual_on__gte=campaign.starts_on, project__stages__actual_on__lte=campaign.ends_on
        ),
    )
    decisions = (
        CampaignOverride.objects.filter(campaign=campaign)
        .filter(filters.q("project__"))
        .annotate(dated=dated_within)
        .order_by()
        .values_list(
            "project_id",
            "batch",
            "include",
            "project__total_investment",
            "project__expected_output_value",
            "dated__stage__milestone",
        )
    )
    decided, in_batch = {}, set()
    for project_id, batch, include, investment, output, milestone in decisions:
        decided[(project_id, batch)] = (include, investment, output)
        if milestone in milestones:
            in_batch.add((project_id, milestones[milestone]))
    for (project_id, batch), (include, investment, output) in decided.items():
        if include == ((project_id, batch) in in_batch):
            continue  # the decision agrees with the dates
        sign = 1 if include else -1
        big = int(investment is not None and investment >= BIG_PROJECT)
        totals[batch].add(sign, sign * (investment or 0), sign * big, sign * (output or 0))
    return totals


# -- rows ---------------------------------------------------------------------------------------------------------


@dataclass
class BatchRow:
    project: Project
    on: datetime.date | None  # the milestone's actual date (a project put in by hand may have none)
    override: CampaignOverride | None = None  # the hand inclusion that put it there
    achieved: Decimal | None = None  # production batch: the producer's 1—N月 工业总产值


@dataclass
class Batch:
    batch: str
    rows: list = field(default_factory=list)
    totals: BatchTotals | None = None
    output: "Output | None" = None  # production batch only

    @property
    def label(self):
        return CampaignBatchChoices(self.batch).label


def project_columns(queryset, prefix=""):
    return queryset.select_related(*(f"{prefix}{name}" for name in ("zone", "park", "investor", "producer")))


def batch_rows(campaign, filters=NO_FILTER, overrides=None):
    """{batch: [BatchRow]} in date order, overrides applied (three queries; the overrides may be given)."""
    if overrides is None:
        overrides = list(campaign_overrides(campaign))
    milestones = {m.value: b.value for b, m in BATCH_MILESTONES.items()}
    chosen = {(o.batch, o.project_id): o for o in overrides}
    rows = {b.value: {} for b in BATCHES}
    stages = project_columns(dated_stages(campaign).filter(filters.q("project__")), "project__").select_related("stage")
    for stage in stages:
        batch = milestones[stage.stage.milestone]
        override = chosen.get((batch, stage.project_id))
        if override is None or override.include:
            rows[batch][stage.project_id] = BatchRow(stage.project, stage.actual_on, override)
    wanted = [o for o in overrides if o.include and o.project_id not in rows[o.batch]]
    if wanted:
        projects = project_columns(Project.objects.filter(filters.q(), pk__in={o.project_id for o in wanted}))
        projects = {p.pk: p for p in projects}
        dates = {
            (milestones[m], pid): day
            for pid, m, day in ProjectStage.objects.filter(
                project_id__in=list(projects), stage__milestone__in=list(milestones), actual_on__isnull=False
            ).values_list("project_id", "stage__milestone", "actual_on")
        }
        for override in wanted:
            project = projects.get(override.project_id)
            if project is not None:
                on = dates.get((override.batch, project.pk))
                rows[override.batch][project.pk] = BatchRow(project, on, override)
    far = datetime.date.max
    return {
        batch: sorted(found.values(), key=lambda r: (r.on or far, r.project.name, r.project.pk))
        for batch, found in rows.items()
    }


def totals_of_rows(batch, rows):
    """The BatchTotals of a list of rows (what batch_totals computes in SQL)."""
    totals = BatchTotals(batch)
    for row in rows:
        investment = row.project.total_investment
        big = int(investment is not None and investment >= BIG_PROJECT)
        totals.add(1, investment, big, row.project.expected_output_value)
    return totals


def campaign_overrides(campaign):
    return CampaignOverride.objects.filter(campaign=campaign).select_related("project", "decided_by")


# -- output achieved (statistics) ---------------------------------------------------------------------------------


@dataclass
class Output:
    """工业总产值 1—N月 of the producing enterprises: the total at `period`, per enterprise, and the firm count."""

    period: int | None
    total: Decimal | None
    by_enterprise: dict
    firms: int

    @property
    def month(self):
        return month_of(self.period) if self.period else None

    @property
    def year(self):
        return year_of(self.period) if self.period else None


def campaign_period(campaign, today=None):
    """The latest month within the campaign: the month of ends_on, or the current month while it runs."""
    today = today or timezone.localdate()
    last = min(campaign.ends_on, today)
    if last < campaign.starts_on:
        last = campaign.starts_on
    return make_period(last.year, last.month)


def achieved_output(project_ids, period):
    """已实现产值: 1—N月 工业总产值 of the producers of `project_ids` (a list or a queryset of ids), one query.

    Read through the statistics read API: the producers' current figures for January..`period` of its year, at the
    latest of those months for which any of them reported; the total is the sum over the producers (each enterprise
    once, however many of the projects it produces) at that month. Projects without a linked producer contribute
    nothing. Returns an Output (period None when nothing was reported).
    """
    producers = Project.objects.filter(pk__in=project_ids, producer__isnull=False).values("producer_id")
    found = latest_cumulative_total(producers, OUTPUT_INDICATOR, until=period)
    return Output(found.period, found.total, found.by_firm, found.firms)


# -- the page -----------------------------------------------------------------------------------------------------


def campaign_batches(campaign, filters=NO_FILTER, *, today=None):
    """The three batches with rows, totals (SQL) and, for the production batch, the output achieved.

    Queries: overrides 1, rows 1 (+2 when projects are included by hand), totals 2, output 1.
    """
    overrides = list(campaign_overrides(campaign))
    rows = batch_rows(campaign, filters, overrides)
    totals = batch_totals(campaign, filters)
    batches = [Batch(b.value, rows[b.value], totals[b.value]) for b in BATCHES]
    production = batches[BATCHES.index(CampaignBatchChoices.PRODUCTION)]
    production.output = achieved_output([r.project.pk for r in production.rows], campaign_period(campaign, today))
    for row in production.rows:
        row.achieved = production.output.by_enterprise.get(row.project.producer_id)
    return batches, overrides


# -- writes -------------------------------------------------------------------------------------------------------


@transaction.atomic
def save_campaign(*, actor, campaign):
    campaign.full_clean()
    attributed(campaign, actor).save()
    return campaign


@transaction.atomic
def override_batch(*, actor, campaign, project, batch, include, reason):
    """Put `project` into (include=True) or take it out of (include=False) a batch of `campaign` by hand.

    The reason is required; the decision is recorded with the user (and replaces an earlier one for the same
    project and batch, the change kept in the override's history).
    """
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请填写手动调整的原因")
    if batch not in CampaignBatchChoices.values:
        errors["batch"] = _("请选择批次")
    if project.zone_id != campaign.zone_id:
        errors["project"] = _("项目不属于该活动所在开发区")
    if errors:
        raise ValidationError(errors)
    override = CampaignOverride.objects.filter(campaign=campaign, project=project, batch=batch).first()
    if override is None:
        override = CampaignOverride(campaign=campaign, project=project, batch=batch)
    override.include, override.reason, override.decided_by = bool(include), reason, actor
    attributed(override, actor, reason).save()
    return override


@transaction.atomic
def remove_override(*, actor, override, reason=""):
    """Withdraw a hand decision: the project's membership follows its dates again (the deletion is in history)."""
    attributed(override, actor, reason).delete()


@transaction.atomic
def withdraw_override(*, actor, campaign, project, batch, reason):
    """Withdraw the hand decision on `project` in a batch of `campaign` (there must be one; the reason is required)."""
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("请填写手动调整的原因")
    override = CampaignOverride.objects.filter(campaign=campaign, project=project, batch=batch).first()
    if override is None:
        errors["project"] = _("该项目在此批次没有手动调整，无需撤销")
    if errors:
        raise ValidationError(errors)
    remove_override(actor=actor, override=override, reason=reason.strip())
