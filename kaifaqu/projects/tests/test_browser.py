"""Browser journey over projects (Playwright in Debian's Chromium, see the root conftest): a projects staff member
finds the TPU film project, records a start date out of order, confirms it with a reason, reports the month's
progress; the leader's page then shows the inspection's overdue problem."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kaifaqu.projects import services
from kaifaqu.projects.choices import LineStatusChoices
from kaifaqu.projects.models import ProductionLine, Project, StageDefinition

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_rows", "browser_errors"),
]


@pytest.fixture
def tpu(world, personas):
    """Scenario 7 in zone A: the TPU film project, signed and filed, lines 1–3 in trial, line 4 commissioning, and an
    on-site inspection whose road problem was due 2025-03-31; plus another project the filter must leave out."""
    actor = personas["zone_admin_a"]
    project = services.save_project(
        actor=actor,
        project=Project(
            zone=world["zone_a"],
            name="TPU薄膜项目",
            investor=world["firm_1"],
            land_mu=Decimal(26),
            floor_area_m2=Decimal(35000),
            total_investment=Decimal(22000),
            expected_output_value=Decimal(20000),
        ),
    )
    for milestone, day in (("signed", datetime.date(2023, 5, 29)), ("filed", datetime.date(2023, 6, 5))):
        stage = StageDefinition.objects.get(zone=project.zone, milestone=milestone)
        services.record_stage(actor=actor, project=project, stage=stage, actual_on=day)
    for number in range(1, 5):
        status = LineStatusChoices.TRIAL if number < 4 else LineStatusChoices.COMMISSIONING
        ProductionLine.objects.create(project=project, name=f"{number}号线", status=status, order=number)
    services.save_project(
        actor=actor,
        project=Project(
            zone=world["zone_a"], name="聚砜项目", investor=world["firm_2"], total_investment=Decimal(5000)
        ),
    )
    services.record_inspection(
        actor=actor,
        zone=project.zone,
        held_on=datetime.date(2025, 3, 1),
        kind="on_site",
        leaders="市长",
        projects=[project],
        issues=[
            {
                "project": project,
                "category": "roads",
                "description": "进园道路未贯通",
                "department": world["dept_a"],
                "deadline": datetime.date(2025, 3, 31),
            }
        ],
    )
    return project


def test_record_an_out_of_order_start_report_progress_and_see_the_overdue_problem(
    page, live_server, login_page, personas, tpu, screenshot, browser_errors
):
    project_page = re.compile(rf"^{re.escape(live_server.url)}/projects/{tpu.pk}/(#[a-z-]+)?$")
    login_page(personas["projects_staff_a"])
    with page.expect_navigation():
        page.locator("#nav-main").get_by_role("link", name="项目", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/projects/")
    table = page.locator("#project-table")
    expect(table).to_contain_text("TPU薄膜项目")
    expect(table).to_contain_text("聚砜项目")
    expect(page.locator("#result-count")).to_have_text("2")

    page.locator("#id_q").fill("TPU")
    with page.expect_navigation():
        page.locator("#project-filter button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]q=TPU"))
    expect(page.locator("#result-count")).to_have_text("1")
    expect(table).not_to_contain_text("聚砜项目")
    screenshot("list-filtered")

    with page.expect_navigation():
        table.get_by_role("link", name="TPU薄膜项目").click()
    expect(page).to_have_url(f"{live_server.url}/projects/{tpu.pk}/")
    expect(page.locator("h1")).to_contain_text("TPU薄膜项目")
    expect(page.locator("#current-stage")).to_have_text("立项/备案")
    screenshot("project")

    # 开工 on 2023-05-01, before the signing on 2023-05-29: refused with the reason, then confirmed.
    with page.expect_navigation():
        page.locator('tr[data-stage="started"] a[aria-label="填写日期"]').click()
    page.locator("#id_actual_on").fill("2023-05-01")
    with page.expect_navigation():
        page.locator("#stage-form button[type=submit]").click()
    form = page.locator("#stage-form")
    expect(form).to_contain_text("开工的实际日期早于签约的实际日期")
    expect(page.locator("#out-of-order")).to_be_visible()
    assert not tpu.stages.filter(stage__milestone="started").exists()
    screenshot("stage-refused")

    page.locator("#id_confirm").check()
    page.locator("#id_out_of_order_reason").fill("先行开工，后补签约手续")
    with page.expect_navigation():
        page.locator("#stage-form button[type=submit]").click()
    expect(page).to_have_url(project_page)
    expect(page.get_by_text("开工的日期已保存。")).to_be_visible()
    started = page.locator('tr[data-stage="started"]')
    expect(started).to_contain_text("2023-05-01")
    expect(started).to_contain_text("先行开工，后补签约手续")
    expect(page.locator("#current-stage")).to_have_text("开工")
    screenshot("stage-confirmed")

    # This month's progress (a month is open from its first day until the deadline in the next month).
    today = timezone.localdate()
    period = f"{today.year}-{today.month:02d}"
    with page.expect_navigation():
        page.locator("#project-actions").get_by_role("link", name="填报进度").click()
    page.locator("#id_period").fill(period)
    page.locator("#id_amount").fill("1200")
    page.locator("#id_image_progress").fill("主体厂房基础施工")
    with page.expect_navigation():
        page.locator("#progress-form button[type=submit]").click()
    expect(page).to_have_url(project_page)
    expect(page.get_by_text(f"{period} 的进度已填报。")).to_be_visible()
    progress = page.locator("#progress-table")
    expect(progress).to_contain_text("1,200.00")  # the table's 万元 column: the unit is in the header
    expect(progress.locator("thead")).to_contain_text("当期完成（万元）")
    expect(progress).to_contain_text("主体厂房基础施工")
    report = tpu.progress.get()
    assert (report.amount, report.since_start, report.reported_by) == (
        Decimal(1200),
        Decimal(1200),
        personas["projects_staff_a"],
    )
    screenshot("progress")

    # The leader reads what is late: the inspection's road problem, due 2025-03-31 and not resolved.
    page.context.clear_cookies()
    login_page(personas["leader_a"])
    with page.expect_navigation():
        page.locator("#nav-main").get_by_role("link", name="项目调度").click()
    expect(page).to_have_url(re.compile(r"/projects/leader/"))
    expect(page.locator("#count-problems")).to_have_text("1")
    problems = page.locator("#late-problem-table")
    expect(problems).to_contain_text("进园道路未贯通")
    expect(problems).to_contain_text("TPU薄膜项目")
    expect(problems).to_contain_text("经济运行部")
    screenshot("leader")
    assert browser_errors == []
