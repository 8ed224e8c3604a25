"""GET /api/stats/summary/: the persona × zone matrix, the figures, grouping, suppression and bad input."""

from decimal import Decimal

import pytest
from stdnum.cn import uscc

from conftest import PERSONAS
from kaifaqu.accounts.models import ApiToken
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats.models import Indicator, Value

URL = "/api/stats/summary/"
# Zones whose summary each persona may read; enterprise users read their zone's aggregates (suppressed).
READS = {
    "system_admin": {"zone_a", "zone_b"},
    "security_admin": set(),
    "audit_admin": set(),
    "zone_admin_a": {"zone_a"},
    "staff_a": {"zone_a"},
    "projects_staff_a": {"zone_a"},
    "staff_b": {"zone_b"},
    "leader_a": {"zone_a"},
    "firm_1_user": {"zone_a"},
    "firm_2_user": {"zone_a"},
    "region_viewer": {"zone_a"},
    "anonymous": set(),
}
SUPPRESSED_FOR = {"firm_1_user", "firm_2_user"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def put(enterprise, period, amount, zone=None):
    Value.objects.create(
        enterprise=enterprise,
        zone=zone or enterprise.zone,
        indicator=Indicator.objects.get(code="main_revenue"),
        period=period,
        value=Decimal(str(amount)),
        source="demo",
    )


@pytest.fixture
def figures(world):
    put(world["firm_1"], 202503, 120)
    put(world["firm_1"], 202403, 100)
    put(world["firm_2"], 202503, "45.5")
    put(world["firm_2"], 202403, 50)
    put(world["firm_b"], 202503, 500)
    put(world["firm_b"], 202403, 400)


def get(client, zone, **params):
    query = {"zone": zone.pk, "period": "2025-03", "indicator": "main_revenue", **params}
    return client.get(URL, query, secure=True)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("zone_key", ["zone_a", "zone_b"])
def test_matrix(world, personas, client_for, figures, settings, persona, zone_key):
    settings.STATS_MIN_GROUP_SIZE = 3
    client = client_for(personas[persona])
    response = get(client, world[zone_key])
    if persona == "anonymous":
        assert response.status_code == 401
        return
    if zone_key not in READS[persona]:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    data = response.json()
    if persona in SUPPRESSED_FOR:  # two firms < k = 3
        assert (data["value"], data["previous"], data["growth_pct"]) == (None, None, None)
        assert data["enterprises"] == 2  # counts of firms are published; figures are not
        assert data["suppressed"] and "少于3家企业" in data["reason"]
    elif zone_key == "zone_a":
        assert (data["value"], data["previous"], data["growth_pct"], data["enterprises"]) == (
            "165.5000",
            "150.0000",
            "10.33",
            2,
        )
    else:
        assert (data["value"], data["growth_pct"], data["enterprises"]) == ("500.0000", "25.00", 1)


def test_token_authentication(world, personas, client, figures):
    token = ApiToken.objects.issue(user=personas["staff_a"])
    response = client.get(
        URL,
        {"zone": world["zone_a"].pk, "period": "2025-03", "indicator": "main_revenue"},
        HTTP_AUTHORIZATION=f"Token {token.key}",
        secure=True,
    )
    assert response.status_code == 200 and response.json()["value"] == "165.5000"


def test_enterprise_user_sees_aggregates_from_k_firms(world, personas, client_for, figures, settings):
    settings.STATS_MIN_GROUP_SIZE = 2
    data = get(client_for(personas["firm_1_user"]), world["zone_a"]).json()
    assert (data["value"], data["enterprises"], data["suppressed"], data["min_group_size"]) == ("165.5000", 2, False, 2)


def test_group_by_park_and_industry(world, personas, client_for, figures):
    client = client_for(personas["staff_a"])
    parks = get(client, world["zone_a"], group_by="park").json()["groups"]
    assert {(g["label"], g["value"]) for g in parks} == {(world["park_a"].name, "120.0000"), ("未入园企业", "45.5000")}
    industries = get(client, world["zone_a"], group_by="industry").json()["groups"]
    assert sum(Decimal(g["value"]) for g in industries) == Decimal("165.5")
    assert {g["key"] for g in industries} == {"26", "34"}


def test_group_cells_suppressed_for_enterprise_users(world, personas, client_for, figures, settings):
    settings.STATS_MIN_GROUP_SIZE = 2
    data = get(client_for(personas["firm_2_user"]), world["zone_a"], group_by="park").json()
    assert data["value"] == "165.5000"
    assert all(g["value"] is None and g["suppressed"] for g in data["groups"])  # one firm per park


def test_comparable_and_published_scope(world, personas, client_for, figures):
    left = Enterprise.objects.create(
        credit_code="91140581MA0K00101" + uscc.calc_check_digit("91140581MA0K00101"),
        name="退出企业",
        zone=world["zone_a"],
        industry_id="2651",
    )
    put(left, 202403, 40)
    data = get(client_for(personas["leader_a"]), world["zone_a"]).json()
    assert (data["previous"], data["previous_published"]) == ("150.0000", "190.0000")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2025-13"}, "period"),
        ({"period": "soon"}, "period"),
        ({"indicator": "nope"}, "indicator"),
        ({"group_by": "colour"}, "group_by"),
        ({"zone": "x"}, "zone"),
    ],
)
def test_bad_input_names_the_field(world, personas, client_for, figures, params, field):
    query = {"zone": world["zone_a"].pk, "period": "2025-03", "indicator": "main_revenue", **params}
    response = client_for(personas["staff_a"]).get(URL, query, secure=True)
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_zone_is_404(world, personas, client_for, figures):
    response = client_for(personas["system_admin"]).get(
        URL, {"zone": 999999, "period": "2025-03", "indicator": "main_revenue"}, secure=True
    )
    assert response.status_code == 404


def test_bounded_queries(world, personas, client_for, figures, django_assert_max_num_queries):
    client = client_for(personas["staff_a"])
    get(client, world["zone_a"], group_by="park")
    with django_assert_max_num_queries(12):
        assert get(client, world["zone_a"], group_by="park").status_code == 200
