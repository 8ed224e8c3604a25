"""One menu item is highlighted for each page, including the stats pages shared by three items."""

import pytest

from kaifaqu.accounts.context_processors import is_active

ITEMS = [
    "home",
    "zones:zone_list",
    "enterprises:enterprise_list",
    "stats:report",
    "stats:dashboard_home",
    "stats:completeness",
    "accounts:user_list",
]


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("home", "home"),
        ("zones:zone", "zones:zone_list"),
        ("enterprises:import_job", "enterprises:enterprise_list"),
        ("stats:entry", "stats:report"),
        ("stats:value_import", "stats:report"),
        ("stats:dashboard_rows", "stats:dashboard_home"),
        ("stats:ranking", "stats:dashboard_home"),
        ("stats:flag", "stats:completeness"),
        ("stats:rule_edit", "stats:completeness"),
        ("accounts:user", "accounts:user_list"),
    ],
)
def test_exactly_one_item_is_active(current, expected):
    assert [name for name in ITEMS if is_active(name, current)] == [expected]
