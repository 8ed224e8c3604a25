"""Zone pages: editing the zone, its parks, departments and chains; list filters; who may do what."""

import pytest
from django.urls import reverse

from kaifaqu.zones.models import Department, IndustryChain, Park, Zone

ZONE_PAGE_QUERIES = 13  # the same for 5 parts as for 60: no N+1


def zone_payload(zone, **changes):
    data = {
        "name": zone.name,
        "short_name": zone.short_name,
        "level": zone.level,
        "kind": zone.kind,
        "region": zone.region_id,
        "established_on": "",
        "address": zone.address,
        "description": zone.description,
    }
    return {**data, **changes}


@pytest.fixture
def admin_a(personas, client_for):
    return client_for(personas["zone_admin_a"])


def test_zone_admin_edits_the_zone_and_the_change_shows_in_history(world, personas, admin_a):
    zone = world["zone_a"]
    url = reverse("zones:zone_edit", args=[zone.pk])
    response = admin_a.post(url, zone_payload(zone, kind="high_tech", established_on="2006-03-01"))
    assert response.status_code == 302 and response["Location"] == zone.get_absolute_url()
    zone.refresh_from_db()
    assert zone.kind == "high_tech" and str(zone.established_on) == "2006-03-01"
    page = admin_a.get(zone.get_absolute_url())
    latest = page.context["history"][0]
    assert latest["user"] == personas["zone_admin_a"]
    assert {"field": "类型", "old": "经开区", "new": "高新区"} in [
        {k: str(v) for k, v in change.items()} for change in latest["changes"]
    ]
    assert "高新区" in page.content.decode()


def test_zone_edit_errors_are_shown_per_field(world, admin_a):
    zone = world["zone_a"]
    response = admin_a.post(
        reverse("zones:zone_edit", args=[zone.pk]), zone_payload(zone, name=world["zone_b"].name, region="999999")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "region"}
    Zone.objects.get(pk=zone.pk, name="高平经济技术开发区")


@pytest.mark.parametrize(
    ("kind", "model", "payload", "edit"),
    [
        (
            "park",
            Park,
            {"name": "高平装备园", "lead_enterprise_name": "某龙头", "area_mu": "1200.5"},
            {"area_mu": "900"},
        ),
        (
            "department",
            Department,
            {"name": "招商局", "domains": ["projects", "services"], "phone": "0356-1"},
            {"domains": ["registry"]},
        ),
        (
            "chain",
            IndustryChain,
            {"name": "光伏产业链", "industry_codes": "C38", "description": ""},
            {"industry_codes": "C38,C39"},
        ),
    ],
)
def test_zone_admin_adds_edits_and_deletes_zone_parts(world, admin_a, kind, model, payload, edit):
    zone = world["zone_a"]
    response = admin_a.post(reverse(f"zones:{kind}_add", args=[zone.pk]), payload)
    assert response.status_code == 302 and response["Location"] == zone.get_absolute_url()
    part = model.objects.get(zone=zone, name=payload["name"])
    if kind == "department":
        assert part.domains == ["projects", "services"]
        assert "项目、企业服务" in admin_a.get(zone.get_absolute_url()).content.decode()

    response = admin_a.post(reverse(f"zones:{kind}_edit", args=[part.pk]), {**payload, **edit})
    assert response.status_code == 302
    part.refresh_from_db()
    for field, value in edit.items():
        stored = getattr(part, field)
        assert (stored if isinstance(stored, list) else str(stored).rstrip("0").rstrip(".")) == value
    assert part.history.count() == 2

    assert admin_a.get(reverse(f"zones:{kind}_delete", args=[part.pk])).status_code == 200
    response = admin_a.post(reverse(f"zones:{kind}_delete", args=[part.pk]))
    assert response.status_code == 302 and response["Location"] == zone.get_absolute_url()
    assert not model.objects.filter(pk=part.pk).exists()
    assert part.history.filter(history_type="-").exists()  # the deleted part keeps its history


@pytest.mark.parametrize(
    ("kind", "model", "existing"),
    [("park", Park, "高平新材料园"), ("department", Department, "经济运行部")],
)
def test_duplicate_name_within_a_zone_is_a_form_error(world, admin_a, kind, model, existing):
    zone = world["zone_a"]
    before = model.objects.count()
    response = admin_a.post(reverse(f"zones:{kind}_add", args=[zone.pk]), {"name": f" {existing} "})
    assert response.status_code == 200
    assert "同名" in str(response.context["form"].errors["name"])
    assert model.objects.count() == before


def test_renaming_a_park_onto_another_is_a_form_error(world, admin_a):
    other = Park.objects.create(zone=world["zone_a"], name="高平第二园")
    response = admin_a.post(reverse("zones:park_edit", args=[other.pk]), {"name": "高平新材料园"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    other.refresh_from_db()
    assert other.name == "高平第二园"


def test_same_park_name_is_fine_in_another_zone(world, admin_a):
    response = admin_a.post(reverse("zones:park_add", args=[world["zone_a"].pk]), {"name": world["park_b"].name})
    assert response.status_code == 302
    assert Park.objects.filter(name=world["park_b"].name).count() == 2


def test_unknown_department_domain_is_rejected(world, admin_a):
    response = admin_a.post(
        reverse("zones:department_add", args=[world["zone_a"].pk]), {"name": "新部门", "domains": ["everything"]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["domains"]
    assert not Department.objects.filter(name="新部门").exists()


def test_registry_staff_may_add_a_park_but_not_a_department(world, personas, client_for):
    client = client_for(personas["staff_a"])
    zone = world["zone_a"]
    assert client.post(reverse("zones:park_add", args=[zone.pk]), {"name": "科创园"}).status_code == 302
    assert Park.objects.filter(zone=zone, name="科创园").exists()
    response = client.post(reverse("zones:department_add", args=[zone.pk]), {"name": "新部门", "domains": []})
    assert response.status_code == 404
    assert not Department.objects.filter(name="新部门").exists()
    page = client.get(zone.get_absolute_url())
    assert page.context["may_write_registry"] and not page.context["may_change"]
    assert reverse("zones:park_add", args=[zone.pk]) in page.content.decode()
    assert reverse("zones:department_add", args=[zone.pk]) not in page.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("zones:zone_edit", args=[w["zone_a"].pk]),
        lambda w: reverse("zones:park_add", args=[w["zone_a"].pk]),
        lambda w: reverse("zones:park_edit", args=[w["park_a"].pk]),
        lambda w: reverse("zones:department_edit", args=[w["dept_a"].pk]),
    ],
    ids=["zone_edit", "park_add", "park_edit", "department_edit"],
)
def test_leader_may_not_edit(world, personas, client_for, url):
    client = client_for(personas["leader_a"])
    before = (list(Zone.objects.values()), list(Park.objects.values()), list(Department.objects.values()))
    assert client.get(url(world)).status_code == 404
    assert client.post(url(world), {"name": "领导改名"}).status_code == 404
    assert (list(Zone.objects.values()), list(Park.objects.values()), list(Department.objects.values())) == before
    page = client.get(world["zone_a"].get_absolute_url())
    assert page.status_code == 200 and not page.context["may_change"] and not page.context["may_write_registry"]


def test_zone_page_counts_firms_by_status(world, admin_a):
    firm_2 = world["firm_2"]
    firm_2.status, firm_2.status_changed_on = "closed", "2024-12-31"
    firm_2.save()
    page = admin_a.get(world["zone_a"].get_absolute_url())
    assert page.context["enterprise_total"] == 2
    assert page.context["status_counts"] == {"active": 1, "closed": 1}
    parks = {p.name: p.enterprise_count for p in page.context["parks"]}
    assert parks == {"高平新材料园": 1}


def test_system_admin_creates_a_zone(world, personas, client_for):
    client = client_for(personas["system_admin"])
    payload = zone_payload(
        Zone(name="晋城经济技术开发区", short_name="晋城经开区", level="national", kind="economic", region_id="140500")
    )
    response = client.post(reverse("zones:zone_add"), payload)
    zone = Zone.objects.get(name="晋城经济技术开发区")
    assert response.status_code == 302 and response["Location"] == zone.get_absolute_url()
    assert zone.history.get().history_user == personas["system_admin"]


def test_system_admin_keeps_the_zone_and_departments_but_only_reads_parks_and_chains(world, personas, client_for):
    """三员分立 (docs/users/roles.md): the zone and its departments are administration, his; parks and industry chains
    are the zone's registry records, which he reads and does not write: no buttons, 404 pages, nothing changed."""
    client, zone = client_for(personas["system_admin"]), world["zone_a"]
    chain = IndustryChain.objects.create(zone=zone, name="新材料产业链")
    page = client.get(zone.get_absolute_url())
    html = page.content.decode()
    assert page.context["may_change"] and not page.context["may_write_registry"]
    assert reverse("zones:zone_edit", args=[zone.pk]) in html
    assert reverse("zones:department_add", args=[zone.pk]) in html
    assert "高平新材料园" in html and "新材料产业链" in html
    assert "/parks/" not in html and "/chains/" not in html  # no add, edit or delete link of a park or chain
    before = (list(Park.objects.values()), list(IndustryChain.objects.values()))
    for url, data in (
        (reverse("zones:park_add", args=[zone.pk]), {"name": "管理员新园"}),
        (reverse("zones:park_edit", args=[world["park_a"].pk]), {"name": "管理员改名"}),
        (reverse("zones:park_delete", args=[world["park_a"].pk]), {}),
        (reverse("zones:chain_add", args=[zone.pk]), {"name": "管理员新链"}),
        (reverse("zones:chain_edit", args=[chain.pk]), {"name": "管理员改名"}),
        (reverse("zones:chain_delete", args=[chain.pk]), {}),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    assert (list(Park.objects.values()), list(IndustryChain.objects.values())) == before
    response = client.post(reverse("zones:department_add", args=[zone.pk]), {"name": "管理员新部门", "phone": ""})
    assert response.status_code == 302
    assert Department.objects.filter(zone=zone, name="管理员新部门").exists()
    listing = client.get(reverse("zones:zone_list")).content.decode()
    assert reverse("zones:zone_add") in listing  # he still creates zones


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"zone_a", "zone_b", "zone_c"}),
        ({"q": "高平"}, {"zone_a"}),
        ({"q": "灵石经开区"}, {"zone_b"}),
        ({"region": "140500"}, {"zone_a"}),  # 晋城市 prefix
        ({"region": "140000"}, {"zone_a", "zone_b", "zone_c"}),  # 山西省
        ({"region": "140700"}, {"zone_b"}),
        ({"region": "140729"}, {"zone_b"}),
        ({"level": "national"}, {"zone_c"}),
        ({"kind": "high_tech"}, {"zone_c"}),
    ],
)
def test_zone_list_filters(world, personas, client_for, params, expected):
    zones = dict(world)
    zones["zone_c"] = Zone.objects.create(
        name="太原高新技术产业开发区", short_name="太原高新区", level="national", kind="high_tech", region_id="140100"
    )
    response = client_for(personas["system_admin"]).get(reverse("zones:zone_list"), params)
    assert {z.pk for z in response.context["object_list"]} == {zones[k].pk for k in expected}


def test_zone_list_counts_are_per_zone(world, personas, client_for):
    Park.objects.create(zone=world["zone_a"], name="高平第二园")
    response = client_for(personas["system_admin"]).get(reverse("zones:zone_list"))
    counts = {z.pk: (z.enterprise_count, z.park_count) for z in response.context["object_list"]}
    assert counts == {world["zone_a"].pk: (2, 2), world["zone_b"].pk: (1, 1)}


@pytest.mark.parametrize("n", [5, 60])
def test_zone_page_queries_are_bounded(world, personas, client_for, django_assert_max_num_queries, n):
    zone = world["zone_a"]
    for i in range(n):
        Park.objects.create(zone=zone, name=f"园区{i}")
        Department.objects.create(zone=zone, name=f"部门{i}", domains=["registry"])
        IndustryChain.objects.create(zone=zone, name=f"产业链{i}")
        zone.description = f"第{i}次修改"
        zone.save()
    client = client_for(personas["zone_admin_a"])
    with django_assert_max_num_queries(ZONE_PAGE_QUERIES):
        response = client.get(zone.get_absolute_url())
    assert len(response.context["parks"]) == n + 1
