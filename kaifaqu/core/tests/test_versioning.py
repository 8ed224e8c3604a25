"""No edit is lost (kaifaqu.core.versioning): two clients edit the same record through the forms and the API; the
second, stale save is refused with the first one's change shown and nothing of it written. A thread test on
PostgreSQL shows no lost update under real concurrency."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse

from kaifaqu.accounts.models import ApiToken
from kaifaqu.core.forms import VersionedFormMixin
from kaifaqu.core.versioning import StaleEdit
from kaifaqu.enterprises.api import EnterpriseSerializer
from kaifaqu.enterprises.forms import ContactForm, EnterpriseForm
from kaifaqu.enterprises.models import Contact, Enterprise
from kaifaqu.projects import api as project_api
from kaifaqu.projects import forms as project_forms
from kaifaqu.projects.models import Project
from kaifaqu.stats import forms as stats_forms
from kaifaqu.stats.api_directory import DirectorySerializer
from kaifaqu.zones import api as zone_api
from kaifaqu.zones import forms as zone_forms

# -- every versioned model and where users edit it ------------------------------------------------------------------

# model label -> (form classes, serializer classes) that edit it. A versioned model edited nowhere by users (its
# rows are written by services only) maps to ((), ()); a new versioned model must be added here.
EDITED_BY = {
    "zones.Zone": ((zone_forms.ZoneForm,), (zone_api.ZoneSerializer,)),
    "zones.Park": ((zone_forms.ParkForm,), (zone_api.ParkSerializer,)),
    "zones.Department": ((zone_forms.DepartmentForm,), (zone_api.DepartmentSerializer,)),
    "zones.IndustryChain": ((zone_forms.IndustryChainForm,), (zone_api.IndustryChainSerializer,)),
    "enterprises.Enterprise": ((EnterpriseForm,), (EnterpriseSerializer,)),
    "enterprises.Contact": ((ContactForm,), ()),
    "projects.Project": ((project_forms.ProjectForm,), (project_api.ProjectSerializer,)),
    "projects.ProjectPhase": ((project_forms.PhaseForm,), ()),
    "projects.ProductionLine": ((project_forms.LineForm,), ()),
    "projects.Approval": ((project_forms.ApprovalForm,), (project_api.ApprovalSerializer,)),
    "projects.Problem": ((project_forms.ProblemForm,), (project_api.ProblemSerializer,)),
    "projects.AnnualPlan": ((project_forms.PlanForm,), ()),
    "projects.StageDefinition": ((project_forms.StageDefinitionForm,), ()),
    "projects.ApprovalKind": ((project_forms.ApprovalKindForm,), ()),
    "projects.Campaign": ((project_forms.CampaignForm,), ()),
    "projects.Inspection": ((project_forms.InspectionForm,), ()),
    # Stage dates: a plain form carrying the stored row's version to services.record_stage.
    "projects.ProjectStage": ((project_forms.StageForm,), ()),
    # Written by services from non-model forms (overrides, progress, flags): the version rises with every save.
    "projects.CampaignOverride": ((), ()),
    "projects.ProgressReport": ((), ()),
    "stats.ValidationFlag": ((), ()),
    "stats.Indicator": ((), ()),
    "stats.DataSetAssignment": ((), ()),
    "stats.DataSet": ((stats_forms.DataSetForm,), ()),
    "stats.ValidationRule": ((stats_forms.RuleForm,), ()),
    "stats.EnterpriseYearStatus": ((), (DirectorySerializer,)),
    "stats.Target": ((), ()),
}


def versioned_models():
    return sorted(model._meta.label for model in apps.get_models() if hasattr(model, "expect_version"))


def test_every_versioned_model_is_listed():
    assert versioned_models() == sorted(EDITED_BY)


@pytest.mark.parametrize("label", sorted(EDITED_BY))
def test_forms_and_serializers_carry_the_version(label):
    model = apps.get_model(label)
    assert model._meta.get_field("version").default == 1
    forms, serializers = EDITED_BY[label]
    for form_class in forms:
        assert issubclass(form_class, VersionedFormMixin), form_class
    for serializer_class in serializers:
        assert "version" in serializer_class().get_fields(), serializer_class


# -- helpers --------------------------------------------------------------------------------------------------------


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(response):
    """The POST a browser would send from the form on `response` (every field's current value, hidden ones too)."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


def api_client(user):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {ApiToken.objects.issue(user=user).key}"
    return client


def patch(client, url, data, **headers):
    return client.patch(url, data, content_type="application/json", headers=headers, secure=True)


# -- forms: two clients ---------------------------------------------------------------------------------------------


def test_enterprise_form_refuses_a_stale_save_and_keeps_the_input(world, personas):
    firm = world["firm_1"]
    url = reverse("enterprises:enterprise_edit", args=[firm.pk])
    alice, bob = logged_in(personas["staff_a"]), logged_in(personas["zone_admin_a"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert a_data["version"] == b_data["version"] == 1

    a_data["main_products"] = "聚砜树脂"
    assert alice.post(url, a_data).status_code == 302
    b_data["legal_representative"] = "王五"
    response = bob.post(url, b_data)

    assert response.status_code == 200
    form = response.context["form"]
    errors = " ".join(form.non_field_errors())
    assert "staff_a" in errors and "主要产品" in errors and "聚砜树脂" in errors
    assert form["legal_representative"].value() == "王五"  # Bob's input is kept
    assert form["version"].value() == 2  # … and saving again is his informed decision
    assert b"id_version" in response.content and "已被" in response.content.decode()
    firm.refresh_from_db()
    assert (firm.main_products, firm.legal_representative, firm.version) == ("聚砜树脂", "", 2)

    again = dict(b_data, version=form["version"].value(), main_products="聚砜树脂")
    assert bob.post(url, again).status_code == 302
    firm.refresh_from_db()
    assert (firm.main_products, firm.legal_representative, firm.version) == ("聚砜树脂", "王五", 3)


def test_a_stale_save_writes_nothing_of_many_to_many_either(world, personas):
    firm = world["firm_1"]
    url = reverse("enterprises:enterprise_edit", args=[firm.pk])
    alice, bob = logged_in(personas["staff_a"]), logged_in(personas["zone_admin_a"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert alice.post(url, dict(a_data, name="新名称")).status_code == 302
    assert bob.post(url, dict(b_data, tags=[], chains=[], description="乙的简介")).status_code == 200
    firm.refresh_from_db()
    assert (firm.name, firm.description) == ("新名称", "")


def test_park_form_refuses_a_stale_save(world, personas):
    park = world["park_a"]
    url = reverse("zones:park_edit", args=[park.pk])
    alice, bob = logged_in(personas["zone_admin_a"]), logged_in(personas["staff_a"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert alice.post(url, dict(a_data, name="甲改的园区")).status_code == 302
    response = bob.post(url, dict(b_data, name="乙改的园区"))
    assert response.status_code == 200 and "甲改的园区" in " ".join(response.context["form"].non_field_errors())
    park.refresh_from_db()
    assert (park.name, park.version) == ("甲改的园区", 2)


def test_project_form_refuses_a_stale_save_through_its_service(world, personas):
    project = Project.objects.create(zone=world["zone_a"], name="聚砜项目", investor_name="某公司")
    url = reverse("projects:project_edit", args=[project.pk])
    alice, bob = logged_in(personas["zone_admin_a"]), logged_in(personas["projects_staff_a"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert alice.post(url, dict(a_data, name="聚砜一期项目")).status_code == 302
    response = bob.post(url, dict(b_data, investor_name="另一公司"))
    assert response.status_code == 200
    assert "聚砜一期项目" in " ".join(response.context["form"].non_field_errors())
    project.refresh_from_db()
    assert (project.name, project.investor_name) == ("聚砜一期项目", "某公司")


def refused_with(response, text):
    """The stale save came back as the form (200) with the other person's change in its errors."""
    assert response.status_code == 200, response.status_code
    errors = " ".join(response.context["form"].non_field_errors())
    assert "已被" in errors and text in errors, errors
    assert b'name="version"' in response.content
    return response.context["form"]


def test_campaign_form_refuses_a_stale_save(world, personas):
    from kaifaqu.projects.models import Campaign

    campaign = Campaign.objects.create(
        zone=world["zone_a"], name="一季度三个一批", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31)
    )
    url = reverse("projects:campaign_edit", args=[campaign.pk])
    alice, bob = logged_in(personas["zone_admin_a"]), logged_in(personas["projects_staff_a"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert alice.post(url, dict(a_data, name="第一季度三个一批")).status_code == 302
    form = refused_with(bob.post(url, dict(b_data, note="乙的说明")), "第一季度三个一批")
    assert form["note"].value() == "乙的说明" and form["version"].value() == 2
    campaign.refresh_from_db()
    assert (campaign.name, campaign.note, campaign.version) == ("第一季度三个一批", "", 2)
    assert bob.post(url, dict(b_data, name="第一季度三个一批", note="乙的说明", version=2)).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.note, campaign.version) == ("乙的说明", 3)


def test_stage_definition_form_refuses_a_stale_save_and_moves_nothing(world, personas):
    from kaifaqu.projects.models import StageDefinition
    from kaifaqu.projects.services import ensure_zone_defaults

    ensure_zone_defaults(world["zone_a"])
    ladder = list(StageDefinition.objects.filter(zone=world["zone_a"]).order_by("order"))
    stage = ladder[1]
    url = reverse("projects:stage_config_edit", args=[stage.pk])
    alice, bob = logged_in(personas["zone_admin_a"]), logged_in(personas["system_admin"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert alice.post(url, dict(a_data, name="甲改的阶段")).status_code == 302
    # Bob renames it and moves it first: refused, and no other stage of the ladder moved either.
    form = refused_with(bob.post(url, dict(b_data, name="乙改的阶段", position=1)), "甲改的阶段")
    assert form["name"].value() == "乙改的阶段"
    orders = list(StageDefinition.objects.filter(zone=world["zone_a"]).order_by("order").values_list("pk", "name"))
    assert orders[0][0] == ladder[0].pk and orders[1] == (stage.pk, "甲改的阶段")
    # Alice's own move of the stage (the interim renumbering included) is checked against the version she loaded.
    a_again = form_data(alice.get(url))
    assert alice.post(url, dict(a_again, position=1)).status_code == 302
    assert StageDefinition.objects.get(pk=stage.pk).order == 1


def test_approval_kind_form_refuses_a_stale_save(world, personas):
    from kaifaqu.projects.models import ApprovalKind
    from kaifaqu.projects.services import ensure_zone_defaults

    ensure_zone_defaults(world["zone_a"])
    kind = ApprovalKind.objects.filter(zone=world["zone_a"]).order_by("order").first()
    url = reverse("projects:approval_kind_edit", args=[kind.pk])
    alice, bob = logged_in(personas["zone_admin_a"]), logged_in(personas["projects_staff_a"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert alice.post(url, dict(a_data, time_limit_days=15)).status_code == 302
    refused_with(bob.post(url, dict(b_data, name="乙改的事项")), "15")
    kind.refresh_from_db()
    assert (kind.time_limit_days, kind.version) == (15, 2) and kind.name != "乙改的事项"


def test_stage_dates_refuse_a_stale_save_through_the_service(world, personas):
    from kaifaqu.projects.models import ProjectStage, StageDefinition
    from kaifaqu.projects.services import ensure_zone_defaults, record_stage

    project = Project.objects.create(zone=world["zone_a"], name="聚砜项目", investor_name="某公司")
    ensure_zone_defaults(world["zone_a"])
    stage = StageDefinition.objects.filter(zone=world["zone_a"]).order_by("order").first()
    record_stage(actor=personas["zone_admin_a"], project=project, stage=stage, planned_on=date(2026, 5, 1))
    url = reverse("projects:stage_edit", args=[project.pk, stage.pk])
    alice, bob = logged_in(personas["zone_admin_a"]), logged_in(personas["projects_staff_a"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert a_data["version"] == 1
    assert alice.post(url, dict(a_data, planned_on="2026-06-01")).status_code == 302
    form = refused_with(bob.post(url, dict(b_data, note="乙的说明")), "2026-06-01")
    assert form["note"].value() == "乙的说明" and form["version"].value() == 2
    row = ProjectStage.objects.get(project=project, stage=stage)
    assert (row.planned_on, row.note, row.version) == (date(2026, 6, 1), "", 2)


def test_inspection_form_refuses_a_stale_save(world, personas):
    """Inspections are recorded, not edited, on their pages; the form still checks the version of a stored one."""
    from kaifaqu.projects.models import Inspection

    zone = world["zone_a"]
    inspection = Inspection.objects.create(
        zone=zone, held_on=date(2026, 3, 1), kind="survey", leaders="张主任", recorded_by=personas["zone_admin_a"]
    )
    first = project_forms.InspectionForm(instance=inspection, zones=[zone])
    second = project_forms.InspectionForm(instance=Inspection.objects.get(pk=inspection.pk), zones=[zone])
    data = {name: first[name].value() or "" for name in first.fields}
    assert data["version"] == 1
    saved = project_forms.InspectionForm(dict(data, location="甲地"), instance=first.instance, zones=[zone])
    assert saved.is_valid(), saved.errors
    assert saved.save_versioned() is not None
    stale = project_forms.InspectionForm(dict(data, summary="乙的纪要"), instance=second.instance, zones=[zone])
    assert stale.is_valid() and stale.save_versioned() is None
    assert "甲地" in " ".join(stale.non_field_errors())
    inspection.refresh_from_db()
    assert (inspection.location, inspection.summary, inspection.version) == ("甲地", "", 2)


def test_a_stale_save_a_page_does_not_catch_is_a_409_page_not_an_error(world, personas):
    """Pages whose views save without handling StaleEdit (kaifaqu.core.middleware.StaleEditMiddleware)."""
    from kaifaqu.core.middleware import StaleEditMiddleware

    firm = world["firm_1"]
    stale = Enterprise.objects.get(pk=firm.pk).expect_version(1)
    firm.main_products = "甲"
    firm.save()
    stale.main_products = "乙"
    with pytest.raises(StaleEdit) as refused:
        stale.save()
    request = Client().get("/").wsgi_request
    response = StaleEditMiddleware(lambda r: None).process_exception(request, refused.value)
    assert response.status_code == 409 and "甲" in response.content.decode()


# -- the API --------------------------------------------------------------------------------------------------------


def test_api_etag_and_if_match(world, personas):
    firm = world["firm_1"]
    url = f"/api/enterprises/{firm.pk}/"
    alice, bob = api_client(personas["staff_a"]), api_client(personas["zone_admin_a"])
    got = alice.get(url, secure=True)
    assert got["ETag"] == '"1"' and got.json()["version"] == 1

    first = patch(alice, url, {"main_products": "聚砜树脂"}, **{"If-Match": got["ETag"]})
    assert first.status_code == 200 and first["ETag"] == '"2"'

    refused = patch(bob, url, {"legal_representative": "王五"}, **{"If-Match": '"1"'})
    assert refused.status_code == 412 and refused["ETag"] == '"2"'
    body = refused.json()
    assert body["current_version"] == 2 and body["current"]["main_products"] == "聚砜树脂"
    assert [change["field"] for change in body["changes"]] == ["main_products"]
    firm.refresh_from_db()
    assert firm.legal_representative == ""

    fresh = patch(bob, url, {"legal_representative": "王五"}, **{"If-Match": refused["ETag"]})
    assert fresh.status_code == 200 and fresh["ETag"] == '"3"'
    firm.refresh_from_db()
    assert (firm.main_products, firm.legal_representative, firm.version) == ("聚砜树脂", "王五", 3)


def test_api_body_version_is_checked_with_409(world, personas):
    firm = world["firm_1"]
    url = f"/api/enterprises/{firm.pk}/"
    client = api_client(personas["staff_a"])
    assert patch(client, url, {"main_products": "甲", "version": 1}).status_code == 200
    refused = patch(client, url, {"main_products": "乙", "version": 1})
    assert refused.status_code == 409 and refused.json()["current_version"] == 2
    assert patch(client, url, {"main_products": "乙", "version": 2}).status_code == 200


def test_api_conflict_answers_in_the_users_language(world, personas):
    firm = world["firm_1"]
    url = f"/api/enterprises/{firm.pk}/"
    client = api_client(personas["staff_a"])
    patch(client, url, {"main_products": "甲"})
    client.cookies["django_language"] = "en"
    refused = patch(client, url, {"main_products": "乙"}, **{"If-Match": '"1"'})
    assert refused.status_code == 412
    assert "changed" in refused.json()["detail"] and "you entered “乙”" in refused.json()["detail"]


def test_api_patches_of_different_fields_without_if_match_both_survive(world, personas):
    """Each PATCH writes its fields onto the row as stored, not onto the copy read before another PATCH landed."""
    firm = world["firm_1"]
    url = f"/api/enterprises/{firm.pk}/"
    alice, bob = api_client(personas["staff_a"]), api_client(personas["zone_admin_a"])
    for n in range(3):
        assert patch(alice, url, {"main_products": f"产品{n}"}).status_code == 200
        assert patch(bob, url, {"legal_representative": f"代表{n}"}).status_code == 200
    firm.refresh_from_db()
    assert (firm.main_products, firm.legal_representative, firm.version) == ("产品2", "代表2", 7)


def test_api_park_if_match(world, personas):
    park = world["park_a"]
    url = f"/api/parks/{park.pk}/"
    client = api_client(personas["zone_admin_a"])
    assert client.get(url, secure=True)["ETag"] == '"1"'
    assert patch(client, url, {"name": "新园区"}, **{"If-Match": '"1"'}).status_code == 200
    assert patch(client, url, {"name": "又一园区"}, **{"If-Match": '"1"'}).status_code == 412


# -- the model ------------------------------------------------------------------------------------------------------


def test_unchecked_saves_and_bulk_writes_raise_the_version(world):
    firm = world["firm_1"]
    firm.description = "甲"
    firm.save()
    assert Enterprise.objects.get(pk=firm.pk).version == 2
    Enterprise.objects.filter(pk=firm.pk).update(description="乙")
    assert Enterprise.objects.get(pk=firm.pk).version == 3
    rows = list(Enterprise.objects.filter(pk=firm.pk))
    rows[0].description = "丙"
    Enterprise.objects.bulk_update(rows, ["description"])
    assert Enterprise.objects.get(pk=firm.pk).version == 4 == rows[0].version


def test_an_unchecked_save_of_a_stale_copy_still_raises_the_version(world):
    firm = world["firm_1"]
    other = Enterprise.objects.get(pk=firm.pk)
    other.save()
    firm.save()  # loaded at 1, stored at 2: written (not checked), version 3
    assert firm.version == 3 and Enterprise.objects.get(pk=firm.pk).version == 3


def test_a_checked_save_of_a_deleted_row_is_refused_not_recreated(world, personas):
    contact = Contact.objects.create(enterprise=world["firm_1"], name="张三")
    stale = Contact.objects.get(pk=contact.pk).expect_version(1)
    contact.delete()
    with pytest.raises(ValidationError, match="删除"), transaction.atomic():
        stale.save()
    assert not Contact.objects.filter(pk=contact.pk).exists()


# -- real concurrency (PostgreSQL) ----------------------------------------------------------------------------------

THREADS, EDITS = 4, 5


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="threads need their own connections to one database (PostgreSQL)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_lost_update_under_concurrent_read_modify_write():
    """Threads add to one firm's capital by read-modify-write with the version check, retrying when refused:
    every addition survives, and each save raised the version once."""
    from conftest import make_world

    firm = make_world()["firm_1"]
    firm.registered_capital = Decimal(0)
    firm.save()
    barrier = threading.Barrier(THREADS)
    refusals = []

    def work():
        try:
            barrier.wait()
            for _ in range(EDITS):
                while True:
                    row = Enterprise.objects.get(pk=firm.pk)
                    row.expect_version(row.version)
                    row.registered_capital += 1
                    try:
                        row.save(update_fields=["registered_capital"])
                        break
                    except StaleEdit:
                        refusals.append(1)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    firm.refresh_from_db()
    assert firm.registered_capital == THREADS * EDITS
    assert firm.version == 2 + THREADS * EDITS


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="threads need their own connections to one database (PostgreSQL)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_api_patches_of_different_fields_without_if_match_all_survive():
    """Two clients PATCH different fields of one firm at the same time, without If-Match: each request applies its
    field to the row as stored (re-read under a lock), so the last value of each field is the one kept."""
    from conftest import make_personas, make_world

    world = make_world()
    personas = make_personas(world)
    firm = world["firm_1"]
    url = f"/api/enterprises/{firm.pk}/"
    clients = {
        "main_products": api_client(personas["staff_a"]),
        "legal_representative": api_client(personas["zone_admin_a"]),
    }
    barrier = threading.Barrier(len(clients))
    answers = []

    def work(field, client):
        try:
            barrier.wait()
            for n in range(EDITS * 2):
                answers.append(patch(client, url, {field: f"{field}-{n}"}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=item) for item in clients.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    firm.refresh_from_db()
    last = f"-{EDITS * 2 - 1}"
    assert set(answers) == {200}
    assert (firm.main_products, firm.legal_representative) == ("main_products" + last, "legal_representative" + last)
    assert firm.version == 1 + 2 * EDITS * 2
    # No request wrote back an older value of the other field: along the history each field only moves forward.
    for field in clients:
        steps = [
            int(value.rsplit("-", 1)[1]) if value else -1
            for value in firm.history.order_by("history_id").values_list(field, flat=True)
        ]
        assert steps == sorted(steps), (field, steps)


def test_saving_a_row_that_is_not_stored_inserts_it_with_its_version(world):
    """loaddata and serialized test data save rows with their primary key and version: they are inserted as given."""
    firm = world["firm_1"]
    Enterprise.objects.filter(pk=firm.pk).update(description="x")  # version 2
    copy = Enterprise.objects.get(pk=firm.pk)
    Enterprise.objects.filter(pk=firm.pk).delete()
    copy.save()
    assert Enterprise.objects.get(pk=firm.pk).version == 2


def test_validation_rule_form_refuses_a_stale_save(personas):
    """The validation-rule page (stats/views/quality.py) shows the conflict on its form, the input kept."""
    from kaifaqu.stats.models import ValidationRule

    rule = ValidationRule.objects.get(name="税金不大于营业收入")
    url = reverse("stats:rule_edit", args=[rule.pk])
    alice, bob = logged_in(personas["system_admin"]), logged_in(personas["system_admin"])
    a_data, b_data = form_data(alice.get(url)), form_data(bob.get(url))
    assert alice.post(url, dict(a_data, message="甲的提示")).status_code == 302
    form = refused_with(bob.post(url, dict(b_data, message="乙的提示")), "甲的提示")
    assert form["message"].value() == "乙的提示"
    rule.refresh_from_db()
    assert (rule.message, rule.version) == ("甲的提示", 2)


def test_data_set_form_refuses_a_stale_save(world, personas):
    """The form settings page (stats/views/config.py): a stale save writes neither the settings nor the items."""
    from kaifaqu.stats.models import DataSet

    data_set = DataSet.objects.order_by("pk").first()
    url = reverse("stats:data_set_edit", args=[data_set.pk])
    alice, bob = logged_in(personas["system_admin"]), logged_in(personas["system_admin"])
    a_page, b_page = alice.get(url), bob.get(url)
    a_data, b_data = form_data(a_page), form_data(b_page)
    items = {**formset_data(a_page.context["items"])}
    assert alice.post(url, {**items, **a_data, "deadline_day": 7}).status_code == 302
    refused_with(bob.post(url, {**items, **b_data, "deadline_day": 9}), "7")
    data_set.refresh_from_db()
    assert (data_set.deadline_day, data_set.version) == (7, 2)


def formset_data(formset):
    """The POST a browser would send for `formset` (management form and each form's current values)."""
    data = {}
    for form in [formset.management_form, *formset.forms]:
        for name in form.fields:
            value = form[name].value()
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = "" if value is None else value
    return data
