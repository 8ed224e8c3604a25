"""三员分立 as a matrix: every account action × every administrator persona × every kind of target account.

The expectation is written out from the rule (docs/security.md, AC-2), independently of services.refusal():
- accounts (password reset, disable, enable) are the system administrator's and a zone administrator's, roles
  (grant, revoke) the security administrator's and a zone administrator's (their zone's roles); the audit
  administrator manages nothing;
- nobody acts on their own account here, and an account holding one of the three administrator roles is managed
  only by an administrator of the same kind (a "peer");
- an account never holds two of the three roles (a grant that would do it is a form error).
Each case runs in the pages (the views call the services) and in the services directly; a refusal leaves every
account and every grant exactly as it was."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from conftest import make_user
from kaifaqu.accounts import services
from kaifaqu.accounts.choices import THREE_ADMIN_ROLES, RoleChoices
from kaifaqu.accounts.models import Membership, User
from kaifaqu.zones.models import Region

NEW_PASSWORD = "Kfq-matrix-2026!"
ACTORS = ("system_admin", "security_admin", "audit_admin", "zone_admin_a")
TARGETS = ("self", "peer", "system_admin", "security_admin", "audit_admin", "ordinary")
ACCOUNT_ACTIONS = ("reset_password", "disable", "enable")
ROLE_ACTIONS = tuple(f"grant:{role.value}" for role in RoleChoices) + ("revoke",)
ADMIN_KIND = {
    "system_admin": RoleChoices.SYSTEM_ADMIN,
    "security_admin": RoleChoices.SECURITY_ADMIN,
    "audit_admin": RoleChoices.AUDIT_ADMIN,
    "zone_admin_a": None,
}
# The actor's own persona is "self"; every other target is another account.
PAIRS = [pytest.param(a, t, id=f"{a}-{t}") for a in ACTORS for t in TARGETS if t != a]
ZONE_ADMIN_GRANTS = {
    RoleChoices.ZONE_ADMIN,
    RoleChoices.DEPARTMENT_STAFF,
    RoleChoices.LEADER,
    RoleChoices.ENTERPRISE_USER,
}


def expected(actor, target, action):
    """'allow', 'refuse' (403 or 404, nothing changes) or 'invalid' (the grant itself is invalid: a form error)."""
    actor_kind = ADMIN_KIND[actor]
    target_kind = actor_kind if target == "peer" else ADMIN_KIND.get(target)
    if target == "self" or (target_kind is not None and target_kind != actor_kind):
        return "refuse"
    if action in ACCOUNT_ACTIONS:
        return "allow" if actor in ("system_admin", "zone_admin_a") else "refuse"
    if actor == "zone_admin_a":
        if action != "revoke" and RoleChoices(action.split(":")[1]) not in ZONE_ADMIN_GRANTS:
            return "refuse"
        return "allow"
    if actor != "security_admin":
        return "refuse"
    if action.startswith("grant:") and target_kind is not None and action.split(":")[1] in THREE_ADMIN_ROLES:
        return "invalid"  # the peer already holds an administrator role
    return "allow"


@pytest.fixture
def cast(world, personas):
    """Actors, and for each one the targets: itself, a peer of its kind, the three admins, an ordinary account."""
    peers = {
        "system_admin": make_user("sysadmin2", RoleChoices.SYSTEM_ADMIN),
        "security_admin": make_user("secadmin2", RoleChoices.SECURITY_ADMIN),
        "audit_admin": make_user("auditadmin2", RoleChoices.AUDIT_ADMIN),
        "zone_admin_a": make_user("admin_a2", RoleChoices.ZONE_ADMIN, zone=world["zone_a"]),
    }

    def target(actor, kind):
        if kind == "self":
            return personas[actor]
        if kind == "peer":
            return peers[actor]
        return personas["staff_a" if kind == "ordinary" else kind]

    return target


def grant_payload(world, role):
    scope = {
        RoleChoices.ZONE_ADMIN: {"zone": world["zone_a"]},
        RoleChoices.LEADER: {"zone": world["zone_a"]},
        RoleChoices.DEPARTMENT_STAFF: {"zone": world["zone_a"], "department": world["dept_a"]},
        RoleChoices.ENTERPRISE_USER: {"enterprise": world["firm_1"]},
        RoleChoices.REGION_VIEWER: {"region": Region.objects.get(code="140500")},
    }.get(role, {})
    return {"role": role, **scope}


def state():
    users = set(User.objects.values_list("pk", "password", "is_active", "must_change_password"))
    grants = set(Membership.objects.values_list("pk", "user_id", "role", "zone_id", "department_id", "enterprise_id"))
    return users, grants


def took_effect(action, target, world, revoked):
    target = User.objects.get(pk=target.pk)
    if action == "reset_password":
        return target.check_password(NEW_PASSWORD) and target.must_change_password
    if action == "disable":
        return not target.is_active
    if action == "enable":
        return target.is_active
    if action == "revoke":
        return not Membership.objects.filter(pk=revoked.pk).exists()
    scope = {k: v for k, v in grant_payload(world, action.split(":")[1]).items() if k != "role"}
    return target.memberships.filter(role=action.split(":")[1], **scope).exists()


def revoked_grant(target):
    """The grant a revoke case removes: the account's first one (its persona's role)."""
    return Membership.objects.filter(user=target).order_by("pk").first()


def prepare(action, target):
    if action == "enable":
        User.objects.filter(pk=target.pk).update(is_active=False)


def post_data(action, target, world):
    if action == "reset_password":
        return {"action": "reset_password", "password": NEW_PASSWORD}
    if action in ("disable", "enable"):
        return {"action": action}
    if action == "revoke":
        return {"action": "revoke", "membership": revoked_grant(target).pk}
    payload = grant_payload(world, action.split(":")[1])
    return {"action": "grant", **{k: getattr(v, "pk", v) for k, v in payload.items()}}


def call_service(action, actor, target, world):
    if action == "reset_password":
        services.reset_password(actor=actor, user=target, new_password=NEW_PASSWORD)
    elif action in ("disable", "enable"):
        services.set_user_active(actor=actor, user=target, active=action == "enable")
    elif action == "revoke":
        services.revoke_role(actor=actor, membership=revoked_grant(target))
    else:
        services.grant_role(actor=actor, user=target, **grant_payload(world, action.split(":")[1]))


def each_action(test):
    """Run test(action) for every action, each in a savepoint rolled back afterwards (one fixture set-up per pair)."""
    for action in ACCOUNT_ACTIONS + ROLE_ACTIONS:
        point = transaction.savepoint()
        try:
            test(action)
        finally:
            transaction.savepoint_rollback(point)


@pytest.mark.parametrize(("actor_name", "target_kind"), PAIRS)
def test_account_actions_in_the_pages(world, personas, cast, client, actor_name, target_kind):
    actor, target = personas[actor_name], cast(actor_name, target_kind)
    url = reverse("accounts:user", args=[target.pk])

    def case(action):
        prepare(action, target)
        client.force_login(User.objects.get(pk=actor.pk))
        before, revoked = state(), revoked_grant(target)
        response = client.post(url, post_data(action, target, world))
        outcome = expected(actor_name, target_kind, action)
        where = f"{actor_name} {action} {target_kind}: {response.status_code}"
        if outcome == "allow":
            assert response.status_code == 302 and response["Location"] == url, where
            assert took_effect(action, target, world, revoked), where
            return
        assert state() == before, f"{where}: a refused action changed the database"
        if outcome == "invalid":
            assert response.status_code == 200 and response.context["membership_form"].errors, where
        elif response.status_code == 403:
            assert response.context["messages"], where
        elif response.status_code == 200:
            assert response.context["membership_form"].errors, where  # a role the form does not offer this actor
        else:
            # 404: not this actor's kind of action or account at all; 302 to the login page: a disabled self.
            assert response.status_code == 404 or "/login/" in response.get("Location", ""), where

    each_action(case)


@pytest.mark.parametrize(("actor_name", "target_kind"), PAIRS)
def test_account_actions_in_the_services(world, personas, cast, actor_name, target_kind):
    actor, target = personas[actor_name], cast(actor_name, target_kind)

    def case(action):
        prepare(action, target)
        target.refresh_from_db()
        before, revoked = state(), revoked_grant(target)
        outcome = expected(actor_name, target_kind, action)
        where = f"{actor_name} {action} {target_kind}"
        if outcome == "allow":
            call_service(action, User.objects.get(pk=actor.pk), target, world)
            assert took_effect(action, target, world, revoked), where
            return
        error = services.ActionRefused if outcome == "refuse" else ValidationError
        with pytest.raises(error), transaction.atomic():
            call_service(action, User.objects.get(pk=actor.pk), target, world)
        assert state() == before, f"{where}: a refused action changed the database"

    each_action(case)


# ------------------------------------------------------------------------------------------- the findings
def test_system_admin_cannot_take_over_the_audit_administrator(personas, client_for):
    auditor = personas["audit_admin"]
    client = client_for(personas["system_admin"])
    url = reverse("accounts:user", args=[auditor.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'id="reset-password"' not in page.content and b'id="disable-account"' not in page.content
    assert "三员分立" in page.context["separation_note"]
    response = client.post(url, {"action": "reset_password", "password": NEW_PASSWORD})
    assert response.status_code == 403
    assert "三员分立" in response.content.decode()
    auditor.refresh_from_db()
    assert not auditor.check_password(NEW_PASSWORD) and auditor.is_active


def test_security_admin_cannot_grant_itself_a_zone(world, personas, client_for):
    admin = personas["security_admin"]
    client = client_for(admin)
    response = client.post(
        reverse("accounts:user", args=[admin.pk]),
        {"action": "grant", "role": RoleChoices.ZONE_ADMIN, "zone": world["zone_a"].pk},
    )
    assert response.status_code == 403
    assert "不能为自己授予或撤销角色" in response.content.decode()
    assert set(admin.memberships.values_list("role", flat=True)) == {RoleChoices.SECURITY_ADMIN}
    assert world["firm_1"].name not in client.get(reverse("enterprises:enterprise_list")).content.decode()


def test_the_refusal_reads_in_english(personas, client_for, settings):
    client = client_for(personas["system_admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("accounts:user", args=[personas["security_admin"].pk]), {"action": "disable"})
    assert response.status_code == 403
    assert "Separation of the three administrators" in response.content.decode()
    personas["security_admin"].refresh_from_db()
    assert personas["security_admin"].is_active
