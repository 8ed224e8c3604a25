"""One change, two doors: the same change through the form page and through the API gives the same outcome for
every persona (ADR 0002, amendment 1) — both write the same rows, or both refuse and write nothing; a row out of
the persona's view is a 404 through both. A refusal names the same field with the same message.

The cases are the rules that used to live twice and disagree: an approval's acceptance date in the future (the form
refused it, the API saved it), the responsible department restating a problem's description (the form saved it, the
API answered 403) or handing a problem or an approval to another department (the form silently kept the old one), an
approval's time limit changed by its department, and the kind's defaults of a new approval (applied by the form and
by the serializer, differently for a null department).
"""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from conftest import PERSONAS
from kaifaqu.projects.models import Approval, ApprovalKind, Problem
from kaifaqu.projects.tests.matrix import base_objects

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 3, 5, 10, 0, tzinfo=datetime.UTC)
TOMORROW = "2025-03-06"
# Zone A: who writes its projects, and who handles the approval and the problem assigned to 经济运行部 (staff_a).
# The system administrator reads them but writes none (三员分立, docs/users/roles.md).
WRITERS = frozenset({"zone_admin_a", "projects_staff_a"})
ASSIGNED = WRITERS | {"staff_a"}
VIEW_A = frozenset({"system_admin", "zone_admin_a", "staff_a", "projects_staff_a", "leader_a", "region_viewer"})
VIEW_A_ROWS = VIEW_A | {"firm_1_user"}  # the investor's user sees its project's approvals and problems
SKIPPED = {"id", "created_at", "updated_at"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def objects(frozen, world, personas):
    """The matrix's rows (zone A's approval and problem assigned to 经济运行部); 能评 defaults to 经济运行部."""
    objects = {**world, **base_objects(world, personas)}
    kind = ApprovalKind.objects.get(zone=world["zone_a"], name="能评")
    kind.default_department = world["dept_a"]
    kind.save()
    objects["energy"] = kind
    return objects


# -- the two doors -------------------------------------------------------------------------------------------------


def day(value):
    return value.isoformat() if value else ""


def approval_form_data(approval, **changes):
    """Every field of the approval page as a browser posts it, with `changes`."""
    approval = Approval.objects.get(pk=approval.pk)
    data = {
        "kind": approval.kind_id,
        "department": approval.department_id or "",
        "status": approval.status,
        "document_number": approval.document_number,
        "submitted_on": day(approval.submitted_on),
        "approved_on": day(approval.approved_on),
        "time_limit_days": "" if approval.time_limit_days is None else approval.time_limit_days,
        "planned_on": day(approval.planned_on),
        "note": approval.note,
    }
    data.update({name: "on" for name in ("is_commitment", "is_agency") if getattr(approval, name)})
    return {**data, **changes}


def problem_form_data(problem, **changes):
    problem = Problem.objects.get(pk=problem.pk)
    data = {
        "category": problem.category,
        "description": problem.description,
        "department": problem.department_id,
        "raised_on": day(problem.raised_on),
        "deadline": day(problem.deadline),
        "status": problem.status,
    }
    return {**data, **changes}


@dataclass(frozen=True)
class Case:
    form: Any  # objects -> (url, POST data)
    api: Any  # objects -> (method, url, JSON data)
    allowed: frozenset  # who may make the change
    field: str = ""  # the field a refusal names (for those who may change the row at all)
    creates: bool = False


def approval_change(**changes):
    """The same change of zone A's approval: the whole page posted, or a PATCH of the changes."""
    return {
        "form": lambda o: (
            reverse("projects:approval_edit", args=[o["approval_a"].pk]),
            approval_form_data(o["approval_a"], **{k: v(o) if callable(v) else v for k, v in changes.items()}),
        ),
        "api": lambda o: (
            "patch",
            f"/api/project-approvals/{o['approval_a'].pk}/",
            {k: v(o) if callable(v) else v for k, v in changes.items()},
        ),
    }


def problem_change(**changes):
    return {
        "form": lambda o: (
            reverse("projects:problem_edit", args=[o["problem_a"].pk]),
            problem_form_data(o["problem_a"], **{k: v(o) if callable(v) else v for k, v in changes.items()}),
        ),
        "api": lambda o: (
            "patch",
            f"/api/project-problems/{o['problem_a'].pk}/",
            {k: v(o) if callable(v) else v for k, v in changes.items()},
        ),
    }


def new_approval(**api_extra):
    """A new 能评 matter with neither time limit nor department: both come from the kind."""
    return {
        "form": lambda o: (
            reverse("projects:approval_add", args=[o["project_a"].pk]),
            {"kind": o["energy"].pk, "department": "", "status": "not_started", "time_limit_days": "", "note": ""},
        ),
        "api": lambda o: (
            "post",
            "/api/project-approvals/",
            {"project": o["project_a"].pk, "kind": o["energy"].pk, **api_extra},
        ),
        "creates": True,
    }


def other_department(o):
    return o["dept_a_projects"].pk


CASES = {
    # The acceptance date records something done: never later than today (Approval.clean), whoever writes.
    "approval_accepted_tomorrow": Case(
        **approval_change(status="submitted", submitted_on=TOMORROW), allowed=frozenset(), field="submitted_on"
    ),
    "approval_accepted": Case(
        **approval_change(status="submitted", submitted_on="2025-03-01", document_number="高经开审〔2025〕3号"),
        allowed=ASSIGNED,
    ),
    # The department records the handling; the time limit and who handles it are the project writers'.
    "approval_time_limit": Case(**approval_change(time_limit_days=90), allowed=WRITERS, field="time_limit_days"),
    "approval_reassigned": Case(**approval_change(department=other_department), allowed=WRITERS, field="department"),
    "problem_description": Case(
        **problem_change(description="进场道路：征迁未完成"), allowed=WRITERS, field="description"
    ),
    "problem_status": Case(**problem_change(status="in_progress"), allowed=ASSIGNED),
    "problem_department": Case(**problem_change(department=other_department), allowed=WRITERS, field="department"),
    # The kind's statutory limit and default department, applied once (services.create_approval).
    "approval_kind_defaults": Case(**new_approval(), allowed=WRITERS),
    "approval_kind_defaults_for_null": Case(**new_approval(department=None, time_limit_days=None), allowed=WRITERS),
}


# -- outcomes ------------------------------------------------------------------------------------------------------


def state():
    """The approvals and problems as stored, and who wrote their history (ids and timestamps aside)."""
    rows = {}
    for model in (Approval, Problem):
        values = model.objects.values()
        rows[model.__name__] = sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in SKIPPED)) for row in values
        )
        rows[f"{model.__name__} history"] = sorted(
            (str(u), t) for u, t in model.history.values_list("history_user_id", "history_type")
        )
    return rows


class Rollback(Exception):
    pass


def through(send):
    """Run `send()` and read what it wrote, then undo it: each door starts from the same rows."""
    try:
        with transaction.atomic():
            response = send()
            written = state()
            raise Rollback
    except Rollback:
        pass
    return response, written


def form_outcome(response):
    if response.status_code == 302:
        return "refused" if response["Location"].startswith(reverse("accounts:login")) else "written"
    if response.status_code == 200:
        assert response.context["form"].errors, "a form page answering 200 to a POST must show why"
    return {200: "refused", 403: "refused", 404: "not_found"}[response.status_code]


def api_outcome(response):
    if response.status_code in (200, 201):
        return "written"
    return {400: "refused", 401: "refused", 403: "refused", 404: "not_found"}[response.status_code]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_form_and_api_agree(objects, personas, client_for, persona, name):
    case, user = CASES[name], personas[persona]
    before = state()
    url, data = case.form(objects)
    page, by_form = through(lambda: client_for(user).post(url, data))
    method, api_url, payload = case.api(objects)
    answer, by_api = through(
        lambda: getattr(client_for(user), method)(api_url, payload, content_type="application/json", secure=True)
    )
    form, api = form_outcome(page), api_outcome(answer)

    if persona in case.allowed:
        assert (form, api) == ("written", "written"), (page, answer.content)
        assert by_form == by_api != before
        return
    # Refused through both doors, nothing written.
    assert "written" not in (form, api), (form, api, answer.content)
    assert by_form == by_api == before
    if not case.creates and persona != "anonymous" and persona not in VIEW_A_ROWS:
        assert (form, api) == ("not_found", "not_found")  # out of scope
    if case.field and persona in (WRITERS if case.creates else ASSIGNED):
        # The one who may change the row is told why, on the field, in the same words.
        assert page.context["form"].errors[case.field] == answer.json()[case.field]


def test_defaults_are_the_kinds(objects, personas, client_for):
    """What the kind-defaults cases write: the statutory limit (30 days) and the default department."""
    client = client_for(personas["projects_staff_a"])
    case = CASES["approval_kind_defaults_for_null"]
    method, url, payload = case.api(objects)
    assert getattr(client, method)(url, payload, content_type="application/json", secure=True).status_code == 201
    created = Approval.objects.get(project=objects["project_a"], kind=objects["energy"])
    assert (created.time_limit_days, created.department) == (30, objects["dept_a"])
