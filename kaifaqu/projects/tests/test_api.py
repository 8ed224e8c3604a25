"""REST API of projects, stage dates, approvals, progress and problems: per persona, allowed calls succeed and are
attributed; denied ones change nothing (401 anonymous, 404 out of scope, 403 forbidden writes, 400 for a related
object out of scope). Validation answers per field; lists issue a bounded number of queries."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps

from conftest import PERSONAS, make_user
from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.models import Membership
from kaifaqu.projects import services
from kaifaqu.projects.models import Approval, Problem, ProgressReport, Project, ProjectStage, StageDefinition
from kaifaqu.projects.tests.matrix import base_objects

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 3, 5, 10, 0, tzinfo=datetime.UTC)  # 2025-02 is open until 03-10, 2025-01 closed

VIEW = {
    "a": {"system_admin", "zone_admin_a", "staff_a", "projects_staff_a", "leader_a", "region_viewer", "firm_1_user"},
    "b": {"system_admin", "staff_b"},
}
# The system administrator reads every project but writes none (三员分立, docs/users/roles.md).
WRITE = {"a": {"zone_admin_a", "projects_staff_a"}, "b": set()}
# The department each zone's approval and problem are assigned to (经济运行部) updates their handling.
ASSIGNED = {"a": {"staff_a"}, "b": {"staff_b"}}
PROGRESS = {"a": WRITE["a"] | {"firm_1_user"}, "b": WRITE["b"]}
ZONES = ("a", "b")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def objects(frozen, world, personas):
    return {**world, **base_objects(world, personas)}


def snapshot():
    """Every row the projects API could write, history included."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_app_config("projects").get_models()
    }


def call(client, method, url, data=None):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, data, content_type="application/json", secure=True)
    return getattr(client, method)(url, secure=True)


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def expected_write(persona, zone, writers):
    if persona == "anonymous":
        return 401
    if persona not in VIEW[zone]:
        return 404
    return 200 if persona in writers else 403


# -- projects ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_project_list_and_detail_show_exactly_the_scope(objects, personas, client_for, persona):
    client = client_for(personas[persona])
    response = call(client, "get", "/api/projects/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert ids(response) == {objects[f"project_{z}"].pk for z in ZONES if persona in VIEW[z]}
    for zone in ZONES:
        detail = call(client, "get", f"/api/projects/{objects[f'project_{zone}'].pk}/")
        assert detail.status_code == (200 if persona in VIEW[zone] else 404)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_project_update(objects, personas, client_for, persona, zone):
    user, project = personas[persona], objects[f"project_{zone}"]
    before = snapshot()
    response = call(client_for(user), "patch", f"/api/projects/{project.pk}/", {"image_progress": "主体封顶"})
    expected = expected_write(persona, zone, WRITE[zone])
    assert response.status_code == expected, response.content
    if expected != 200:
        assert snapshot() == before
        return
    project.refresh_from_db()
    assert project.image_progress == "主体封顶"
    assert project.history.latest().history_user == user


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_project_create(objects, personas, client_for, persona, zone):
    user = personas[persona]
    payload = {"name": "API新项目", "zone": objects[f"zone_{zone}"].pk, "investor_name": "某新材料集团"}
    before = snapshot()
    response = call(client_for(user), "post", "/api/projects/", payload)
    if persona == "anonymous":
        expected = 401
    elif not WRITE["a"] & {persona} and not WRITE["b"] & {persona}:
        expected = 403  # writes projects nowhere
    elif persona in WRITE[zone]:
        expected = 201
    else:
        expected = 400  # a zone outside the user's scope does not exist for them
    assert response.status_code == expected, response.content
    if expected != 201:
        assert snapshot() == before
        if expected == 400:
            assert set(response.json()) == {"zone"}
        return
    project = Project.objects.get(name="API新项目")
    assert (project.zone, project.investor_name) == (objects[f"zone_{zone}"], "某新材料集团")
    assert project.history.earliest().history_user == user


def test_project_validation_per_field(objects, personas, client_for):
    client = client_for(personas["projects_staff_a"])
    zone = objects["zone_a"].pk
    before = snapshot()
    for payload, field, message in (
        ({"name": "甲", "zone": zone}, "investor_name", "请选择已登记的投资企业或填写投资方名称"),
        (
            {
                "name": "甲",
                "zone": zone,
                "investor_name": "某",
                "total_investment": "100",
                "fixed_asset_investment": "200",
            },
            "fixed_asset_investment",
            "固定资产投资不能大于总投资",
        ),
        ({"name": "甲", "zone": zone, "investor_name": "某", "park": objects["park_b"].pk}, "park", None),
        (
            {"name": "甲", "zone": zone, "investor_name": "某", "start_year": 2025, "end_year": 2024},
            "end_year",
            "建设截止年不能早于起始年",
        ),
    ):
        response = call(client, "post", "/api/projects/", payload)
        assert response.status_code == 400, response.content
        assert list(response.json()) == [field]
        if message:
            assert response.json()[field] == [message]
    assert snapshot() == before
    moved = call(client, "patch", f"/api/projects/{objects['project_a'].pk}/", {"zone": objects["zone_b"].pk})
    assert moved.status_code == 400


def test_project_filters(objects, personas, client_for):
    client = client_for(personas["system_admin"])
    a, b = objects["project_a"], objects["project_b"]
    Project.objects.filter(pk=a.pk).update(level="province")
    assert ids(call(client, "get", "/api/projects/?level=province")) == {a.pk}
    assert ids(call(client, "get", f"/api/projects/?zone={b.zone_id}")) == {b.pk}
    assert ids(call(client, "get", "/api/projects/?milestone=signed")) == {a.pk, b.pk}
    # Both have an overdue problem (deadline 2025-03-31) only after the deadline.
    assert ids(call(client, "get", "/api/projects/?overdue=true")) == set()
    with time_machine.travel(datetime.datetime(2025, 4, 2, tzinfo=datetime.UTC), tick=False):
        client = client_for(personas["system_admin"])  # a new session: the old one timed out meanwhile
        assert ids(call(client, "get", "/api/projects/?overdue=true")) == {a.pk, b.pk}
        Problem.objects.filter(pk=objects["problem_b"].pk).update(
            status="resolved", resolution="已解决", resolved_on=datetime.date(2025, 3, 30)
        )
        assert ids(call(client, "get", "/api/projects/?overdue=true")) == {a.pk}
        assert ids(call(client, "get", "/api/projects/?overdue=false")) == {b.pk}


def test_project_list_queries_do_not_grow_with_rows(objects, personas, client_for, django_assert_num_queries):
    client = client_for(personas["zone_admin_a"])
    call(client, "get", "/api/projects/")  # session and user caches warm
    for n in range(2):
        Project.objects.create(zone=objects["zone_a"], name=f"批量{n}", investor=objects["firm_2"])
    # session, user, the account's lock-out check, memberships, count, page
    with django_assert_num_queries(6):
        assert call(client, "get", "/api/projects/").json()["count"] == 3
    for n in range(2, 20):
        Project.objects.create(zone=objects["zone_a"], name=f"批量{n}", investor_name="某")
    with django_assert_num_queries(6):
        assert call(client, "get", "/api/projects/").json()["count"] == 21


# -- stage dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_stage_date_post(objects, personas, client_for, persona, zone):
    user, project = personas[persona], objects[f"project_{zone}"]
    started = StageDefinition.objects.get(zone=project.zone, milestone="started")
    payload = {"project": project.pk, "stage": started.pk, "actual_on": "2025-02-20"}
    before = snapshot()
    response = call(client_for(user), "post", "/api/project-stages/", payload)
    if persona == "anonymous":
        expected = 401
    elif persona not in WRITE["a"] | WRITE["b"]:
        expected = 403
    elif persona not in VIEW[zone]:
        expected = 400  # the project does not exist for them
    else:
        expected = 201 if persona in WRITE[zone] else 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert snapshot() == before
        return
    assert response.json()["stage_name"] == "开工"
    project.refresh_from_db()
    assert project.current_stage == started
    row = ProjectStage.objects.get(project=project, stage=started)
    assert (row.actual_on, row.recorded_by, row.history.latest().history_user) == (
        datetime.date(2025, 2, 20),
        user,
        user,
    )


def test_stage_dates_out_of_order_need_a_reason(objects, personas, client_for):
    client = client_for(personas["projects_staff_a"])
    project = objects["project_a"]  # signed 2025-02-01
    started = StageDefinition.objects.get(zone=project.zone, milestone="started")
    payload = {"project": project.pk, "stage": started.pk, "actual_on": "2025-01-20"}
    before = snapshot()
    response = call(client, "post", "/api/project-stages/", payload)
    assert response.status_code == 400
    assert response.json() == {
        "actual_on": ["开工的实际日期早于签约的实际日期", "如确属实际情况，请填写日期顺序例外说明后再保存"]
    }
    assert snapshot() == before
    response = call(client, "post", "/api/project-stages/", {**payload, "out_of_order_reason": "先行开工"})
    assert response.status_code == 201
    assert response.json()["out_of_order_reason"] == "先行开工"
    again = call(client, "post", "/api/project-stages/", {**payload, "actual_on": "2025-02-02"})
    assert (again.status_code, again.json()["out_of_order_reason"]) == (200, "")
    other_zone = StageDefinition.objects.get(zone=objects["zone_b"], milestone="started")
    both = make_user("admin_ab", RoleChoices.ZONE_ADMIN, zone=objects["zone_a"])  # sees zone B's stages too
    Membership.objects.create(user=both, role=RoleChoices.ZONE_ADMIN, zone=objects["zone_b"])
    wrong = call(client_for(both), "post", "/api/project-stages/", {**payload, "stage": other_zone.pk})
    assert wrong.json() == {"stage": ["阶段不属于项目所在开发区"]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_stage_list_follows_project_scope(objects, personas, client_for, persona):
    response = call(client_for(personas[persona]), "get", "/api/project-stages/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    projects = {row["project"] for row in response.json()["results"]}
    assert projects == {objects[f"project_{z}"].pk for z in ZONES if persona in VIEW[z]}


# -- approvals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_approval_handling_update(objects, personas, client_for, persona, zone):
    user, approval = personas[persona], objects[f"approval_{zone}"]
    payload = {"status": "submitted", "submitted_on": "2025-03-01", "document_number": "高经开审〔2025〕3号"}
    before = snapshot()
    response = call(client_for(user), "patch", f"/api/project-approvals/{approval.pk}/", payload)
    expected = expected_write(persona, zone, WRITE[zone] | ASSIGNED[zone])
    assert response.status_code == expected, response.content
    if expected != 200:
        assert snapshot() == before
        return
    approval.refresh_from_db()
    assert (approval.status, approval.document_number) == ("submitted", "高经开审〔2025〕3号")
    assert approval.history.latest().history_user == user


def test_assigned_department_changes_only_the_handling(objects, personas, client_for):
    client = client_for(personas["staff_a"])
    approval = objects["approval_a"]
    before = snapshot()
    for change in ({"department": objects["dept_a_projects"].pk}, {"time_limit_days": 90}, {"is_commitment": True}):
        response = call(client, "patch", f"/api/project-approvals/{approval.pk}/", change)
        assert response.status_code == 403, change
    assert snapshot() == before
    # Sending unchanged values of other fields (a PUT does) is fine.
    data = call(client, "get", f"/api/project-approvals/{approval.pk}/").json()
    data.update(status="approved", submitted_on="2025-02-10", approved_on="2025-02-20")
    response = call(client, "put", f"/api/project-approvals/{approval.pk}/", data)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_approval_create(objects, personas, client_for, persona, zone):
    user, project = personas[persona], objects[f"project_{zone}"]
    kind = project.zone.approval_kinds.get(name="施工许可")
    before = snapshot()
    response = call(client_for(user), "post", "/api/project-approvals/", {"project": project.pk, "kind": kind.pk})
    if persona == "anonymous":
        expected = 401
    elif persona not in WRITE["a"] | WRITE["b"]:
        expected = 403
    elif persona not in VIEW[zone]:
        expected = 400
    else:
        expected = 201 if persona in WRITE[zone] else 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert snapshot() == before
        return
    created = Approval.objects.get(pk=response.json()["id"])
    assert created.time_limit_days == 7  # the kind's statutory limit
    assert created.history.earliest().history_user == user


def test_approval_validation_and_overdue(objects, personas, client_for):
    client = client_for(personas["zone_admin_a"])
    approval = objects["approval_a"]
    before = snapshot()
    response = call(client, "patch", f"/api/project-approvals/{approval.pk}/", {"status": "approved"})
    assert response.json() == {"approved_on": ["已批复的事项须填写批复日期"]}
    response = call(
        client,
        "patch",
        f"/api/project-approvals/{approval.pk}/",
        {"submitted_on": "2025-02-10", "approved_on": "2025-02-01"},
    )
    assert response.json() == {"approved_on": ["批复日期不能早于受理日期"]}
    response = call(client, "patch", f"/api/project-approvals/{approval.pk}/", {"department": objects["dept_b"].pk})
    assert list(response.json()) == ["department"]  # out of scope: does not exist
    assert snapshot() == before
    # 环评: 30 days from acceptance. Accepted 2025-02-01 → due 03-03, overdue on 2025-03-05.
    accepted = {"status": "submitted", "submitted_on": "2025-02-01", "time_limit_days": 30}
    assert call(client, "patch", f"/api/project-approvals/{approval.pk}/", accepted).status_code == 200
    assert call(client, "get", "/api/project-approvals/?overdue=false").json()["count"] == 0
    late = call(client, "get", "/api/project-approvals/?overdue=true").json()["results"]
    assert [(row["id"], row["due_on"], row["is_overdue"]) for row in late] == [(approval.pk, "2025-03-03", True)]


# -- progress ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_progress_create(objects, personas, client_for, persona, zone):
    user, project = personas[persona], objects[f"project_{zone}"]
    before = snapshot()
    payload = {"project": project.pk, "period": "2025-02", "amount": "1200", "image_progress": "厂房主体施工"}
    response = call(client_for(user), "post", "/api/project-progress/", payload)
    writers = PROGRESS["a"] | PROGRESS["b"] | {"firm_2_user"}  # enterprise users may try; scope decides
    if persona == "anonymous":
        expected = 401
    elif persona not in writers:
        expected = 403
    elif persona not in VIEW[zone]:
        expected = 400
    else:
        expected = 201 if persona in PROGRESS[zone] else 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert snapshot() == before
        return
    assert response.json()["period"] == "2025-02"
    report = ProgressReport.objects.get(project=project, period=202502)
    assert (report.amount, report.since_start, report.reported_by) == (Decimal(1200), Decimal(1200), user)
    assert report.history.latest().history_user == user


def test_progress_refusals_name_the_field(objects, personas, client_for):
    client = client_for(personas["projects_staff_a"])
    project = objects["project_a"]
    before = snapshot()
    closed = call(client, "post", "/api/project-progress/", {"project": project.pk, "period": "2025-01", "amount": 1})
    assert closed.status_code == 400
    assert closed.json() == {"period": ["2025-01 的进度填报已截止"]}
    bad = call(client, "post", "/api/project-progress/", {"project": project.pk, "period": "2025-13", "amount": 1})
    assert bad.json() == {"period": ["请按 YYYY-MM 格式填写报告期，例如 2025-03"]}
    negative = call(
        client, "post", "/api/project-progress/", {"project": project.pk, "period": "2025-02", "amount": -1}
    )
    assert list(negative.json()) == ["amount"]
    assert snapshot() == before
    first = call(client, "post", "/api/project-progress/", {"project": project.pk, "period": "2025-02", "amount": 500})
    assert first.status_code == 201
    lower = call(
        client, "post", "/api/project-progress/", {"project": project.pk, "period": "2025-03", "since_start": 400}
    )
    assert lower.status_code == 400
    assert list(lower.json()) == ["since_start"]
    cumulative = call(
        client, "post", "/api/project-progress/", {"project": project.pk, "period": "2025-03", "since_start": 800}
    )
    assert (cumulative.status_code, cumulative.json()["amount"], cumulative.json()["since_start"]) == (
        201,
        "300.0000",
        "800.0000",
    )
    listed = call(client, "get", f"/api/project-progress/?project={project.pk}&year=2025").json()["results"]
    assert [row["period"] for row in listed] == ["2025-03", "2025-02"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_progress_list_follows_project_scope(objects, personas, client_for, persona):
    for zone in ZONES:
        services.record_progress(
            actor=personas["system_admin"], project=objects[f"project_{zone}"], period=202502, amount=Decimal(1)
        )
    response = call(client_for(personas[persona]), "get", "/api/project-progress/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert {row["project"] for row in response.json()["results"]} == {
        objects[f"project_{z}"].pk for z in ZONES if persona in VIEW[z]
    }


# -- problems ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_problem_resolution_update(objects, personas, client_for, persona, zone):
    user, problem = personas[persona], objects[f"problem_{zone}"]
    payload = {"status": "resolved", "resolution": "已协调供地", "resolved_on": "2025-03-04"}
    before = snapshot()
    response = call(client_for(user), "patch", f"/api/project-problems/{problem.pk}/", payload)
    expected = expected_write(persona, zone, WRITE[zone] | ASSIGNED[zone])
    assert response.status_code == expected, response.content
    if expected != 200:
        assert snapshot() == before
        return
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == ("resolved", "已协调供地")
    assert problem.history.latest().history_user == user


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_problem_create(objects, personas, client_for, persona, zone):
    user = personas[persona]
    payload = {
        "zone": objects[f"zone_{zone}"].pk,
        "project": objects[f"project_{zone}"].pk,
        "category": "utilities",
        "description": "API问题：临时用电未接通",
        "department": objects[f"dept_{zone}"].pk,
        "deadline": "2025-04-30",
    }
    before = snapshot()
    response = call(client_for(user), "post", "/api/project-problems/", payload)
    if persona == "anonymous":
        expected = 401
    elif persona not in WRITE["a"] | WRITE["b"]:
        expected = 403
    elif persona not in VIEW[zone]:
        expected = 400
    else:
        expected = 201 if persona in WRITE[zone] else 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert snapshot() == before
        return
    problem = Problem.objects.get(description="API问题：临时用电未接通")
    assert (problem.raised_by, problem.raised_on, problem.history.earliest().history_user) == (
        user,
        datetime.date(2025, 3, 5),
        user,
    )
    assert response.json()["raised_by"] == str(user)


def test_problem_validation(objects, personas, client_for):
    client = client_for(personas["zone_admin_a"])
    problem = objects["problem_a"]
    before = snapshot()
    response = call(client, "patch", f"/api/project-problems/{problem.pk}/", {"status": "resolved"})
    assert response.json() == {
        "resolved_on": ["已解决的问题须填写解决日期"],
        "resolution": ["已解决的问题须填写解决情况"],
    }
    staff = client_for(personas["staff_a"])
    assert call(staff, "patch", f"/api/project-problems/{problem.pk}/", {"deadline": "2025-12-31"}).status_code == 403
    assert snapshot() == before
