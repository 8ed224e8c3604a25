"""Browser checks of the navigation at the zones' screen width (1366 px, Playwright in Debian's Chromium): no main
page is wider than the window (the board's stages wrap: 竣工…达产 are on the page), each area has one sub-navigation,
a locked period's form is read-only with the reason, and the browser's language is used until the user chooses."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kaifaqu.projects import services
from kaifaqu.projects.models import Project, StageDefinition
from kaifaqu.stats.models import DataSet, DataSetAssignment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_rows", "browser_errors"),
]

MAIN_PAGES = (
    "home",
    "zones:zone_list",
    "enterprises:enterprise_list",
    "projects:project_list",
    "projects:board",
    "projects:approval_list",
    "projects:problem_list",
    "projects:leader",
    "stats:report",
    "stats:assignment_list",
    "stats:value_import",
    "stats:completeness",
    "stats:flag_list",
    "stats:dashboard_home",  # the zone admin's one zone: its dashboard
)


@pytest.fixture
def zone_a_at_work(world, personas):
    """A project in construction in zone A (the board shows every stage of both ladders) and firm_1 assigned the
    monthly industry form since 2024-01 (its 2025-03 form closed on 2025-04-10)."""
    actor = personas["zone_admin_a"]
    project = services.save_project(
        actor=actor,
        project=Project(
            zone=world["zone_a"],
            name="高平新材料产业园标准化厂房三期项目",
            investor=world["firm_1"],
            total_investment=Decimal(18000),
        ),
    )
    stage = StageDefinition.objects.get(zone=project.zone, milestone="started")
    services.record_stage(actor=actor, project=project, stage=stage, actual_on=datetime.date(2025, 3, 1))
    monthly = DataSet.objects.get(code="industry_monthly")
    DataSetAssignment.objects.create(data_set=monthly, enterprise=world["firm_1"], from_period=202401)
    return project


def overflow(page):
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def test_no_main_page_overflows_at_1366_px(page, live_server, login_page, personas, zone_a_at_work, screenshot):
    login_page(personas["zone_admin_a"])
    for name in MAIN_PAGES:
        page.goto(f"{live_server.url}{reverse(name)}")
        page.wait_for_load_state("networkidle")
        width, window = overflow(page)
        assert width <= window, f"{name}: the page is {width} px wide in a {window} px window"
        assert page.locator("#subnav").count() <= 1, name
    entry = reverse("stats:entry", args=[zone_a_at_work.investor.pk, "industry_monthly", "2025-03"])
    page.goto(f"{live_server.url}{entry}")
    width, window = overflow(page)
    assert width <= window, f"entry form: {width} px in {window} px"

    page.goto(f"{live_server.url}{reverse('projects:board')}")
    for stage in ("竣工", "试生产", "投产", "达产"):  # the end of the pipeline is on the page, not off to the right
        column = page.locator(".board-column", has=page.locator(".card-header a", has_text=re.compile(f"^{stage}$")))
        expect(column).to_be_visible()
        box = column.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, (stage, box)
    expect(page.locator("#subnav .nav-link.active")).to_have_text("推进看板")
    screenshot("board")


def test_a_locked_period_is_read_only_with_the_reason(page, live_server, login_page, personas, zone_a_at_work):
    login_page(personas["staff_a"])
    entry = reverse("stats:entry", args=[zone_a_at_work.investor.pk, "industry_monthly", "2025-03"])
    page.goto(f"{live_server.url}{entry}")
    expect(page.locator("#period-locked")).to_contain_text(
        "2025年3月已截止并锁定（截止日 2025-04-10），如需修改请联系管委会重新开放。"
    )
    expect(page.locator("#entry-save")).to_have_count(0)
    expect(page.locator("#entry-table input").first).to_be_disabled()
    expect(page.locator("#subnav .nav-link.active")).to_have_text("统计报送")


def test_the_browser_language_until_the_user_chooses(browser, live_server, db):
    english = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    page = english.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.click("#lang-zh-hans")  # the user's choice wins over the browser's
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    english.close()
    chinese = browser.new_context(locale="zh-CN")
    page = chinese.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    chinese.close()
