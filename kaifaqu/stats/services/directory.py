"""The 四上 directory (名录) of each year, and the reporting duties (应报) it drives.

A firm in the directory of year Y in a category of a directory-scoped form (`DataSet.scope_categories`, e.g. the
规上工业月报 for 规模以上工业) must report that form for Y01—Y12: entering the directory ensures an assignment
covering the year (a new one marked `from_directory`, or an adjacent or overlapping one extended and merged);
leaving it (the row removed, or its category changed to one outside the form's categories) takes the year out of
the firm's assignments — an open-ended one ends at (Y−1)12 (no open tail is left after a departure), a closed one
is split around Y, one lying wholly inside Y is deleted. Later years the firm is still in the directory for stay
covered. Changing a form's categories changes nothing already assigned.

Every write names its actor in the history (simple-history's `_history_user`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from kaifaqu.core.history import attributed
from kaifaqu.core.periods import make_period

from ..models import DataSet, DataSetAssignment, EnterpriseYearStatus
from ..summaries import refreshing_once
from .common import save_with_history


def year_span(year):
    """(Y01, Y12) as yyyymm periods."""
    return make_period(year, 1), make_period(year, 12)


def directory_data_sets():
    """The forms whose scope is the directory, in a stable order (a handful of rows: filtered here, since SQLite
    cannot look inside a JSON list)."""
    return [data_set for data_set in DataSet.objects.order_by("pk") if data_set.is_directory_scoped]


# -- one firm, one form, one year ----------------------------------------------------------------------------------


@transaction.atomic
def ensure_year_assigned(*, actor, data_set, enterprise, year):
    """The firm reports `data_set` for every month of `year`. Returns True when an assignment was written."""
    start, end = year_span(year)
    touching = list(  # overlapping or adjacent to the year
        DataSetAssignment.objects.select_for_update()
        .filter(data_set=data_set, enterprise=enterprise)
        .overlapping(make_period(year - 1, 12), make_period(year + 1, 1))
        .order_by("from_period")
    )
    if any(a.from_period <= start and (a.to_period is None or a.to_period >= end) for a in touching):
        return False
    if not touching:
        add_assignment(actor, data_set, enterprise, start, end, from_directory=True)
        return True
    merged, rest = touching[0], touching[1:]
    ends = [a.to_period for a in touching]
    merged.from_period = min(start, merged.from_period)
    merged.to_period = None if None in ends else max(end, *ends)
    for other in rest:  # 合并: adjacent and overlapping spans become one
        attributed(other, actor).delete()
    attributed(merged, actor).save(update_fields=["from_period", "to_period"])
    return True


@transaction.atomic
def remove_year_assigned(*, actor, data_set, enterprise, year):
    """Take `year` out of the firm's assignments of `data_set`; later directory years stay covered. Returns True
    when an assignment was written."""
    start, end = year_span(year)
    overlapping = (
        DataSetAssignment.objects.select_for_update()
        .filter(data_set=data_set, enterprise=enterprise)
        .overlapping(start, end)
    )
    changed = False
    for assignment in list(overlapping):
        cut_around_year(actor, assignment, year)
        changed = True
    if changed:
        later = directory_years(enterprise, data_set, after=year)
        for later_year in later:
            ensure_year_assigned(actor=actor, data_set=data_set, enterprise=enterprise, year=later_year)
    return changed


def cut_around_year(actor, assignment, year):
    """What is left of one assignment without `year`: the part before it and, for a closed one, the part after."""
    start, end = year_span(year)
    before = assignment.from_period < start
    after = assignment.to_period is not None and assignment.to_period > end
    if not before and not after:
        attributed(assignment, actor).delete()
        return
    tail_end = assignment.to_period
    if before:
        assignment.to_period = make_period(year - 1, 12)
    else:
        assignment.from_period = make_period(year + 1, 1)
    attributed(assignment, actor).save(update_fields=["from_period", "to_period"])
    if before and after:  # 拆分: the part after the year becomes its own assignment
        add_assignment(
            actor,
            assignment.data_set,
            assignment.enterprise,
            make_period(year + 1, 1),
            tail_end,
            from_directory=assignment.from_directory,
        )


def add_assignment(actor, data_set, enterprise, from_period, to_period, *, from_directory):
    """A new assignment of the form to the firm over [from_period, to_period], in the actor's name."""
    assignment = DataSetAssignment(
        data_set=data_set,
        enterprise=enterprise,
        from_period=from_period,
        to_period=to_period,
        created_by=actor,
        from_directory=from_directory,
    )
    attributed(assignment, actor).save()
    return assignment


def directory_years(enterprise, data_set, *, after):
    """The years after `after` in which the firm is in the directory in one of the form's categories."""
    statuses = EnterpriseYearStatus.objects.filter(
        enterprise=enterprise, year__gt=after, category__in=data_set.scope_categories
    )
    return sorted(statuses.values_list("year", flat=True))


def sync_duties(*, actor, enterprise, year, old_category, new_category, data_sets=None):
    """Assignments after a firm's directory row of `year` went from `old_category` to `new_category` (None: no
    row). Returns the number of forms whose assignments changed."""
    changed = 0
    for data_set in directory_data_sets() if data_sets is None else data_sets:
        categories = data_set.scope_categories
        if new_category in categories:
            changed += ensure_year_assigned(actor=actor, data_set=data_set, enterprise=enterprise, year=year)
        elif old_category in categories:
            changed += remove_year_assigned(actor=actor, data_set=data_set, enterprise=enterprise, year=year)
    return changed


# -- the directory -------------------------------------------------------------------------------------------------


@transaction.atomic
def record_year_status(*, actor, enterprise, year, category, entered_on=None, note="", data_sets=None, version=None):
    """A firm's 四上 category in a year, as in the statistics bureau's directory (one row per firm and year); its
    reporting duties follow. An unchanged row is not saved again (no empty history), its duties are still ensured.
    `version` is the row's version the caller read (API If-Match or body): a changed row is then saved only if no
    one saved it since (else StaleEdit, nothing written)."""
    status = EnterpriseYearStatus.objects.filter(enterprise=enterprise, year=year).first()
    old_category = status.category if status is not None else None
    if status is None:
        status = EnterpriseYearStatus(enterprise=enterprise, year=year)
    elif version is not None:
        status.expect_version(version)
    if status.pk is None or (status.category, status.entered_on, status.note) != (category, entered_on, note):
        status.category, status.entered_on, status.note = category, entered_on, note
        save_with_history(status, actor)
    sync_duties(
        actor=actor,
        enterprise=enterprise,
        year=year,
        old_category=old_category,
        new_category=category,
        data_sets=data_sets,
    )
    return status


@transaction.atomic
def remove_year_status(*, actor, status, data_sets=None):
    """The firm leaves the directory of the row's year (退库); its duties for that year end."""
    enterprise, year, category = status.enterprise, status.year, status.category
    attributed(status, actor).delete()
    sync_duties(
        actor=actor, enterprise=enterprise, year=year, old_category=category, new_category=None, data_sets=data_sets
    )


ROW_FIELDS = ("category", "entered_on", "note")


@dataclass(frozen=True)
class DirectoryEntry:
    """One row of a directory file: the firm is in the directory of `year` with `category`."""

    enterprise: object
    year: int
    category: str
    entered_on: date | None = None
    note: str = ""


def directory_leavers(entries, zone_ids=None):
    """Replace mode: the directory rows of each year of `entries`, in the zones the entries list for that year
    (within `zone_ids`, None for any), whose firm the entries do not list (a queryset)."""
    listed, zones = defaultdict(set), defaultdict(set)
    for entry in entries:
        listed[entry.year].add(entry.enterprise.pk)
        if zone_ids is None or entry.enterprise.zone_id in zone_ids:
            zones[entry.year].add(entry.enterprise.zone_id)
    condition = Q(pk__in=[])
    for year, firm_ids in listed.items():
        if zones[year]:
            condition |= Q(year=year, enterprise__zone_id__in=zones[year]) & ~Q(enterprise_id__in=firm_ids)
    return EnterpriseYearStatus.objects.filter(condition)


@transaction.atomic
def import_directory(*, actor, entries, replace=False, zone_ids=None):
    """The directory of the years in `entries` for the firms listed: each entry recorded (duties follow). With
    `replace`, the firms of the same zones and years that the entries do not list leave the directory (and their
    duties end) — `zone_ids` bounds the zones (None: any). Returns the counts."""
    with refreshing_once():  # the summaries of every firm listed (summaries.status_changed), once at the end
        return import_entries(actor=actor, entries=list(entries), replace=replace, zone_ids=zone_ids)


def import_entries(*, actor, entries, replace, zone_ids):
    """import_directory's work, row by row (the summaries noted, refreshed by the caller's block)."""
    data_sets = directory_data_sets()
    stored = EnterpriseYearStatus.objects.filter(
        enterprise_id__in={e.enterprise.pk for e in entries}, year__in={e.year for e in entries}
    )
    known = {(firm, year): rest for firm, year, *rest in stored.values_list("enterprise_id", "year", *ROW_FIELDS)}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    for entry in entries:
        before = known.get((entry.enterprise.pk, entry.year))
        after = [getattr(entry, name) for name in ROW_FIELDS]
        counts["created" if before is None else "unchanged" if before == after else "updated"] += 1
        record_year_status(
            actor=actor,
            enterprise=entry.enterprise,
            year=entry.year,
            category=entry.category,
            entered_on=entry.entered_on,
            note=entry.note,
            data_sets=data_sets,
        )
    if replace:
        leaving = directory_leavers(entries, zone_ids).select_related("enterprise").order_by("pk")
        for status in list(leaving):
            remove_year_status(actor=actor, status=status, data_sets=data_sets)
            counts["removed"] += 1
    return counts
