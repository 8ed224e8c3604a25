"""core.bulk writes what bulk_create writes: the same stored values, keys set on the objects, one INSERT a batch."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaifaqu.core.bulk import insert_objects, new_rows
from kaifaqu.enterprises.models import Enterprise

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
