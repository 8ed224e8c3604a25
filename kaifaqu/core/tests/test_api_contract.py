"""The API keeps its own contract (issue 18), case by case: ids out of range are refused before the database (400 on
filters, 404 on paths), errors are JSON in the documented shapes and the user's language, a 404 never names a model;
and the read endpoints of the leaders' pages show exactly what the pages show, to the same personas."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from conftest import PERSONAS
from kaifaqu.projects import campaigns as campaign_service
from kaifaqu.projects.tests.matrix import base_objects
from kaifaqu.stats.models import DataSet, DataSetAssignment, Value
from kaifaqu.stats.services import Submission, record_values

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 3, 5, 10, 0, tzinfo=datetime.UTC)
HUGE = "9223372036854775808"  # 2^63: past SQLite's INTEGER
NOT_FOUND = "未找到该数据，或您无权查看"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def objects(world, personas):
    with time_machine.travel(NOW, tick=False):
        return {**world, **base_objects(world, personas)}


def get(client, url):
    return client.get(url, secure=True)


# -- ids and errors --------------------------------------------------------------------------------------------------

ID_FILTERS = [
    ("/api/projects/", "zone"),
    ("/api/projects/", "park"),
    ("/api/projects/", "stage"),
    ("/api/projects/", "investor"),
    ("/api/project-stages/", "project"),
    ("/api/project-stages/", "zone"),
    ("/api/project-approvals/", "project"),
    ("/api/project-approvals/", "zone"),
    ("/api/project-approvals/", "department"),
    ("/api/project-problems/", "zone"),
    ("/api/project-problems/", "project"),
    ("/api/project-problems/", "department"),
    ("/api/project-progress/", "project"),
    ("/api/project-progress/", "zone"),
    ("/api/stats/values/", "zone"),
    ("/api/stats/values/", "enterprise"),
    ("/api/stats/directory/", "zone"),
    ("/api/stats/directory/", "enterprise"),
    ("/api/campaigns/", "zone"),
    ("/api/inspections/", "zone"),
    ("/api/stats/assignments/", "zone"),
]


@pytest.mark.parametrize(("url", "name"), ID_FILTERS)
@pytest.mark.parametrize("value", [HUGE, "1e19", "-1", "0"])
def test_an_id_filter_out_of_range_is_a_400_naming_the_filter(objects, personas, client_for, url, name, value):
    response = get(client_for(personas["zone_admin_a"]), f"{url}?{name}={value}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [name]
    assert all(isinstance(message, str) for message in response.json()[name])


@pytest.mark.parametrize("url", ["/api/project-progress/?year=99999999999999999999", "/api/stats/directory/?year=0"])
def test_a_year_out_of_range_is_a_400(objects, personas, client_for, url):
    response = get(client_for(personas["zone_admin_a"]), url)
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


@pytest.mark.parametrize("path_id", [HUGE, "-5", "0", "99999"])
@pytest.mark.parametrize("url", ["/api/project-progress/{}/", "/api/projects/{}/", "/api/campaigns/{}/"])
def test_an_unknown_or_impossible_id_is_a_json_404_in_chinese_without_model_names(
    objects, personas, client_for, url, path_id
):
    response = get(client_for(personas["zone_admin_a"]), url.format(path_id))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": NOT_FOUND}


def test_the_404_speaks_the_users_language(objects, personas, client_for):
    client = client_for(personas["zone_admin_a"])
    client.cookies["django_language"] = "en"
    response = get(client, "/api/project-progress/99999/")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert detail.isascii() and "ProgressReport" not in detail


def test_a_page_past_the_end_is_a_json_404(objects, personas, client_for):
    response = get(client_for(personas["zone_admin_a"]), "/api/projects/?page=0")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_a_related_id_out_of_range_in_a_body_is_a_400(objects, personas, client_for):
    client = client_for(personas["zone_admin_a"])
    before = Value.objects.count()
    body = {"enterprise": int(HUGE), "indicator": "revenue", "period": "2025-02", "value": "1", "data_set": "x"}
    response = client.post("/api/stats/values/", body, content_type="application/json", secure=True)
    assert response.status_code == 400
    assert "enterprise" in response.json()
    response = client.post(
        "/api/project-progress/", {"project": -3, "period": "2025-02"}, content_type="application/json", secure=True
    )
    assert response.status_code == 400
    assert list(response.json()) == ["project"]
    assert Value.objects.count() == before


def test_a_refused_write_is_a_json_403_with_a_detail(objects, personas, client_for):
    response = client_for(personas["region_viewer"]).patch(
        f"/api/projects/{objects['project_a'].pk}/", {"name": "x"}, content_type="application/json", secure=True
    )
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}


def test_imported_figures_have_a_null_entered_by(objects, personas, client_for):
    data_set = DataSet.objects.get(code="industry_monthly")
    firm = objects["firm_1"]
    DataSetAssignment.objects.create(data_set=data_set, enterprise=firm, from_period=202401)
    record_values(
        actor=None,
        data_set=data_set,
        submissions=[Submission(firm, 202502, {"revenue": Decimal(10)})],
        source="import",
        now=NOW,
    )
    response = get(client_for(personas["zone_admin_a"]), "/api/stats/values/")
    assert [row["entered_by"] for row in response.json()["results"]] == [None]


# -- the pages' reads ------------------------------------------------------------------------------------------------


def page_and_api(objects):
    a = objects
    return [
        (reverse("projects:campaign", args=[a["campaign_a"].pk]), f"/api/campaigns/{a['campaign_a'].pk}/"),
        (reverse("projects:campaign", args=[a["campaign_b"].pk]), f"/api/campaigns/{a['campaign_b'].pk}/"),
        (reverse("projects:inspection", args=[a["inspection_a"].pk]), f"/api/inspections/{a['inspection_a'].pk}/"),
        (reverse("projects:inspection", args=[a["inspection_b"].pk]), f"/api/inspections/{a['inspection_b'].pk}/"),
        (reverse("projects:key_projects"), "/api/key-projects/"),
        (f"{reverse('projects:key_projects')}?zone={a['zone_b'].pk}", f"/api/key-projects/?zone={a['zone_b'].pk}"),
        (reverse("stats:ranking"), "/api/stats/ranking/"),
        (reverse("stats:assignment_list"), "/api/stats/assignments/"),
        (reverse("stats:completeness"), "/api/stats/completeness/"),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_reads_what_the_page_shows_to_the_same_personas(objects, personas, client_for, persona):
    client = client_for(personas[persona])
    with time_machine.travel(NOW, tick=False):
        for page, api in page_and_api(objects):
            page_status = get(client, page).status_code
            api_status = get(client, api).status_code
            if persona == "anonymous":
                assert (page_status, api_status) == (302, 401), page
            else:
                assert api_status == page_status, (persona, page, api)


def test_campaign_batches_are_the_pages_figures(objects, personas, client_for):
    campaign = objects["campaign_a"]
    with time_machine.travel(NOW, tick=False):
        response = get(client_for(personas["leader_a"]), f"/api/campaigns/{campaign.pk}/?min_investment=10000")
        batches, _overrides = campaign_service.campaign_batches(
            campaign, campaign_service.BatchFilter(min_investment=Decimal(10000))
        )
    assert response.status_code == 200
    body = response.json()["batches"]
    assert [b["batch"] for b in body] == [b.batch for b in batches]
    for answered, computed in zip(body, batches, strict=True):
        assert answered["totals"]["count"] == computed.totals.count
        assert [row["project"] for row in answered["rows"]] == [row.project.pk for row in computed.rows]
    signed = body[0]
    assert signed["totals"]["count"] == 1  # the project of zone A, signed on 2025-02-01, 15000 万元
    assert signed["rows"][0]["project"] == objects["project_a"].pk
    bad = get(client_for(personas["leader_a"]), f"/api/campaigns/{campaign.pk}/?min_investment=7")
    assert bad.status_code == 400
    assert list(bad.json()) == ["min_investment"]


def test_lists_of_campaigns_and_inspections_are_the_scope(objects, personas, client_for):
    client = client_for(personas["leader_a"])
    ids = {row["id"] for row in get(client, "/api/campaigns/").json()["results"]}
    assert ids == {objects["campaign_a"].pk}
    rows = get(client, "/api/inspections/").json()["results"]
    assert [(row["id"], row["problem_count"]) for row in rows] == [(objects["inspection_a"].pk, 1)]


def test_key_projects_total_counts_the_zones_projects(objects, personas, client_for):
    with time_machine.travel(NOW, tick=False):
        response = get(client_for(personas["system_admin"]), f"/api/key-projects/?zone={objects['zone_a'].pk}")
        bad = get(client_for(personas["system_admin"]), "/api/key-projects/?period=2025-13")
    assert response.status_code == 200
    assert response.json()["zones"] == [objects["zone_a"].pk]
    assert response.json()["period"] == "2025-02"
    assert bad.status_code == 400
    assert list(bad.json()) == ["period"]


def test_completeness_counts_the_assigned_firms_of_the_scope(objects, personas, client_for):
    data_set = DataSet.objects.get(code="industry_monthly")
    for firm in ("firm_1", "firm_2", "firm_b"):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=objects[firm], from_period=202401)
    record_values(
        actor=personas["system_admin"],
        data_set=data_set,
        submissions=[Submission(objects["firm_1"], 202502, {"revenue": Decimal(10)})],
        source="form",
        now=NOW,
    )
    client = client_for(personas["leader_a"])
    with time_machine.travel(NOW, tick=False):
        response = get(client, "/api/stats/completeness/?data_set=industry_monthly&period=2025-02")
        missing = get(client, "/api/stats/completeness/?data_set=industry_monthly&period=2025-02&status=missing")
        bad = get(client, "/api/stats/completeness/?period=2025-99")
        # A zone out of view is not a choice, as in every API filter (the page shows the same error on its form).
        other = get(client, f"/api/stats/completeness/?zone={objects['zone_b'].pk}")
    assert response.status_code == 200, response.content
    total = response.json()["total"]
    assert (total["assigned"], total["on_time"] + total["late"], total["missing"]) == (2, 1, 1)  # zone A only
    assert [firm["enterprise"] for firm in missing.json()["firms"]] == [objects["firm_2"].pk]
    assert bad.status_code == 400
    assert list(bad.json()) == ["period"]
    assert (other.status_code, list(other.json())) == (400, ["zone"])


@pytest.mark.parametrize(
    ("method", "url"), [("get", "/api/projects/1.5/"), ("patch", "/api/projects/a/b/"), ("post", "/api/nope/")]
)
def test_a_path_the_api_does_not_have_is_a_json_404(objects, personas, client, method, url):
    client.force_login(personas["zone_admin_a"])
    response = getattr(client, method)(url, secure=True)
    assert response.status_code == 404
    assert response.json() == {"detail": NOT_FOUND}


def test_the_schema_and_its_docs_are_not_shadowed(personas, client):
    client.force_login(personas["zone_admin_a"])
    assert client.get("/api/schema/?format=json", secure=True).status_code == 200
    assert client.get("/api/docs/", secure=True).status_code == 200
    assert client.get("/api/projects", secure=True).status_code == 301  # the trailing slash is still added
