"""User.may(action, model or row): the one permission question, answered by the model's Scope and the memberships."""

import pytest

from conftest import PERSONAS
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats.models import Value

# Who may add an enterprise anywhere (registry domain), and in zone A. Not the system administrator: 三员分立, he reads
# the registry but writes none of it (docs/users/roles.md).
ADD_ENTERPRISE = {"zone_admin_a", "staff_a", "staff_b"}
ADD_IN_ZONE_A = {"zone_admin_a", "staff_a"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_may_write_a_model_anywhere_and_in_a_zone(world, personas, persona):
    user = personas[persona]
    if user is None:
        return
    assert user.may("add", Enterprise) is (persona in ADD_ENTERPRISE)
    assert user.may("add", Enterprise, zone=world["zone_a"]) is (persona in ADD_IN_ZONE_A)
    assert user.may("add", Enterprise, zone=world["zone_a"].pk) is (persona in ADD_IN_ZONE_A)


# (persona, action, firm) → allowed: the registry's rules as the roles document them (docs/users/roles.md).
ROWS = [
    ("staff_a", "change", "firm_1", True),
    ("staff_a", "change", "firm_b", False),
    ("staff_b", "change", "firm_b", True),
    ("leader_a", "view", "firm_2", True),
    ("leader_a", "change", "firm_2", False),
    ("firm_1_user", "view", "firm_1", True),
    ("firm_1_user", "view", "firm_2", False),
    ("firm_1_user", "change", "firm_1", False),
    ("region_viewer", "view", "firm_1", True),
    ("region_viewer", "view", "firm_b", False),
    ("region_viewer", "delete", "firm_1", False),
    ("projects_staff_a", "view", "firm_1", True),
    ("projects_staff_a", "change", "firm_1", False),
    ("system_admin", "view", "firm_b", True),
    ("system_admin", "change", "firm_b", False),  # 三员分立: he reads the registry, writes none of it
    ("system_admin", "delete", "firm_b", False),
    ("audit_admin", "view", "firm_1", False),
]


@pytest.mark.parametrize(("persona", "action", "firm", "allowed"), ROWS)
def test_may_act_on_a_row(world, personas, persona, action, firm, allowed):
    assert personas[persona].may(action, world[firm]) is allowed


def test_what_a_model_may_show_is_a_list_question(personas):
    with pytest.raises(ValueError):
        personas["staff_a"].may("view", Value)
