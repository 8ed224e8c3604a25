"""The language: the user's choice (cookie from the switch) wins, then the browser's Accept-Language, then Chinese."""

import pytest
from django.conf import settings


def lang_of(response):
    page = response.content.decode()
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("en", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans"),
        ("zh-TW,zh;q=0.9", "zh-hans"),
        ("fr-FR,fr;q=0.9", "zh-hans"),  # a language we do not have: the default
        ("fr-FR,en;q=0.5", "en"),  # the first one we have
        ("", "zh-hans"),
    ],
)
def test_the_browser_language_until_the_user_chooses(client, db, accept, expected):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept)
    assert lang_of(response) == expected
    assert "Accept-Language" in response.headers["Vary"]  # caches keep one copy per language


def test_no_header_is_chinese(client, db):
    response = client.get("/accounts/login/")
    assert lang_of(response) == "zh-hans"
    assert "登录" in response.content.decode()


def test_the_switch_sets_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="en">' in page and "Log in" in page


def test_choosing_chinese_wins_over_an_english_browser(client, db):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert lang_of(response) == "zh-hans"


def test_an_unknown_cookie_falls_back_to_the_header_then_chinese(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert lang_of(client.get("/accounts/login/")) == "zh-hans"
    assert lang_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US")) == "en"
