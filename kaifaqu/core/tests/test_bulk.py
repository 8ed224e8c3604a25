"""core.bulk writes what bulk_create writes: the same stored values, keys set on the objects, one INSERT a batch."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaifaqu.core.bulk import insert_objects, new_rows, prepared
from kaifaqu.core.history import _m2m_history_model, bulk_history
from kaifaqu.enterprises.models import Enterprise, Tag

COMPARED = [f.attname for f in Enterprise._meta.concrete_fields if f.name not in ("id", "credit_code", "created_at")]


def firm(world, code, **fields):
    values = {
        "name": "甲公司",
        "zone": world["zone_a"],
        "park": world["park_a"],
        "industry_id": "2651",
        "region_id": "140581",
        "founded_on": date(2018, 6, 1),
        "registered_capital": Decimal("123.4500"),
        "scale": "medium",
        "status": "moved_out",
        "status_changed_on": date(2024, 1, 2),
        "former_names": "旧名甲\n旧名乙",
        "is_demo": True,
        **fields,
    }
    return Enterprise(credit_code=code, **values)


def stored(pk):
    return Enterprise.objects.filter(pk=pk).values(*COMPARED, "created_at").get()


def test_insert_objects_stores_what_bulk_create_stores(world):
    (by_django,) = Enterprise.objects.bulk_create([firm(world, "A" * 18)])
    ours = [firm(world, f"B{i:017d}", name=f"乙{i}", park=None, founded_on=None) for i in range(3)]
    with CaptureQueriesContext(connection) as queries:
        insert_objects(Enterprise, [firm(world, "C" * 18), *ours])
    assert len(queries) == 1
    ours_first = Enterprise.objects.get(credit_code="C" * 18)
    assert {k: v for k, v in stored(ours_first.pk).items() if k not in ("updated_at", "created_at")} == {
        k: v for k, v in stored(by_django.pk).items() if k not in ("updated_at", "created_at")
    }
    assert all(obj.pk and not obj._state.adding for obj in ours)
    assert [Enterprise.objects.get(pk=obj.pk).name for obj in ours] == ["乙0", "乙1", "乙2"]
    assert Enterprise.objects.get(pk=ours[0].pk).park_id is None
    row = stored(ours[0].pk)
    assert row["created_at"] == row["updated_at"] == ours[0].created_at  # one time for the whole INSERT


def test_a_new_row_holds_what_a_new_model_instance_holds(world):
    made = new_rows(Enterprise)()
    fresh = Enterprise()
    assert {f.attname: getattr(made, f.attname) for f in Enterprise._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in Enterprise._meta.concrete_fields
    }
    made.credit_code, made.name, made.zone_id, made.industry_id = "D" * 18, "丁公司", world["zone_a"].pk, "2651"
    insert_objects(Enterprise, [made])
    assert made.pk == made.id == Enterprise.objects.get(credit_code="D" * 18).pk


def test_prepared_values_are_what_each_fields_get_db_prep_save_gives(world):
    fields = [Enterprise._meta.get_field(name) for name in ("name", "zone", "registered_capital", "founded_on")]
    rows = [
        ("甲", world["zone_a"].pk, Decimal("123.4500"), date(2018, 6, 1)),
        ("乙", None, Decimal("1E+2"), None),
        ("丙", world["zone_a"].pk, None, date(2018, 6, 1)),
    ]
    expected = [
        field.get_db_prep_save(value, connection) for row in rows for field, value in zip(fields, row, strict=True)
    ]
    got = prepared(rows, fields)
    assert got == expected
    assert [type(value) for value in got] == [type(value) for value in expected]
    assert str(got[6]) == "1E+2"  # the digits as given, as DecimalField's own preparation keeps them


def test_a_decimal_that_is_not_finite_is_refused_as_get_db_prep_save_refuses_it(world):
    field = Enterprise._meta.get_field("registered_capital")
    with pytest.raises(ValidationError):
        field.get_db_prep_save(Decimal("NaN"), connection)
    with pytest.raises(ValidationError):
        prepared([(Decimal("1"),), (Decimal("NaN"),)], [field])


def test_history_of_a_few_firms_keeps_only_their_own_tags(world):
    """The tags beside each new history record: read with one range query over the firms' keys when they are about
    consecutive, without the tags of a firm in between."""
    first, middle, last = Enterprise.objects.bulk_create([firm(world, f"E{i:017d}") for i in range(3)])
    tag_a, tag_b = Tag.objects.create(name="甲"), Tag.objects.create(name="乙")
    first.tags.add(tag_a)
    middle.tags.add(tag_b)
    last.tags.add(tag_a, tag_b)
    history = _m2m_history_model(Enterprise, Enterprise._meta.get_field("tags"))
    with CaptureQueriesContext(connection) as queries:
        by_object = bulk_history(Enterprise, [first, last], user=None, reason="测试")
    assert sum("_tags" in query["sql"] and query["sql"].startswith("SELECT") for query in queries) == 1
    kept = set(history.objects.filter(history_id__in=by_object.values()).values_list("enterprise_id", "tag_id"))
    assert kept == {(first.pk, tag_a.pk), (last.pk, tag_a.pk), (last.pk, tag_b.pk)}


def test_a_new_row_takes_given_values_and_defaults_for_the_rest(world):
    made = new_rows(Enterprise)(name="戊公司", status="closed")
    fresh = Enterprise(name="戊公司", status="closed")
    assert {f.attname: getattr(made, f.attname) for f in Enterprise._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in Enterprise._meta.concrete_fields
    }
