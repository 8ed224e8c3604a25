"""Load GB/T 2260 administrative divisions from data/ (national provinces and cities, all Shanxi counties)."""

from django.db import migrations

from kaifaqu.core.reference import read_table


def load_regions(apps, schema_editor):
    Region = apps.get_model("zones", "Region")
    rows = {}
    for filename in ("gbt2260_cities.csv", "gbt2260_shanxi.csv"):
        for row in read_table(filename):
            rows[row["code"]] = row
    # Parents first: provinces, then cities, then counties.
    order = {"province": 0, "city": 1, "county": 2}
    for row in sorted(rows.values(), key=lambda r: order[r["level"]]):
        Region.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "parent_id": row["parent_code"] or None},
        )


class Migration(migrations.Migration):
    dependencies = [("zones", "0001_initial")]
    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop)]
