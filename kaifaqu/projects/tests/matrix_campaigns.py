"""Authorization-matrix probes of the projects campaigns views (see tests/matrix.py for the shared objects):
三个一批 campaigns, inspections, the leader's page, the key-project tables and the 通报.

Campaigns and inspections are zone rows without an enterprise path: firms never see them (their lists are empty,
their pages 404). The leader's page, the key-project tables and the 通报 need a zone in view (else 404).
"""

import io
from decimal import Decimal

import openpyxl
from django.urls import reverse
from django.utils import timezone

from conftest import PERSONAS
from kaifaqu.core.tests.matrix_kit import Post, Probe, Visibility, allow, write
from kaifaqu.projects import services
from kaifaqu.projects.models import AnnualPlan, Campaign, CampaignOverride, Inspection, Problem, Project

LOGGED_IN = tuple(p for p in PERSONAS if p != "anonymous")
READ_A = ("system_admin", "zone_admin_a", "staff_a", "projects_staff_a", "leader_a", "region_viewer")
READ_B = ("system_admin", "staff_b")
# 三员分立: the system administrator reads projects but writes none of them (docs/users/roles.md); he keeps their
# configuration (stages, approval kinds, reopening a progress month).
WRITE_A = ("zone_admin_a", "projects_staff_a")
WRITE_B = ()
ZONE_READERS = (*READ_A, "staff_b")

SIDES = (("A", "a", READ_A, WRITE_A), ("B", "b", READ_B, WRITE_B))


def seen(a_key, b_key):
    """Which of the zone-A and zone-B objects each persona sees on a list of zone rows."""
    found = {p: set() for p in LOGGED_IN}
    found.update({p: {a_key} for p in READ_A})
    found.update(system_admin={a_key, b_key}, staff_b={b_key})
    return found


def links(view, *keys):
    return lambda w: {key: f'href="{reverse(view, args=[w[key].pk])}"'.encode() for key in keys}


def texts(*pairs):
    """Markers that are plain text: (key, function of the world giving the text)."""
    return lambda w: {key: text(w).encode() for key, text in pairs}


def workbook_text(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    return "\n".join(cells).encode()


def pk(key):
    return lambda w: {"pk": w[key].pk}


# -- payloads and effects ---------------------------------------------------------------------------------------------


def campaign_payload(zone_key, name):
    return lambda w: {"zone": w[zone_key].pk, "name": name, "starts_on": "2025-04-01", "ends_on": "2025-06-30"}


def campaign_named(name):
    return lambda w, user, client: Campaign.objects.filter(name=name).exists()


def overridden(side):
    return lambda w, user, client: CampaignOverride.objects.filter(
        campaign=w[f"campaign_{side}"], project=w[f"project_{side}"], include=False, decided_by=user
    ).exists()


def inspection_payload(side):
    def payload(w):
        return {
            "zone": w[f"zone_{side}"].pk,
            "held_on": "2025-05-01",
            "kind": "on_site",
            "leaders": f"矩阵领导{side}",
            "location": "",
            "summary": "",
            "projects": [w[f"project_{side}"].pk],
            "issues-TOTAL_FORMS": "1",
            "issues-INITIAL_FORMS": "0",
            "issues-MIN_NUM_FORMS": "0",
            "issues-MAX_NUM_FORMS": "50",
            "issues-0-project": w[f"project_{side}"].pk,
            "issues-0-category": "land",
            "issues-0-description": "矩阵现场交办",
            "issues-0-department": w[f"dept_{side}"].pk,
            "issues-0-deadline": "2025-06-30",
        }

    return payload


def inspected(side):
    def effect(w, user, client):
        inspection = Inspection.objects.filter(leaders=f"矩阵领导{side}", recorded_by=user).first()
        return inspection is not None and Problem.objects.filter(inspection=inspection, raised_by=user).exists()

    return effect


# -- probes -----------------------------------------------------------------------------------------------------------

CAMPAIGN_PROBES = [
    Probe(
        "projects:campaign_list",
        get=allow(*LOGGED_IN),
        visible=Visibility(links("projects:campaign", "campaign_a", "campaign_b"), seen("campaign_a", "campaign_b")),
    ),
    Probe(
        "projects:campaign_add",
        get=allow(*WRITE_A),
        posts={
            "add_A": Post(campaign_payload("zone_a", "矩阵新活动A"), write(*WRITE_A), campaign_named("矩阵新活动A")),
            "add_B": Post(
                campaign_payload("zone_b", "矩阵新活动B"),
                write(*WRITE_B, invalid=[p for p in WRITE_A if p not in WRITE_B]),
                campaign_named("矩阵新活动B"),
            ),
        },
    ),
    *[
        probe
        for label, side, readers, writers in SIDES
        for probe in (
            Probe("projects:campaign", label, pk(f"campaign_{side}"), allow(*readers)),
            Probe("projects:campaign_export", label, pk(f"campaign_{side}"), allow(*readers)),
            Probe(
                "projects:campaign_edit",
                label,
                pk(f"campaign_{side}"),
                allow(*writers),
                {
                    "edit": Post(
                        campaign_payload(f"zone_{side}", f"矩阵改名{side}"),
                        write(*writers),
                        campaign_named(f"矩阵改名{side}"),
                    )
                },
            ),
            Probe(
                "projects:campaign_override",
                label,
                pk(f"campaign_{side}"),
                allow(*writers),
                {
                    "exclude": Post(
                        lambda w, s=side: {
                            "project": w[f"project_{s}"].pk,
                            "batch": "signed",
                            "action": "exclude",
                            "reason": "矩阵剔除",
                        },
                        write(*writers),
                        overridden(side),
                    )
                },
            ),
            Probe("projects:inspection", label, pk(f"inspection_{side}"), allow(*readers)),
        )
    ],
    Probe(
        "projects:inspection_list",
        get=allow(*LOGGED_IN),
        visible=Visibility(
            links("projects:inspection", "inspection_a", "inspection_b"), seen("inspection_a", "inspection_b")
        ),
    ),
    Probe(
        "projects:inspection_export",
        get=allow(*LOGGED_IN),
        visible=Visibility(
            texts(("inspection_a", lambda w: w["zone_a"].name), ("inspection_b", lambda w: w["zone_b"].name)),
            seen("inspection_a", "inspection_b"),
            content=workbook_text,
        ),
    ),
    Probe(
        "projects:inspection_add",
        get=allow(*WRITE_A),
        posts={
            "add_A": Post(inspection_payload("a"), write(*WRITE_A), inspected("a")),
            "add_B": Post(
                inspection_payload("b"),
                write(*WRITE_B, invalid=[p for p in WRITE_A if p not in WRITE_B]),
                inspected("b"),
            ),
        },
    ),
    # The leader's page lists the overdue problems of problem_a / problem_b (deadline 2025-03-31).
    Probe(
        "projects:leader",
        get=allow(*ZONE_READERS),
        visible=Visibility(
            texts(
                ("problem_a", lambda w: w["problem_a"].description), ("problem_b", lambda w: w["problem_b"].description)
            ),
            seen("problem_a", "problem_b"),
        ),
    ),
    Probe("projects:key_projects", get=allow(*ZONE_READERS)),
    Probe("projects:key_projects_export", get=allow(*ZONE_READERS)),
    Probe(
        "projects:bulletin",
        get=allow(*ZONE_READERS),
        visible=Visibility(
            texts(("key_a", lambda w: w["key_a"].name), ("key_b", lambda w: w["key_b"].name)), seen("key_a", "key_b")
        ),
    ),
    Probe(
        "projects:bulletin_export",
        get=allow(*ZONE_READERS),
        visible=Visibility(
            texts(("key_a", lambda w: w["key_a"].name), ("key_b", lambda w: w["key_b"].name)),
            seen("key_a", "key_b"),
            content=workbook_text,
        ),
    ),
]


def campaign_objects(w, personas):
    """A provincial key project per zone on this year's plan: the 通报 lists it at its default period."""
    objects = {}
    year = timezone.localdate().year
    for side, actor in (("a", personas["zone_admin_a"]), ("b", personas["system_admin"])):
        project = services.save_project(
            actor=actor,
            project=Project(
                zone=w[f"zone_{side}"],
                name=f"矩阵重点项目{side.upper()}",
                investor_name="矩阵投资方",
                level="province",
                total_investment=Decimal("20000"),
            ),
        )
        AnnualPlan.objects.create(project=project, year=year, planned_investment=Decimal("5000"), planned_start=True)
        objects[f"key_{side}"] = project
    return objects
