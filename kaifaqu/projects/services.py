"""Project writes: defaults of a zone, projects, stage dates, phases and lines, approval matters, plans, progress
dispatch, files, inspections and problems — for the form views, the API, the importers and the commands alike.

Every function takes the acting user, validates everything before writing (the model's full_clean: its clean() and
constraints), and writes all-or-nothing with the actor in the history. Which rows an actor may reach is decided
before the call, by `restrict()` (views and API fetch the row with it); which *fields* the staff of an assigned
department may change is decided here (`department_fields`), so a form and the API refuse the same changes.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.core.history import attributed
from kaifaqu.core.money import format_wan
from kaifaqu.core.periods import format_period
from kaifaqu.core.reporting_window import reopen

from .choices import DEFAULT_APPROVAL_KINDS, DEFAULT_STAGES, ProblemStatusChoices
from .models import (
    Approval,
    ApprovalKind,
    Inspection,
    Problem,
    ProgressReopening,
    ProgressReport,
    ProjectStage,
    StageDefinition,
    StageEvidence,
)
from .rules import StageDate, amount_from_cumulative, out_of_order, progress_deadline, running_totals


def ensure_zone_defaults(zone):
    """A zone's stage ladder and approval matters, created from the defaults the first time they are needed."""
    if not StageDefinition.objects.filter(zone=zone).exists():
        StageDefinition.objects.bulk_create(
            StageDefinition(
                zone=zone, code=code, name=name, name_en=name_en, phase=phase, milestone=milestone, order=index + 1
            )
            for index, (code, name, name_en, phase, milestone) in enumerate(DEFAULT_STAGES)
        )
    if not ApprovalKind.objects.filter(zone=zone).exists():
        ApprovalKind.objects.bulk_create(
            ApprovalKind(zone=zone, name=name, name_en=name_en, time_limit_days=days, order=index + 1)
            for index, (name, name_en, days) in enumerate(DEFAULT_APPROVAL_KINDS)
        )


def saved(obj, actor, reason=""):
    """Validate `obj` as a whole (clean() and constraints) and save it in the actor's name."""
    obj.full_clean()
    attributed(obj, actor, reason).save()
    return obj


@transaction.atomic
def save_project(*, actor, project, reason=""):
    saved(project, actor, reason)
    ensure_zone_defaults(project.zone)
    return project


@transaction.atomic
def delete_project(*, actor, project):
    """A project with progress reports is kept (set it 终止 instead): its figures are in the dispatch."""
    if project.progress.exists():
        raise ValidationError(_("该项目已有进度填报记录，不能删除；如项目不再推进，请将状态改为“终止”。"))
    attributed(project, actor, _("删除项目")).delete()


@transaction.atomic
def save_phase(*, actor, phase):
    """一期 / 二期 of a project: a name unique in the project, an investment within the project's total."""
    return saved(phase, actor)


@transaction.atomic
def save_line(*, actor, line):
    """A production line or building: a name unique in the project, a status date not later than today."""
    return saved(line, actor)


@transaction.atomic
def save_plan(*, actor, plan):
    """A project's objective for one year (created or updated)."""
    return saved(plan, actor)


@transaction.atomic
def add_evidence(*, actor, project, file, stage=None, progress=None, caption=""):
    """A file proving a stage date, a progress photo, or a general file of the project."""
    if stage is not None and stage.project_id != project.pk:
        raise ValidationError({"stage": _("阶段不属于该项目")})
    evidence = StageEvidence(
        project=project, stage=stage, progress=progress, file=file, caption=caption.strip(), uploaded_by=actor
    )
    evidence.full_clean()
    evidence.save()
    return evidence


# -- rows assigned to a department: approval matters and problems --------------------------------------------------


class DepartmentFieldsOnly(PermissionDenied):
    """The staff of the department a row is assigned to asked to change more than its handling (the model's
    DEPARTMENT_FIELDS). Refused field by field: a form shows the message on each field, the API answers 403."""

    def __init__(self, model, names):
        fields = "、".join(str(model._meta.get_field(name).verbose_name) for name in model.DEPARTMENT_FIELDS)
        message = _("您只能修改办理情况：%(fields)s") % {"fields": fields}
        self.message_dict = {name: [message] for name in names}
        super().__init__(message)

    def as_validation_error(self):
        return ValidationError(self.message_dict)


def department_fields(actor, model, zone_id):
    """The fields of a department-assigned row `actor` may change: None (every field) for those who write projects
    in the zone, else the model's DEPARTMENT_FIELDS — the staff of the department the row is assigned to, who reach
    it through restrict(actor, "change") (ADR 0002, decision 3 and amendment 1)."""
    if actor.may("change", model, zone=zone_id):
        return None
    return model.DEPARTMENT_FIELDS


def changed_fields(stored, row):
    """Names of the editable fields whose value in `row` differs from the stored row."""
    return [
        field.name
        for field in type(row)._meta.concrete_fields
        if field.editable and not field.primary_key and getattr(stored, field.attname) != getattr(row, field.attname)
    ]


def update_assigned(actor, row, zone_of):
    """Save the changes `row` carries to its stored version, refusing fields the actor's department may not change."""
    model = type(row)
    stored = model.objects.select_for_update().get(pk=row.pk)
    allowed = department_fields(actor, model, zone_of(stored))
    if allowed is not None:
        refused = [name for name in changed_fields(stored, row) if name not in allowed]
        if refused:
            raise DepartmentFieldsOnly(model, refused)
    return saved(row, actor)


@transaction.atomic
def create_approval(*, actor, approval):
    """A new approval matter of a project (only project writers of its zone add matters). The kind's statutory time
    limit and default department apply where none is given (Approval.apply_kind_defaults)."""
    if not actor.may("add", Approval, zone=approval.project.zone_id):
        raise PermissionDenied(_("您没有在该开发区新建此类数据的权限"))
    if approval.kind_id:
        approval.apply_kind_defaults()
    return saved(approval, actor)


@transaction.atomic
def update_approval(*, actor, approval):
    """Save the changes `approval` carries (an instance of a stored matter with new values set). The staff of the
    assigned department change only Approval.DEPARTMENT_FIELDS; anything else raises DepartmentFieldsOnly."""
    return update_assigned(actor, approval, lambda stored: stored.project.zone_id)


@transaction.atomic
def create_problem(*, actor, problem):
    """A new problem of a project or of the zone (only project writers of the zone add problems); raised by the
    actor unless the row names someone."""
    if not actor.may("add", Problem, zone=problem.zone_id):
        raise PermissionDenied(_("您没有在该开发区新建此类数据的权限"))
    if problem.raised_by_id is None:
        problem.raised_by = actor
    return saved(problem, actor)


@transaction.atomic
def update_problem(*, actor, problem):
    """Save the changes `problem` carries. The staff of the responsible department change only
    Problem.DEPARTMENT_FIELDS (status, resolution, its date); anything else raises DepartmentFieldsOnly."""
    return update_assigned(actor, problem, lambda stored: stored.zone_id)


# -- a zone's configuration: its stage ladder and approval matters ------------------------------------------------

ORDER_OFFSET = 10000  # interim orders while a ladder is renumbered (far above any real position)


@transaction.atomic
def save_stage(*, actor, stage, position):
    """Save `stage` at `position` (1-based) of its zone's ladder; the other stages keep their relative order and are
    renumbered 1..N. Rows in the way first move to interim numbers (no history for those), then every row that moves
    is saved with its final number and the actor, so its history reads old → new position.

    The stage is validated first (StageDefinition.clean: name, code and milestone once per zone), so a refused stage
    moves nothing."""
    stage.full_clean(exclude=["order"])
    others = list(
        StageDefinition.objects.select_for_update().filter(zone_id=stage.zone_id).exclude(pk=stage.pk).order_by("order")
    )
    position = max(1, min(position, len(others) + 1))
    ladder = [*others[: position - 1], stage, *others[position - 1 :]]
    moving = [s for index, s in enumerate(ladder, start=1) if s is not stage and s.order != index]
    interim = [s.pk for s in moving] + ([stage.pk] if stage.pk else [])
    if interim:
        # Interim numbers are no change of their own (each moving row is saved next, which raises its version): they
        # keep the version, so the stage's own save still checks the one its user loaded.
        StageDefinition.objects.filter(pk__in=interim).update(order=F("order") + ORDER_OFFSET, version=F("version"))
    for index, other in enumerate(ladder, start=1):
        if other in moving:
            other.order = index
            attributed(other, actor).save(update_fields=["order", "updated_at"])
    stage.order = position
    return saved(stage, actor)


@transaction.atomic
def save_approval_kind(*, actor, kind):
    """An approval matter of a zone's list: a name once per zone, a default department of the zone."""
    return saved(kind, actor)


# -- stages ------------------------------------------------------------------------------------------------------


def stage_order_errors(project, stage, actual_on):
    """Messages for actual dates out of the ladder's order once `stage` has `actual_on` (pipeline stages only)."""
    if actual_on is None:
        return []
    dates = [
        StageDate(s.stage.order, s.stage.label, s.actual_on)
        for s in project.stages.select_related("stage").exclude(stage=stage)
        if s.stage.phase == stage.phase
    ]
    dates.append(StageDate(stage.order, stage.label, actual_on))
    return [
        _("%(later)s的实际日期早于%(earlier)s的实际日期") % {"later": later, "earlier": earlier}
        for later, earlier in out_of_order(dates)
    ]


@transaction.atomic
def record_stage(
    *, actor, project, stage, planned_on=None, actual_on=None, note="", out_of_order_reason="", phase=None, version=None
):
    """Set a stage's planned and actual dates. Dates out of order need a confirmed reason (日期顺序例外说明).

    `version`: the stored row's version the user started from; a row changed since is refused (StaleEdit)."""
    if stage.zone_id != project.zone_id:
        raise ValidationError({"stage": _("阶段不属于项目所在开发区")})
    if planned_on is None and actual_on is None:
        raise ValidationError({"actual_on": _("请填写计划日期或实际日期")})
    if actual_on and actual_on > timezone.localdate():
        raise ValidationError({"actual_on": _("实际日期不能晚于今天")})
    problems = stage_order_errors(project, stage, actual_on)
    if problems and not out_of_order_reason.strip():
        raise ValidationError({"actual_on": problems + [_("如确属实际情况，请填写日期顺序例外说明后再保存")]})
    row = ProjectStage.objects.filter(project=project, stage=stage).first() or ProjectStage(
        project=project, stage=stage
    )
    if row.pk is not None:
        row.expect_version(version)
    row.planned_on, row.actual_on, row.note, row.phase = planned_on, actual_on, note, phase
    row.out_of_order_reason = out_of_order_reason.strip() if problems else ""
    row.recorded_by = actor
    attributed(row, actor).save()
    refresh_current_stage(project, actor)
    return row


def refresh_current_stage(project, actor):
    """The current stage is the last stage of the ladder with an actual date."""
    latest = (
        ProjectStage.objects.filter(project=project, actual_on__isnull=False)
        .select_related("stage")
        .order_by("-stage__order")
        .first()
    )
    stage_id = latest.stage_id if latest else None
    if project.current_stage_id != stage_id:
        project.current_stage_id = stage_id
        attributed(project, actor).save(update_fields=["current_stage", "updated_at"])


# -- progress dispatch -------------------------------------------------------------------------------------------


def progress_period_open(zone_id, period, now=None):
    """A month can be reported from its start until the deadline; after it only while a zone admin reopened it."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if period > today.year * 100 + today.month:
        return False
    if today <= progress_deadline(period):
        return True
    return ProgressReopening.objects.open_for(zone_id, period, now).exists()


@transaction.atomic
def record_progress(
    *, actor, project, period, decade=0, amount=None, since_start=None, image_progress="", photos=(), now=None
):
    """Record one period's investment completed; running totals of this and later reports are recomputed.

    Give `amount` (当期完成) or `since_start` (开工至报告期累计, from which the amount is derived), not both. A month
    still to come or a closed period is refused whoever writes; a total since the start can never decrease.
    `photos` (形象进度照片, uploaded files) are kept as the report's evidence.
    """
    moment = timezone.localtime(now or timezone.now()).date()
    if period > moment.year * 100 + moment.month:
        raise ValidationError({"period": _("%(period)s 尚未到来，不能填报") % {"period": format_period(period)}})
    if not progress_period_open(project.zone_id, period, now):
        raise ValidationError({"period": _("%(period)s 的进度填报已截止") % {"period": format_period(period)}})
    if amount is not None and since_start is not None:
        raise ValidationError({"since_start": _("当期完成投资与开工至报告期累计只填一项")})
    reports = list(ProgressReport.objects.select_for_update().filter(project=project))
    earlier = [r for r in reports if (r.period, r.decade) < (period, decade)]
    previous_total = max((r.since_start for r in earlier), default=0)
    if amount is None:
        if since_start is None:
            raise ValidationError({"amount": _("请填写当期完成投资或开工至报告期累计投资")})
        amount = amount_from_cumulative(since_start, previous_total)
        if amount is None:
            raise ValidationError(
                {
                    "since_start": _("开工至报告期累计投资不能少于上期累计（%(total)s）")
                    % {"total": format_wan(previous_total)}
                }
            )
    if amount < 0:
        raise ValidationError({"amount": _("当期完成投资不能为负数")})
    report = next((r for r in reports if (r.period, r.decade) == (period, decade)), None)
    if report is None:
        report = ProgressReport(project=project, period=period, decade=decade, reported_by=actor)
        reports.append(report)
    report.amount, report.image_progress, report.reported_by = amount, image_progress, actor
    save_running_totals(reports, actor)
    if image_progress:
        project.image_progress = image_progress
        attributed(project, actor).save(update_fields=["image_progress", "updated_at"])
    for photo in photos:
        caption = _("%(period)s 形象进度") % {"period": format_period(report.period)}
        add_evidence(actor=actor, project=project, file=photo, progress=report, caption=caption)
    return report


def save_running_totals(reports, actor):
    """Write the reports whose amount or totals changed (a correction moves every later total with it)."""
    rows = running_totals((r.period, r.decade, r.amount) for r in reports)
    totals = {(period, decade): (ytd, total) for period, decade, _amount, ytd, total in rows}
    stored = dict(ProgressReport.objects.filter(pk__in=[r.pk for r in reports if r.pk]).values_list("pk", "amount"))
    for report in reports:
        ytd, total = totals[(report.period, report.decade)]
        unchanged = report.pk and stored.get(report.pk) == report.amount
        if unchanged and (report.year_to_date, report.since_start) == (ytd, total):
            continue
        report.year_to_date, report.since_start = ytd, total
        attributed(report, actor).save()


def reopen_progress_period(*, actor, zone, period, reason, closes_at, request=None):
    """A zone admin opens a closed month again until `closes_at` (ProgressReopening.clean says which months)."""
    return reopen(
        ProgressReopening,
        actor=actor,
        zone=zone,
        period=period,
        reason=reason,
        closes_at=closes_at,
        request=request,
        detail={"action": "reopen_progress"},
    )


# -- inspections and problems ------------------------------------------------------------------------------------


def check_issue(*, zone, held_on, issue):
    """An issue raised at an inspection as the unsaved Problem it becomes, checked by Problem.clean (its project and
    department in the zone, its deadline not before the inspection); a ValidationError names the fields."""
    problem = Problem(zone=zone, raised_on=held_on, **issue)
    problem.full_clean(exclude=["inspection", "raised_by"])
    return problem


@transaction.atomic
def record_inspection(*, actor, zone, held_on, kind, leaders, location="", summary="", projects=(), issues=()):
    """An inspection and the problems raised on the spot: issues are dicts with project (or None), category,
    description, department and deadline. Each becomes a Problem of the zone."""
    inspection = Inspection(
        zone=zone, held_on=held_on, kind=kind, leaders=leaders, location=location, summary=summary, recorded_by=actor
    )
    inspection.full_clean()
    if any(p.zone_id != zone.pk for p in projects):
        raise ValidationError({"projects": _("调研项目须属于本开发区")})
    problems = []
    for index, issue in enumerate(issues, start=1):
        try:
            problems.append(check_issue(zone=zone, held_on=held_on, issue=issue))
        except ValidationError as error:
            raise ValidationError(
                [_("第 %(n)d 个问题：%(message)s") % {"n": index, "message": m} for m in error.messages]
            ) from error
    attributed(inspection, actor).save()
    inspection.projects.set(projects)
    for problem in problems:
        problem.inspection, problem.raised_by = inspection, actor
        attributed(problem, actor).save()
    return inspection


@transaction.atomic
def resolve_problem(*, actor, problem, resolution, resolved_on=None):
    """办结: status resolved with the resolution and its date (today unless given) — an update_problem."""
    problem.status = ProblemStatusChoices.RESOLVED
    problem.resolution = resolution
    problem.resolved_on = resolved_on or timezone.localdate()
    return update_problem(actor=actor, problem=problem)


@transaction.atomic
def link_investor(*, actor, project, enterprise):
    """A prospective investor registered: link the project to its enterprise record (same zone)."""
    if enterprise.zone_id != project.zone_id:
        raise ValidationError({"investor": _("企业不属于项目所在开发区")})
    project.investor = enterprise
    return save_project(actor=actor, project=project, reason=_("关联已登记的投资企业"))
