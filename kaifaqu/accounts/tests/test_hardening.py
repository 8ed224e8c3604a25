"""Hardening (issue 11): API tokens, the account rules on the API, no-store, password messages, audit of denials and
of the Django admin."""

import hashlib
import importlib
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from conftest import PASSWORD
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.models import ApiToken, AuditEvent, User
from kaifaqu.stats.models import PriceIndex

LOGIN_URL = "/accounts/login/"
API = "/api/zones/"


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The denial throttle lives in the cache, which outlives a test's database."""
    cache.clear()
    yield
    cache.clear()


def token_header(key):
    return {"Authorization": f"Token {key}"}


def api_get(client, url=API, key=None):
    return client.get(url, headers=token_header(key) if key else {}, secure=True)


def denials(**filters):
    return AuditEvent.objects.filter(event=AuditEventChoices.ACCESS_DENIED, **filters)


def token_events(user, action):
    return AuditEvent.objects.filter(event=AuditEventChoices.CONFIG_CHANGE, user=user, detail__api_token=action)


# --------------------------------------------------------------------------------------------------- API tokens
def test_a_named_token_is_shown_once_stored_as_a_digest_used_and_revoked(personas, client_for):
    user = personas["staff_b"]
    browser = client_for(user)
    client = Client()  # the script calling the API, without the browser's session
    response = browser.post(reverse("accounts:token_add"), {"name": "同步脚本"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    page = browser.get(reverse("accounts:profile"))
    key = page.context["new_token"]["key"]
    assert key in page.content.decode() and "同步脚本" in page.content.decode()
    assert key not in browser.get(reverse("accounts:profile")).content.decode()  # once only
    token = ApiToken.objects.get(user=user, name="同步脚本")
    assert token.key_digest == hashlib.sha256(key.encode()).hexdigest() and key not in str(vars(token))
    assert token.expires_at - token.created_at == timedelta(days=settings.API_TOKEN_DAYS)
    assert token_events(user, "created").get().detail["name"] == "同步脚本"

    assert api_get(client, key=key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    listed = browser.get(reverse("accounts:profile")).content.decode()
    assert token.key_prefix in listed and reverse("accounts:token_revoke", args=[token.pk]) in listed

    response = browser.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert token_events(user, "revoked").get().detail["prefix"] == token.key_prefix
    assert api_get(client, key=key).status_code == 401


def test_a_user_keeps_several_tokens_and_cannot_touch_another_users(personas, client_for):
    owner, other = personas["staff_a"], personas["staff_b"]
    first = ApiToken.objects.issue(user=owner, name="一")
    ApiToken.objects.issue(user=owner, name="二")
    assert owner.api_tokens.count() == 2
    response = client_for(other).post(reverse("accounts:token_revoke", args=[first.pk]))
    assert response.status_code == 404 and ApiToken.objects.filter(pk=first.pk).exists()


def test_a_token_name_is_required(personas, client_for):
    response = client_for(personas["staff_a"]).post(reverse("accounts:token_add"), {"name": ""})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused(personas, client, settings):
    settings.API_TOKEN_IDLE_DAYS = 0
    token = ApiToken.objects.issue(user=personas["staff_a"], name="t")
    with time_machine.travel(token.expires_at - timedelta(minutes=1), tick=False):
        assert api_get(client, key=token.key).status_code == 200
    with time_machine.travel(token.expires_at + timedelta(seconds=1), tick=False):
        response = api_get(client, key=token.key)
    assert response.status_code == 401 and "过期" in response.json()["detail"]


def test_token_lifetime_is_a_setting(personas, settings):
    settings.API_TOKEN_DAYS = 2
    token = ApiToken.objects.issue(user=personas["staff_a"], name="t")
    assert token.expires_at - token.created_at == timedelta(days=2)


def test_an_unused_token_lapses_after_the_idle_days(personas, client, settings):
    settings.API_TOKEN_DAYS = 90
    token = ApiToken.objects.issue(user=personas["staff_a"], name="t")
    idle = timedelta(days=settings.API_TOKEN_IDLE_DAYS)
    with time_machine.travel(timezone.now() + idle - timedelta(hours=1), tick=False):
        assert api_get(client, key=token.key).status_code == 200  # use restarts the idle clock
    with time_machine.travel(timezone.now() + 2 * idle - timedelta(hours=2), tick=False):
        assert api_get(client, key=token.key).status_code == 200
    with time_machine.travel(timezone.now() + 3 * idle, tick=False):
        response = api_get(client, key=token.key)
    assert response.status_code == 401 and "未使用" in response.json()["detail"]
    settings.API_TOKEN_IDLE_DAYS = 0
    with time_machine.travel(timezone.now() + 3 * idle, tick=False):
        assert api_get(client, key=token.key).status_code == 200


def test_old_drf_tokens_move_to_digests_and_leave_no_clear_key(personas):
    migration = importlib.import_module("kaifaqu.accounts.migrations.0005_api_tokens_from_authtoken")
    legacy = Token.objects.create(user=personas["staff_a"])
    migration.move_tokens(apps, None)
    assert not Token.objects.exists()
    moved = ApiToken.objects.get(user=personas["staff_a"])
    assert moved.key_digest == hashlib.sha256(legacy.key.encode()).hexdigest()
    assert moved.expires_at >= timezone.now() + migration.GRACE - timedelta(minutes=1)


def test_drf_tokens_no_longer_authenticate(personas, client):
    legacy = Token.objects.create(user=personas["staff_a"])
    assert api_get(client, key=legacy.key).status_code == 401


# ------------------------------------------------------------------------------------- account rules on the API
def lock_out(username):
    stranger = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        stranger.post(LOGIN_URL, {"username": username, "password": "wrong-password"})


def must_change(user):
    User.objects.filter(pk=user.pk).update(must_change_password=True)


def password_expired(user):
    stale = timezone.now() - timedelta(days=settings.PASSWORD_MAX_AGE_DAYS + 1)
    User.objects.filter(pk=user.pk).update(password_changed_at=stale)


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize(
    ("condition", "words"),
    [(must_change, "修改密码"), (password_expired, "修改密码"), (lambda u: lock_out(u.username), "锁定")],
    ids=["must_change", "expired_password", "locked_out"],
)
def test_the_api_refuses_an_account_the_pages_would_stop(personas, client_for, auth, condition, words):
    user = personas["staff_a"]
    key = ApiToken.objects.issue(user=user, name="t").key
    client = client_for(user if auth == "session" else None)
    assert api_get(client, key=key if auth == "token" else None).status_code == 200
    condition(user)
    response = api_get(client, key=key if auth == "token" else None)
    assert response.status_code == 403, response.content
    assert words in response.json()["detail"]
    event = denials(user=user).get()
    assert event.detail["status"] == 403 and event.detail["path"] == API and not event.success


def test_the_api_refusal_is_in_the_users_language(personas, client):
    user = personas["staff_a"]
    key = ApiToken.objects.issue(user=user, name="t").key
    must_change(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = api_get(client, key=key)
    assert response.status_code == 403
    with translation.override("en"):
        expected = str(translation.gettext("请先在网页上修改密码，然后再调用接口。"))
    assert response.json()["detail"] == expected and "password" in expected


def test_a_disabled_account_is_not_authenticated_by_token_or_session(personas, client_for):
    user = personas["staff_a"]
    key = ApiToken.objects.issue(user=user, name="t").key
    browser = client_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api_get(Client(), key=key)
    assert response.status_code == 401 and "停用" in response.json()["detail"]
    assert api_get(browser).status_code == 401


# ---------------------------------------------------------------------------------------------------- no-store
def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_signed_in_responses_are_not_stored(personas, client_for, client):
    user = personas["staff_a"]
    browser = client_for(user)
    assert no_store(browser.get(reverse("home")))
    export = browser.get(reverse("zones:zone_export"))
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")
    assert no_store(export)
    assert no_store(api_get(browser))
    browser.logout()
    key = ApiToken.objects.issue(user=user, name="t").key
    assert no_store(api_get(client, key=key))


# -------------------------------------------------------------------------------------------- audit of denials
def test_an_out_of_scope_page_is_audited_once_per_interval(world, personas, client_for):
    user = personas["staff_a"]
    client = client_for(user)
    url = reverse("zones:zone", args=[world["zone_b"].pk])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            assert client.get(url).status_code == 404
        event = denials(user=user).get()
        assert event.detail == {"method": "GET", "path": url, "status": 404}
        assert event.ip_address == "127.0.0.1" and not event.success
        other = reverse("enterprises:enterprise", args=[world["firm_b"].pk])
        assert client.get(other).status_code == 404
        assert denials(user=user).count() == 2
        clock.shift(timedelta(minutes=settings.AUDIT_DENIED_INTERVAL_MINUTES, seconds=1))
        client.get(url)
        assert denials(user=user, detail__path=url).count() == 2


def test_api_denials_are_audited(world, personas, client):
    user = personas["leader_a"]
    key = ApiToken.objects.issue(user=user, name="t").key
    assert api_get(client, f"/api/zones/{world['zone_b'].pk}/", key=key).status_code == 404
    response = client.patch(
        f"/api/zones/{world['zone_a'].pk}/",
        {"name": "改名"},
        content_type="application/json",
        headers=token_header(key),
        secure=True,
    )
    assert response.status_code == 403
    assert {e.detail["status"] for e in denials(user=user)} == {403, 404}


def test_unknown_addresses_and_anonymous_requests_are_not_denials(world, personas, client_for):
    client = client_for(personas["staff_a"])
    assert client.get("/no-such-page/").status_code == 404
    client.logout()
    client.get(reverse("zones:zone", args=[world["zone_b"].pk]))
    assert not denials().exists()


# ----------------------------------------------------------------------------------------- Django admin changes
def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_admin_changes_and_bulk_deletions_are_audited(personas, client_for):
    admin = personas["system_admin"]
    client = client_for(admin)
    response = client.post(admin_url(PriceIndex, "add"), {"period": 202601, "index": "101.20", "note": "统计局"})
    assert response.status_code == 302, response.content
    index = PriceIndex.objects.get(period=202601)
    client.post(admin_url(PriceIndex, "change", index.pk), {"period": 202601, "index": "101.30", "note": "统计局"})
    second = PriceIndex.objects.create(period=202602, index="100.10")
    response = client.post(
        admin_url(PriceIndex, "changelist"),
        {"action": "delete_selected", "_selected_action": [index.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302 and not PriceIndex.objects.exists()
    records = AuditEvent.objects.filter(event=AuditEventChoices.CONFIG_CHANGE, user=admin).order_by("pk")
    assert [r.detail["admin"] for r in records] == ["add", "change", "delete"]
    assert all(r.ip_address == "127.0.0.1" and r.object_type == "stats.PriceIndex" for r in records)
    assert records[1].detail["message"] == [{"changed": {"fields": ["价格指数"]}}]
    assert records[2].detail["count"] == 2


def test_third_party_admin_changes_are_audited(db, client):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    response = client.post(admin_url(Group, "add"), {"name": "审计测试组"})
    assert response.status_code == 302, response.content
    record = AuditEvent.objects.get(event=AuditEventChoices.CONFIG_CHANGE, user=root)
    assert record.detail["admin"] == "add" and record.object_type == "auth.Group"


# ----------------------------------------------------------------------------------------------- password rules
@pytest.mark.parametrize(
    ("password", "code", "zh"),
    [
        ("Ab1!xyz", "password_too_short", "密码太短，至少须包含 8 个字符。"),
        ("Password1", "password_too_common", "该密码过于常见。"),
        ("8641975302", "password_entirely_numeric", "密码不能全部是数字。"),
    ],
)
def test_password_messages_in_chinese_and_english(db, password, code, zh):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        password_validation.validate_password(password)
    assert code in [e.code for e in raised.value.error_list]
    assert zh in raised.value.messages
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        password_validation.validate_password(password)
    english = raised.value.messages
    assert english and all(m.isascii() for m in english), english


def test_password_help_texts_are_translated():
    with translation.override("zh-hans"):
        texts = password_validation.password_validators_help_texts()
    assert len(texts) == 5 and not any(t.isascii() for t in texts)
    with translation.override("en"):
        assert all(t.isascii() for t in password_validation.password_validators_help_texts())


def test_similarity_covers_the_name_and_phone_kept_here(db):
    user = User(username="wangfang", display_name="Wang Fang", phone="13912345678")
    for password in ("Wangfang-1", "13912345678a!"):
        with pytest.raises(ValidationError) as raised:
            password_validation.validate_password(password, user)
        assert "password_too_similar" in [e.code for e in raised.value.error_list]


def test_an_admin_reset_refuses_a_password_like_the_targets_name(personas, client_for):
    target = personas["staff_a"]
    response = client_for(personas["zone_admin_a"]).post(
        reverse("accounts:user", args=[target.pk]), {"action": "reset_password", "password": "Staff_a-2026"}
    )
    assert response.status_code == 200
    assert "相似" in str(response.context["password_form"].errors["password"])
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_a_new_account_refuses_a_password_like_its_own_name(personas, client_for):
    response = client_for(personas["system_admin"]).post(
        reverse("accounts:user_add"),
        {"username": "liming2026", "display_name": "", "email": "", "phone": "", "password": "Liming2026!"},
    )
    assert response.status_code == 200
    assert "相似" in str(response.context["form"].errors["password"])
    assert not User.objects.filter(username="liming2026").exists()
