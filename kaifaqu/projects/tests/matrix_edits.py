"""Authorization-matrix probes of the projects edit views (see tests/matrix.py for the shared objects).

Every write page is probed with an object in zone A and one in zone B: GET, and POST with a valid payload
(WRITTEN for the personas allowed, 404 for the others, INVALID where the form must refuse).
"""

import datetime
import io
from decimal import Decimal

import openpyxl
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import PERSONAS
from kaifaqu.core.periods import format_period
from kaifaqu.core.tests.matrix_kit import Post, Probe, Visibility, allow, write
from kaifaqu.projects import services
from kaifaqu.projects.models import (
    AnnualPlan,
    Approval,
    ApprovalKind,
    Problem,
    ProductionLine,
    ProgressReport,
    Project,
    ProjectPhase,
    ProjectStage,
    StageDefinition,
    StageEvidence,
)

LOGGED_IN = tuple(p for p in PERSONAS if p != "anonymous")
# Who reads and who writes the projects of each zone (the projects department of zone A is 项目服务中心).
READ_A = ("system_admin", "zone_admin_a", "staff_a", "projects_staff_a", "leader_a", "region_viewer")
READ_B = ("system_admin", "staff_b")
# 三员分立: the system administrator reads projects but writes none of them (docs/users/roles.md); he keeps their
# configuration (stages, approval kinds, reopening a progress month).
WRITE_A = ("zone_admin_a", "projects_staff_a")
WRITE_B = ()
# 经济运行部 of each zone is the department the base approval and problem are assigned to.
ASSIGNED_A = (*WRITE_A, "staff_a")
ASSIGNED_B = (*WRITE_B, "staff_b")
SIDES = (
    ("A", "a", WRITE_A, READ_A + ("firm_1_user",), ASSIGNED_A),
    ("B", "b", WRITE_B, READ_B, ASSIGNED_B),
)
PDF = b"%PDF-1.4\n% matrix evidence\n"


def pk(key, name="pk"):
    return lambda w: {name: w[key].pk}


def today():
    return timezone.localdate()


def project_payload(project, **changes):
    """Every field of the project form, as a browser posts it."""
    if project.pk:
        project = Project.objects.get(pk=project.pk)
    data = {
        "zone": project.zone_id,
        "name": project.name,
        "investor": project.investor_id or "",
        "investor_name": project.investor_name,
        "park": project.park_id or "",
        "industry": project.industry_id or "",
        "chain": project.chain_id or "",
        "level": project.level,
        "kind": project.kind,
        "status": project.status,
        "leader": project.leader,
        "department": project.department_id or "",
        "location": project.location,
        "content": project.content,
        "total_investment": project.total_investment if project.total_investment is not None else "",
        "fixed_asset_investment": project.fixed_asset_investment if project.fixed_asset_investment is not None else "",
        "land_mu": project.land_mu if project.land_mu is not None else "",
        "floor_area_m2": project.floor_area_m2 if project.floor_area_m2 is not None else "",
        "products": project.products,
        "capacity_quantity": project.capacity_quantity if project.capacity_quantity is not None else "",
        "capacity_unit": project.capacity_unit,
        "expected_output_value": project.expected_output_value if project.expected_output_value is not None else "",
        "expected_tax": project.expected_tax if project.expected_tax is not None else "",
        "expected_jobs": project.expected_jobs or "",
        "producer": project.producer_id or "",
        "start_year": project.start_year or "",
        "end_year": project.end_year or "",
        "image_progress": project.image_progress,
    }
    return {**data, **changes}


def new_project_payload(w, zone_key, name):
    return project_payload(
        Project(zone=w[zone_key], name=name, investor_name="矩阵投资方"),
        total_investment="20000",
        fixed_asset_investment="18000",
    )


def approval_payload(w, side, **changes):
    data = {
        "kind": ApprovalKind.objects.get(zone=w[f"zone_{side}"], name="安评").pk,
        "department": "",
        "status": "submitted",
        "document_number": "",
        "submitted_on": "2025-03-01",
        "approved_on": "",
        "time_limit_days": "",
        "planned_on": "",
        "is_commitment": "on",
        "note": "矩阵审批",
    }
    return {**data, **changes}


def approval_edit_payload(w, key):
    approval = Approval.objects.get(pk=w[key].pk)
    return {
        "kind": approval.kind_id,
        "department": approval.department_id or "",
        "status": "preparing",
        "document_number": "",
        "submitted_on": "",
        "approved_on": "",
        "time_limit_days": approval.time_limit_days or "",
        "planned_on": "",
        "note": "矩阵办理中",
    }


def problem_payload(w, side):
    return {
        "category": "roads",
        "description": f"矩阵新问题{side}",
        "department": w[f"dept_{side}"].pk,
        "raised_on": "2025-03-01",
        "deadline": "2025-06-30",
        "status": "open",
    }


def problem_edit_payload(w, key):
    problem = Problem.objects.get(pk=w[key].pk)
    return {
        "category": problem.category,
        "description": "矩阵办理中的问题",
        "department": problem.department_id,
        "raised_on": problem.raised_on.isoformat(),
        "deadline": problem.deadline.isoformat(),
        "status": "in_progress",
    }


def stage_payload(**changes):
    data = {"planned_on": "", "actual_on": "2025-02-10", "phase": "", "note": "矩阵备案"}
    return {**data, **changes}


def stage_kwargs(side, milestone):
    def kwargs(w):
        stage = StageDefinition.objects.get(zone=w[f"zone_{side}"], milestone=milestone)
        return {"pk": w[f"project_{side}"].pk, "stage": stage.pk}

    return kwargs


def stage_dated(side, actual_on, reason=""):
    def effect(w, user, client):
        row = ProjectStage.objects.filter(
            project=w[f"project_{side}"], stage__milestone="filed", actual_on=actual_on
        ).first()
        return row is not None and row.out_of_order_reason == reason and row.recorded_by == user

    return effect


def this_month():
    day = today()
    return format_period(day.year * 100 + day.month)


def progress_payload(**changes):
    data = {"period": this_month(), "decade": "0", "amount": "100", "since_start": "", "image_progress": "矩阵形象进度"}
    return {**data, **changes}


def progress_written(side):
    def effect(w, user, client):
        day = today()
        return ProgressReport.objects.filter(
            project=w[f"project_{side}"], period=day.year * 100 + day.month, amount=Decimal("100"), reported_by=user
        ).exists()

    return effect


def file_payload(w):
    return {"stage": "", "file": SimpleUploadedFile("矩阵批复.pdf", PDF, "application/pdf"), "caption": "矩阵附件"}


def row_markers(prefix, keys):
    return lambda w: {key: f'id="{prefix}-{w[key].pk}"'.encode() for key in keys}


def workbook_cells(response):
    """Every cell of an exported workbook, one per line, so that a marker can match a whole cell."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    return ("\n" + "\n".join(cells) + "\n").encode()


def cell_markers(texts):
    return lambda w: {key: f"\n{text}\n".encode() for key, text in texts.items()}


SEEN = {p: set() for p in LOGGED_IN}
SEEN.update({p: {"a"} for p in READ_A})
SEEN.update(system_admin={"a", "b"}, staff_b={"b"}, firm_1_user={"a"})


def seen(prefix):
    return {p: {f"{prefix}_{side}" for side in sides} for p, sides in SEEN.items()}


def side_probes():
    probes = []
    for label, side, writers, readers, assigned in SIDES:
        project_key = f"project_{side}"
        probes += [
            Probe(
                "projects:project_edit",
                label,
                pk(project_key),
                allow(*writers),
                {
                    "edit": Post(
                        lambda w, k=project_key: project_payload(w[k], leader="矩阵挂点领导", land_mu="26"),
                        write(*writers),
                        lambda w, u, c, k=project_key: Project.objects.get(pk=w[k].pk).leader == "矩阵挂点领导",
                    ),
                    "fixed_above_total": Post(
                        lambda w, k=project_key: project_payload(
                            w[k], total_investment="1000", fixed_asset_investment="1000.0001"
                        ),
                        write(invalid=writers),
                        None,
                    ),
                },
            ),
            Probe(
                "projects:project_delete",
                label,
                pk(f"deletable_{side}"),
                allow(*writers),
                {
                    "delete": Post(
                        lambda w: {},
                        write(*writers),
                        lambda w, u, c, s=side: not Project.objects.filter(pk=w[f"deletable_{s}"].pk).exists(),
                    )
                },
            ),
            Probe(
                "projects:link_investor",
                label,
                pk(f"prospect_{side}"),
                allow(*writers),
                {
                    "link": Post(
                        lambda w, s=side: {"enterprise": w["firm_2" if s == "a" else "firm_b"].pk},
                        write(*writers),
                        lambda w, u, c, s=side: (
                            Project.objects.get(pk=w[f"prospect_{s}"].pk).investor_id
                            == w["firm_2" if s == "a" else "firm_b"].pk
                        ),
                    ),
                    "other_zone": Post(
                        lambda w, s=side: {"enterprise": w["firm_b" if s == "a" else "firm_2"].pk},
                        write(invalid=writers),
                        None,
                    ),
                },
            ),
            Probe(
                "projects:stage_edit",
                label,
                stage_kwargs(side, "filed"),
                allow(*writers),
                {
                    "in_order": Post(
                        lambda w: stage_payload(),
                        write(*writers),
                        stage_dated(side, datetime.date(2025, 2, 10)),
                    ),
                    # 立项/备案 before 签约 (2025-02-01): refused without 确认 and a reason, kept with them.
                    "out_of_order": Post(lambda w: stage_payload(actual_on="2025-01-15"), write(invalid=writers), None),
                    "confirmed": Post(
                        lambda w: stage_payload(actual_on="2025-01-15", confirm="on", out_of_order_reason="先行备案"),
                        write(*writers),
                        stage_dated(side, datetime.date(2025, 1, 15), "先行备案"),
                    ),
                },
            ),
            Probe(
                "projects:phase_add",
                label,
                pk(project_key),
                allow(*writers),
                {
                    "add": Post(
                        lambda w: {"name": "矩阵二期", "content": "", "total_investment": "5000"},
                        write(*writers),
                        lambda w, u, c, k=project_key: ProjectPhase.objects.filter(
                            project=w[k], name="矩阵二期", total_investment=Decimal("5000")
                        ).exists(),
                    )
                },
            ),
            Probe(
                "projects:phase_edit",
                label,
                pk(f"phase_{side}"),
                allow(*writers),
                {
                    "edit": Post(
                        lambda w: {"name": "矩阵一期（改）", "content": "", "total_investment": ""},
                        write(*writers),
                        lambda w, u, c, s=side: (
                            ProjectPhase.objects.get(pk=w[f"phase_{s}"].pk).name == "矩阵一期（改）"
                        ),
                    )
                },
            ),
            Probe(
                "projects:line_add",
                label,
                pk(project_key),
                allow(*writers),
                {
                    "add": Post(
                        lambda w: {"name": "4号线", "status": "commissioning", "status_on": "2025-03-01", "order": "4"},
                        write(*writers),
                        lambda w, u, c, k=project_key: ProductionLine.objects.filter(
                            project=w[k], name="4号线", status="commissioning"
                        ).exists(),
                    )
                },
            ),
            Probe(
                "projects:line_edit",
                label,
                pk(f"line_{side}"),
                allow(*writers),
                {
                    "edit": Post(
                        lambda w: {"name": "1号线", "status": "trial", "status_on": "2025-03-01", "order": "1"},
                        write(*writers),
                        lambda w, u, c, s=side: ProductionLine.objects.get(pk=w[f"line_{s}"].pk).status == "trial",
                    )
                },
            ),
            Probe(
                "projects:approval_add",
                label,
                pk(project_key),
                allow(*writers),
                {
                    "add": Post(
                        lambda w, s=side: approval_payload(w, s),
                        write(*writers),
                        lambda w, u, c, k=project_key: Approval.objects.filter(
                            project=w[k], kind__name="安评", time_limit_days=30, is_commitment=True
                        ).exists(),
                    ),
                    "approved_without_date": Post(
                        lambda w, s=side: approval_payload(w, s, status="approved"), write(invalid=writers), None
                    ),
                },
            ),
            Probe(
                "projects:approval_edit",
                label,
                pk(f"approval_{side}"),
                allow(*assigned),
                {
                    "edit": Post(
                        lambda w, s=side: approval_edit_payload(w, f"approval_{s}"),
                        write(*assigned),
                        lambda w, u, c, s=side: Approval.objects.get(pk=w[f"approval_{s}"].pk).status == "preparing",
                    )
                },
            ),
            Probe(
                "projects:problem_add",
                label,
                pk(project_key),
                allow(*writers),
                {
                    "add": Post(
                        lambda w, s=side: problem_payload(w, s),
                        write(*writers),
                        lambda w, u, c, s=side: Problem.objects.filter(
                            project=w[f"project_{s}"], description=f"矩阵新问题{s}", raised_by=u
                        ).exists(),
                    )
                },
            ),
            Probe(
                "projects:problem_edit",
                label,
                pk(f"problem_{side}"),
                allow(*assigned),
                {
                    # The payload also restates the description: only project writers may (ADR 0002, amendment 1);
                    # the responsible department's staff get the form back with the field refused, nothing written.
                    "edit": Post(
                        lambda w, s=side: problem_edit_payload(w, f"problem_{s}"),
                        write(*writers, invalid=[p for p in assigned if p not in writers]),
                        lambda w, u, c, s=side: Problem.objects.get(pk=w[f"problem_{s}"].pk).status == "in_progress",
                    ),
                },
            ),
            Probe(
                "projects:problem_resolve",
                label,
                pk(f"problem_{side}"),
                allow(*assigned),
                {
                    "resolve": Post(
                        lambda w: {"resolution": "道路已贯通", "resolved_on": "2025-03-20"},
                        write(*assigned),
                        lambda w, u, c, s=side: Problem.objects.get(pk=w[f"problem_{s}"].pk).status == "resolved",
                    ),
                    "no_resolution": Post(
                        lambda w: {"resolution": " ", "resolved_on": "2025-03-20"}, write(invalid=assigned), None
                    ),
                },
            ),
            Probe(
                "projects:plan_edit",
                label,
                lambda w, k=project_key: {"pk": w[k].pk, "year": 2025},
                allow(*writers),
                {
                    "save": Post(
                        lambda w: {"planned_investment": "6000", "progress_goal": "主体封顶", "planned_start": "on"},
                        write(*writers),
                        lambda w, u, c, k=project_key: AnnualPlan.objects.filter(
                            project=w[k], year=2025, planned_investment=Decimal("6000"), planned_start=True
                        ).exists(),
                    ),
                    "negative": Post(lambda w: {"planned_investment": "-1"}, write(invalid=writers), None),
                },
            ),
            Probe(
                "projects:progress_add",
                label,
                pk(project_key),
                allow(*writers, *(("firm_1_user",) if side == "a" else ())),
                {
                    "report": Post(
                        lambda w: progress_payload(),
                        write(*writers, *(("firm_1_user",) if side == "a" else ())),
                        progress_written(side),
                    ),
                    "closed_period": Post(
                        lambda w: progress_payload(period="2020-01"),
                        write(invalid=(*writers, *(("firm_1_user",) if side == "a" else ()))),
                        None,
                    ),
                },
            ),
            Probe(
                "projects:file_add",
                label,
                pk(project_key),
                allow(*writers),
                {
                    "upload": Post(
                        file_payload,
                        write(*writers),
                        lambda w, u, c, k=project_key: StageEvidence.objects.filter(
                            project=w[k], caption="矩阵附件", uploaded_by=u
                        ).exists(),
                    )
                },
            ),
            Probe("projects:file_download", label, pk(f"evidence_{side}"), allow(*readers)),
        ]
    return probes


EDIT_PROBES = [
    Probe(
        "projects:project_add",
        get=allow(*WRITE_A),
        posts={
            "create_a": Post(
                lambda w: new_project_payload(w, "zone_a", "矩阵新项目A"),
                write(*WRITE_A),
                lambda w, u, c: Project.objects.filter(zone=w["zone_a"], name="矩阵新项目A").exists(),
            ),
            # Zone B is not among the zones the writers of zone A may choose.
            "create_b": Post(
                lambda w: new_project_payload(w, "zone_b", "矩阵新项目B"),
                write(*WRITE_B, invalid=[p for p in WRITE_A if p not in WRITE_B]),
                lambda w, u, c: Project.objects.filter(zone=w["zone_b"], name="矩阵新项目B").exists(),
            ),
        },
    ),
    *side_probes(),
    Probe(
        "projects:approval_list",
        get=allow(*LOGGED_IN),
        visible=Visibility(row_markers("approval", ("approval_a", "approval_b")), seen("approval")),
    ),
    Probe(
        "projects:approval_export",
        get=allow(*LOGGED_IN),
        visible=Visibility(
            lambda w: {key: f"\n{w[key].project.name}\n".encode() for key in ("approval_a", "approval_b")},
            seen("approval"),
            content=workbook_cells,
        ),
    ),
    Probe(
        "projects:problem_list",
        get=allow(*LOGGED_IN),
        visible=Visibility(row_markers("problem", ("problem_a", "problem_b")), seen("problem")),
    ),
    Probe(
        "projects:problem_export",
        get=allow(*LOGGED_IN),
        visible=Visibility(
            lambda w: {key: f"\n{w[key].description}\n".encode() for key in ("problem_a", "problem_b")},
            seen("problem"),
            content=workbook_cells,
        ),
    ),
]


def edit_objects(w, personas):
    """Per zone: a project to delete, a prospective investor's project to link, a phase, a line and a file."""
    objects = {}
    for side, zone_key, actor in (("a", "zone_a", personas["zone_admin_a"]), ("b", "zone_b", personas["system_admin"])):
        zone, project = w[zone_key], w[f"project_{side}"]
        objects[f"deletable_{side}"] = services.save_project(
            actor=actor, project=Project(zone=zone, name=f"矩阵待删项目{side.upper()}", investor_name="矩阵投资方")
        )
        objects[f"prospect_{side}"] = services.save_project(
            actor=actor, project=Project(zone=zone, name=f"矩阵意向项目{side.upper()}", investor_name="矩阵意向投资方")
        )
        objects[f"phase_{side}"] = ProjectPhase.objects.create(project=project, name="矩阵一期")
        objects[f"line_{side}"] = ProductionLine.objects.create(project=project, name="1号线", order=1)
        evidence = StageEvidence(project=project, caption="矩阵证明材料", uploaded_by=actor)
        evidence.file.save("evidence.pdf", ContentFile(PDF), save=False)
        evidence.save()
        objects[f"evidence_{side}"] = evidence
    return objects
