"""The panels of a firm's page: what other apps show about a firm, each in its own tab (ADR 0004, "A panel on the
firm's page").

The enterprises app sits below statistics, projects, cultivation and services (ARCHITECTURE.md): it may not import
them, yet its page tells the firm's whole story. So each higher app registers its panels here, from its
`AppConfig.ready()`, and the page shows the panels a user may see, in their order:

    register(Panel(key="figures", title=_("经营数据"), template="stats/panels/firm_figures.html",
                   context=figures_panel, order=10))

`context(request, enterprise)` returns the panel's template context, or None when the panel has nothing for this
user (it is then left out). It is called only for a firm the user may view (the page checked the scope), and must
still ask its own app's rules for its own rows (`restrict(user, "view")`, `stats.read.may_view_firm`); its number of
queries must not grow with the firm's rows. A context may carry `badge` (a short count shown on the tab).
"""

from collections.abc import Callable
from dataclasses import dataclass

_registry = {}


@dataclass(frozen=True)
class Panel:
    key: str  # the tab's anchor (#figures), unique across apps
    title: str  # a lazy translation
    template: str  # rendered with `panel` (the context) and `enterprise`
    context: Callable  # (request, enterprise) → dict, or None to leave the panel out
    order: int = 100  # smaller first; the registry card and the history are the page's own


@dataclass(frozen=True)
class ShownPanel:
    panel: Panel
    context: dict

    @property
    def badge(self):
        return self.context.get("badge")


def register(panel):
    """Add a panel (an app's ready()); registering the same key again replaces it (reloads in development)."""
    _registry[panel.key] = panel
    return panel


def unregister(key):
    _registry.pop(key, None)


def registered():
    return sorted(_registry.values(), key=lambda panel: (panel.order, panel.key))


def shown_panels(request, enterprise):
    """The panels this user gets on this firm's page, with their contexts, in order."""
    shown = []
    for panel in registered():
        context = panel.context(request, enterprise)
        if context is not None:
            shown.append(ShownPanel(panel, context))
    return shown
