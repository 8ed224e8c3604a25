"""restrict(user, action): what each persona sees and may change, model by model (the one place scope is decided)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from conftest import CopiedOnRead, make_user
from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.models import region_prefix
from kaifaqu.enterprises.models import Contact, Enterprise, Relocation
from kaifaqu.zones.models import Department, IndustryChain, Park, Region, Zone

ZONE_A = {
    Zone: {"zone_a"},
    Park: {"park_a"},
    Department: {"dept_a", "dept_a_projects"},
    IndustryChain: {"chain_a"},
    Enterprise: {"firm_1", "firm_2"},
    Contact: {"contact_1", "contact_2"},
}
ZONE_B = {
    Zone: {"zone_b"},
    Park: {"park_b"},
    Department: {"dept_b"},
    IndustryChain: {"chain_b"},
    Enterprise: {"firm_b"},
    Contact: {"contact_b"},
}
MODELS = tuple(ZONE_A)
REGISTRY = (Park, IndustryChain, Enterprise, Contact)  # written by departments with the registry domain
NONE = {model: set() for model in MODELS}
ALL = {model: ZONE_A[model] | ZONE_B[model] for model in MODELS}


def only(objects, models):
    return {model: objects[model] if model in models else set() for model in MODELS}


def firm_only(firm, contact):
    return {**NONE, Enterprise: {firm}, Contact: {contact}}


VIEW = {
    "system_admin": ALL,
    "security_admin": NONE,
    "audit_admin": NONE,
    "zone_admin_a": ZONE_A,
    "staff_a": ZONE_A,
    "projects_staff_a": ZONE_A,
    "staff_b": ZONE_B,
    "leader_a": ZONE_A,
    "firm_1_user": firm_only("firm_1", "contact_1"),
    "firm_2_user": firm_only("firm_2", "contact_2"),
    "region_viewer": ZONE_A,  # 晋城市 140500 covers 高平 140581, not 灵石 140729 (晋中市)
    "anonymous": NONE,
}
WRITE = {
    **dict.fromkeys(VIEW, NONE),
    # 三员分立: the system administrator keeps the zones and their departments, and reads the registry without
    # writing it (docs/users/roles.md).
    "system_admin": {**ALL, **{model: set() for model in REGISTRY}},
    "zone_admin_a": ZONE_A,
    "staff_a": only(ZONE_A, REGISTRY),  # registry + statistics: not the zone itself, not its departments
    "staff_b": only(ZONE_B, REGISTRY),
}


# The world and the personas are built once for the module, each test rolled back to them (conftest.kept_world).
@pytest.fixture
def world(kept_world, db):
    return CopiedOnRead(kept_world["world"])


@pytest.fixture
def personas(kept_world, db):
    return CopiedOnRead(kept_world["personas"])


@pytest.fixture
def objects(world):
    w = dict(world)
    w["chain_a"] = IndustryChain.objects.create(zone=w["zone_a"], name="新材料产业链")
    w["chain_b"] = IndustryChain.objects.create(zone=w["zone_b"], name="装备制造产业链")
    for key, firm in (("contact_1", "firm_1"), ("contact_2", "firm_2"), ("contact_b", "firm_b")):
        w[key] = Contact.objects.create(enterprise=w[firm], name=key)
    return w


def visible(model, user, action, objects):
    keys = {objects[key].pk: key for key in ZONE_A[model] | ZONE_B[model]}
    rows = model.objects.restrict(user, action).values_list("pk", flat=True)
    return {keys[pk] for pk in rows}


@pytest.mark.parametrize("persona", list(VIEW))
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_view_scope(objects, personas, persona, model):
    assert visible(model, personas[persona], "view", objects) == VIEW[persona][model]


@pytest.mark.parametrize("action", ["add", "change", "delete"])
@pytest.mark.parametrize("persona", list(WRITE))
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_write_scope(objects, personas, persona, model, action):
    assert visible(model, personas[persona], action, objects) == WRITE[persona][model]


@pytest.mark.parametrize("persona", list(VIEW))
def test_write_scope_is_within_view_scope(objects, personas, persona):
    for model in MODELS:
        assert WRITE[persona][model] <= VIEW[persona][model]


@pytest.mark.parametrize(
    ("persona", "zone_key", "model", "may"),
    [
        ("system_admin", "zone_b", Zone, True),
        ("system_admin", "zone_b", Department, True),
        ("system_admin", "zone_b", Park, False),  # 三员分立: he reads the registry, writes none of it
        ("system_admin", "zone_b", Enterprise, False),
        ("zone_admin_a", "zone_a", Department, True),
        ("zone_admin_a", "zone_b", Park, False),
        ("staff_a", "zone_a", Park, True),
        ("staff_a", "zone_a", Enterprise, True),
        ("staff_a", "zone_a", Department, False),
        ("staff_a", "zone_b", Park, False),
        ("projects_staff_a", "zone_a", Park, False),
        ("leader_a", "zone_a", Enterprise, False),
        ("region_viewer", "zone_a", Enterprise, False),
        ("firm_1_user", "zone_a", Enterprise, False),
        ("staff_b", "zone_b", Enterprise, True),
    ],
)
def test_can_add_in_zone(world, personas, persona, zone_key, model, may):
    assert personas[persona].can_add_in_zone(model.scope, world[zone_key].pk) is may


@pytest.mark.parametrize(
    ("persona", "zones"),
    [
        ("zone_admin_a", {"zone_a"}),
        ("staff_a", {"zone_a"}),
        ("staff_b", {"zone_b"}),
        ("projects_staff_a", set()),
        ("leader_a", set()),
        ("region_viewer", set()),
        ("firm_1_user", set()),
        ("security_admin", set()),
    ],
)
def test_writable_zone_ids_for_the_registry(world, personas, persona, zones):
    assert personas[persona].writable_zone_ids(Enterprise.scope) == {world[z].pk for z in zones}


# ------------------------------------------------------------------------------------------- region viewers
@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("140000", "14"),
        ("110000", "11"),
        ("140500", "1405"),
        ("140700", "1407"),
        ("140581", "140581"),
        ("140729", "140729"),
        ("140100", "1401"),
    ],
)
def test_region_prefix(code, prefix):
    assert region_prefix(code) == prefix


@pytest.mark.parametrize(
    ("code", "zones"),
    [
        ("140000", {"zone_a", "zone_b"}),  # 山西省: both
        ("140500", {"zone_a"}),  # 晋城市
        ("140700", {"zone_b"}),  # 晋中市
        ("140581", {"zone_a"}),  # 高平市 itself
        ("140521", set()),  # 沁水县: same city, other county
        ("130000", set()),  # 河北省
        ("140100", set()),  # 太原市: 1401 must not match 14058x
    ],
)
def test_region_viewer_sees_the_zones_under_their_code(world, code, zones):
    viewer = make_user(f"viewer_{code}", RoleChoices.REGION_VIEWER, region=Region.objects.get(code=code))
    assert set(Zone.objects.restrict(viewer).values_list("pk", flat=True)) == {world[z].pk for z in zones}
    expected_firms = {f.pk for f in Enterprise.objects.filter(zone__in=[world[z] for z in zones])}
    assert set(Enterprise.objects.restrict(viewer).values_list("pk", flat=True)) == expected_firms
    assert not Enterprise.objects.restrict(viewer, "change").exists()


# ---------------------------------------------------------------------------------------------- edge cases
def test_security_and_audit_admins_see_no_business_rows(objects, personas):
    for persona in ("security_admin", "audit_admin"):
        for model in (*MODELS, Relocation):
            for action in ("view", "change"):
                assert not model.objects.restrict(personas[persona], action).exists(), (persona, model, action)


def test_superuser_bootstrap_sees_everything(objects):
    from kaifaqu.accounts.models import User

    root = User.objects.create_superuser("root", password="Kfq-root-2026!")
    for model in MODELS:
        assert model.objects.restrict(root, "view").count() == model.objects.count()
        # A superuser counts as a system administrator (三员分立): the registry is read, not written.
        writable = 0 if model in REGISTRY else model.objects.count()
        assert model.objects.restrict(root, "delete").count() == writable


def test_inactive_and_anonymous_users_see_nothing(objects, personas):
    admin = personas["zone_admin_a"]
    admin.is_active = False
    for user in (admin, AnonymousUser(), None):
        assert not Enterprise.objects.restrict(user).exists()


def test_unknown_action_is_refused(world, personas):
    with pytest.raises(ValueError, match="unknown action"):
        Enterprise.objects.restrict(personas["staff_a"], "approve")


def test_get_restricted_or_404(world, personas):
    staff_a = personas["staff_a"]
    assert Enterprise.objects.get_restricted_or_404(staff_a, pk=world["firm_1"].pk) == world["firm_1"]
    with pytest.raises(Http404):
        Enterprise.objects.get_restricted_or_404(staff_a, pk=world["firm_b"].pk)
    with pytest.raises(Http404):
        Enterprise.objects.get_restricted_or_404(personas["leader_a"], "change", pk=world["firm_1"].pk)


def test_roles_in_two_zones_add_up(world):
    user = make_user("two_hats", RoleChoices.LEADER, zone=world["zone_a"])
    from kaifaqu.accounts.models import Membership

    Membership.objects.create(
        user=user, role=RoleChoices.DEPARTMENT_STAFF, zone=world["zone_b"], department=world["dept_b"]
    )
    assert set(Enterprise.objects.restrict(user).values_list("name", flat=True)) == {
        world["firm_1"].name,
        world["firm_2"].name,
        world["firm_b"].name,
    }
    assert list(Enterprise.objects.restrict(user, "change")) == [world["firm_b"]]


def test_relocations_follow_their_enterprise(world, personas):
    relocation = Relocation.objects.create(
        enterprise=world["firm_1"],
        moved_on="2024-01-01",
        from_zone=world["zone_a"],
        to_zone=world["zone_a"],
        to_park=world["park_a"],
        recorded_by=personas["staff_a"],
    )
    assert list(Relocation.objects.restrict(personas["firm_1_user"])) == [relocation]
    assert not Relocation.objects.restrict(personas["firm_2_user"]).exists()
    assert not Relocation.objects.restrict(personas["staff_b"]).exists()
    assert list(Relocation.objects.restrict(personas["region_viewer"])) == [relocation]
