"""Authorization-matrix probes of the projects pages views (see tests/matrix.py for the shared objects).

The list, its export and the board read through restrict(): the markers say which of project_a (zone A, investor
firm_1) and project_b (zone B) each persona sees. The project page is a 404 outside the reader's scope.
"""

import io

import openpyxl
from django.urls import reverse

from conftest import PERSONAS
from kaifaqu.core.tests.matrix_kit import Probe, Visibility, allow

LOGGED_IN = tuple(p for p in PERSONAS if p != "anonymous")
READ_A = ("system_admin", "zone_admin_a", "staff_a", "projects_staff_a", "leader_a", "region_viewer")

# Who sees which project on the list and in the export: zone readers, and firm_1's user its own firm's project.
PROJECTS_SEEN = {p: set() for p in LOGGED_IN}
PROJECTS_SEEN.update({p: {"project_a"} for p in (*READ_A, "firm_1_user")})
PROJECTS_SEEN.update(system_admin={"project_a", "project_b"}, staff_b={"project_b"})

# The board shows one zone: the user's own, else the oldest in scope (zone A for the system administrator).
BOARD_READERS = (*READ_A, "staff_b")
BOARD_SEEN = {p: set() for p in LOGGED_IN}
BOARD_SEEN.update({p: {"project_a"} for p in READ_A})
BOARD_SEEN.update(staff_b={"project_b"})


def project_links(w):
    return {
        key: f'href="{reverse("projects:project", args=[w[key].pk])}"'.encode() for key in ("project_a", "project_b")
    }


def project_names(w):
    return {key: w[key].name.encode() for key in ("project_a", "project_b")}


def workbook_text(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    return "\n".join(cells).encode()


def pk(key):
    return lambda w: {"pk": w[key].pk}


PAGE_PROBES = [
    Probe("projects:project_list", get=allow(*LOGGED_IN), visible=Visibility(project_links, PROJECTS_SEEN)),
    Probe(
        "projects:project_export",
        get=allow(*LOGGED_IN),
        visible=Visibility(project_names, PROJECTS_SEEN, content=workbook_text),
    ),
    Probe("projects:board", get=allow(*BOARD_READERS), visible=Visibility(project_links, BOARD_SEEN)),
    Probe("projects:project", "A", pk("project_a"), allow(*READ_A, "firm_1_user")),
    Probe("projects:project", "B", pk("project_b"), allow("system_admin", "staff_b")),
]


def page_objects(w, personas):
    """Objects these probes need beyond tests/matrix.py's base objects (w holds both), keyed by name."""
    return {}
