"""/api/stats/values/: list scoped by role, create through record_values — all-or-nothing, locks and rules hold."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import PERSONAS
from kaifaqu.stats.models import DataSet, DataSetAssignment, Value
from kaifaqu.stats.services import Submission, record_values

URL = "/api/stats/values/"
OPEN = timezone.make_aware(datetime.datetime(2025, 4, 5, 12))
LATE = timezone.make_aware(datetime.datetime(2025, 4, 20, 12))
# Whose figures each persona reads, and whose it may write (statistics domain, zone admin, the firm itself).
VIEW = {
    "system_admin": {"firm_1", "firm_2", "firm_b"},
    "zone_admin_a": {"firm_1", "firm_2"},
    "staff_a": {"firm_1", "firm_2"},
    "projects_staff_a": {"firm_1", "firm_2"},
    "staff_b": {"firm_b"},
    "leader_a": {"firm_1", "firm_2"},
    "firm_1_user": {"firm_1"},
    "firm_2_user": {"firm_2"},
    "region_viewer": {"firm_1", "firm_2"},
}
# The system administrator reads every firm's figures but writes none (三员分立, docs/users/roles.md).
WRITE = {
    "zone_admin_a": {"firm_1", "firm_2"},
    "staff_a": {"firm_1", "firm_2"},
    "staff_b": {"firm_b"},
    "firm_1_user": {"firm_1"},
    "firm_2_user": {"firm_2"},
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def monthly(world):
    data_set = DataSet.objects.get(code="industry_monthly")
    for firm in ("firm_1", "firm_2", "firm_b"):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=world[firm], from_period=202401)
    return data_set


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(OPEN, tick=False)
    return time_machine


@pytest.fixture
def figures(personas, world, monthly):
    """revenue 2025-02 of every firm, firm_1's corrected once."""
    feb = timezone.make_aware(datetime.datetime(2025, 3, 5))
    for firm, value in (("firm_1", 10), ("firm_2", 20), ("firm_b", 30)):
        record_values(
            actor=personas["system_admin"],
            data_set=monthly,
            submissions=[Submission(world[firm], 202502, {"revenue": Decimal(value)})],
            source="form",
            now=feb,
        )
    record_values(
        actor=personas["system_admin"],
        data_set=monthly,
        submissions=[Submission(world["firm_1"], 202502, {"revenue": Decimal(11)})],
        source="form",
        reason="更正",
        now=feb,
    )


def post(client, data):
    return client.post(URL, data, content_type="application/json", secure=True)


def item(world, firm="firm_1", indicator="revenue", value="100", period="2025-03", **extra):
    return {
        "enterprise": world[firm].pk,
        "indicator": indicator,
        "period": period,
        "value": value,
        "data_set": "industry_monthly",
        **extra,
    }


def snapshot():
    return list(Value.objects.order_by("pk").values())


# -- list ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_is_scoped_by_role(personas, world, figures, client_for, persona):
    response = client_for(personas[persona]).get(URL, secure=True)
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["enterprise"] for row in rows} == {world[f].pk for f in VIEW.get(persona, set())}
    assert all(row["is_current"] for row in rows)


def test_filters_and_all_revisions(personas, world, figures, client_for):
    client = client_for(personas["staff_a"])
    firm = world["firm_1"].pk
    current = client.get(f"{URL}?enterprise={firm}&indicator=revenue&period=2025-02", secure=True).json()["results"]
    assert [(r["value"], r["revision"], r["period"], r["data_set"]) for r in current] == [
        ("11.0000", 2, "2025-02", "industry_monthly")
    ]
    every = client.get(f"{URL}?enterprise={firm}&all_revisions=1&ordering=revision", secure=True).json()["results"]
    assert [(r["value"], r["is_current"], r["reason"]) for r in every] == [
        ("10.0000", False, ""),
        ("11.0000", True, "更正"),
    ]
    assert client.get(f"{URL}?zone={world['zone_a'].pk}&period=2025-03", secure=True).json()["count"] == 0
    assert client.get(f"{URL}?period=March", secure=True).status_code == 400


def test_list_queries_are_bounded(personas, world, figures, client_for, django_assert_max_num_queries):
    client = client_for(personas["system_admin"])
    client.get(URL, secure=True)
    with django_assert_max_num_queries(6):
        assert client.get(f"{URL}?all_revisions=1", secure=True).json()["count"] == 4


# -- create --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("firm", ["firm_1", "firm_b"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_create_authorization(personas, world, monthly, frozen, client_for, persona, firm):
    before = snapshot()
    response = post(client_for(personas[persona]), item(world, firm))
    if persona == "anonymous":
        expected = 401
    elif firm in WRITE.get(persona, set()):
        expected = 201
    elif firm not in VIEW.get(persona, set()) and WRITE.get(persona):
        expected = 400  # a firm outside the user's scope "does not exist"
    else:
        expected = 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert snapshot() == before
        return
    value = Value.objects.get()
    assert (value.enterprise, value.value, value.source, value.entered_by) == (
        world[firm],
        Decimal(100),
        "api",
        personas[persona],
    )
    assert response.json() == {"created": 1, "unchanged": 0, "flags": []}


def test_many_items_are_grouped_into_submissions(personas, world, monthly, frozen, client_for):
    items = [
        item(world, "firm_1", "output_value", "120"),
        item(world, "firm_1", "value_added", "30"),
        item(world, "firm_2", "output_value", "80"),
    ]
    response = post(client_for(personas["staff_a"]), items)
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3
    assert Value.objects.filter(period=202503, source="api").count() == 3


def test_hard_rule_blocks_the_api_and_nothing_is_written(personas, world, monthly, frozen, client_for):
    items = [
        item(world, "firm_2", "revenue", "50"),  # good on its own, refused with the batch
        item(world, "firm_1", "output_value", "100"),
        item(world, "firm_1", "value_added", "100.0001"),
    ]
    response = post(client_for(personas["staff_a"]), items)
    assert response.status_code == 400
    assert response.json()["problems"] == [
        {
            "enterprise": world["firm_1"].pk,
            "period": "2025-03",
            "indicator": "value_added",
            "message": "工业增加值不能大于工业总产值",
        }
    ]
    assert not Value.objects.exists()


def test_locked_period_cannot_be_written_through_the_api(personas, world, monthly, frozen, client_for):
    frozen.move_to(LATE, tick=False)
    for persona in ("staff_a", "firm_1_user", "zone_admin_a"):
        response = post(client_for(personas[persona]), item(world))
        assert response.status_code == 400
        assert "锁定" in response.json()["problems"][0]["message"]
    assert not Value.objects.exists()


def test_correction_through_the_api_needs_a_reason(personas, world, monthly, frozen, client_for):
    client = client_for(personas["staff_a"])
    assert post(client, item(world, value="100")).status_code == 201
    refused = post(client, item(world, value="105"))
    assert refused.status_code == 400
    assert refused.json()["problems"][0]["indicator"] == "revenue"
    assert post(client, item(world, value="105", reason="企业更正")).status_code == 201
    revisions = Value.objects.filter(enterprise=world["firm_1"]).order_by("revision")
    assert [(v.value, v.is_current, v.reason) for v in revisions] == [
        (Decimal(100), False, ""),
        (Decimal(105), True, "企业更正"),
    ]
    same = post(client, item(world, value="105.0000"))
    assert (same.status_code, same.json()["unchanged"]) == (201, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period": "2025-13"}, "period"),
        ({"indicator": "no_such_code"}, "indicator"),
        ({"value": "abc"}, "value"),
        ({"data_set": "nope"}, "data_set"),
    ],
)
def test_bad_items_are_refused_by_field(personas, world, monthly, frozen, client_for, changes, field):
    response = post(client_for(personas["staff_a"]), [item(world), {**item(world, "firm_2"), **changes}])
    assert response.status_code == 400
    # The one 400 shape: a list body's errors are row problems naming the row (from 0) and the field.
    problems = response.json()["problems"]
    assert set(response.json()) == {"problems"}
    assert [(p["row"], p["field"]) for p in problems] == [(1, field)]
    assert problems[0]["message"]
    assert not Value.objects.exists()


def test_unassigned_firm_and_exempt_january_are_problems(personas, world, monthly, frozen, client_for):
    DataSetAssignment.objects.filter(enterprise=world["firm_2"]).delete()
    response = post(client_for(personas["staff_a"]), [item(world, "firm_2"), item(world, period="2025-01")])
    assert response.status_code == 400
    messages = [p["message"] for p in response.json()["problems"]]
    assert any("未被指定" in m for m in messages) and any("1月免报" in m for m in messages)
    assert not Value.objects.exists()
