"""A zone's project configuration pages: the stage ladder (rename, move, add, switch off — positions stay gapless,
codes and milestones unique), the approval matters, and reopening a closed progress month (audited)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.models import AuditEvent
from kaifaqu.projects import services
from kaifaqu.projects.choices import DEFAULT_STAGES
from kaifaqu.projects.models import ApprovalKind, ProgressReopening, StageDefinition
from kaifaqu.zones.models import Region, Zone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def zones(world):
    for zone in (world["zone_a"], world["zone_b"]):
        services.ensure_zone_defaults(zone)
    return world["zone_a"], world["zone_b"]


def ladder(zone):
    return list(StageDefinition.objects.filter(zone=zone).order_by("order").values_list("order", "code"))


def codes(zone):
    return [code for _order, code in ladder(zone)]


def stage(zone, code):
    return StageDefinition.objects.get(zone=zone, code=code)


def edit_payload(obj, **changes):
    data = {
        "name": obj.name,
        "phase": obj.phase,
        "milestone": obj.milestone,
        "position": obj.order,
        "is_active": "on" if obj.is_active else "",
    }
    data.update(changes)
    return data


DEFAULT_CODES = [code for code, *_rest in DEFAULT_STAGES]


# -- stage ladder ----------------------------------------------------------------------------------------------------


def test_stage_page_shows_the_zone_ladder_and_only_to_its_admins(zones, personas, client_for):
    zone_a, zone_b = zones
    admin = client_for(personas["zone_admin_a"])
    page = admin.get(reverse("projects:stage_config"))
    assert page.status_code == 200
    assert page.context["zone"] == zone_a
    assert [row["stage"].code for row in page.context["rows"]] == DEFAULT_CODES
    assert admin.get(reverse("projects:stage_config"), {"zone": zone_b.pk}).status_code == 404
    assert admin.get(reverse("projects:stage_config"), {"zone": "x"}).status_code == 404
    for persona in ("projects_staff_a", "staff_a", "leader_a", "firm_1_user", "region_viewer"):
        assert client_for(personas[persona]).get(reverse("projects:stage_config")).status_code == 404
    other = client_for(personas["system_admin"]).get(reverse("projects:stage_config"), {"zone": zone_b.pk})
    assert other.context["zone"] == zone_b


def test_a_zone_without_stages_gets_the_defaults_on_first_visit(world, personas, client_for):
    zone = Zone.objects.create(
        name="晋城新区", level="provincial", kind="economic", region=Region.objects.get(code="140500")
    )
    response = client_for(personas["system_admin"]).get(reverse("projects:stage_config"), {"zone": zone.pk})
    assert response.status_code == 200
    assert codes(zone) == DEFAULT_CODES
    assert ApprovalKind.objects.filter(zone=zone).count() == 9


def test_rename_and_switch_off_a_stage(zones, personas, client_for):
    zone_a, _zone_b = zones
    user = personas["zone_admin_a"]
    land = stage(zone_a, "land")
    response = client_for(user).post(
        reverse("projects:stage_config_edit", args=[land.pk]), edit_payload(land, name="土地摘牌", is_active="")
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('projects:stage_config')}?zone={zone_a.pk}"
    land.refresh_from_db()
    assert (land.name, land.is_active, land.order, land.code) == ("土地摘牌", False, 8, "land")
    assert land.history.latest().history_user == user
    assert codes(zone_a) == DEFAULT_CODES


def test_moving_a_stage_renumbers_the_ladder_without_gaps(zones, personas, client_for):
    zone_a, zone_b = zones
    user = personas["zone_admin_a"]
    land = stage(zone_a, "land")  # position 8
    histories = {code: stage(zone_a, code).history.count() for code in DEFAULT_CODES}
    response = client_for(user).post(
        reverse("projects:stage_config_edit", args=[land.pk]), edit_payload(land, position=6)
    )
    assert response.status_code == 302
    expected = DEFAULT_CODES[:5] + ["land"] + DEFAULT_CODES[5:7] + DEFAULT_CODES[8:]
    assert ladder(zone_a) == list(enumerate(expected, start=1))
    assert codes(zone_b) == DEFAULT_CODES  # the other zone is untouched
    moved = {"land", "signed", "filed"}
    for code in DEFAULT_CODES:
        row = stage(zone_a, code)
        assert row.history.count() == histories[code] + (1 if code in moved else 0), code
        if code in moved:
            latest = row.history.latest()
            assert (latest.history_user, latest.order) == (user, row.order)
    # Beyond the end is the end; position 1 is the start.
    client_for(user).post(reverse("projects:stage_config_edit", args=[land.pk]), edit_payload(land, position=99))
    assert codes(zone_a)[-1] == "land"
    client_for(user).post(reverse("projects:stage_config_edit", args=[land.pk]), edit_payload(land, position=1))
    assert codes(zone_a)[0] == "land"
    assert [order for order, _code in ladder(zone_a)] == list(range(1, len(DEFAULT_CODES) + 1))


def test_add_a_custom_stage_at_a_position(zones, personas, client_for):
    zone_a, _zone_b = zones
    client = client_for(personas["zone_admin_a"])
    page = client.get(reverse("projects:stage_config_add"), {"zone": zone_a.pk})
    assert page.context["form"].initial["position"] == len(DEFAULT_CODES) + 1
    payload = {
        "zone": zone_a.pk,
        "code": "design",
        "name": "方案设计",
        "phase": "pipeline",
        "milestone": "",
        "position": 8,
        "is_active": "on",
    }
    response = client.post(reverse("projects:stage_config_add"), payload)
    assert response.status_code == 302
    assert codes(zone_a) == DEFAULT_CODES[:7] + ["design"] + DEFAULT_CODES[7:]
    added = stage(zone_a, "design")
    assert (added.name, added.order, added.is_active) == ("方案设计", 8, True)
    assert added.history.earliest().history_user == personas["zone_admin_a"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "signed"}, "code", "本开发区已有代码为“signed”的阶段"),
        ({"name": "开工"}, "name", "本开发区已有名为“开工”的阶段"),
        ({"milestone": "started"}, "milestone", "节点含义“开工”已由阶段“开工”使用；每个节点含义在一个开发区只能用一次"),
        ({"code": "设计"}, "code", None),
        ({"position": 0}, "position", None),
        ({"name": "  "}, "name", None),
    ],
)
def test_add_refuses_duplicates_and_bad_values_naming_the_field(zones, personas, client_for, changes, field, message):
    zone_a, _zone_b = zones
    before = ladder(zone_a)
    payload = {"zone": zone_a.pk, "code": "design", "name": "方案设计", "phase": "pipeline", "position": 3}
    payload.update(changes)
    response = client_for(personas["zone_admin_a"]).post(reverse("projects:stage_config_add"), payload)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert ladder(zone_a) == before


def test_a_milestone_moves_only_once_freed(zones, personas, client_for):
    zone_a, _zone_b = zones
    client = client_for(personas["zone_admin_a"])
    trial, production = stage(zone_a, "trial"), stage(zone_a, "production")
    response = client.post(
        reverse("projects:stage_config_edit", args=[trial.pk]), edit_payload(trial, milestone="production")
    )
    assert response.context["form"].errors == {
        "milestone": ["节点含义“投产”已由阶段“投产”使用；每个节点含义在一个开发区只能用一次"]
    }
    client.post(reverse("projects:stage_config_edit", args=[production.pk]), edit_payload(production, milestone=""))
    client.post(reverse("projects:stage_config_edit", args=[trial.pk]), edit_payload(trial, milestone="production"))
    trial.refresh_from_db()
    assert trial.milestone == "production"


def test_add_in_another_zone_is_refused(zones, personas, client_for):
    _zone_a, zone_b = zones
    before = ladder(zone_b)
    payload = {"zone": zone_b.pk, "code": "design", "name": "方案设计", "phase": "pipeline", "position": 3}
    response = client_for(personas["zone_admin_a"]).post(reverse("projects:stage_config_add"), payload)
    assert list(response.context["form"].errors) == ["zone"]
    assert ladder(zone_b) == before
    edit = client_for(personas["zone_admin_a"]).post(
        reverse("projects:stage_config_edit", args=[stage(zone_b, "land").pk]), edit_payload(stage(zone_b, "land"))
    )
    assert edit.status_code == 404


# -- approval kinds --------------------------------------------------------------------------------------------------


def test_approval_kinds_add_and_edit(zones, personas, client_for, world):
    zone_a, zone_b = zones
    user = personas["projects_staff_a"]
    client = client_for(user)
    page = client.get(reverse("projects:approval_kind_config"))
    assert [k.name for k in page.context["kinds"]][:3] == ["立项/备案", "用地预审", "规划许可"]
    assert client.get(reverse("projects:approval_kind_config"), {"zone": zone_b.pk}).status_code == 404
    payload = {
        "zone": zone_a.pk,
        "name": "水土保持",
        "time_limit_days": 20,
        "default_department": world["dept_a_projects"].pk,
        "order": 10,
    }
    assert client.post(reverse("projects:approval_kind_add"), payload).status_code == 302
    kind = ApprovalKind.objects.get(zone=zone_a, name="水土保持")
    assert (kind.time_limit_days, kind.default_department, kind.order) == (20, world["dept_a_projects"], 10)
    assert kind.history.earliest().history_user == user

    duplicate = client.post(reverse("projects:approval_kind_add"), {**payload, "name": "环评"})
    assert duplicate.context["form"].errors == {"name": ["本开发区已有名为“环评”的审批事项"]}
    other = client_for(personas["system_admin"]).post(
        reverse("projects:approval_kind_add"), {**payload, "name": "地震安评", "default_department": world["dept_b"].pk}
    )
    assert other.context["form"].errors == {"default_department": ["部门不属于所选开发区"]}
    client = client_for(user)  # the test client is shared: sign in again as the projects staff
    negative = client.post(reverse("projects:approval_kind_add"), {**payload, "name": "人防", "time_limit_days": -1})
    assert list(negative.context["form"].errors) == ["time_limit_days"]

    eia = ApprovalKind.objects.get(zone=zone_a, name="环评")
    edit = {"name": "环境影响评价", "time_limit_days": 60, "default_department": "", "order": eia.order}
    assert client.post(reverse("projects:approval_kind_edit", args=[eia.pk]), edit).status_code == 302
    eia.refresh_from_db()
    assert (eia.name, eia.time_limit_days) == ("环境影响评价", 60)
    assert eia.history.latest().history_user == user
    foreign = ApprovalKind.objects.get(zone=zone_b, name="环评")
    assert client.post(reverse("projects:approval_kind_edit", args=[foreign.pk]), edit).status_code == 404
    for persona in ("staff_a", "leader_a", "firm_1_user"):
        assert client_for(personas[persona]).get(reverse("projects:approval_kind_config")).status_code == 404


# -- reopening a closed progress month -------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2025, 3, 5, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_reopen_a_closed_month_with_a_reason(zones, personas, client_for):
    zone_a, zone_b = zones
    user = personas["zone_admin_a"]
    client = client_for(user)
    assert client.get(reverse("projects:progress_reopen")).status_code == 200
    assert not services.progress_period_open(zone_a.pk, 202501)
    base = {"zone": zone_a.pk, "period": "2025-01", "closes_at": "2025-03-08T18:00", "reason": "企业补报一月投资"}
    for changes, field, message in (
        ({"period": "2025-02"}, "period", "2025-02 的填报截止日为 2025-03-10，尚未截止，无需重新开放"),
        ({"period": "2025-04"}, "period", "报告期不能晚于本月"),
        ({"period": "2025-13"}, "period", "请按 YYYY-MM 格式填写报告期，例如 2025-03"),
        ({"reason": "   "}, "reason", None),
        ({"closes_at": "2025-03-01T00:00"}, "closes_at", "再次截止时间须晚于现在"),
        ({"zone": zone_b.pk}, "zone", None),
    ):
        response = client.post(reverse("projects:progress_reopen"), {**base, **changes})
        assert list(response.context["form"].errors) == [field], changes
        if message:
            assert response.context["form"].errors[field] == [message]
    assert not ProgressReopening.objects.exists()

    response = client.post(reverse("projects:progress_reopen"), base)
    assert response.status_code == 302
    reopening = ProgressReopening.objects.get()
    assert (reopening.zone, reopening.period, reopening.opened_by) == (zone_a, 202501, user)
    assert services.progress_period_open(zone_a.pk, 202501)
    assert not services.progress_period_open(zone_b.pk, 202501)
    event = AuditEvent.objects.get(event=AuditEventChoices.CONFIG_CHANGE)
    assert (event.user, event.detail["period"], event.detail["reason"]) == (user, "2025-01", "企业补报一月投资")
    assert "企业补报一月投资" in client.get(reverse("projects:progress_reopen")).content.decode()
    for persona in ("projects_staff_a", "staff_a", "leader_a"):
        assert client_for(personas[persona]).get(reverse("projects:progress_reopen")).status_code == 404
