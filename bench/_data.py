"""Data shared by benchmarks, on top of each bench's own generator. Not a benchmark itself."""

import datetime

LATE_EVERY = 10  # one firm in ten enters its figures after the deadline


def report_on_form(zones, data_set, period):
    """Make the firms of `zones` (bench/stats_dashboard.py's generator) report on `data_set`, as the completeness
    page and the dashboard's 报送 counts read it: every firm assigned from the first period it has a figure of, every
    value marked as of that form, and the figures of `period` entered the day before its deadline — one firm in ten
    a few days after it (late). The firms with no figure for `period` (those that left) are the missing ones."""
    from django.db.models import Min
    from django.utils import timezone

    from kaifaqu.enterprises.models import Enterprise
    from kaifaqu.stats.models import DataSetAssignment, Value
    from kaifaqu.stats.periods import due_date

    values = Value.objects.filter(zone__in=zones)
    first = values.aggregate(first=Min("period"))["first"]
    firms = list(Enterprise.objects.filter(zone__in=zones).order_by("zone_id", "pk").values_list("pk", flat=True))
    DataSetAssignment.objects.bulk_create(
        (DataSetAssignment(data_set=data_set, enterprise_id=pk, from_period=first) for pk in firms), batch_size=2000
    )
    values.update(data_set=data_set)
    due = due_date(data_set, period)
    on_time = timezone.make_aware(datetime.datetime.combine(due - datetime.timedelta(days=1), datetime.time(10)))
    this_period = values.filter(period=period)
    this_period.update(entered_at=on_time)
    late = firms[LATE_EVERY // 2 :: LATE_EVERY]  # by zone, then id: late firms in every zone
    for start in range(0, len(late), 5000):  # in slices: SQLite caps the parameters of one statement
        this_period.filter(enterprise_id__in=late[start : start + 5000]).update(
            entered_at=on_time + datetime.timedelta(days=4)
        )
    return len(firms)
