"""The leader's page: late milestones, overdue approval matters and overdue problems of the user's zone — an
inspection's problems appear there after their deadline and not before; scope; constant query counts."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaifaqu.projects import aggregates, services
from kaifaqu.projects.models import Approval, ApprovalKind, Problem, Project, StageDefinition

pytestmark = pytest.mark.django_db

D = datetime.date
CST = ZoneInfo("Asia/Shanghai")


def project_in(zone, actor, name, **fields):
    return services.save_project(
        actor=actor,
        project=Project(zone=zone, name=name, investor_name="投资方", total_investment=Decimal(1000), **fields),
    )


def inspect(world, personas, deadline):
    """The mayor's on-site office: two issues, one on a project, one general (永济 scenario 8)."""
    zone, actor = world["zone_a"], personas["zone_admin_a"]
    road = project_in(zone, actor, "道路项目", department=world["dept_a_projects"])
    return services.record_inspection(
        actor=actor,
        zone=zone,
        held_on=D(2025, 3, 1),
        kind="on_site",
        leaders="市长",
        location="项目现场",
        projects=[road],
        issues=[
            {
                "project": road,
                "category": "roads",
                "description": "进场道路尚未打通",
                "department": world["dept_a"],
                "deadline": deadline,
            },
            {
                "project": None,
                "category": "living",
                "description": "职工宿舍和食堂待解决",
                "department": world["dept_a_projects"],
                "deadline": deadline,
            },
        ],
    )


def test_inspection_problems_are_overdue_after_their_deadline_not_before(world, personas, client_for):
    inspection = inspect(world, personas, D(2025, 3, 31))
    assert inspection.problems.count() == 2
    url = reverse("projects:leader")
    # Each visit logs in afresh: the idle session timeout would end a session across these jumps in time.
    with time_machine.travel(datetime.datetime(2025, 3, 31, 23, 30, tzinfo=CST), tick=False):
        response = client_for(personas["leader_a"]).get(url)
        assert response.status_code == 200
        assert response.context["problems"][0] == 0
        assert "进场道路尚未打通" not in response.content.decode()
    with time_machine.travel(datetime.datetime(2025, 4, 1, 9, 0, tzinfo=CST), tick=False):
        response = client_for(personas["leader_a"]).get(url)
        count, items = response.context["problems"]
        assert count == 2
        assert {item.obj.description for item in items} == {"进场道路尚未打通", "职工宿舍和食堂待解决"}
        assert {item.days for item in items} == {1}
        road = next(item for item in items if item.project)
        assert road.department == world["dept_a"] and road.project.name == "道路项目"
        text = response.content.decode()
        assert "进场道路尚未打通" in text and road.project.get_absolute_url() in text
        assert inspection.get_absolute_url() in text
    # Once solved, a problem leaves the page.
    problem = Problem.objects.get(description="进场道路尚未打通")
    with time_machine.travel(datetime.datetime(2025, 4, 2, 9, 0, tzinfo=CST), tick=False):
        services.resolve_problem(actor=personas["staff_a"], problem=problem, resolution="道路已通")
        assert client_for(personas["leader_a"]).get(url).context["problems"][0] == 1


def test_late_milestones_and_overdue_approvals(world, personas, client_for):
    zone, actor = world["zone_a"], personas["zone_admin_a"]
    today = D(2025, 6, 1)
    late = project_in(zone, actor, "滞后项目", department=world["dept_a_projects"], leader="张副主任")
    on_time = project_in(zone, actor, "按期项目")
    cancelled = project_in(zone, actor, "终止项目", status="cancelled")
    started = StageDefinition.objects.get(zone=zone, milestone="started")
    with time_machine.travel(datetime.datetime(2025, 5, 1, 9, 0, tzinfo=CST), tick=False):
        services.record_stage(actor=actor, project=late, stage=started, planned_on=D(2025, 5, 20))
        services.record_stage(actor=actor, project=on_time, stage=started, planned_on=D(2025, 6, 1))  # due today
        services.record_stage(actor=actor, project=cancelled, stage=started, planned_on=D(2025, 5, 1))
        done = services.record_stage(
            actor=actor, project=project_in(zone, actor, "已开工"), stage=started, planned_on=D(2025, 4, 1)
        )
        done.actual_on = D(2025, 4, 20)
        done.save()
    kind = ApprovalKind.objects.get(zone=zone, name="环评")
    overdue = Approval.objects.create(
        project=late, kind=kind, department=world["dept_a"], status="submitted", submitted_on=D(2025, 4, 1)
    )
    overdue.time_limit_days = 30  # due 2025-05-01
    overdue.save()
    Approval.objects.create(
        project=late, kind=kind, status="approved", submitted_on=D(2025, 1, 1), approved_on=D(2025, 1, 5)
    )
    Approval.objects.create(project=on_time, kind=kind, status="preparing", planned_on=D(2025, 6, 1))  # due today
    with time_machine.travel(datetime.datetime(2025, 6, 1, 9, 0, tzinfo=CST), tick=False):
        response = client_for(personas["leader_a"]).get(reverse("projects:leader"))
    stages_count, stage_items = response.context["stages"]
    assert stages_count == 1
    assert (stage_items[0].project, stage_items[0].days, stage_items[0].department) == (
        late,
        (today - D(2025, 5, 20)).days,
        world["dept_a_projects"],
    )
    approvals_count, approval_items = response.context["approvals"]
    assert approvals_count == 1 and approval_items[0].obj == overdue and approval_items[0].days == 31
    assert approval_items[0].department == world["dept_a"]
    text = response.content.decode()
    assert "滞后项目" in text and "张副主任" in text and "终止项目" not in text


def test_scope_of_the_leader_page(world, personas, client_for):
    inspect(world, personas, D(2025, 3, 31))
    Problem.objects.create(
        zone=world["zone_b"],
        category="land",
        description="乙区用地问题",
        department=world["dept_b"],
        raised_on=D(2025, 3, 1),
        deadline=D(2025, 3, 20),
        raised_by=personas["system_admin"],
    )
    url = reverse("projects:leader")
    seen = {}
    for persona in ("leader_a", "staff_a", "region_viewer", "staff_b", "system_admin"):
        response = client_for(personas[persona]).get(url)
        seen[persona] = {item.obj.description for item in response.context["problems"][1]}
    assert seen["leader_a"] == seen["staff_a"] == seen["region_viewer"] == {"进场道路尚未打通", "职工宿舍和食堂待解决"}
    assert seen["staff_b"] == {"乙区用地问题"}
    assert seen["system_admin"] == {"进场道路尚未打通", "职工宿舍和食堂待解决", "乙区用地问题"}
    chosen = client_for(personas["system_admin"]).get(url, {"zone": world["zone_b"].pk})
    assert {item.obj.description for item in chosen.context["problems"][1]} == {"乙区用地问题"}
    assert client_for(personas["leader_a"]).get(url, {"zone": world["zone_b"].pk}).status_code == 404
    for persona in ("firm_1_user", "security_admin", "audit_admin"):
        assert client_for(personas[persona]).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def late_items(world, personas, n):
    zone, actor = world["zone_a"], personas["zone_admin_a"]
    kind = ApprovalKind.objects.filter(zone=zone).first() or None
    started = None
    for i in range(n):
        project = project_in(zone, actor, f"逾期项目{i:02d}", department=world["dept_a"])
        started = started or StageDefinition.objects.get(zone=zone, milestone="started")
        kind = kind or ApprovalKind.objects.get(zone=zone, name="环评")
        services.record_stage(actor=actor, project=project, stage=started, planned_on=D(2025, 1, 1))
        Approval.objects.create(project=project, kind=kind, department=world["dept_a"], planned_on=D(2025, 1, 1))
        Problem.objects.create(
            zone=zone,
            project=project,
            category="land",
            description=f"问题{i}",
            department=world["dept_a"],
            raised_on=D(2024, 12, 1),
            deadline=D(2025, 1, 1),
            raised_by=actor,
        )


@pytest.mark.parametrize("n", [2, 20])
def test_leader_page_query_count_is_constant(world, personas, client_for, n):
    late_items(world, personas, n)
    user = personas["leader_a"]
    assert user.active_memberships
    with CaptureQueriesContext(connection) as captured:
        overview = aggregates.leader_overview(user, [world["zone_a"].pk], D(2026, 1, 1))
    assert len(captured) == 6
    assert [overview[k][0] for k in ("stages", "approvals", "problems")] == [n, n, n]
    client = client_for(user)
    url = reverse("projects:leader")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(captured) == PAGE_QUERIES, [q["sql"][:100] for q in captured]


PAGE_QUERIES = 10


def test_only_the_most_overdue_rows_are_listed(world, personas, monkeypatch):
    late_items(world, personas, 3)
    monkeypatch.setattr(aggregates, "LEADER_ROWS", 2)
    overview = aggregates.leader_overview(personas["leader_a"], [world["zone_a"].pk], D(2026, 1, 1), limit=2)
    assert overview["problems"][0] == 3 and len(overview["problems"][1]) == 2
    assert overview["approvals"][0] == 3 and len(overview["approvals"][1]) == 2
