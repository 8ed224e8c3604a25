"""The vocabulary of the authorization matrix (kaifaqu/core/tests/test_authorization_matrix.py): expected
outcomes per persona and the probes each app contributes. Apps keep their probes next to their tests (e.g.
kaifaqu/projects/tests/matrix.py) and the matrix adds them."""

from dataclasses import dataclass, field
from typing import Any

from conftest import PERSONAS


# ---------------------------------------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class Login:
    """302 to the login page (anonymous)."""


@dataclass(frozen=True)
class Redirect:
    """302 to the URL `to(world)` returns."""

    to: Any


@dataclass(frozen=True)
class Written:
    """A write that succeeded: a redirect (to `to(world)` when given) and the effect checked by the post's `effect`."""

    to: Any = None


@dataclass(frozen=True)
class Invalid:
    """The page re-renders with a form error (200) and nothing is written."""


LOGIN, WRITTEN, INVALID = Login(), Written(), Invalid()


def allow(*personas, anonymous=LOGIN, denied=404, allowed=200):
    """Expected outcome per persona: `allowed` for `personas`, `denied` for the rest, `anonymous` for None."""
    return {p: anonymous if p == "anonymous" else allowed if p in personas else denied for p in PERSONAS}


def write(*personas, invalid=()):
    expected = allow(*personas, allowed=WRITTEN)
    expected.update(dict.fromkeys(invalid, INVALID))
    return expected


@dataclass
class Post:
    payload: Any  # world -> dict
    expect: dict
    effect: Any  # (world, user, client) -> bool: the write took place


@dataclass
class Probe:
    view: str
    label: str = ""
    kwargs: Any = None  # world -> dict of URL kwargs
    get: dict = field(default_factory=dict)
    posts: dict = field(default_factory=dict)  # name -> Post
    visible: Any = None  # a Visibility: which objects each persona sees on the page
    query: str = ""


@dataclass
class Visibility:
    """Which of a set of objects a persona sees on a list page, recognised by a marker in the response."""

    markers: Any  # world -> {key: bytes marker}
    expect: dict  # persona -> set of keys
    content: Any = None  # response -> text to search (default: the HTML)
