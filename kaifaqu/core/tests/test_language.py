"""Chinese is the default whatever the browser asks for; the language switch (cookie) chooses English."""

import pytest
from django.conf import settings


@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "zh-CN,zh;q=0.9", ""])
def test_chinese_unless_chosen(client, db, accept):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept)
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_switch_sets_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page and "Log in" in page


def test_an_unknown_cookie_falls_back_to_chinese(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()
