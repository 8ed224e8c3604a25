"""Authorization-matrix probes of the projects io views (see tests/matrix.py for the shared objects): imports of the
project list and of progress, their jobs, the zone configuration pages (stages, approval kinds) and reopening a
closed progress month."""

import io

import openpyxl
from django.core.files.base import ContentFile

from kaifaqu.core.models import ImportJob, ImportStatusChoices
from kaifaqu.core.tests.matrix_kit import Post, Probe, allow, write
from kaifaqu.projects.models import ApprovalKind, ProgressReopening, StageDefinition

# Project writers (zone admin, 项目服务中心 staff); zone administration (stages, reopening) is the zone admin's.
# The configuration of approval kinds is also the system administrator's (WRITERS_*); the projects and their progress
# are not (PROJECT_WRITERS_A): 三员分立, he reads projects but writes none of them (docs/users/roles.md).
WRITERS_A = ("system_admin", "zone_admin_a", "projects_staff_a")
WRITERS_B = ("system_admin",)
PROJECT_WRITERS_A = ("zone_admin_a", "projects_staff_a")
ADMINS_A = ("system_admin", "zone_admin_a")
ADMINS_B = ("system_admin",)
# Progress is imported by project writers and by the enterprise user of an investor (firm_1 invests in project_a).
PROGRESS_IMPORTERS = (*PROJECT_WRITERS_A, "firm_1_user")


def pk(key):
    return lambda w: {"pk": w[key].pk}


def stage_added(zone_key):
    return lambda w, u, c: StageDefinition.objects.filter(zone=w[zone_key], code="matrix_stage").exists()


def kind_added(zone_key):
    return lambda w, u, c: ApprovalKind.objects.filter(zone=w[zone_key], name="矩阵事项").exists()


def reopened(zone_key):
    return lambda w, u, c: ProgressReopening.objects.filter(zone=w[zone_key], period=202506, opened_by=u).exists()


def stage_payload(w, zone_key):
    return {
        "zone": w[zone_key].pk,
        "code": "matrix_stage",
        "name": "矩阵阶段",
        "phase": "pipeline",
        "milestone": "",
        "position": 3,
        "is_active": "on",
    }


def kind_payload(w, zone_key):
    return {"zone": w[zone_key].pk, "name": "矩阵事项", "time_limit_days": 10, "default_department": "", "order": 20}


def reopen_payload(w, zone_key):
    return {"zone": w[zone_key].pk, "period": "2025-06", "closes_at": "2099-01-01T00:00", "reason": "矩阵补报"}


IO_PROBES = [
    Probe("projects:project_import", get=allow(*PROJECT_WRITERS_A)),
    Probe("projects:project_import_template", get=allow(*PROJECT_WRITERS_A)),
    Probe("projects:progress_import", get=allow(*PROGRESS_IMPORTERS)),
    Probe("projects:progress_import_template", get=allow(*PROGRESS_IMPORTERS)),
    # A job is seen only by the user who started it, through the import pages (which the system administrator,
    # who imports no projects, does not open).
    *[
        Probe(view, label, pk(key), allow(*owners))
        for view in ("projects:import_job", "projects:import_job_errors")
        for label, key, owners in (
            ("A", "project_job_a", ("projects_staff_a",)),
            ("B", "project_job_b", ()),
        )
    ],
    Probe(
        "projects:progress_reopen",
        get=allow(*ADMINS_A),
        posts={
            f"reopen_{label}": Post(
                lambda w, z=zone_key: reopen_payload(w, z),
                write(*admins, invalid=[p for p in ADMINS_A if p not in admins]),
                reopened(zone_key),
            )
            for label, zone_key, admins in (("A", "zone_a", ADMINS_A), ("B", "zone_b", ADMINS_B))
        },
    ),
    # ---- stage ladder (zone administration)
    # Without ?zone= the page shows the user's (first) zone; another zone's ?zone= is a 404 (test_config.py).
    Probe("projects:stage_config", get=allow(*ADMINS_A)),
    Probe(
        "projects:stage_config_add",
        get=allow(*ADMINS_A),
        posts={
            f"add_{label}": Post(
                lambda w, z=zone_key: stage_payload(w, z),
                write(*admins, invalid=[p for p in ADMINS_A if p not in admins]),
                stage_added(zone_key),
            )
            for label, zone_key, admins in (("A", "zone_a", ADMINS_A), ("B", "zone_b", ADMINS_B))
        },
    ),
    *[
        Probe(
            "projects:stage_config_edit",
            label,
            pk(key),
            allow(*admins),
            {
                "edit": Post(
                    lambda w, k=key: {
                        "name": "矩阵供地",
                        "phase": "pipeline",
                        "milestone": "land",
                        "position": w[k].order,
                        "is_active": "on",
                    },
                    write(*admins),
                    lambda w, u, c, k=key: StageDefinition.objects.get(pk=w[k].pk).name == "矩阵供地",
                )
            },
        )
        for label, key, admins in (("A", "stage_a", ADMINS_A), ("B", "stage_b", ADMINS_B))
    ],
    # ---- approval kinds (project writers)
    Probe("projects:approval_kind_config", get=allow(*WRITERS_A)),
    Probe(
        "projects:approval_kind_add",
        get=allow(*WRITERS_A),
        posts={
            f"add_{label}": Post(
                lambda w, z=zone_key: kind_payload(w, z),
                write(*writers, invalid=[p for p in WRITERS_A if p not in writers]),
                kind_added(zone_key),
            )
            for label, zone_key, writers in (("A", "zone_a", WRITERS_A), ("B", "zone_b", WRITERS_B))
        },
    ),
    *[
        Probe(
            "projects:approval_kind_edit",
            label,
            pk(key),
            allow(*writers),
            {
                "edit": Post(
                    lambda w: {"name": "矩阵环评", "time_limit_days": 45, "default_department": "", "order": 4},
                    write(*writers),
                    lambda w, u, c, k=key: ApprovalKind.objects.get(pk=w[k].pk).time_limit_days == 45,
                )
            },
        )
        for label, key, writers in (("A", "kind_a", WRITERS_A), ("B", "kind_b", WRITERS_B))
    ],
]


def import_job(owner, zone):
    """A validated project-list job with one error, owned by `owner`."""
    book = openpyxl.Workbook()
    book.active.append(["项目名称", "园区"])
    book.active.append(["矩阵导入项目", "不存在园"])
    buffer = io.BytesIO()
    book.save(buffer)
    job = ImportJob(
        kind="projects",
        original_name="项目清单.xlsx",
        created_by=owner,
        zone=zone,
        status=ImportStatusChoices.VALIDATED,
        row_count=1,
        error_count=1,
        error_row_count=1,
        errors=[{"row": 2, "column": "园区", "message": "开发区中没有园区“不存在园”"}],
    )
    job.file.save("upload.xlsx", ContentFile(buffer.getvalue()), save=False)
    job.error_file.save("errors.xlsx", ContentFile(buffer.getvalue()), save=False)
    job.save()
    return job


def io_objects(w, personas):
    """Objects these probes need beyond tests/matrix.py's base objects (w holds both), keyed by name."""
    return {
        "project_job_a": import_job(personas["projects_staff_a"], w["zone_a"]),
        "project_job_b": import_job(personas["system_admin"], w["zone_b"]),
        "stage_a": StageDefinition.objects.get(zone=w["zone_a"], code="land"),
        "stage_b": StageDefinition.objects.get(zone=w["zone_b"], code="land"),
        "kind_a": ApprovalKind.objects.get(zone=w["zone_a"], name="环评"),
        "kind_b": ApprovalKind.objects.get(zone=w["zone_b"], name="环评"),
    }
