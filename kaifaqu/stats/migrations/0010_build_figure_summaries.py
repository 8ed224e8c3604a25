"""Build the summary rows of the values already stored, so that an upgraded install reads exact summaries at once.

The SQL is kaifaqu.stats.summaries' own (one INSERT … SELECT … GROUP BY per zone, by table names: no model class
is used, so the historical state does not matter as long as the columns it names exist — they do at this point)."""

from django.db import migrations


def build(apps, schema_editor):
    from kaifaqu.stats.summaries import rebuild_summaries

    rebuild_summaries(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0009_figure_summary"),
    ]

    operations = [
        migrations.RunPython(build, migrations.RunPython.noop, elidable=True),
    ]
