"""Browser journeys over zones and their parks (Playwright in Debian's Chromium, see the root conftest)."""

import pytest
from playwright.sync_api import expect

from kaifaqu.zones.models import Park

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_rows", "browser_errors"),
]


def test_zone_admin_adds_a_park_and_edits_the_zone(
    page, live_server, login_page, personas, world, screenshot, browser_errors
):
    zone = world["zone_a"]
    login_page(personas["zone_admin_a"])

    with page.expect_navigation():
        page.click("#nav-main >> text=开发区")
    expect(page).to_have_url(f"{live_server.url}/zones/")
    zones = page.locator("#zone-table")
    expect(zones).to_contain_text("高平经济技术开发区")
    expect(zones).not_to_contain_text("灵石经济技术开发区")
    with page.expect_navigation():
        zones.get_by_role("link", name="高平经济技术开发区").click()
    expect(page).to_have_url(f"{live_server.url}{zone.get_absolute_url()}")
    expect(page.locator("h1")).to_have_text("高平经济技术开发区")
    expect(page.locator("#parks")).to_contain_text("高平新材料园")
    expect(page.locator("#departments")).to_contain_text("经济运行部")
    expect(page.locator("#departments")).to_contain_text("项目服务中心")

    # A park with a name the zone already has is refused next to the field; then a new one is saved.
    with page.expect_navigation():
        page.locator("#parks").locator("xpath=preceding-sibling::div[1]").get_by_role("link", name="新增").click()
    expect(page).to_have_url(f"{live_server.url}/zones/{zone.pk}/parks/add/")
    page.get_by_label("名称").fill("高平新材料园")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_name").locator("xpath=..").locator(".invalid-feedback")).to_contain_text("同名")
    assert Park.objects.filter(zone=zone).count() == 1

    page.get_by_label("名称").fill("高平智能制造园")
    page.get_by_label("龙头企业").fill("高平甲材料有限公司")
    page.get_by_label("面积（亩）").fill("1200.50")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"{live_server.url}{zone.get_absolute_url()}")
    expect(page.get_by_role("alert")).to_contain_text("已保存")
    new_park = page.locator("#parks li", has_text="高平智能制造园")
    expect(new_park).to_contain_text("龙头企业：高平甲材料有限公司")
    park = Park.objects.get(zone=zone, name="高平智能制造园")
    assert park.area_mu == 1200.5
    assert park.history.first().history_user == personas["zone_admin_a"]

    # Editing the zone leaves a history entry with who changed what.
    with page.expect_navigation():
        page.get_by_role("link", name="编辑").first.click()
    expect(page).to_have_url(f"{live_server.url}/zones/{zone.pk}/edit/")
    page.get_by_label("简介").fill("以新材料、装备制造为主导产业。")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"{live_server.url}{zone.get_absolute_url()}")
    latest = page.locator("#history tbody tr").first
    expect(latest).to_contain_text("admin_a")
    expect(latest.locator("div", has_text="简介").locator("ins")).to_have_text("以新材料、装备制造为主导产业。")
    screenshot("zone")

    # A park's link opens the enterprise list filtered to that park.
    with page.expect_navigation():
        page.locator("#parks").get_by_role("link", name="高平新材料园").click()
    expect(page.locator("#enterprise-table tbody tr")).to_have_count(1)
    expect(page.locator("#enterprise-table")).to_contain_text("高平甲材料有限公司")
    expect(page.locator("#id_park")).to_have_value(str(world["park_a"].pk))
    screenshot("park-firms")

    assert browser_errors == []


def test_region_viewer_reads_the_zones_of_their_city_only(
    page, live_server, login_page, personas, world, screenshot, browser_errors
):
    login_page(personas["region_viewer"])  # 晋城市: 高平 is in it, 灵石 (晋中市) is not
    page.goto(f"{live_server.url}/zones/")
    expect(page.locator("#zone-table tbody tr")).to_have_count(1)
    expect(page.locator("#zone-table")).to_contain_text("高平经济技术开发区")
    expect(page.get_by_role("link", name="新建开发区")).to_have_count(0)

    with page.expect_navigation():
        page.get_by_role("link", name="高平经济技术开发区").click()
    expect(page.locator("#parks")).to_contain_text("高平新材料园")
    expect(page.get_by_role("link", name="编辑")).to_have_count(0)
    expect(page.get_by_role("link", name="新增")).to_have_count(0)
    screenshot("read-only-zone")

    url = f"{live_server.url}{world['zone_b'].get_absolute_url()}"
    response = page.goto(url)
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("灵石经济技术开发区")
    # Chromium reports the 404 document itself as a failed resource: that one is expected.
    browser_errors[:] = [e for e in browser_errors if f"'url': '{url}'" not in e]
    assert browser_errors == []
