"""Browser journey: log in, switch the interface to English, log out (Playwright in Debian's Chromium)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_rows", "browser_errors"),
]


def test_login_switch_language_and_logout(page, live_server, login_page, personas, screenshot, browser_errors):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    login_page(personas["zone_admin_a"])
    expect(page).to_have_url(f"{live_server.url}/")
    nav = page.locator("#nav-main")
    expect(nav.get_by_role("link", name="企业", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="开发区", exact=True)).to_be_visible()
    expect(page.locator("#home-zone")).to_contain_text("高平经济技术开发区")
    expect(page.locator("#home-overdue")).to_contain_text("逾期未解决的问题")
    screenshot("home-zh")

    with page.expect_navigation():
        page.click("#lang-en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#lang-zh-hans")).to_be_visible()
    screenshot("home-en")
    expect(page.locator("#home-overdue")).to_contain_text("Overdue problems")
    expect(nav.get_by_role("link", name="Enterprises", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="企业", exact=True)).to_have_count(0)

    page.click("#user-menu")
    with page.expect_navigation():
        page.click("#logout")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#nav-main")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice outlives the session
    screenshot("logged-out")

    assert browser_errors == []
