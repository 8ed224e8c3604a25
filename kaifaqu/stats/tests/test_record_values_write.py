"""record_values writes its Value rows with one executemany INSERT, not bulk_create: the rows must be the same."""

from decimal import Decimal

from django.utils import timezone

from kaifaqu.stats.models import Value
from kaifaqu.stats.services import Submission, record_values, values
from kaifaqu.stats.tests.test_record_values import OPEN, monthly  # noqa: F401 (a fixture)


def write(actor, data_set, *submissions, source="import", reason="导入：测试.xlsx"):
    return record_values(
        actor=actor, data_set=data_set, submissions=list(submissions), source=source, reason=reason, now=OPEN
    )


def test_every_column_is_written_as_the_model_would(personas, world, monthly):  # noqa: F811
    before = timezone.now()
    write(personas["staff_a"], monthly, Submission(world["firm_1"], 202503, {"revenue": Decimal("12.3456")}))
    value = Value.objects.select_related("indicator").get()
    assert (value.enterprise, value.zone, value.indicator.code, value.period) == (
        world["firm_1"],
        world["zone_a"],
        "revenue",
        202503,
    )
    assert (value.value, value.revision, value.is_current) == (Decimal("12.3456"), 1, True)
    assert (value.data_set, value.source, value.reason, value.entered_by) == (
        monthly,
        "import",
        "导入：测试.xlsx",
        personas["staff_a"],
    )
    assert timezone.is_aware(value.entered_at)
    assert before <= value.entered_at <= timezone.now()


def test_a_figure_given_as_int_is_stored_as_the_decimal_field_would(personas, world, monthly):  # noqa: F811
    write(personas["staff_a"], monthly, Submission(world["firm_1"], 202503, {"revenue": 10}))
    assert Value.objects.get().value == Decimal(10)


def test_corrections_unchanged_and_new_figures_in_small_batches(personas, world, monthly, monkeypatch):  # noqa: F811
    monkeypatch.setattr(values, "WRITE_BATCH", 1)  # every insert, look-up and supersede in several batches
    firm_1, firm_2 = world["firm_1"], world["firm_2"]
    write(
        personas["staff_a"],
        monthly,
        Submission(firm_1, 202503, {"revenue": Decimal(10), "tax": Decimal(1)}),
        Submission(firm_2, 202503, {"revenue": Decimal(20)}),
    )
    result = write(
        personas["zone_admin_a"],
        monthly,
        Submission(firm_1, 202503, {"revenue": Decimal(11), "tax": Decimal(1)}),
        Submission(firm_2, 202503, {"revenue": Decimal(21), "output_value": Decimal(30)}),
    )
    assert (result.created, result.unchanged) == (3, 1)
    rows = Value.objects.order_by("enterprise_id", "indicator__code", "revision").values_list(
        "enterprise_id", "indicator__code", "revision", "value", "is_current", "entered_by"
    )
    staff, admin = personas["staff_a"].pk, personas["zone_admin_a"].pk
    assert list(rows) == [
        (firm_1.pk, "revenue", 1, Decimal(10), False, staff),
        (firm_1.pk, "revenue", 2, Decimal(11), True, admin),
        (firm_1.pk, "tax", 1, Decimal(1), True, staff),
        (firm_2.pk, "output_value", 1, Decimal(30), True, admin),
        (firm_2.pk, "revenue", 1, Decimal(20), False, staff),
        (firm_2.pk, "revenue", 2, Decimal(21), True, admin),
    ]
