"""The first hour of each persona, in a real browser on the demo data (`make run`'s): log in with the demo account,
land on the home page the role gets, and reach the first task from it by clicking, not by typing a URL.

One test seeds the demo once (seeding takes ~15 s; a transactional test flushes it after itself) and walks every
persona in turn, each in a fresh session; a failure names the persona's journey. Each persona's pages are kept as
screenshots under test-artifacts/ (test_first_hour_of_each_persona-<persona>-*.png) so a reviewer can look at what
every role sees without starting the server. The demo follows the calendar (figures to the last closed
month, a form due for the firm, overdue project rows), so the journeys assert what a day's demo always has, not
figures of one date.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from kaifaqu.accounts.demo import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_rows", "browser_errors"),
]

NARROW = 1366  # the narrowest screen the zones' staff use: no main page may scroll sideways at this width


def login(page, base, account):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", account)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_first_hour_of_each_persona(page, live_server, screenshot, browser_errors):
    for command in ("seed_demo", "seed_demo_stats", "seed_demo_projects"):
        call_command(command, stdout=io.StringIO())
    base = live_server.url

    def shoot(name):
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW, f"{name}: the page is {width} px wide at {NARROW} px"
        screenshot(name)

    for journey in JOURNEYS:
        journey(page, base, shoot)
        assert browser_errors == [], journey.__name__


def leader_reads_the_zone_and_opens_what_is_overdue(page, base, shoot):
    login(page, base, "gaoping_leader")
    expect(page).to_have_url(f"{base}/")
    figures = page.locator("#home-figures")
    expect(figures).to_contain_text("工业总产值")
    expect(figures.locator(".headline")).to_have_count(4)
    expect(figures.locator(".peer-rank").first).to_contain_text("全省第")
    expect(page.locator("#home-pipeline")).to_be_visible()
    expect(page.locator("#pipeline-stages a").first).to_be_visible()
    expect(page.locator("#week-stages a").first).to_be_visible()  # the demo's signing planned within the week
    expect(page.locator("#week-approvals a").first).to_be_visible()
    # Money reads in 亿元 on the cards, never four decimals.
    expect(figures.locator("#headline-output_value")).to_contain_text(re.compile(r"\d+\.\d{2}亿元"))
    shoot("leader-home")

    problems = page.locator("#overdue-problems a")
    expect(problems).to_have_text(re.compile(r"^[1-9]\d*$"))  # the demo has a problem past its deadline
    with page.expect_navigation():
        problems.click()
    expect(page.locator("main table tbody tr").first).to_be_visible()
    shoot("leader-overdue-problems")


def zone_admin_finds_the_statistics_import(page, base, shoot):
    login(page, base, "gaoping_admin")
    expect(page.locator("#home-overdue")).to_be_visible()
    shoot("zone-admin-home")
    with page.expect_navigation():
        page.locator("#nav-main").get_by_role("link", name="统计", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name="导入统计数据").first.click()
    expect(page.locator("main form input[type=file]").first).to_be_attached()
    shoot("zone-admin-import")


def statistics_staff_chases_the_missing_reports(page, base, shoot):
    login(page, base, "gaoping_staff")
    reports = page.locator("#home-reports")
    expect(reports).to_contain_text("规上工业月报")
    shoot("staff-home")
    chase = reports.locator("a").first
    count = int(chase.inner_text())
    assert count > 0  # the demo leaves firms that have not reported the month being reported
    with page.expect_navigation():
        chase.click()
    expect(page.locator("#firm-table tbody tr")).to_have_count(count)  # the firms the count promised
    shoot("staff-missing-reports")


def projects_staff_opens_the_overdue_approvals(page, base, shoot):
    login(page, base, "gaoping_projects")
    approvals = page.locator("#home-approvals")
    expect(approvals.locator("#approvals-overdue")).to_have_text(re.compile(r"[1-9]"))
    shoot("projects-staff-home")
    with page.expect_navigation():
        approvals.locator("#approvals-overdue").click()
    expect(page.locator("main table tbody tr").first).to_be_visible()
    shoot("projects-staff-overdue-approvals")


def firm_explains_the_figure_sent_back_and_opens_its_form(page, base, shoot):
    login(page, base, "gaoping_firm")
    expect(page).to_have_url(f"{base}/")  # the firm's own home, not a redirect to its registry card
    due = page.locator("#forms-due a")
    expect(due.first).to_be_visible()
    expect(page.locator("#projects-due a").first).to_be_visible()
    shoot("firm-home")

    with page.expect_navigation():
        page.locator("#flags a").first.click()
    page.fill("#explain-form textarea", "本月新增订单集中交付，产值增长属实。")
    with page.expect_navigation():
        page.click("#explain-form button[type=submit]")
    expect(page.locator("#flag-status")).to_have_text("已说明")
    expect(page.locator("#flag-explanation")).to_contain_text("新增订单")

    page.goto(f"{base}/")
    with page.expect_navigation():
        page.locator("#forms-due a").first.click()
    inputs = page.locator("main form input[type=text], main form input[type=number]")
    expect(inputs.first).to_be_editable()  # the period is open for the firm
    shoot("firm-entry-form")


def region_viewer_sees_its_zones_ranked(page, base, shoot):
    login(page, base, "shanxi_viewer")
    ranking = page.locator("#home-ranking")
    expect(ranking.locator("#chart-ranking canvas")).to_be_attached()
    assert ranking.locator("#ranking-table tbody tr").count() >= 2
    shoot("region-viewer-home")
    with page.expect_navigation():
        ranking.get_by_role("link", name="完整排名").click()
    expect(page.locator("main table").first).to_be_visible()


def system_admin_lands_on_the_home(page, base, shoot):
    login(page, base, "sysadmin")
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("#home-ranking")).to_be_visible()
    shoot("system-admin-home")


def security_admin_lands_on_the_accounts(page, base, shoot):
    login(page, base, "secadmin")
    expect(page).to_have_url(re.compile(r"/accounts/users/"))
    shoot("security-admin-home")


def auditor_lands_on_the_audit_log(page, base, shoot):
    login(page, base, "auditor")
    expect(page).to_have_url(re.compile(r"/accounts/audit/"))
    expect(page.locator("main table tbody tr").first).to_be_visible()
    shoot("auditor-home")


JOURNEYS = [
    leader_reads_the_zone_and_opens_what_is_overdue,
    zone_admin_finds_the_statistics_import,
    statistics_staff_chases_the_missing_reports,
    projects_staff_opens_the_overdue_approvals,
    firm_explains_the_figure_sent_back_and_opens_its_form,
    region_viewer_sees_its_zones_ranked,
    system_admin_lands_on_the_home,
    security_admin_lands_on_the_accounts,
    auditor_lands_on_the_audit_log,
]
