"""Data-set assignments (报送任务): which firm reports which form from which period. Assignments driven by the 四上
directory are written by .directory."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kaifaqu.core.history import attributed

from ..models import DataSetAssignment


@transaction.atomic
def assign_data_set(*, actor, data_set, enterprises, from_period, to_period=None):
    """Assign a data set to several firms from a period; firms already assigned over that span are skipped.

    Returns (created assignments, number skipped). History rows name the actor.
    """
    firms = list(enterprises)
    taken = set(
        DataSetAssignment.objects.filter(data_set=data_set, enterprise_id__in=[f.pk for f in firms])
        .overlapping(from_period, to_period)
        .values_list("enterprise_id", flat=True)
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
    attributed(assignment, actor)
    assignment.save(update_fields=["to_period"])
    return assignment
