"""OpenAPI schema at /api/schema/ and its docs at /api/docs/: generated cleanly, served with local assets only."""

import json
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

from kaifaqu.accounts.models import ApiToken

API_PATHS = {
    "/api/zones/",
    "/api/zones/{id}/",
    "/api/parks/",
    "/api/parks/{id}/",
    "/api/departments/",
    "/api/departments/{id}/",
    "/api/chains/",
    "/api/chains/{id}/",
    "/api/enterprises/",
    "/api/enterprises/{id}/",
    "/api/industry-classes/",
    "/api/industry-classes/{code}/",
    "/api/regions/",
    "/api/regions/{code}/",
    "/api/stats/summary/",
    "/api/stats/values/",
    "/api/stats/directory/",
    "/api/stats/directory/{id}/",
    "/api/projects/",
    "/api/projects/{id}/",
    "/api/project-stages/",
    "/api/project-stages/{id}/",
    "/api/project-approvals/",
    "/api/project-approvals/{id}/",
    "/api/project-progress/",
    "/api/project-progress/{id}/",
    "/api/project-problems/",
    "/api/project-problems/{id}/",
    "/api/campaigns/",
    "/api/campaigns/{id}/",
    "/api/inspections/",
    "/api/inspections/{id}/",
    "/api/key-projects/",
    "/api/stats/ranking/",
    "/api/stats/completeness/",
    "/api/stats/assignments/",
    "/api/stats/assignments/{id}/",
}
URL = re.compile(r"""https?://[^\s"'<>)]+""")
LOCAL_HOSTS = ("testserver",)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_schema_generates_without_warnings_or_errors(db, tmp_path):
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    assert not GENERATOR_STATS
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert set(schema["paths"]) == API_PATHS
    # Zones and enterprises are never deleted through the API; parks, departments and chains may be.
    assert "delete" not in schema["paths"]["/api/zones/{id}/"]
    assert "delete" not in schema["paths"]["/api/enterprises/{id}/"]
    assert "delete" in schema["paths"]["/api/parks/{id}/"]
    for reference in ("/api/regions/", "/api/regions/{code}/", "/api/industry-classes/"):
        assert set(schema["paths"][reference]) - {"parameters"} == {"get"}
    enterprise = schema["components"]["schemas"]["Enterprise"]["properties"]
    assert enterprise["tags"]["type"] == "array"
    assert enterprise["tags"]["items"]["type"] == "string"
    assert enterprise["registered_capital"]["type"] == "string"
    assert enterprise["registered_capital"]["format"] == "decimal"
    for new in (
        "/api/campaigns/",
        "/api/inspections/",
        "/api/key-projects/",
        "/api/stats/ranking/",
        "/api/stats/completeness/",
    ):
        assert set(schema["paths"][new]) - {"parameters"} == {"get"}  # read-only, as the pages
    list_parameters = {p["name"] for p in schema["paths"]["/api/enterprises/"]["get"]["parameters"]}
    filters = {"q", "zone", "park", "section", "division", "industry", "status", "scale", "chain", "tag"}
    assert list_parameters >= filters | {"page", "ordering"}


@pytest.mark.parametrize("auth", ["session", "token"])
def test_schema_endpoint_answers_signed_in_users(personas, client, auth):
    user = personas["staff_a"]
    headers = {}
    if auth == "session":
        client.force_login(user)
    else:
        headers["Authorization"] = f"Token {ApiToken.objects.issue(user=user).key}"
    response = client.get("/api/schema/?format=json", headers=headers, secure=True)
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= API_PATHS


def external_urls(text):
    return [url for url in URL.findall(text) if url.split("/")[2] not in LOCAL_HOSTS]


def test_docs_use_only_local_assets(personas, client):
    client.force_login(personas["staff_a"])
    response = client.get("/api/docs/", secure=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert external_urls(html) == []
    assets = re.findall(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)\"""", html)
    static_assets = [url for url in assets if url.startswith("/static/")]
    assert len(static_assets) >= 3  # the Swagger UI bundle, its preset and stylesheet
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
    for url in static_assets:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a local static file"
    # The page's own script (SpectacularSwaggerSplitView keeps it out of the HTML for the CSP) is local too.
    scripts = [url for url in assets if not url.startswith("/static/")]
    assert scripts == ["/api/docs/?script="]
    script = client.get(scripts[0], secure=True)
    assert script.status_code == 200
    assert external_urls(script.content.decode()) == []


def test_docs_do_not_call_the_online_validator(personas, client):
    client.force_login(personas["staff_a"])
    script = client.get("/api/docs/?script=", secure=True).content.decode()
    settings_json = re.search(r"const swaggerSettings = (\{.*?\});", script, re.S).group(1)
    assert json.loads(settings_json).get("validatorUrl", "unset") is None


def test_schema_declares_the_errors_it_answers_with(db, tmp_path):
    """One 400 shape (a component) everywhere; 401 and 404 on every operation, 403 on writes, 409 on deletes;
    fields that may be null are nullable."""
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert {"401", "404"} <= set(responses), (method, path)
            if method != "get":
                assert responses["403"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }
            if "400" in responses:
                assert responses["400"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ValidationError"
                }, (method, path)
            if method == "delete":
                assert "409" in responses
    assert "400" in schema["paths"]["/api/stats/values/"]["post"]["responses"]
    assert "400" in schema["paths"]["/api/projects/"]["get"]["responses"]  # filters and pages
    errors = schema["components"]["schemas"]["ValidationError"]
    assert errors["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert errors["properties"]["problems"]["items"] == {"$ref": "#/components/schemas/RowProblem"}
    assert schema["components"]["schemas"]["Value"]["properties"]["entered_by"]["nullable"] is True


def test_links_let_clients_follow_objects(db, tmp_path):
    """A created enterprise links to its own detail; a project (created or read) to its stages and approvals."""
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    paths = yaml.safe_load(target.read_text(encoding="utf-8"))["paths"]
    created = paths["/api/enterprises/"]["post"]["responses"]["201"]["links"]
    assert created["EnterprisesRetrieve"] == {
        "operationId": "enterprises_retrieve",
        "parameters": {"id": "$response.body#/id"},
    }
    operation_ids = {op["operationId"] for item in paths.values() for op in item.values() if "operationId" in op}
    for source in (
        paths["/api/projects/"]["post"]["responses"]["201"],
        paths["/api/projects/{id}/"]["get"]["responses"]["200"],
    ):
        links = source["links"]
        assert links["ProjectStagesList"]["parameters"] == {"query.project": "$response.body#/id"}
        assert links["ProjectApprovalsList"]["parameters"] == {"query.project": "$response.body#/id"}
        assert {link["operationId"] for link in links.values()} <= operation_ids
