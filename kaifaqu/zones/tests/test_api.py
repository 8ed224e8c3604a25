"""REST API of zones, parks, departments, industry chains and regions: authorization matrix and behaviour."""

import pytest
from django.forms.models import model_to_dict

from conftest import PERSONAS, CopiedOnRead, make_admin_of_both_zones
from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.models import Membership
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.zones.models import Department, IndustryChain, Park, Region, Zone

# Zones whose rows (the zone itself, its parks, departments and chains) each persona may view and write.
VIEW = {
    "system_admin": {"a", "b"},
    "security_admin": set(),
    "audit_admin": set(),
    "zone_admin_a": {"a"},
    "staff_a": {"a"},
    "projects_staff_a": {"a"},
    "staff_b": {"b"},
    "leader_a": {"a"},
    "firm_1_user": set(),
    "firm_2_user": set(),
    "region_viewer": {"a"},
    "anonymous": set(),
}
# Zones where each persona may write: parks and chains are registry data (zone admins and registry departments;
# not the system administrator, who reads them: 三员分立, docs/users/roles.md); the zone record and its departments
# are administration (zone admins and the system administrator).
REGISTRY_WRITE = {"zone_admin_a": {"a"}, "staff_a": {"a"}, "staff_b": {"b"}}
ADMIN_WRITE = {"system_admin": {"a", "b"}, "zone_admin_a": {"a"}}
WRITE = {"zones": ADMIN_WRITE, "parks": REGISTRY_WRITE, "departments": ADMIN_WRITE, "chains": REGISTRY_WRITE}

RESOURCES = {
    # endpoint: (model, target row key in `targets`, create payload (zone filled in), change payload)
    "zones": (
        Zone,
        "zone",
        {"name": "新设开发区", "level": "provincial", "kind": "high_tech", "region": "140581"},
        {"short_name": "改后简称"},
    ),
    "parks": (
        Park,
        "park",
        {"name": "新建园区", "lead_enterprise_name": "某龙头企业", "area_mu": "120.50"},
        {"name": "改名园区"},
    ),
    "departments": (Department, "department", {"name": "新设部门", "phone": "0356-5000000"}, {"phone": "0356-5999999"}),
    "chains": (IndustryChain, "chain", {"name": "新能源产业链", "industry_codes": "C38"}, {"name": "改名产业链"}),
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Every test here uses the personas: their rows are built once for the module, each test rolled back to them.
@pytest.fixture
def world(kept_world, db):
    return CopiedOnRead(kept_world["world"])


@pytest.fixture
def personas(kept_world, db):
    return CopiedOnRead(kept_world["personas"])


@pytest.fixture
def targets(world):
    """One row of each resource in zone A and in zone B, none of them in use, so that they may be deleted."""
    rows = {}
    for key in ("a", "b"):
        zone = world[f"zone_{key}"]
        rows[("zone", key)] = zone
        rows[("park", key)] = Park.objects.create(zone=zone, name="预留装备园")
        rows[("department", key)] = Department.objects.create(zone=zone, name="综合办公室")
        rows[("chain", key)] = IndustryChain.objects.create(zone=zone, name="装备制造产业链", industry_codes="C34")
    return rows


def snapshot():
    """Everything the zone API could write, history included."""
    state = {}
    for model in (Zone, Park, Department, IndustryChain):
        state[model.__name__] = [model_to_dict(row) for row in model.objects.order_by("pk")]
        state[model.__name__ + ".history"] = model.history.count()
    state["Membership"] = list(Membership.objects.order_by("pk").values())
    return state


def call(client, method, url, data=None):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, data, content_type="application/json", secure=True)
    return getattr(client, method)(url, secure=True)


def result_ids(response):
    return {row["id"] for row in response.json()["results"]}


# -- authorization matrix ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", RESOURCES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_list_shows_exactly_the_rows_in_view_scope(personas, targets, client_for, persona, endpoint):
    response = call(client_for(personas[persona]), "get", f"/api/{endpoint}/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    model, row_key = RESOURCES[endpoint][:2]
    visible_zones = {targets[("zone", key)].pk for key in VIEW[persona]}
    if model is Zone:
        expected = visible_zones
    else:
        expected = set(model.objects.filter(zone__in=visible_zones).values_list("pk", flat=True))
    assert result_ids(response) == expected
    # The matrix's own target rows are among them exactly when their zone is visible.
    for key in ("a", "b"):
        assert (targets[(row_key, key)].pk in expected) == (key in VIEW[persona])


@pytest.mark.parametrize("zone_key", ["a", "b"])
@pytest.mark.parametrize("endpoint", RESOURCES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_retrieve_in_scope_or_404(personas, targets, client_for, persona, endpoint, zone_key):
    row = targets[(RESOURCES[endpoint][1], zone_key)]
    response = call(client_for(personas[persona]), "get", f"/api/{endpoint}/{row.pk}/")
    if persona == "anonymous":
        assert response.status_code == 401
    elif zone_key in VIEW[persona]:
        assert response.status_code == 200
        assert response.json()["id"] == row.pk
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("zone_key", ["a", "b"])
@pytest.mark.parametrize("endpoint", RESOURCES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_update(personas, targets, client_for, persona, endpoint, zone_key):
    model, row_key, _create, change = RESOURCES[endpoint]
    row = targets[(row_key, zone_key)]
    user = personas[persona]
    before = snapshot()
    response = call(client_for(user), "patch", f"/api/{endpoint}/{row.pk}/", change)
    if persona == "anonymous":
        expected = 401
    elif zone_key not in VIEW[persona]:
        expected = 404
    elif zone_key not in WRITE[endpoint].get(persona, set()):
        expected = 403
    else:
        expected = 200
    assert response.status_code == expected, response.content
    if expected != 200:
        assert snapshot() == before
        return
    row.refresh_from_db()
    for name, value in change.items():
        assert getattr(row, name) == value
    latest = row.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == user


@pytest.mark.parametrize("zone_key", ["a", "b"])
@pytest.mark.parametrize("endpoint", RESOURCES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_delete(personas, targets, client_for, persona, endpoint, zone_key):
    model, row_key, _create, _change = RESOURCES[endpoint]
    row = targets[(row_key, zone_key)]
    user = personas[persona]
    before = snapshot()
    response = call(client_for(user), "delete", f"/api/{endpoint}/{row.pk}/")
    if persona == "anonymous":
        expected = 401
    elif endpoint == "zones":
        expected = 405  # a zone is never deleted through the API
    elif zone_key not in VIEW[persona]:
        expected = 404
    elif zone_key not in WRITE[endpoint].get(persona, set()):
        expected = 403
    else:
        expected = 204
    assert response.status_code == expected, response.content
    if expected != 204:
        assert snapshot() == before
        return
    assert not model.objects.filter(pk=row.pk).exists()
    deleted = model.history.filter(id=row.pk).latest()
    assert deleted.history_type == "-"
    assert deleted.history_user == user


@pytest.mark.parametrize("zone_key", ["a", "b"])
@pytest.mark.parametrize("endpoint", ["parks", "departments", "chains"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_create_zone_part(personas, targets, client_for, persona, endpoint, zone_key):
    model, _row_key, payload, _change = RESOURCES[endpoint]
    zone = targets[("zone", zone_key)]
    user = personas[persona]
    before = snapshot()
    response = call(client_for(user), "post", f"/api/{endpoint}/", {**payload, "zone": zone.pk})
    writable = WRITE[endpoint].get(persona, set())
    if persona == "anonymous":
        expected = 401
    elif not writable:
        expected = 403  # may not create this kind of row anywhere
    elif zone_key in writable:
        expected = 201
    elif zone_key not in VIEW[persona]:
        expected = 400  # a zone outside the user's scope "does not exist"
    else:
        expected = 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert snapshot() == before
        if expected == 400:
            assert "zone" in response.json()
        return
    created = model.objects.get(pk=response.json()["id"])
    assert created.zone == zone
    assert created.name == payload["name"]
    assert response.json()["zone_name"] == zone.name
    first = created.history.earliest()
    assert first.history_type == "+"
    assert first.history_user == user


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_system_admin_creates_zones(personas, targets, client_for, persona):
    user = personas[persona]
    before = snapshot()
    response = call(client_for(user), "post", "/api/zones/", RESOURCES["zones"][2])
    if persona == "system_admin":
        assert response.status_code == 201, response.content
        zone = Zone.objects.get(pk=response.json()["id"])
        assert zone.region_id == "140581"
        assert zone.history.get().history_user == user
    else:
        assert response.status_code == (401 if persona == "anonymous" else 403)
        assert snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_regions_are_reference_data_for_every_signed_in_user(personas, client_for, persona):
    client = client_for(personas[persona])
    listing = call(client, "get", "/api/regions/?q=高平")
    detail = call(client, "get", "/api/regions/140581/")
    if persona == "anonymous":
        assert (listing.status_code, detail.status_code) == (401, 401)
        return
    assert listing.status_code == 200
    assert [row["code"] for row in listing.json()["results"]] == ["140581"]
    assert detail.json() == {
        "code": "140581",
        "name": "高平市",
        "full_name": "山西省晋城市高平市",
        "level": "county",
        "parent": "140500",
    }


@pytest.mark.parametrize("persona", ["system_admin", "zone_admin_a"])
def test_regions_cannot_be_written(personas, client_for, persona):
    client = client_for(personas[persona])
    before = list(Region.objects.filter(code="140581").values())
    assert call(client, "patch", "/api/regions/140581/", {"name": "改名"}).status_code == 405
    assert call(client, "delete", "/api/regions/140581/").status_code == 405
    new_region = {"code": "149999", "name": "新区", "level": "county"}
    assert call(client, "post", "/api/regions/", new_region).status_code == 405
    assert list(Region.objects.filter(code="140581").values()) == before
    assert not Region.objects.filter(code="149999").exists()


# -- behaviour ---------------------------------------------------------------------------------------------------


def test_zone_serializer_fields(personas, world, client_for):
    response = call(client_for(personas["leader_a"]), "get", f"/api/zones/{world['zone_a'].pk}/")
    data = response.json()
    assert data["region"] == "140581"
    assert data["region_name"] == "山西省晋城市高平市"
    assert (data["name"], data["short_name"], data["level"], data["kind"]) == (
        "高平经济技术开发区",
        "高平经开区",
        "provincial",
        "economic",
    )
    assert set(data) >= {"established_on", "address", "description", "is_demo", "created_at", "updated_at"}


def test_zone_validation_errors_are_per_field_and_change_nothing(personas, world, client_for):
    client = client_for(personas["system_admin"])
    before = snapshot()
    response = call(
        client,
        "post",
        "/api/zones/",
        {"name": "高平经济技术开发区", "level": "city", "kind": "economic", "region": "999999"},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"level", "region"}
    response = call(
        client,
        "post",
        "/api/zones/",
        {"name": "高平经济技术开发区", "level": "provincial", "kind": "economic", "region": "140581"},
    )
    assert response.status_code == 400
    assert "存在" in response.json()["name"][0]
    assert snapshot() == before


def test_zone_filters(personas, world, client_for):
    client = client_for(personas["system_admin"])
    assert result_ids(call(client, "get", "/api/zones/?q=高平")) == {world["zone_a"].pk}
    assert result_ids(call(client, "get", "/api/zones/?region=140500")) == {world["zone_a"].pk}
    assert result_ids(call(client, "get", "/api/zones/?region=140000")) == {world["zone_a"].pk, world["zone_b"].pk}
    assert result_ids(call(client, "get", "/api/zones/?level=national")) == set()
    # Filters narrow the user's scope; they never widen it.
    viewer = client_for(personas["region_viewer"])
    assert result_ids(call(viewer, "get", "/api/zones/?region=140700")) == set()


def test_zone_part_filters(personas, world, targets, client_for):
    client = client_for(personas["system_admin"])
    zone_a = world["zone_a"]
    parks_a = {world["park_a"].pk, targets[("park", "a")].pk}
    assert result_ids(call(client, "get", f"/api/parks/?zone={zone_a.pk}")) == parks_a
    assert result_ids(call(client, "get", "/api/parks/?q=新材料")) == {world["park_a"].pk}
    assert result_ids(call(client, "get", f"/api/parks/?zone={zone_a.pk}&q=装备")) == {targets[("park", "a")].pk}
    assert result_ids(call(client, "get", f"/api/chains/?zone={zone_a.pk}&q=装备")) == {targets[("chain", "a")].pk}
    assert result_ids(call(client, "get", "/api/departments/?q=项目")) == {world["dept_a_projects"].pk}
    # A zone outside the user's scope is not a valid choice (as on the enterprise list): rejected, nothing listed.
    response = call(client_for(personas["staff_b"]), "get", f"/api/parks/?zone={zone_a.pk}")
    assert response.status_code == 400
    assert "zone" in response.json()


def test_duplicate_park_name_in_a_zone_is_refused(personas, world, client_for):
    before = snapshot()
    response = call(
        client_for(personas["staff_a"]), "post", "/api/parks/", {"zone": world["zone_a"].pk, "name": "高平新材料园"}
    )
    assert response.status_code == 400
    assert "存在" in response.json()["non_field_errors"][0]
    assert snapshot() == before


def test_the_zone_of_a_part_cannot_change(personas, world, client_for):
    admin = client_for(make_admin_of_both_zones(world))
    before = snapshot()
    response = call(
        admin,
        "patch",
        f"/api/parks/{world['park_a'].pk}/",
        {"zone": world["zone_b"].pk},
    )
    assert response.status_code == 400
    assert response.json()["zone"] == ["创建后不能更改所属开发区"]
    assert snapshot() == before


def test_zone_admin_sets_department_domains(personas, world, client_for):
    dept = world["dept_a_projects"]
    client = client_for(personas["zone_admin_a"])
    response = call(client, "patch", f"/api/departments/{dept.pk}/", {"domains": ["projects", "services"]})
    assert response.status_code == 200, response.content
    dept.refresh_from_db()
    assert dept.domains == ["projects", "services"]
    before = snapshot()
    response = call(client, "patch", f"/api/departments/{dept.pk}/", {"domains": ["lobbying"]})
    assert response.status_code == 400
    assert set(response.json()) == {"domains"}
    assert snapshot() == before


def test_department_with_members_is_not_deleted(personas, world, client_for):
    before = snapshot()
    response = call(client_for(personas["zone_admin_a"]), "delete", f"/api/departments/{world['dept_a'].pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": "该部门仍有人员，请先调整人员的角色授权再删除"}
    assert snapshot() == before
    assert Membership.objects.filter(role=RoleChoices.DEPARTMENT_STAFF, department=world["dept_a"]).exists()


def test_park_or_chain_with_enterprises_is_not_deleted(personas, world, client_for):
    chain = IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链")
    world["firm_2"].chains.add(chain)
    client = client_for(personas["staff_a"])
    before = snapshot()
    enterprises = list(Enterprise.objects.order_by("pk").values())
    assert call(client, "delete", f"/api/parks/{world['park_a'].pk}/").status_code == 409
    assert call(client, "delete", f"/api/chains/{chain.pk}/").status_code == 409
    assert snapshot() == before
    assert list(Enterprise.objects.order_by("pk").values()) == enterprises
    assert list(world["firm_2"].chains.all()) == [chain]


def test_token_authentication(personas, world, client):
    from kaifaqu.accounts.models import ApiToken

    user = personas["staff_b"]
    token = ApiToken.objects.issue(user=user)
    response = client.get("/api/zones/", headers={"Authorization": f"Token {token.key}"}, secure=True)
    assert response.status_code == 200
    assert result_ids(response) == {world["zone_b"].pk}
    response = client.patch(
        f"/api/parks/{world['park_b'].pk}/",
        {"name": "灵石智能装备园"},
        content_type="application/json",
        headers={"Authorization": f"Token {token.key}"},
        secure=True,
    )
    assert response.status_code == 200, response.content
    assert world["park_b"].history.latest().history_user == user
    response = client.get("/api/zones/", headers={"Authorization": "Token not-a-token"}, secure=True)
    assert response.status_code == 401


@pytest.mark.parametrize("endpoint", ["zones", "parks", "departments", "chains", "regions"])
def test_list_query_count_does_not_grow_with_rows(personas, world, client_for, django_assert_max_num_queries, endpoint):
    client = client_for(personas["system_admin"])

    def add_rows(start, count):
        for n in range(start, start + count):
            zone = Zone.objects.create(
                name=f"测试开发区{n:03d}",
                level="provincial",
                kind="other",
                region_id=["140581", "140729", "140105"][n % 3],
            )
            Park.objects.create(zone=zone, name=f"园区{n}")
            Department.objects.create(zone=zone, name=f"部门{n}", domains=["registry"])
            IndustryChain.objects.create(zone=zone, name=f"产业链{n}")

    add_rows(0, 3)
    # The bound includes the lock-out check of the session's account (kaifaqu/accounts/authentication.py).
    with django_assert_max_num_queries(9):
        small = call(client, "get", f"/api/{endpoint}/")
    add_rows(3, 27)
    with django_assert_max_num_queries(9):
        large = call(client, "get", f"/api/{endpoint}/")
    assert small.status_code == large.status_code == 200
    assert large.json()["count"] >= small.json()["count"] + (27 if endpoint != "regions" else 0)
