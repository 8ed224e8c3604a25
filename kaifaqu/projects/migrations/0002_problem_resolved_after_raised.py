"""A problem is resolved on or after the day it was raised (ADR 0002, amendment 1)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="problem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("resolved_on__isnull", True), ("resolved_on__gte", models.F("raised_on")), _connector="OR"
                ),
                name="projects_problem_resolved_after_raised",
            ),
        ),
    ]
