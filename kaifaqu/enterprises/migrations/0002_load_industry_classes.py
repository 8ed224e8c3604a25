"""Load 国民经济行业分类 GB/T 4754-2017 (1,971 rows: sections, divisions, groups, classes) from data/."""

from django.db import migrations

from kaifaqu.core.reference import read_table


def section_of(row, sections):
    return row["code"] if row["level"] == "section" else sections[row["code"][:2]]


def load_industry_classes(apps, schema_editor):
    IndustryClass = apps.get_model("enterprises", "IndustryClass")
    rows = read_table("gbt4754_2017.csv")
    sections = {r["code"]: r["parent_code"] for r in rows if r["level"] == "division"}
    order = {"section": 0, "division": 1, "group": 2, "class": 3}
    IndustryClass.objects.bulk_create(
        [
            IndustryClass(
                code=r["code"],
                name=r["name"],
                level=r["level"],
                parent_id=r["parent_code"] or None,
                section=section_of(r, sections),
                division="" if r["level"] == "section" else r["code"][:2],
            )
            for r in sorted(rows, key=lambda r: order[r["level"]])
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load_industry_classes, migrations.RunPython.noop)]
