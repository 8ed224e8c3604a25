"""Browser journeys over the enterprise registry (Playwright in Debian's Chromium, see the root conftest)."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect
from stdnum.cn import uscc

from kaifaqu.enterprises.models import Enterprise
from kaifaqu.enterprises.tests.test_firm_page import put, two_years
from kaifaqu.projects import services as project_services
from kaifaqu.projects.models import Project
from kaifaqu.stats.models import DataSet, DataSetAssignment
from kaifaqu.stats.periods import due_date, latest_due_period

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_rows", "browser_errors"),
]


def valid_code(body):
    """A 统一社会信用代码 from its first 17 characters, with the right check character."""
    return body + uscc.calc_check_digit(body)


def wrong_check(code):
    """The same code with a wrong check character."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def pick(page, field_id, query, value):
    """Choose `value` in the Tom Select picker that replaced <select id=field_id>, typing `query` to search."""
    wrapper = page.locator(f"#{field_id} + .ts-wrapper")
    control = wrapper.locator(".ts-control")
    # Click the free space at the right of the box, as people do (a click on the shown item would select that item).
    box = control.bounding_box()
    control.click(position={"x": box["width"] - 12, "y": box["height"] / 2})
    expect(wrapper).to_have_class(re.compile(r"\bdropdown-active\b"))
    expect(page.locator(f"#{field_id}-ts-control")).to_be_focused()
    page.keyboard.type(query, delay=20)
    # Wait until the list is filtered by what was typed (remote results loaded, matches highlighted).
    option = page.locator(f"#{field_id}-ts-dropdown .option[data-value='{value}']")
    expect(option.locator(".highlight")).to_have_text(query)
    option.click()
    expect(page.locator(f"#{field_id}")).to_have_value(value)
    expect(wrapper.locator(".ts-control .item")).to_have_attribute("data-value", value)


def test_find_a_firm_by_name_and_status(page, live_server, login_page, personas, world, screenshot, browser_errors):
    firm_2 = world["firm_2"]
    firm_2.status, firm_2.status_changed_on = "closed", date(2024, 6, 30)
    firm_2.save()
    login_page(personas["staff_a"])

    page.click("#nav-main >> text=企业")
    expect(page).to_have_url(f"{live_server.url}/enterprises/")
    table = page.locator("#enterprise-table")
    expect(table).to_contain_text("高平甲材料有限公司")
    expect(table).to_contain_text("高平乙机械有限公司")
    expect(table).not_to_contain_text("灵石丙装备有限公司")  # another zone
    expect(page.locator("#result-count")).to_have_text("2")

    page.get_by_label("搜索").fill("甲材料")
    with page.expect_navigation():
        page.locator("#enterprise-filter button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]q=%E7%94%B2%E6%9D%90%E6%96%99"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("高平甲材料有限公司")
    expect(page.locator("#result-count")).to_have_text("1")
    expect(page.locator("#id_q")).to_have_value("甲材料")
    screenshot("search")

    with page.expect_navigation():
        table.get_by_role("link", name="高平甲材料有限公司").click()
    expect(page).to_have_url(f"{live_server.url}/enterprises/{world['firm_1'].pk}/")
    expect(page.locator("h1")).to_contain_text("高平甲材料有限公司")
    expect(page.locator("code").first).to_have_text(world["firm_1"].credit_code)
    expect(page.locator("#profile")).to_contain_text("2651")
    screenshot("firm")

    page.goto(f"{live_server.url}/enterprises/")
    page.locator("#id_status").select_option("closed")
    with page.expect_navigation():
        page.locator("#enterprise-filter button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]status=closed"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("高平乙机械有限公司")
    expect(table).to_contain_text("注销")
    screenshot("status-filter")

    assert browser_errors == []


def test_edit_a_firm_and_see_the_change_in_its_history(
    page, live_server, login_page, personas, world, screenshot, browser_errors
):
    firm = world["firm_1"]
    firm.main_products = "铝型材"
    firm.save()
    login_page(personas["zone_admin_a"])

    page.goto(f"{live_server.url}{firm.get_absolute_url()}")
    expect(page.locator("#profile")).to_contain_text("铝型材")
    with page.expect_navigation():
        page.get_by_role("link", name="编辑").first.click()
    expect(page).to_have_url(f"{live_server.url}/enterprises/{firm.pk}/edit/")
    expect(page.locator("#id_main_products")).to_have_value("铝型材")
    page.get_by_label("主要产品").fill("高纯铝箔、电池铝壳")
    with page.expect_navigation():
        page.locator("#enterprise-form button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}{firm.get_absolute_url()}")
    expect(page.get_by_role("alert")).to_contain_text("已保存")
    expect(page.locator("#profile")).to_contain_text("高纯铝箔、电池铝壳")
    page.get_by_role("tab", name="变更记录").click()  # the history is the last tab of the firm's page
    latest = page.locator("#history tbody tr").first
    expect(latest).to_contain_text("admin_a")
    expect(latest).to_contain_text("修改")
    change = latest.locator("div", has_text="主要产品")
    expect(change.locator("del")).to_have_text("铝型材")
    expect(change.locator("ins")).to_have_text("高纯铝箔、电池铝壳")
    screenshot("history")

    firm.refresh_from_db()
    assert firm.main_products == "高纯铝箔、电池铝壳"
    assert firm.history.first().history_user == personas["zone_admin_a"]
    assert browser_errors == []


def test_create_a_firm_with_a_wrong_check_character_then_fix_it(
    page, live_server, login_page, personas, world, screenshot, browser_errors
):
    code = valid_code("91140500MA0K00010")
    before = Enterprise.objects.count()
    login_page(personas["zone_admin_a"])

    page.goto(f"{live_server.url}/enterprises/")
    with page.expect_navigation():
        page.get_by_role("link", name="新增企业").click()
    expect(page).to_have_url(f"{live_server.url}/enterprises/add/")

    page.get_by_label("统一社会信用代码").fill(wrong_check(code))
    page.get_by_label("企业名称").fill("高平丁光电科技有限公司")
    # Keyboard only for the zone: Tab into the picker, type, Enter straight away picks the match.
    page.get_by_label("曾用名").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#id_zone-ts-control")).to_be_focused()
    page.keyboard.type("高平", delay=20)
    page.keyboard.press("Enter")
    expect(page.locator("#id_zone")).to_have_value(str(world["zone_a"].pk))
    pick(page, "id_industry", "2651", "2651")
    expect(page.locator("#id_industry-ts-control").locator("xpath=..")).to_contain_text("2651")
    page.get_by_label("主要产品").fill("光电材料")
    screenshot("form")
    with page.expect_navigation():
        page.locator("#enterprise-form button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/enterprises/add/")
    field = page.locator("#id_credit_code").locator("xpath=..")
    expect(field.locator(".invalid-feedback")).to_contain_text("校验位")
    expect(page.locator(".invalid-feedback")).to_have_count(1)
    expect(page.locator("#id_credit_code")).to_have_value(wrong_check(code))
    expect(page.locator("#id_industry")).to_have_value("2651")  # the picker keeps its choice
    screenshot("check-character-error")
    assert Enterprise.objects.count() == before

    page.get_by_label("统一社会信用代码").fill(code)
    with page.expect_navigation():
        page.locator("#enterprise-form button[type=submit]").click()

    firm = Enterprise.objects.get(credit_code=code)
    expect(page).to_have_url(f"{live_server.url}{firm.get_absolute_url()}")
    expect(page.locator("h1")).to_contain_text("高平丁光电科技有限公司")
    expect(page.locator("code").first).to_have_text(code)
    expect(page.locator("#profile")).to_contain_text("2651")
    screenshot("created")
    assert firm.zone == world["zone_a"]
    assert firm.industry_id == "2651"
    assert Enterprise.objects.count() == before + 1
    assert browser_errors == []


def test_enterprise_user_sees_only_their_own_firm(
    page, live_server, login_page, personas, world, screenshot, browser_errors
):
    login_page(personas["firm_1_user"])
    own = world["firm_1"]
    expect(page).to_have_url(f"{live_server.url}/")  # the firm's own home page (its tasks), which links the firm
    with page.expect_navigation():
        page.click("#home-firm")
    expect(page).to_have_url(f"{live_server.url}{own.get_absolute_url()}")
    expect(page.locator("h1")).to_contain_text(own.name)
    expect(page.locator("#nav-main")).to_contain_text("本企业")
    screenshot("own-firm")

    with page.expect_navigation():
        page.click("#nav-main >> text=本企业")
    expect(page.locator("#enterprise-table tbody tr")).to_have_count(1)
    expect(page.locator("#enterprise-table")).to_contain_text(own.name)

    for other in (world["firm_2"], world["firm_b"]):
        url = f"{live_server.url}{other.get_absolute_url()}"
        response = page.goto(url)
        assert response.status == 404
        expect(page.locator("#not-found h1")).to_have_text("页面不存在")
        expect(page.locator("body")).not_to_contain_text(other.name)
        # Chromium reports the 404 document itself as a failed resource: that one is expected.
        browser_errors[:] = [e for e in browser_errors if f"'url': '{url}'" not in e]
        response = page.goto(f"{url}edit/")
        assert response.status == 404
        browser_errors[:] = [e for e in browser_errors if f"'url': '{url}edit/'" not in e]
    screenshot("other-firm-404")
    assert browser_errors == []


def fill_template(template, path, rows):
    """Write `rows` ({header: value}) under the header row of the downloaded template's first sheet."""
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert sheet.max_row == 1, "the template has no data rows"
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    workbook.save(path)
    return path


def upload(page, path):
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.click("#upload")
    expect(page).to_have_url(re.compile(r"/enterprises/import/\d+/$"))


def test_import_a_workbook_with_errors_then_a_clean_one(
    page, live_server, login_page, personas, world, screenshot, browser_errors, tmp_path
):
    codes = [valid_code(f"91140581MA0K2000{n}") for n in range(1, 5)]
    names = ["高平戊新能源有限公司", "高平己化工有限公司", "高平庚电子有限公司", "高平辛装备有限公司"]
    rows = [
        {
            "统一社会信用代码": codes[0],
            "企业名称": names[0],
            "所属开发区": "高平经济技术开发区",
            "所在园区": "高平新材料园",
            "国民经济行业代码": "2651",
            "注册地区划代码": "140581",
            "成立日期": "2019-03-15",
            "注册资本(万元)": 5000,
            "企业规模": "中型",
            "主要产品": "储能材料",
        },
        {
            "统一社会信用代码": wrong_check(codes[1]),
            "企业名称": names[1],
            "所属开发区": "高平经济技术开发区",
            "国民经济行业代码": "2614",
        },
        {"统一社会信用代码": codes[2], "企业名称": names[2], "所属开发区": "高平经开区", "国民经济行业代码": "9999"},
        {
            "统一社会信用代码": codes[3],
            "企业名称": names[3],
            "所属开发区": "高平经开区",
            "国民经济行业代码": "3411",
            "经营状态": "在营",
        },
    ]
    before = Enterprise.objects.count()
    login_page(personas["zone_admin_a"])

    page.goto(f"{live_server.url}/enterprises/")
    with page.expect_navigation():
        page.get_by_role("link", name="导入").click()
    expect(page).to_have_url(f"{live_server.url}/enterprises/import/")
    with page.expect_download() as download_info:
        page.click("#download-template")
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)

    # 1. Two bad rows (Excel rows 3 and 4): the preview names exactly those, and nothing is written.
    upload(page, fill_template(template, tmp_path / "企业名录-有错.xlsx", rows))
    expect(page.locator("#job-status-badge")).to_have_text("校验未通过")
    expect(page.locator("#count-rows")).to_have_text("4")
    expect(page.locator("#count-errors")).to_contain_text("2")
    expect(page.locator("#commit")).to_have_count(0)
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0).locator("td").nth(0)).to_have_text("3")
    expect(errors.nth(0).locator("td").nth(1)).to_have_text("统一社会信用代码")
    expect(errors.nth(0).locator("td").nth(2)).to_contain_text("校验位")
    expect(errors.nth(1).locator("td").nth(0)).to_have_text("4")
    expect(errors.nth(1).locator("td").nth(1)).to_have_text("国民经济行业代码")
    expect(errors.nth(1).locator("td").nth(2)).to_contain_text("9999")
    screenshot("preview-errors")
    assert Enterprise.objects.count() == before

    # 2. The corrected workbook validates; committing writes all four firms.
    rows[1]["统一社会信用代码"] = codes[1]
    rows[2]["国民经济行业代码"] = "3971"
    with page.expect_navigation():
        page.click("#upload-again")
    upload(page, fill_template(template, tmp_path / "企业名录.xlsx", rows))
    expect(page.locator("#job-status-badge")).to_have_text("校验通过")
    expect(page.locator("#count-new")).to_have_text("4")
    expect(page.locator("#import-errors")).to_have_count(0)
    assert Enterprise.objects.count() == before
    screenshot("preview-clean")

    page.once("dialog", lambda dialog: dialog.accept())  # the commit form asks for confirmation
    with page.expect_navigation():
        page.click("#commit")
    expect(page.locator("#job-status-badge")).to_have_text("已导入")
    expect(page.locator("#count-new")).to_have_text("4")
    screenshot("committed")
    assert Enterprise.objects.count() == before + 4

    with page.expect_navigation():
        page.click("#to-enterprise-list")
    table = page.locator("#enterprise-table")
    for name in names:
        expect(table).to_contain_text(name)
    expect(page.locator("#result-count")).to_have_text(str(2 + 4))
    screenshot("list")

    with page.expect_navigation():
        table.get_by_role("link", name=names[0]).click()
    expect(page.locator("code").first).to_have_text(codes[0])
    expect(page.locator("#profile")).to_contain_text("高平新材料园")
    expect(page.locator("#profile")).to_contain_text("储能材料")
    page.get_by_role("tab", name="变更记录").click()
    expect(page.locator("#history tbody tr").first).to_contain_text("admin_a")
    expect(page.locator("#history tbody tr").first).to_contain_text("企业名录.xlsx")

    firm = Enterprise.objects.get(credit_code=codes[0])
    assert (firm.zone, firm.park, firm.industry_id) == (world["zone_a"], world["park_a"], "2651")
    assert browser_errors == []


def test_a_firm_s_page_tells_its_story_in_tabs(
    page, live_server, login_page, personas, world, screenshot, browser_errors
):
    """Figures against peers with their charts, the reporting record, the projects: each a tab an app registered."""
    firm = world["firm_1"]
    data_set = DataSet.objects.get(code="industry_monthly")
    DataSetAssignment.objects.create(data_set=data_set, enterprise=firm, from_period=202402)
    two_years(firm, 100, 120)
    latest = latest_due_period(data_set)
    late = due_date(data_set, latest) + timedelta(days=3)
    put(firm, latest, 5000, entered=timezone.make_aware(datetime.combine(late, time(9, 30))))
    project_services.save_project(
        actor=personas["zone_admin_a"], project=Project(zone=firm.zone, name="甲材料扩产项目", investor=firm)
    )
    login_page(personas["staff_a"])

    page.goto(f"{live_server.url}{firm.get_absolute_url()}")
    expect(page.get_by_role("tab", name="经营数据")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#firm-headline")).to_contain_text("工业总产值")
    expect(page.locator("#chart-firm-months canvas")).to_have_count(1)
    expect(page.locator("#chart-firm-years canvas")).to_have_count(1)
    screenshot("figures")

    page.get_by_role("tab", name="报送记录").click()
    expect(page).to_have_url(re.compile(r"#reporting$"))
    expect(page.locator(f'#reporting-record tr[data-period="{latest}"]')).to_contain_text("逾期报送")
    screenshot("reporting")

    page.get_by_role("tab", name=re.compile("投资项目")).click()
    with page.expect_navigation():
        page.get_by_role("link", name="甲材料扩产项目").click()
    expect(page.locator("h1")).to_contain_text("甲材料扩产项目")
    page.go_back()
    expect(page.get_by_role("tab", name=re.compile("投资项目"))).to_have_attribute("aria-selected", "true")
    assert browser_errors == []
