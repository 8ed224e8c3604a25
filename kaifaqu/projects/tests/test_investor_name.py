"""投资方名称 of a registered investor is the firm's name whichever door the project comes through: the form page, the
API, the import and the demo all write through services.save_project, whose full_clean runs Project.clean."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import CODE_FIRM_1
from kaifaqu.projects import services
from kaifaqu.projects.models import Project
from kaifaqu.projects.tests.test_importers import commit, import_projects, project
from kaifaqu.zones.models import IndustryChain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def chain_a(world):
    return IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链")  # the import row's 产业链


def test_the_form_api_and_import_agree(world, personas, client_for, chain_a):
    user, firm = personas["projects_staff_a"], world["firm_1"]
    client = client_for(user)
    form = {"zone": world["zone_a"].pk, "name": "表单项目", "investor": firm.pk, "investor_name": ""}
    form.update(level="province", kind="industry", status="active")
    assert client.post(reverse("projects:project_add"), form).status_code == 302
    api = {"zone": world["zone_a"].pk, "name": "接口项目", "investor": firm.pk, "investor_name": ""}
    response = client.post("/api/projects/", api, content_type="application/json", secure=True)
    assert response.status_code == 201, response.content
    commit(import_projects(user, [project(1, 投资方=CODE_FIRM_1)]))
    names = dict(Project.objects.values_list("name", "investor_name"))
    assert names == {"表单项目": firm.name, "接口项目": firm.name, project(1)["项目名称"]: firm.name}


def test_a_name_given_is_kept_and_a_prospective_one_needs_a_name(world, personas):
    actor, firm = personas["projects_staff_a"], world["firm_1"]
    kept = Project(zone=world["zone_a"], name="曾用名项目", investor=firm, investor_name="甲材料（筹）")
    assert services.save_project(actor=actor, project=kept).investor_name == "甲材料（筹）"
    with pytest.raises(ValidationError, match="请选择已登记的投资企业或填写投资方名称"):
        services.save_project(actor=actor, project=Project(zone=world["zone_a"], name="无名项目"))
