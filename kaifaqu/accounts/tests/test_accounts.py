"""Accounts: three-admin separation, the audit log, login and lock-out, password policy, sessions, user management."""

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, make_user
from kaifaqu.accounts import services
from kaifaqu.accounts.audit import record_event, verify_chain
from kaifaqu.accounts.choices import THREE_ADMIN_ROLES, AuditEventChoices, RoleChoices
from kaifaqu.accounts.models import AuditEvent, Membership, User
from kaifaqu.accounts.tests.tamper import triggers_off
from kaifaqu.accounts.validators import CharacterClassValidator
from kaifaqu.zones.models import Region

LOGIN_URL = "/accounts/login/"
STRONG = "Kfq-fresh-2026!"


def events(event, **filters):
    return AuditEvent.objects.filter(event=event, **filters)


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# --------------------------------------------------------------------------------------------- 三员分立 separation
@pytest.mark.parametrize(
    ("held", "granted"), list(itertools.permutations(sorted(THREE_ADMIN_ROLES), 2)), ids=lambda r: str(r)
)
def test_an_account_cannot_hold_two_of_the_three_admin_roles(db, held, granted):
    user = make_user("dual", held)
    membership = Membership(user=user, role=granted)
    with pytest.raises(ValidationError) as raised:
        membership.full_clean()
    assert "role" in raised.value.message_dict
    with pytest.raises(ValidationError):
        services.grant_role(actor=None, user=user, role=granted)  # even on the server
    assert list(user.memberships.values_list("role", flat=True)) == [held]


def test_three_admin_role_beside_a_zone_role_is_allowed(world):
    user = make_user("mixed", RoleChoices.LEADER, zone=world["zone_a"])
    services.grant_role(actor=None, user=user, role=RoleChoices.AUDIT_ADMIN)
    assert set(user.memberships.values_list("role", flat=True)) == {RoleChoices.LEADER, RoleChoices.AUDIT_ADMIN}


def test_granting_a_second_admin_role_to_a_peer_gets_a_form_error(personas, client_for):
    """A security administrator may manage a fellow security administrator, but not make them an auditor too."""
    target = make_user("secadmin2", RoleChoices.SECURITY_ADMIN)
    client = client_for(personas["security_admin"])
    response = client.post(
        reverse("accounts:user", args=[target.pk]), {"action": "grant", "role": RoleChoices.AUDIT_ADMIN}
    )
    assert response.status_code == 200
    assert "三员分立" in str(response.context["membership_form"].errors)
    assert set(target.memberships.values_list("role", flat=True)) == {RoleChoices.SECURITY_ADMIN}


# ---------------------------------------------------------------------------------------------------- audit log
def test_audit_records_are_append_only(db):
    entry = record_event(AuditEventChoices.CONFIG_CHANGE, username="someone", detail={"k": "v"})
    entry.detail = {"k": "changed"}
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=entry.pk).update(username="other")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    stored = AuditEvent.objects.get(pk=entry.pk)
    assert (stored.username, stored.detail) == ("someone", {"k": "v"})


def test_hash_chain_links_every_record_to_its_predecessor(db):
    first = record_event(AuditEventChoices.LOGIN, username="a")
    second = record_event(AuditEventChoices.LOGOUT, username="a")
    assert second.previous_hash == first.record_hash
    assert verify_chain() is None


@pytest.mark.parametrize(
    ("column", "value"),
    [("username", "mallory"), ("success", False), ("detail", '{"rows": 1}'), ("record_hash", "0000")],
)
def test_verify_chain_finds_a_row_tampered_with_raw_sql(db, column, value):
    record_event(AuditEventChoices.LOGIN, username="alice")
    victim = record_event(AuditEventChoices.EXPORT, username="alice", detail={"rows": 10})
    record_event(AuditEventChoices.LOGOUT, username="alice")
    table = AuditEvent._meta.db_table
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, victim.pk])  # noqa: S608
    broken = verify_chain()
    assert broken is not None and broken.pk == victim.pk


def test_verify_chain_finds_a_deleted_row(db):
    record_event(AuditEventChoices.LOGIN, username="alice")
    victim = record_event(AuditEventChoices.EXPORT, username="alice")
    after = record_event(AuditEventChoices.LOGOUT, username="alice")
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [victim.pk])  # noqa: S608
    assert verify_chain().pk == after.pk


def test_audit_page_reports_a_broken_chain(personas, client_for):
    victim = record_event(AuditEventChoices.EXPORT, username="alice")
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET username = 'x' WHERE id = %s", [victim.pk])  # noqa: S608
    response = client_for(personas["audit_admin"]).get(reverse("accounts:audit_list"), {"verify": "1"})
    assert response.status_code == 200
    assert response.context["broken"].pk == victim.pk


# ----------------------------------------------------------------------------------------------- login, lock-out
def login(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def test_successful_login_is_audited(personas, client):
    response = login(client, "staff_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert logged_in_user_id(client) == str(personas["staff_a"].pk)
    event = events(AuditEventChoices.LOGIN, username="staff_a").get()
    assert event.success and event.user == personas["staff_a"] and event.ip_address == "127.0.0.1"


def test_failed_login_is_audited(personas, client):
    response = login(client, "staff_a", "wrong-password")
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    event = events(AuditEventChoices.LOGIN_FAILED, username="staff_a").get()
    assert not event.success


def test_lockout_after_failure_limit_refuses_the_right_password(personas, client):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        login(client, "staff_a", "wrong-password")
    assert events(AuditEventChoices.LOGIN_FAILED, username="staff_a").count() == limit
    assert events(AuditEventChoices.LOCKED_OUT, username="staff_a", success=False).exists()
    response = login(client, "staff_a", PASSWORD)
    assert response.status_code != 302
    assert "锁定" in response.content.decode()
    assert logged_in_user_id(client) is None
    assert not events(AuditEventChoices.LOGIN, username="staff_a").exists()
    # Lock-out is by username: a colleague behind the same address still gets in.
    assert login(client, "leader_a", PASSWORD).status_code == 302
    assert logged_in_user_id(client) == str(personas["leader_a"].pk)


def test_failures_below_the_limit_do_not_lock(personas, client):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "staff_a", "wrong-password")
    assert login(client, "staff_a", PASSWORD).status_code == 302
    assert not events(AuditEventChoices.LOCKED_OUT).exists()


def test_logout_is_audited(personas, client):
    login(client, "staff_a", PASSWORD)
    client.post(reverse("accounts:logout"))
    assert logged_in_user_id(client) is None
    assert events(AuditEventChoices.LOGOUT, user=personas["staff_a"]).exists()


# --------------------------------------------------------------------------------------------- password policy
@pytest.mark.parametrize(
    ("password", "min_classes", "ok"),
    [
        ("abcdefg1", 3, False),  # lower + digit
        ("abcdefG1", 3, True),  # lower + upper + digit
        ("ABCDEF-1", 3, True),  # upper + symbol + digit
        ("abcdefgh", 3, False),
        ("abc-defg", 3, False),  # lower + symbol
        ("abcd-G1x", 4, True),
        ("abcdeG1x", 4, False),
        ("abcdefg1", 2, True),
    ],
)
def test_character_class_validator(password, min_classes, ok):
    validator = CharacterClassValidator(min_classes=min_classes)
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError) as raised:
            validator.validate(password)
        assert raised.value.code == "password_too_simple"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Qz7#kpw", False),  # 7 characters, 4 classes
        ("Qz7#kpwx", True),  # 8 characters
        ("qz7kpwxm", False),  # 8 characters, 2 classes
        ("Qz7kpwxm", True),  # 8 characters, 3 classes
    ],
)
def test_password_policy_boundaries(db, password, ok):
    assert settings.PASSWORD_MIN_LENGTH == 8 and settings.PASSWORD_MIN_CHARACTER_CLASSES == 3
    if ok:
        password_validation.validate_password(password)
    else:
        with pytest.raises(ValidationError):
            password_validation.validate_password(password)


def test_weak_new_password_is_refused_on_the_change_page(personas, client_for):
    user = personas["staff_a"]
    client = client_for(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "qz7kpwxm", "new_password2": "qz7kpwxm"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# ------------------------------------------------------------------------------------ forced password change
@pytest.mark.parametrize("url_name", ["home", "zones:zone_list", "enterprises:enterprise_list", "accounts:profile"])
def test_must_change_password_redirects_every_page(personas, client_for, url_name):
    user = personas["staff_a"]
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    response = client_for(user).get(reverse(url_name))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")


def test_changing_the_password_clears_the_flag(personas, client_for):
    user = personas["staff_a"]
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = client_for(user)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(STRONG)
    assert user.password_changed_at is not None
    assert client.get(reverse("home")).status_code == 200  # still logged in, and free to move
    assert events(AuditEventChoices.PASSWORD_CHANGE, user=user).exists()


def test_expired_password_must_be_changed(personas, client_for):
    user = personas["staff_a"]
    stale = timezone.now() - timedelta(days=settings.PASSWORD_MAX_AGE_DAYS + 1)
    User.objects.filter(pk=user.pk).update(password_changed_at=stale)
    assert client_for(user).get(reverse("home"))["Location"] == reverse("accounts:password_change")
    fresh = timezone.now() - timedelta(days=settings.PASSWORD_MAX_AGE_DAYS - 1)
    User.objects.filter(pk=user.pk).update(password_changed_at=fresh)
    assert client_for(user).get(reverse("home")).status_code == 200


# --------------------------------------------------------------------------------------------------- sessions
def test_idle_session_is_logged_out(personas, client):
    idle = settings.SESSION_IDLE_TIMEOUT
    with time_machine.travel(timezone.now(), tick=False) as clock:
        login(client, "staff_a", PASSWORD)
        assert client.get(reverse("home")).status_code == 200
        clock.shift(idle - timedelta(minutes=1))
        assert client.get(reverse("home")).status_code == 200  # activity resets the idle clock
        clock.shift(idle + timedelta(seconds=1))
        response = client.get(reverse("enterprises:enterprise_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login")) and "timeout=1" in response["Location"]
        assert logged_in_user_id(client) is None
        assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))


def test_session_has_an_absolute_lifetime_even_when_active(personas, client):
    """IA-2: a session ends SESSION_COOKIE_AGE after login however busy the user is."""
    step = settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=1)
    lifetime = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        login(client, "staff_a", PASSWORD)
        elapsed = timedelta(0)
        while elapsed + step < lifetime:
            clock.shift(step)
            elapsed += step
            assert client.get(reverse("home")).status_code == 200
        clock.shift(step)
        assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))
        assert logged_in_user_id(client) is None


# ------------------------------------------------------------------------------------------- user management
def usernames_listed(response):
    return {u.username for u in response.context["page"].object_list}


def test_zone_admin_lists_only_the_users_of_their_zone(personas, client_for):
    response = client_for(personas["zone_admin_a"]).get(reverse("accounts:user_list"))
    assert usernames_listed(response) == {"admin_a", "staff_a", "projects_a", "leader_a", "firm1", "firm2"}


@pytest.mark.parametrize("persona", ["security_admin", "system_admin"])
def test_system_and_security_admins_list_every_user(personas, client_for, persona):
    response = client_for(personas[persona]).get(reverse("accounts:user_list"))
    assert usernames_listed(response) == set(User.objects.values_list("username", flat=True))


def test_zone_admin_cannot_open_a_privileged_or_other_zone_account(personas, client_for):
    client = client_for(personas["zone_admin_a"])
    for persona in ("system_admin", "security_admin", "audit_admin", "staff_b", "region_viewer"):
        assert client.get(reverse("accounts:user", args=[personas[persona].pk])).status_code == 404, persona


def test_zone_admin_creates_a_user_and_grants_department_staff(world, personas, client_for):
    admin = personas["zone_admin_a"]
    client = client_for(admin)
    response = client.post(
        reverse("accounts:user_add"),
        {"username": "newbie", "display_name": "新同事", "email": "", "phone": "", "password": STRONG},
    )
    newbie = User.objects.get(username="newbie")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user", args=[newbie.pk])
    assert newbie.must_change_password and newbie.check_password(STRONG)
    assert events(AuditEventChoices.USER_CREATE, user=admin, object_repr="新同事").exists()
    # The page the creator lands on lets them grant the first role.
    assert client.get(response["Location"]).status_code == 200
    response = client.post(
        response["Location"],
        {
            "action": "grant",
            "role": RoleChoices.DEPARTMENT_STAFF,
            "zone": world["zone_a"].pk,
            "department": world["dept_a"].pk,
        },
    )
    assert response.status_code == 302
    assert newbie.memberships.filter(role=RoleChoices.DEPARTMENT_STAFF, department=world["dept_a"]).exists()
    change = events(AuditEventChoices.ROLE_CHANGE, user=admin).get()
    assert change.detail["granted"] == RoleChoices.DEPARTMENT_STAFF


@pytest.mark.parametrize(
    "grant",
    [
        pytest.param(
            lambda w: {"role": RoleChoices.DEPARTMENT_STAFF, "zone": w["zone_b"].pk, "department": w["dept_b"].pk},
            id="zone-b",
        ),
        pytest.param(lambda w: {"role": RoleChoices.LEADER, "zone": w["zone_b"].pk}, id="leader-zone-b"),
        pytest.param(
            lambda w: {"role": RoleChoices.DEPARTMENT_STAFF, "zone": w["zone_a"].pk, "department": w["dept_b"].pk},
            id="department-of-zone-b",
        ),
        pytest.param(lambda w: {"role": RoleChoices.ENTERPRISE_USER, "enterprise": w["firm_b"].pk}, id="firm-b"),
        pytest.param(lambda w: {"role": RoleChoices.SYSTEM_ADMIN}, id="system-admin"),
        pytest.param(lambda w: {"role": RoleChoices.SECURITY_ADMIN}, id="security-admin"),
        pytest.param(lambda w: {"role": RoleChoices.REGION_VIEWER, "region": "140500"}, id="region-viewer"),
        pytest.param(lambda w: {"role": RoleChoices.DEPARTMENT_STAFF, "zone": w["zone_a"].pk}, id="no-department"),
    ],
)
def test_zone_admin_cannot_grant_outside_their_zone(world, personas, client_for, grant):
    target = personas["leader_a"]
    before = set(Membership.objects.values_list("pk", "user_id", "role", "zone_id", "department_id"))
    response = client_for(personas["zone_admin_a"]).post(
        reverse("accounts:user", args=[target.pk]), {"action": "grant", **grant(world)}
    )
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.context["membership_form"].errors
    assert set(Membership.objects.values_list("pk", "user_id", "role", "zone_id", "department_id")) == before
    assert not events(AuditEventChoices.ROLE_CHANGE).exists()


def test_security_admin_grants_and_revokes_roles(world, personas, client_for):
    target = personas["leader_a"]
    client = client_for(personas["security_admin"])
    url = reverse("accounts:user", args=[target.pk])
    response = client.post(url, {"action": "grant", "role": RoleChoices.REGION_VIEWER, "region": "140000"})
    assert response.status_code == 302
    granted = target.memberships.get(role=RoleChoices.REGION_VIEWER)
    assert granted.region == Region.objects.get(code="140000")
    response = client.post(url, {"action": "revoke", "membership": granted.pk})
    assert response.status_code == 302
    assert not target.memberships.filter(role=RoleChoices.REGION_VIEWER).exists()
    changes = list(events(AuditEventChoices.ROLE_CHANGE, user=personas["security_admin"]).order_by("pk"))
    assert [("granted" in c.detail, "revoked" in c.detail) for c in changes] == [(True, False), (False, True)]


def test_zone_admin_cannot_revoke_a_grant_in_another_zone(world, personas, client_for):
    both = make_user("both_zones", RoleChoices.LEADER, zone=world["zone_a"])
    other = Membership.objects.create(user=both, role=RoleChoices.LEADER, zone=world["zone_b"])
    response = client_for(personas["zone_admin_a"]).post(
        reverse("accounts:user", args=[both.pk]), {"action": "revoke", "membership": other.pk}
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()


def test_zone_admin_revokes_a_grant_in_their_zone(world, personas, client_for):
    membership = personas["leader_a"].memberships.get()
    response = client_for(personas["zone_admin_a"]).post(
        reverse("accounts:user", args=[personas["leader_a"].pk]), {"action": "revoke", "membership": membership.pk}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert events(AuditEventChoices.ROLE_CHANGE, detail__revoked=RoleChoices.LEADER).exists()


def test_security_admin_cannot_create_or_edit_accounts(personas, client_for):
    """三员分立: roles belong to the security administrator, accounts to the system administrator."""
    client = client_for(personas["security_admin"])
    target = personas["staff_a"]
    assert client.get(reverse("accounts:user_add")).status_code == 404
    response = client.post(reverse("accounts:user", args=[target.pk]), {"action": "reset_password", "password": STRONG})
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_system_admin_cannot_grant_roles(personas, client_for):
    target = personas["staff_b"]
    response = client_for(personas["system_admin"]).post(
        reverse("accounts:user", args=[target.pk]), {"action": "grant", "role": RoleChoices.SECURITY_ADMIN}
    )
    assert response.status_code == 404
    assert not target.memberships.filter(role=RoleChoices.SECURITY_ADMIN).exists()


def test_password_reset_is_audited_and_forces_a_change(personas, client_for):
    target = personas["staff_a"]
    admin = personas["zone_admin_a"]
    response = client_for(admin).post(
        reverse("accounts:user", args=[target.pk]), {"action": "reset_password", "password": STRONG}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(STRONG) and target.must_change_password
    assert events(AuditEventChoices.PASSWORD_RESET, user=admin, object_repr=str(target)).exists()


def test_password_reset_applies_the_policy(personas, client_for):
    target = personas["staff_a"]
    response = client_for(personas["zone_admin_a"]).post(
        reverse("accounts:user", args=[target.pk]), {"action": "reset_password", "password": "short1A"}
    )
    assert response.status_code == 200
    assert response.context["password_form"].errors["password"]
    target.refresh_from_db()
    assert target.check_password(PASSWORD) and not target.must_change_password


def test_disabling_an_account_is_audited_and_blocks_login(personas, client_for, client):
    target = personas["staff_a"]
    client_for(personas["zone_admin_a"]).post(reverse("accounts:user", args=[target.pk]), {"action": "disable"})
    target.refresh_from_db()
    assert not target.is_active
    assert events(AuditEventChoices.USER_DISABLE, object_repr=str(target)).exists()
    client.logout()
    assert login(client, "staff_a", PASSWORD).status_code == 200
    assert logged_in_user_id(client) is None


def test_an_admin_cannot_disable_themself(personas, client_for):
    admin = personas["zone_admin_a"]
    client_for(admin).post(reverse("accounts:user", args=[admin.pk]), {"action": "disable"})
    admin.refresh_from_db()
    assert admin.is_active


def test_create_user_rejects_a_duplicate_username(personas, client_for):
    response = client_for(personas["system_admin"]).post(
        reverse("accounts:user_add"),
        {"username": "STAFF_A", "display_name": "", "email": "", "phone": "", "password": STRONG},
    )
    assert response.status_code == 200
    assert "已存在" in str(response.context["form"].errors["username"])
    assert User.objects.filter(username__iexact="staff_a").count() == 1
