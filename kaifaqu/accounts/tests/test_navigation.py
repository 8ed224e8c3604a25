"""The menus: one item highlighted for each page (the stats pages are shared by three items); every menu item and
sub-navigation tab a role is shown opens for that role; one sub-navigation per area; 接口文档 follows the role."""

import pytest
from django.urls import reverse

from conftest import PERSONAS
from kaifaqu.accounts.context_processors import is_active, nav_items_for
from kaifaqu.accounts.navigation import all_tabs

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


# -- every menu and sub-navigation link opens for each role that sees it ------------------------------------------

MENU_PERSONAS = [p for p in PERSONAS if p != "anonymous"]


def links_seen_by(user):
    """(where, URL name) of the main menu items and of every sub-navigation tab the user is shown."""
    menu = [("menu", name) for name, _label in nav_items_for(user)]
    tabs = [(f"tabs of {menu_item}", tab.name) for menu_item, tab in all_tabs() if tab.visible(user)]
    return menu + tabs


@pytest.mark.parametrize("persona", MENU_PERSONAS)
def test_every_link_in_the_menus_opens_for_the_roles_that_see_it(personas, client_for, persona):
    user = personas[persona]
    client = client_for(user)
    for where, name in links_seen_by(user):
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200, f"{persona}: {where} → {name} answers {response.status_code}"
        final = response.resolver_match.view_name
        shown = response.context.get("subnav") or []
        active = [tab["name"] for tab in shown if tab["active"]]
        assert len(active) <= 1, f"{persona}: {final} highlights {active}"
        if shown and final == name:  # a tab's own page shows its area's tabs with that tab highlighted
            assert active == [name] or where == "menu", f"{persona}: {name} highlights {active}"
            assert {tab["name"] for tab in shown} <= {link for _where, link in links_seen_by(user)}


def test_the_tabs_are_registered_for_every_area():
    areas = {menu_item for menu_item, _tab in all_tabs()}
    assert areas == {
        "enterprises:enterprise_list",
        "projects:project_list",
        "projects:leader",
        "stats:report",
        "stats:completeness",
    }
    for _menu_item, tab in all_tabs():
        reverse(tab.name)  # every tab names a page that exists


def test_the_statistics_import_is_reachable_from_the_statistics_pages(personas, client_for):
    client = client_for(personas["staff_a"])
    target = f'href="{reverse("stats:value_import")}"'
    for name in ("stats:report", "stats:assignment_list", "stats:completeness"):
        page = client.get(reverse(name), follow=True).content.decode()
        assert target in page, name
    page = client.get(reverse("stats:dashboard_home"), follow=True).content.decode()
    assert target in page
    # a leader does not import: no link, and the page is not there for them
    leader = client_for(personas["leader_a"])
    assert target not in leader.get(reverse("stats:report"), follow=True).content.decode()
    assert leader.get(reverse("stats:value_import")).status_code == 404


def test_one_sub_navigation_on_the_project_list(personas, client_for):
    page = client_for(personas["zone_admin_a"]).get(reverse("projects:project_list")).content.decode()
    assert page.count('id="subnav"') == 1 and "nav-underline" not in page
    assert f'href="{reverse("projects:board")}"' in page
    firm = client_for(personas["firm_1_user"]).get(reverse("projects:project_list")).content.decode()
    assert f'href="{reverse("projects:board")}"' not in firm  # the board is for people who see zones


@pytest.mark.parametrize(
    ("persona", "in_menu"),
    [
        ("system_admin", True),
        ("zone_admin_a", True),
        ("staff_a", True),
        ("region_viewer", True),
        ("leader_a", False),
        ("firm_1_user", False),
        ("security_admin", False),
        ("audit_admin", False),
    ],
)
def test_api_docs_follow_the_role(personas, client_for, persona, in_menu):
    user = personas[persona]
    assert ("api-docs" in [name for name, _label in nav_items_for(user)]) is in_menu
    profile = client_for(user).get(reverse("accounts:profile")).content.decode()
    assert 'id="api-docs-link"' in profile  # the token's page always says where the API is described
