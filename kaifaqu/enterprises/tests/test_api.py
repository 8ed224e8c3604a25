"""REST API of enterprises and industry classes: authorization matrix, validation, history, filters, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from stdnum.cn import uscc

from conftest import PERSONAS, CopiedOnRead, make_admin_of_both_zones
from kaifaqu.accounts.models import ApiToken
from kaifaqu.enterprises.models import Enterprise, Tag
from kaifaqu.zones.models import Department, IndustryChain

FIRMS = ["firm_1", "firm_2", "firm_b"]
FIRM_ZONE = {"firm_1": "a", "firm_2": "a", "firm_b": "b"}

# The firms each persona may view, and the zones where each may write enterprises (registry domain).
VIEW = {
    "system_admin": {"firm_1", "firm_2", "firm_b"},
    "security_admin": set(),
    "audit_admin": set(),
    "zone_admin_a": {"firm_1", "firm_2"},
    "staff_a": {"firm_1", "firm_2"},
    "projects_staff_a": {"firm_1", "firm_2"},
    "staff_b": {"firm_b"},
    "leader_a": {"firm_1", "firm_2"},
    "firm_1_user": {"firm_1"},
    "firm_2_user": {"firm_2"},
    "region_viewer": {"firm_1", "firm_2"},
    "anonymous": set(),
}
# 三员分立: the system administrator reads the registry but writes none of it (docs/users/roles.md).
WRITE = {"zone_admin_a": {"a"}, "staff_a": {"a"}, "staff_b": {"b"}}
VISIBLE_ZONES = {persona: {FIRM_ZONE[f] for f in firms} for persona, firms in VIEW.items()}
VISIBLE_ZONES["firm_1_user"] = VISIBLE_ZONES["firm_2_user"] = set()  # enterprise users see their firm, not zones


def credit_code(serial):
    """A valid 统一社会信用代码 with a distinct serial."""
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


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


def snapshot():
    """Everything the enterprise API could write, history and many-to-many rows included."""
    return {
        "enterprises": [model_to_dict(row) for row in Enterprise.objects.order_by("pk")],
        "tags": list(Tag.objects.order_by("pk").values()),
        "enterprise_tags": list(Enterprise.tags.through.objects.order_by("pk").values()),
        "enterprise_chains": list(Enterprise.chains.through.objects.order_by("pk").values()),
        "history": list(Enterprise.history.order_by("history_id").values("history_id", "id", "history_type")),
    }


def call(client, method, url, data=None):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, data, content_type="application/json", secure=True)
    return getattr(client, method)(url, secure=True)


def result_ids(response):
    return {row["id"] for row in response.json()["results"]}


def new_firm(zone, **extra):
    return {
        "credit_code": credit_code(9001),
        "name": "高平新设科技有限公司",
        "zone": zone.pk,
        "industry": "3981",
        **extra,
    }


# -- authorization matrix ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_shows_exactly_the_firms_in_view_scope(personas, world, client_for, persona):
    response = call(client_for(personas[persona]), "get", "/api/enterprises/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert result_ids(response) == {world[firm].pk for firm in VIEW[persona]}
    assert response.json()["count"] == len(VIEW[persona])


@pytest.mark.parametrize("firm", FIRMS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_retrieve_in_scope_or_404(personas, world, client_for, persona, firm):
    response = call(client_for(personas[persona]), "get", f"/api/enterprises/{world[firm].pk}/")
    if persona == "anonymous":
        assert response.status_code == 401
    elif firm in VIEW[persona]:
        assert response.status_code == 200
        assert response.json()["credit_code"] == world[firm].credit_code
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("firm", FIRMS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_update(personas, world, client_for, persona, firm, method):
    user, target = personas[persona], world[firm]
    payload = {"main_products": "高纯石墨"}
    if method == "put":
        payload.update(
            credit_code=target.credit_code, name=target.name, zone=target.zone_id, industry=target.industry_id
        )
    before = snapshot()
    response = call(client_for(user), method, f"/api/enterprises/{target.pk}/", payload)
    if persona == "anonymous":
        expected = 401
    elif firm not in VIEW[persona]:
        expected = 404
    elif FIRM_ZONE[firm] not in WRITE.get(persona, set()):
        expected = 403
    else:
        expected = 200
    assert response.status_code == expected, response.content
    if expected != 200:
        assert snapshot() == before
        return
    target.refresh_from_db()
    assert target.main_products == "高纯石墨"
    latest = target.history.latest()
    assert (latest.history_type, latest.history_user, latest.main_products) == ("~", user, "高纯石墨")


@pytest.mark.parametrize("firm", FIRMS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_enterprises_are_never_deleted_through_the_api(personas, world, client_for, persona, firm):
    before = snapshot()
    response = call(client_for(personas[persona]), "delete", f"/api/enterprises/{world[firm].pk}/")
    assert response.status_code == (401 if persona == "anonymous" else 405)
    assert snapshot() == before


@pytest.mark.parametrize("zone_key", ["a", "b"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_create(personas, world, client_for, persona, zone_key):
    user, zone = personas[persona], world[f"zone_{zone_key}"]
    before = snapshot()
    response = call(client_for(user), "post", "/api/enterprises/", new_firm(zone))
    writable = WRITE.get(persona, set())
    if persona == "anonymous":
        expected = 401
    elif not writable:
        expected = 403  # may not register enterprises anywhere
    elif zone_key in writable:
        expected = 201
    elif zone_key not in VISIBLE_ZONES[persona]:
        expected = 400  # a zone outside the user's scope "does not exist"
    else:
        expected = 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert snapshot() == before
        if expected == 400:
            assert set(response.json()) == {"zone"}
        return
    firm = Enterprise.objects.get(credit_code=credit_code(9001))
    assert firm.zone == zone
    assert response.json()["id"] == firm.pk
    first = firm.history.earliest()
    assert (first.history_type, first.history_user) == ("+", user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_industry_classes_are_reference_data_for_every_signed_in_user(personas, client_for, persona):
    client = client_for(personas[persona])
    listing = call(client, "get", "/api/industry-classes/?q=石墨&level=class")
    detail = call(client, "get", "/api/industry-classes/3091/")
    written = call(client, "patch", "/api/industry-classes/3091/", {"name": "改名"})
    if persona == "anonymous":
        assert (listing.status_code, detail.status_code, written.status_code) == (401, 401, 401)
        return
    assert listing.status_code == 200
    assert "3091" in {row["code"] for row in listing.json()["results"]}
    assert all(row["level"] == "class" for row in listing.json()["results"])
    assert detail.json() == {
        "code": "3091",
        "name": "石墨及碳素制品制造",
        "level": "class",
        "parent": "309",
        "section": "C",
        "division": "30",
    }
    assert written.status_code == 405


# -- enterprise users --------------------------------------------------------------------------------------------


def test_enterprise_user_reaches_only_their_own_firm(personas, world, client_for):
    client = client_for(personas["firm_1_user"])
    assert result_ids(call(client, "get", "/api/enterprises/")) == {world["firm_1"].pk}
    for other in ("firm_2", "firm_b"):
        assert call(client, "get", f"/api/enterprises/{world[other].pk}/").status_code == 404
        # Filters and search narrow the scope, never widen it.
        assert result_ids(call(client, "get", f"/api/enterprises/?q={world[other].credit_code}")) == set()
    assert call(client, "get", f"/api/enterprises/?zone={world['zone_a'].pk}").status_code == 400


# -- serializer and validation -------------------------------------------------------------------------------------


def test_serializer_fields(personas, world, client_for):
    firm = world["firm_1"]
    chain = IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链")
    firm.chains.add(chain)
    firm.tags.add(Tag.objects.create(name="专精特新"))
    Enterprise.objects.filter(pk=firm.pk).update(registered_capital=Decimal("1234.5"), region_id="140581")
    data = call(client_for(personas["leader_a"]), "get", f"/api/enterprises/{firm.pk}/").json()
    assert list(data) == [
        "id",
        "credit_code",
        "name",
        "former_names",
        "zone",
        "zone_name",
        "park",
        "service_department",
        "industry",
        "industry_name",
        "region",
        "address",
        "legal_representative",
        "founded_on",
        "registered_capital",
        "scale",
        "status",
        "status_changed_on",
        "tags",
        "chains",
        "main_products",
        "is_demo",
        "created_at",
        "updated_at",
        "version",  # the version check (kaifaqu.core.versioning); the update above raised it
    ]
    assert data["version"] == 2
    assert data["zone"] == world["zone_a"].pk
    assert data["zone_name"] == "高平经济技术开发区"
    assert data["park"] == world["park_a"].pk
    assert data["service_department"] is None
    assert (data["industry"], data["industry_name"]) == ("2651", "初级形态塑料及合成树脂制造")
    assert data["region"] == "140581"
    assert data["registered_capital"] == "1234.5000"
    assert data["tags"] == ["专精特新"]
    assert data["chains"] == [chain.pk]
    assert data["status"] == "active"


def test_create_with_every_field_and_tags(personas, world, client_for):
    user = personas["staff_a"]
    chain = IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链")
    Tag.objects.create(name="专精特新")
    payload = new_firm(
        world["zone_a"],
        credit_code=credit_code(9001).lower(),
        former_names="高平旧名有限公司",
        park=world["park_a"].pk,
        region="140581",
        address="高平市经济技术开发区新材料园1号",
        legal_representative="张三",
        founded_on="2019-05-20",
        registered_capital="5000.25",
        scale="small",
        tags=["专精特新", "高新技术企业"],
        chains=[chain.pk],
        main_products="碳纤维",
    )
    response = call(client_for(user), "post", "/api/enterprises/", payload)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["credit_code"] == credit_code(9001)  # normalised to upper case
    assert data["registered_capital"] == "5000.2500"
    assert sorted(data["tags"]) == ["专精特新", "高新技术企业"]
    firm = Enterprise.objects.get(pk=data["id"])
    assert firm.credit_code == credit_code(9001)
    assert firm.registered_capital == Decimal("5000.25")
    assert firm.founded_on == datetime.date(2019, 5, 20)
    assert set(firm.tags.values_list("name", flat=True)) == {"专精特新", "高新技术企业"}
    assert Tag.objects.filter(name="专精特新").count() == 1  # known names are reused
    assert list(firm.chains.all()) == [chain]
    assert set(firm.history.values_list("history_user", flat=True)) == {user.pk}
    assert firm.history.latest().tags.count() == 2


def test_update_replaces_tags_and_records_who(personas, world, client_for):
    user, firm = personas["zone_admin_a"], world["firm_2"]
    firm.tags.add(Tag.objects.create(name="规上企业"))
    response = call(client_for(user), "patch", f"/api/enterprises/{firm.pk}/", {"tags": ["高新技术企业"]})
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["高新技术企业"]
    assert list(firm.tags.values_list("name", flat=True)) == ["高新技术企业"]
    assert firm.history.latest().history_user == user
    assert firm.history.latest().tags.get().tag.name == "高新技术企业"


def test_unchanged_tags_write_no_history(personas, world, client_for):
    firm = world["firm_2"]
    firm.tags.add(Tag.objects.create(name="规上企业"))
    count = firm.history.count()
    response = call(client_for(personas["staff_a"]), "patch", f"/api/enterprises/{firm.pk}/", {"tags": ["规上企业"]})
    assert response.status_code == 200
    assert firm.history.count() == count + 1  # the row's own save only


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"credit_code": "91140500MA0K00001X"}, "credit_code", "统一社会信用代码校验位错误"),
        ({"credit_code": "91140500MA0K0001"}, "credit_code", "统一社会信用代码应为18位，当前为16位"),
        ({"credit_code": "91140500MA0K0000IU"}, "credit_code", "统一社会信用代码含有无效字符"),
        ({"founded_on": "2999-01-01"}, "founded_on", "成立日期不能晚于今天"),
        ({"industry": "C"}, "industry", "请选择到小类（4位代码）"),
        ({"status": "closed"}, "status_changed_on", "迁出或注销的企业须填写状态变更日期"),
        ({"status": "closed", "status_changed_on": "2999-01-01"}, "status_changed_on", "状态变更日期不能晚于今天"),
    ],
)
def test_model_validation_messages_per_field(personas, world, client_for, change, field, message):
    before = snapshot()
    response = call(client_for(personas["staff_a"]), "post", "/api/enterprises/", new_firm(world["zone_a"], **change))
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert snapshot() == before


def test_duplicate_credit_code(personas, world, client_for):
    before = snapshot()
    # firm_b lives in zone B, out of staff_a's sight; the code is unique across the system all the same.
    response = call(
        client_for(personas["staff_a"]),
        "post",
        "/api/enterprises/",
        new_firm(world["zone_a"], credit_code=world["firm_b"].credit_code.lower()),
    )
    assert response.status_code == 400
    assert list(response.json()) == ["credit_code"]
    assert "存在" in response.json()["credit_code"][0]
    assert snapshot() == before


def test_park_must_be_in_the_zone(personas, world, client_for):
    before = snapshot()
    response = call(
        client_for(make_admin_of_both_zones(world)),
        "patch",
        f"/api/enterprises/{world['firm_1'].pk}/",
        {"park": world["park_b"].pk},
    )
    assert response.status_code == 400
    assert response.json() == {"park": ["园区不属于所选开发区"]}
    # A park outside the user's scope does not exist for them.
    response = call(
        client_for(personas["staff_a"]),
        "patch",
        f"/api/enterprises/{world['firm_1'].pk}/",
        {"park": world["park_b"].pk},
    )
    assert response.status_code == 400
    assert list(response.json()) == ["park"]
    assert snapshot() == before


def test_liaison_department_must_be_in_the_zone(personas, world, client_for):
    dept_a = Department.objects.get(zone=world["zone_a"], name="经济运行部")
    dept_b = Department.objects.get(zone=world["zone_b"], name="经济运行部")
    before = snapshot()
    response = call(
        client_for(make_admin_of_both_zones(world)),
        "patch",
        f"/api/enterprises/{world['firm_1'].pk}/",
        {"service_department": dept_b.pk},
    )
    assert response.status_code == 400
    assert response.json() == {"service_department": ["包联部门不属于所选开发区"]}
    assert snapshot() == before
    response = call(
        client_for(personas["staff_a"]),
        "patch",
        f"/api/enterprises/{world['firm_1'].pk}/",
        {"service_department": dept_a.pk},
    )
    assert response.status_code == 200, response.content
    assert response.json()["service_department"] == dept_a.pk
    world["firm_1"].refresh_from_db()
    assert world["firm_1"].service_department == dept_a


def test_chains_must_be_in_the_zone(personas, world, client_for):
    chain_b = IndustryChain.objects.create(zone=world["zone_b"], name="装备制造产业链")
    before = snapshot()
    response = call(
        client_for(make_admin_of_both_zones(world)),
        "patch",
        f"/api/enterprises/{world['firm_1'].pk}/",
        {"chains": [chain_b.pk]},
    )
    assert response.status_code == 400
    assert response.json() == {"chains": ["产业链不属于所选开发区"]}
    assert snapshot() == before


def test_zone_cannot_change_through_an_update(personas, world, client_for):
    before = snapshot()
    response = call(
        client_for(make_admin_of_both_zones(world)),
        "patch",
        f"/api/enterprises/{world['firm_1'].pk}/",
        {"zone": world["zone_b"].pk},
    )
    assert response.status_code == 400
    assert response.json() == {"zone": ["变更所属开发区请使用企业迁移功能"]}
    assert snapshot() == before


@pytest.mark.parametrize("capital", ["-1", "abc", "1e400", "12345678901234.12345"])
def test_bad_registered_capital(personas, world, client_for, capital):
    before = snapshot()
    response = call(
        client_for(personas["staff_a"]),
        "post",
        "/api/enterprises/",
        new_firm(world["zone_a"], registered_capital=capital),
    )
    assert response.status_code == 400
    assert list(response.json()) == ["registered_capital"]
    assert snapshot() == before


def test_closing_a_firm_is_a_status_change(personas, world, client_for):
    firm = world["firm_2"]
    today = timezone.localdate().isoformat()
    response = call(
        client_for(personas["staff_a"]),
        "patch",
        f"/api/enterprises/{firm.pk}/",
        {"status": "closed", "status_changed_on": today},
    )
    assert response.status_code == 200, response.content
    firm.refresh_from_db()
    assert (firm.status, firm.status_changed_on.isoformat()) == ("closed", today)
    assert firm.history.filter(status="active").exists()  # a closed firm keeps its history


def test_read_only_fields_are_ignored(personas, world, client_for):
    firm = world["firm_1"]
    response = call(
        client_for(personas["staff_a"]),
        "patch",
        f"/api/enterprises/{firm.pk}/",
        {"is_demo": True, "created_at": "2000-01-01T00:00:00Z"},
    )
    assert response.status_code == 200
    firm.refresh_from_db()
    assert firm.is_demo is False
    assert firm.created_at.year != 2000


# -- token authentication --------------------------------------------------------------------------------------


def test_token_authentication_scopes_and_attributes(personas, world, client):
    user = personas["staff_a"]
    auth = {"Authorization": f"Token {ApiToken.objects.issue(user=user).key}"}
    response = client.get("/api/enterprises/", headers=auth, secure=True)
    assert response.status_code == 200
    assert result_ids(response) == {world["firm_1"].pk, world["firm_2"].pk}
    assert client.get(f"/api/enterprises/{world['firm_b'].pk}/", headers=auth, secure=True).status_code == 404
    response = client.patch(
        f"/api/enterprises/{world['firm_1'].pk}/",
        {"address": "高平市新材料园2号"},
        content_type="application/json",
        headers=auth,
        secure=True,
    )
    assert response.status_code == 200, response.content
    assert world["firm_1"].history.latest().history_user == user
    response = client.post(
        "/api/enterprises/", new_firm(world["zone_a"]), content_type="application/json", headers=auth, secure=True
    )
    assert response.status_code == 201, response.content
    assert Enterprise.objects.get(pk=response.json()["id"]).history.get().history_user == user


def test_bad_or_missing_token_is_401(personas, world, client):
    for headers in ({"Authorization": "Token 0000000000000000000000000000000000000000"}, {}):
        response = client.get("/api/enterprises/", headers=headers, secure=True)
        assert response.status_code == 401
    inactive = personas["staff_a"]
    token = ApiToken.objects.issue(user=inactive)
    inactive.is_active = False
    inactive.save()
    response = client.get("/api/enterprises/", headers={"Authorization": f"Token {token.key}"}, secure=True)
    assert response.status_code == 401


# -- filters -----------------------------------------------------------------------------------------------------


def test_filters(personas, world, client_for):
    client = client_for(personas["system_admin"])
    firm_1, firm_2, firm_b = world["firm_1"], world["firm_2"], world["firm_b"]
    Enterprise.objects.filter(pk=firm_2.pk).update(
        status="closed", status_changed_on=timezone.localdate(), former_names="高平丁重工有限公司"
    )

    def ids(query):
        response = call(client, "get", f"/api/enterprises/?{query}")
        assert response.status_code == 200, response.content
        return result_ids(response)

    assert ids("q=甲材料") == {firm_1.pk}
    assert ids("q=丁重工") == {firm_2.pk}  # former names
    assert ids(f"q={firm_b.credit_code[-6:].lower()}") == {firm_b.pk}  # credit code, any case
    assert ids(f"zone={world['zone_a'].pk}") == {firm_1.pk, firm_2.pk}
    assert ids(f"park={world['park_b'].pk}") == {firm_b.pk}
    dept_a = Department.objects.get(zone=world["zone_a"], name="经济运行部")
    Enterprise.objects.filter(pk=firm_1.pk).update(service_department=dept_a)
    assert ids(f"service_department={dept_a.pk}") == {firm_1.pk}
    assert ids("service_department=none") == {firm_2.pk, firm_b.pk}
    assert ids("industry=341") == {firm_2.pk, firm_b.pk}
    assert ids("status=active") == {firm_1.pk, firm_b.pk}
    assert ids("status=closed&status=moved_out") == {firm_2.pk}
    assert ids(f"zone={world['zone_a'].pk}&status=active") == {firm_1.pk}
    response = call(client, "get", "/api/enterprises/?ordering=-name")
    assert [row["name"] for row in response.json()["results"]] == sorted(
        [firm_1.name, firm_2.name, firm_b.name], reverse=True
    )
    response = call(client, "get", "/api/enterprises/?status=bankrupt")
    assert response.status_code == 400
    assert "status" in response.json()


def test_section_and_division_filters(personas, world, client_for):
    client = client_for(personas["system_admin"])
    firm_1, firm_2, firm_b = world["firm_1"], world["firm_2"], world["firm_b"]
    assert result_ids(call(client, "get", "/api/enterprises/?section=C")) == {firm_1.pk, firm_2.pk, firm_b.pk}
    assert result_ids(call(client, "get", "/api/enterprises/?division=26")) == {firm_1.pk}
    assert result_ids(call(client, "get", "/api/enterprises/?section=A")) == set()


def test_tag_filter(personas, world, client_for):
    client = client_for(personas["system_admin"])
    world["firm_b"].tags.add(Tag.objects.create(name="专精特新"))
    world["firm_1"].tags.add(Tag.objects.get(name="专精特新"), Tag.objects.create(name="规上企业"))
    assert result_ids(call(client, "get", "/api/enterprises/?tag=专精特新")) == {world["firm_1"].pk, world["firm_b"].pk}
    assert result_ids(call(client, "get", "/api/enterprises/?tag=专精特新&tag=规上企业")) == {world["firm_1"].pk}


def test_zone_filter_outside_scope_is_refused(personas, world, client_for):
    response = call(client_for(personas["staff_a"]), "get", f"/api/enterprises/?zone={world['zone_b'].pk}")
    assert response.status_code == 400
    assert "zone" in response.json()


# -- query counts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["system_admin", "staff_a", "region_viewer", "firm_1_user"])
def test_list_query_count_does_not_grow_with_rows(personas, world, client_for, django_assert_max_num_queries, persona):
    zone = world["zone_a"]
    chain = IndustryChain.objects.create(zone=zone, name="新材料产业链")
    tags = [Tag.objects.create(name=f"标签{n}") for n in range(3)]

    def add_firms(start, count):
        for n in range(start, start + count):
            firm = Enterprise.objects.create(
                credit_code=credit_code(n),
                name=f"演示企业{n:03d}",
                zone=zone,
                park=world["park_a"],
                industry_id="3411",
                region_id="140581",
            )
            firm.tags.set(tags[: n % 3 + 1])
            firm.chains.add(chain)

    # Session, user, the lock-out check, memberships, count, page, tags, chains, and the session's idle-timeout
    # stamp (3).
    client = client_for(personas[persona])
    add_firms(0, 3)
    with django_assert_max_num_queries(11):
        small = call(client, "get", "/api/enterprises/")
    add_firms(3, 27)
    with django_assert_max_num_queries(11):
        large = call(client, "get", "/api/enterprises/")
    assert small.status_code == large.status_code == 200
    if persona != "firm_1_user":
        assert large.json()["count"] == small.json()["count"] + 27
        assert all(
            row["tags"] and row["chains"] == [chain.pk]
            for row in large.json()["results"][:30]
            if row["name"].startswith("演示企业")
        )


def test_list_query_count_with_token(personas, world, client, django_assert_max_num_queries):
    auth = {"Authorization": f"Token {ApiToken.objects.issue(user=personas['leader_a']).key}"}

    def add_firms(start, count):
        for n in range(start, start + count):
            Enterprise.objects.create(
                credit_code=credit_code(n), name=f"演示企业{n:03d}", zone=world["zone_a"], industry_id="3411"
            )

    # Token with its user, memberships, count, page, tags, chains (6); up to 4 more while SessionTimeoutMiddleware
    # stamps a session on token requests (see test_token_requests_do_not_create_sessions).
    add_firms(0, 3)
    with django_assert_max_num_queries(10):
        small = client.get("/api/enterprises/", headers=auth, secure=True)
    add_firms(3, 27)
    with django_assert_max_num_queries(10):
        large = client.get("/api/enterprises/", headers=auth, secure=True)
    assert (small.json()["count"], large.json()["count"]) == (5, 32)


def test_token_requests_do_not_create_sessions(personas, world, client):
    from django.contrib.sessions.models import Session

    auth = {"Authorization": f"Token {ApiToken.objects.issue(user=personas['leader_a']).key}"}
    for _ in range(3):
        response = client.get("/api/enterprises/", headers=auth, secure=True)
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0
