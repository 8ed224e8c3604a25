"""Inspections (调研 / 现场办公): recording one with its projects and issues (each becomes a problem), validation
naming the field, the list's filters and export, the page, and constant query counts."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_user
from kaifaqu.accounts.choices import AuditEventChoices, RoleChoices
from kaifaqu.accounts.models import AuditEvent, Membership
from kaifaqu.projects import services
from kaifaqu.projects.models import Inspection, Problem, Project

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def yongji(world, personas):
    """Scenario 8: four key projects of the zone the mayor visits (and one of zone B)."""
    actor = personas["zone_admin_a"]
    projects = [
        services.save_project(
            actor=actor, project=Project(zone=world["zone_a"], name=f"重点项目{n}", investor_name="投资方")
        )
        for n in range(1, 5)
    ]
    other = services.save_project(
        actor=personas["system_admin"], project=Project(zone=world["zone_b"], name="乙区项目", investor_name="投资方")
    )
    return projects, other


def payload(world, projects, issues=(), **changes):
    data = {
        "zone": world["zone_a"].pk,
        "held_on": "2025-03-01",
        "kind": "on_site",
        "leaders": "市长、分管副市长",
        "location": "永济经开区",
        "summary": "现场办公，研究道路建设",
        "projects": [p.pk for p in projects],
        "issues-TOTAL_FORMS": "5",
        "issues-INITIAL_FORMS": "0",
        "issues-MIN_NUM_FORMS": "0",
        "issues-MAX_NUM_FORMS": "50",
    }
    for index, issue in enumerate(issues):
        data.update({f"issues-{index}-{key}": value for key, value in issue.items()})
    data.update(changes)
    return data


def issue(world, project=None, **changes):
    data = {
        "project": project.pk if project else "",
        "category": "roads",
        "description": "道路建设",
        "department": world["dept_a"].pk,
        "deadline": "2025-03-31",
    }
    data.update(changes)
    return data


def test_recording_an_inspection_creates_its_problems(world, personas, client_for, yongji):
    projects, _other = yongji
    client = client_for(personas["projects_staff_a"])
    assert client.get(reverse("projects:inspection_add")).status_code == 200
    issues = [
        issue(world, projects[0]),
        issue(world, None, category="living", description="宿舍和食堂", department=world["dept_a_projects"].pk),
        issue(world, projects[1], category="land", description="用地指标"),
    ]
    response = client.post(reverse("projects:inspection_add"), payload(world, projects, issues))
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == inspection.get_absolute_url()
    assert set(inspection.projects.all()) == set(projects)
    problems = Problem.objects.filter(inspection=inspection).order_by("pk")
    assert [(p.project, p.category, p.description, p.department) for p in problems] == [
        (projects[0], "roads", "道路建设", world["dept_a"]),
        (None, "living", "宿舍和食堂", world["dept_a_projects"]),
        (projects[1], "land", "用地指标", world["dept_a"]),
    ]
    assert all(p.raised_on == D(2025, 3, 1) and p.raised_by == personas["projects_staff_a"] for p in problems)
    assert inspection.history.first().history_user == personas["projects_staff_a"]
    page = client.get(inspection.get_absolute_url())
    text = page.content.decode()
    assert "宿舍和食堂" in text and "逾期" in text  # deadline 2025-03-31 has passed
    assert all(p.get_absolute_url() in text for p in projects)


@pytest.mark.parametrize(
    ("change", "field", "where"),
    [
        ({"held_on": "2099-01-01"}, "held_on", "form"),
        ({"leaders": ""}, "leaders", "form"),
        ({"kind": "party"}, "kind", "form"),
    ],
)
def test_inspection_form_names_the_bad_field(world, personas, client_for, yongji, change, field, where):
    projects, _other = yongji
    response = client_for(personas["zone_admin_a"]).post(
        reverse("projects:inspection_add"), payload(world, projects, [issue(world)], **change)
    )
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Inspection.objects.exists() and not Problem.objects.exists()


def test_projects_and_issues_must_belong_to_the_zone(world, personas, client_for, yongji):
    projects, other = yongji
    both = make_user("admin_ab", RoleChoices.ZONE_ADMIN, zone=world["zone_a"])
    Membership.objects.create(user=both, role=RoleChoices.ZONE_ADMIN, zone=world["zone_b"])
    client = client_for(both)  # offered both zones' projects and departments
    response = client.post(reverse("projects:inspection_add"), payload(world, [projects[0], other]))
    assert "projects" in response.context["form"].errors
    bad_issues = [
        issue(world, other),
        issue(world, None, department=world["dept_b"].pk),
        issue(world, None, deadline="2025-02-28"),  # before the inspection
        issue(world, None, description=""),
    ]
    response = client.post(reverse("projects:inspection_add"), payload(world, projects, bad_issues))
    errors = [form.errors for form in response.context["issues"]]
    assert "project" in errors[0] and "department" in errors[1] and "deadline" in errors[2]
    assert "description" in errors[3]
    assert not Inspection.objects.exists() and not Problem.objects.exists()


def test_empty_issue_rows_are_ignored(world, personas, client_for, yongji):
    """What a browser posts for untouched rows: every field empty (the category's first choice is blank)."""
    projects, _other = yongji
    blank = {"project": "", "category": "", "description": "", "department": "", "deadline": ""}
    data = payload(world, projects, [issue(world), blank, blank, blank, blank])
    response = client_for(personas["zone_admin_a"]).post(reverse("projects:inspection_add"), data)
    assert response.status_code == 302
    assert Inspection.objects.get().problems.count() == 1
    # A row with only a category chosen is not empty: it must be completed.
    data = payload(world, projects, [{**blank, "category": "land"}])
    response = client_for(personas["zone_admin_a"]).post(reverse("projects:inspection_add"), data)
    assert response.status_code == 200
    assert {"description", "department", "deadline"} <= set(response.context["issues"][0].errors)


def test_only_project_writers_record_inspections(world, personas, client_for, yongji):
    projects, _other = yongji
    for persona in ("staff_a", "leader_a", "region_viewer", "firm_1_user"):
        client = client_for(personas[persona])
        assert client.get(reverse("projects:inspection_add")).status_code == 404
        assert client.post(reverse("projects:inspection_add"), payload(world, projects)).status_code == 404
    # zone_admin_a may not record one in zone B: the zone is not offered.
    response = client_for(personas["zone_admin_a"]).post(
        reverse("projects:inspection_add"), payload(world, [], zone=world["zone_b"].pk)
    )
    assert "zone" in response.context["form"].errors
    assert not Inspection.objects.exists()


def make_inspection(world, personas, zone_key, held_on, kind="survey", issues=0):
    zone = world[zone_key]
    department = world["dept_a"] if zone_key == "zone_a" else world["dept_b"]
    return services.record_inspection(
        actor=personas["system_admin"],
        zone=zone,
        held_on=held_on,
        kind=kind,
        leaders="主任",
        location=f"{zone.name}现场",
        issues=[
            {
                "project": None,
                "category": "other",
                "description": f"问题{n}",
                "department": department,
                "deadline": held_on + datetime.timedelta(days=10),
            }
            for n in range(issues)
        ],
    )


def test_list_filters_and_export_follow_them(world, personas, client_for):
    first = make_inspection(world, personas, "zone_a", D(2025, 3, 1), "on_site", issues=2)
    make_inspection(world, personas, "zone_a", D(2025, 2, 28), "survey")
    make_inspection(world, personas, "zone_a", D(2025, 4, 1), "survey")
    make_inspection(world, personas, "zone_b", D(2025, 3, 15), "on_site")
    client = client_for(personas["leader_a"])
    url = reverse("projects:inspection_list")
    shown = lambda params: {row.record.held_on for row in client.get(url, params).context["table"].rows}  # noqa: E731
    assert shown({}) == {D(2025, 3, 1), D(2025, 2, 28), D(2025, 4, 1)}  # not zone B's
    # The date range includes both of its ends.
    assert shown({"date_from": "2025-03-01", "date_to": "2025-04-01"}) == {D(2025, 3, 1), D(2025, 4, 1)}
    assert shown({"date_from": "2025-03-02", "date_to": "2025-03-31"}) == set()
    assert shown({"kind": "on_site"}) == {D(2025, 3, 1)}
    row = client.get(url, {"kind": "on_site"}).context["table"].rows[0].record
    assert (row.problem_count, row.open_count, row.overdue_count) == (2, 2, 2)
    response = client.get(reverse("projects:inspection_export"), {"kind": "on_site"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert len(rows) == 2 and rows[1][1] == "现场办公" and rows[1][6] == 2
    event = AuditEvent.objects.filter(event=AuditEventChoices.EXPORT).latest("pk")
    assert event.detail["rows"] == 1 and event.detail["filter"] == "kind=on_site"
    assert first.get_absolute_url() in client.get(url).content.decode()


@pytest.mark.parametrize("n", [2, 20])
def test_list_query_count_is_constant(world, personas, client_for, n):
    for i in range(n):
        make_inspection(world, personas, "zone_a", D(2025, 1, 1) + datetime.timedelta(days=i), issues=2)
    client = client_for(personas["zone_admin_a"])
    url = reverse("projects:inspection_list")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert len(response.context["table"].rows) == n
    assert len(captured) == LIST_QUERIES, [q["sql"][:100] for q in captured]
    inspection = Inspection.objects.first()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(inspection.get_absolute_url()).status_code == 200
    assert len(captured) == PAGE_QUERIES, [q["sql"][:100] for q in captured]


LIST_QUERIES = 6
PAGE_QUERIES = 8
