"""Sub-navigations (二级导航): the tabs under a menu item, one list per area.

Each app describes the tabs of its own areas in its `navigation.py` (found at start-up, as admin.py is) with
`register(menu_item, tabs)`: accounts does not import the apps above it. A page shows the tabs of its area when one
of them claims it; a tab shows for the users its `visible` test lets through, the same test the page itself asks,
so no tab leads to a 404. An area with fewer than two tabs for a user shows none.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.module_loading import autodiscover_modules


def everyone(user):
    return True


@dataclass(frozen=True)
class Tab:
    name: str  # URL name of the page the tab opens
    label: str
    visible: object = everyone  # visible(user) -> bool, the page's own permission question
    claims: tuple = field(default=())  # other view names (or prefixes) whose pages highlight this tab

    def is_current(self, view_name):
        return view_name == self.name or any(view_name.startswith(prefix) for prefix in self.claims)


AREAS = {}


def register(menu_item, tabs):
    """The tabs of the area under `menu_item` (a URL name of the main menu)."""
    AREAS[menu_item] = tuple(tabs)


def discover():
    autodiscover_modules("navigation")


def area_of(view_name):
    """(menu item, tabs) of the area one of whose tabs claims the page, or (None, ())."""
    for menu_item, tabs in AREAS.items():
        if any(tab.is_current(view_name) for tab in tabs):
            return menu_item, tabs
    return None, ()


def subnav_for(user, view_name):
    """The tabs to show on the page `view_name`: [{"url", "label", "active", "name"}], or [] for none."""
    _menu_item, tabs = area_of(view_name)
    answers = {}  # tabs sharing a test ask it once
    for tab in tabs:
        if tab.visible not in answers:
            answers[tab.visible] = tab.visible(user)
    shown = [tab for tab in tabs if answers[tab.visible]]
    if len(shown) < 2:
        return []
    return [
        {"name": tab.name, "url": reverse(tab.name), "label": tab.label, "active": tab.is_current(view_name)}
        for tab in shown
    ]


def all_tabs():
    """Every (menu item, tab) registered, for the tests that open each one."""
    return [(menu_item, tab) for menu_item, tabs in AREAS.items() for tab in tabs]
