"""The projects app's permission questions (permissions.py) answer as the memberships say, for each persona."""

import pytest

from kaifaqu.projects import permissions
from kaifaqu.projects.models import Project

pytestmark = pytest.mark.django_db

# The system administrator reads projects but writes none (三员分立, docs/users/roles.md).
WRITERS = {"zone_admin_a", "projects_staff_a"}


@pytest.fixture
def project(world):
    return Project.objects.create(zone=world["zone_a"], name="新材料项目", investor=world["firm_1"])


@pytest.mark.parametrize(
    "persona", ["system_admin", "zone_admin_a", "projects_staff_a", "staff_a", "staff_b", "leader_a", "firm_1_user"]
)
def test_project_questions_follow_the_memberships(persona, personas, world, project):
    user, zone_a, zone_b = personas[persona], world["zone_a"], world["zone_b"]
    writer = persona in WRITERS
    assert permissions.may_add_project(user, zone_a) == writer
    assert permissions.may_edit_project(user, project) == writer
    assert permissions.may_add_inspection(user, zone_a) == writer
    assert permissions.may_add_campaign(user) == writer
    assert not permissions.may_add_project(user, zone_b)  # zone B's one writer among these was the system admin
    assert permissions.may_import_projects(user) == writer
    # The investor's own enterprise user reports progress (and may import it) without writing projects.
    assert permissions.may_report_progress(user, project) == (writer or persona == "firm_1_user")
    assert permissions.may_import_progress(user) == (writer or persona == "firm_1_user")
    zones = set(permissions.writable_zones(user, Project).values_list("pk", flat=True))
    assert zones == ({zone_a.pk} if writer else set())


def test_another_firms_user_does_not_report_progress(personas, project):
    assert not permissions.may_report_progress(personas["firm_2_user"], project)
