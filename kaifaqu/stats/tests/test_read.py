"""The read API of statistics for other apps: scope, current revision and comparable base decided in one place."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from kaifaqu.stats.models import Indicator, Value
from kaifaqu.stats.read import Figure, firm_figures, latest_cumulative_total, may_view_firm

APPS = Path(__file__).resolve().parents[2]


def put(firm, period, amount, *, prior=None, current=True, revision=1, code="output_value"):
    Value.objects.create(
        enterprise=firm,
        zone=firm.zone,
        indicator=Indicator.objects.get(code=code),
        period=period,
        value=Decimal(amount),
        reported_prior=None if prior is None else Decimal(prior),
        is_current=current,
        revision=revision,
        source="demo",
    )


@pytest.fixture
def figures(world):
    firm = world["firm_1"]
    put(firm, 202403, 100)
    put(firm, 202503, 999, current=False)  # superseded
    put(firm, 202503, 130, revision=2)
    put(firm, 202504, 170, prior=150)  # reported base, no stored 2024-04
    return firm


def test_firm_figures_are_current_with_their_comparable_base(personas, figures):
    table = firm_figures(personas["staff_a"], figures, ["output_value"])
    assert table[(202503, "output_value")] == Figure(Decimal(130), Decimal(100))
    assert table[(202504, "output_value")] == Figure(Decimal(170), Decimal(150))
    assert table[(202403, "output_value")] == Figure(Decimal(100), None)


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("staff_a", True), ("firm_1_user", True), ("firm_2_user", False), ("staff_b", False), ("region_viewer", True)],
)
def test_only_who_may_read_the_firm_gets_its_figures(personas, figures, persona, sees):
    user = personas[persona]
    assert may_view_firm(user, figures) is sees
    assert bool(firm_figures(user, figures, ["output_value"])) is sees


def test_latest_cumulative_total_takes_the_latest_month_any_firm_reported(world, figures):
    put(world["firm_2"], 202503, 40)
    found = latest_cumulative_total([figures.pk, world["firm_2"].pk], "output_value", until=202503)
    assert (found.period, found.total, found.firms) == (202503, Decimal(170), 2)
    assert latest_cumulative_total([world["firm_2"].pk], "output_value", until=202502).period is None


def test_other_apps_read_figures_only_through_the_read_api():
    """ARCHITECTURE.md: cross-app reads of figures go through stats.read, never through stats.models."""
    offenders = []
    for path in APPS.rglob("*.py"):
        relative = path.relative_to(APPS)
        if relative.parts[0] == "stats" or "tests" in relative.parts or "migrations" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kaifaqu.stats.models"):
                offenders.append(str(relative))
    assert offenders == []
