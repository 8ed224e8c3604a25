"""Authorization-matrix probes of the projects pages (added to kaifaqu/core/tests/test_authorization_matrix.py).

Each group of pages keeps its probes in its own module: matrix_pages (list, board, project page), matrix_edits
(forms), matrix_io (imports, configuration), matrix_campaigns (campaigns, inspections, leader's page, key projects).
"""

import datetime
from decimal import Decimal

from kaifaqu.projects import services
from kaifaqu.projects.models import Approval, ApprovalKind, Campaign, Inspection, Problem, Project, StageDefinition

from .matrix_campaigns import CAMPAIGN_PROBES, campaign_objects
from .matrix_edits import EDIT_PROBES, edit_objects
from .matrix_io import IO_PROBES, io_objects
from .matrix_pages import PAGE_PROBES, page_objects

PROJECT_PROBES = PAGE_PROBES + EDIT_PROBES + IO_PROBES + CAMPAIGN_PROBES

# Who reads projects of zone A and writes them (the projects department of zone A is 项目服务中心).
PROJECT_READ_A = ("system_admin", "zone_admin_a", "staff_a", "projects_staff_a", "leader_a", "region_viewer")
# 三员分立: the system administrator reads projects but writes none of them (docs/users/roles.md); he keeps their
# configuration (stages, approval kinds, reopening a progress month).
PROJECT_WRITE_A = ("zone_admin_a", "projects_staff_a")


def base_objects(w, personas):
    """One project per zone (investor firm_1 in A, firm_b in B), each with a signed stage, an approval matter
    assigned to the zone's 经济运行部, an overdue problem, an inspection and a campaign."""
    objects = {}
    for key, zone, firm, department, actor in (
        ("a", w["zone_a"], w["firm_1"], w["dept_a"], personas["zone_admin_a"]),
        ("b", w["zone_b"], w["firm_b"], w["dept_b"], personas["system_admin"]),
    ):
        project = services.save_project(
            actor=actor,
            project=Project(zone=zone, name=f"矩阵项目{key.upper()}", investor=firm, total_investment=Decimal("15000")),
        )
        signed = StageDefinition.objects.get(zone=zone, milestone="signed")
        services.record_stage(actor=actor, project=project, stage=signed, actual_on=datetime.date(2025, 2, 1))
        kind = ApprovalKind.objects.get(zone=zone, name="环评")
        objects[f"project_{key}"] = project
        objects[f"approval_{key}"] = Approval.objects.create(project=project, kind=kind, department=department)
        objects[f"inspection_{key}"] = Inspection.objects.create(
            zone=zone, held_on=datetime.date(2025, 3, 1), kind="on_site", leaders="市长", recorded_by=actor
        )
        objects[f"problem_{key}"] = Problem.objects.create(
            zone=zone,
            project=project,
            inspection=objects[f"inspection_{key}"],
            category="land",
            description=f"矩阵问题{key.upper()}",
            department=department,
            raised_on=datetime.date(2025, 3, 1),
            deadline=datetime.date(2025, 3, 31),
            raised_by=actor,
        )
        objects[f"campaign_{key}"] = Campaign.objects.create(
            zone=zone,
            name="2025年第一季度三个一批",
            starts_on=datetime.date(2025, 1, 1),
            ends_on=datetime.date(2025, 3, 31),
        )
    return objects


def project_objects(w, personas):
    """The projects objects the probes use, in zone A and zone B, keyed by name."""
    objects = base_objects(w, personas)
    combined = {**w, **objects}
    for extra in (page_objects, edit_objects, io_objects, campaign_objects):
        objects.update(extra(combined, personas))
    return objects
