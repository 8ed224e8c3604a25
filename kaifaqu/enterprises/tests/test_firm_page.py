"""The firm's page as its whole story: figures against peers, the reporting record, its projects, and the panel
registry other apps add to (kaifaqu.enterprises.panels). Data built here; time frozen on 2025-11-20, so the latest
due period of the monthly form is 2025-10 (deadline 2025-11-10)."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc

from kaifaqu.enterprises import panels
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.projects import services as project_services
from kaifaqu.projects.firm_page import projects_panel
from kaifaqu.projects.models import Project, StageDefinition
from kaifaqu.stats.firm_page import figures_panel, reporting_panel
from kaifaqu.stats.models import DataSet, DataSetAssignment, Indicator, ValidationFlag, Value

NOW = datetime.datetime(2025, 11, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
FIRM_PAGE_QUERIES = 33  # measured with two headline indicators (each adds 4: the peers' GROUP BYs and labels)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def local(year, month, day, hour=9):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, 30))


def put(firm, period, amount, *, code="output_value", revision=1, current=True, entered=None):
    """A figure of the monthly form, entered two days before its deadline unless `entered` says when."""
    value = Value.objects.create(
        enterprise=firm,
        zone=firm.zone,
        indicator=Indicator.objects.get(code=code),
        period=period,
        value=Decimal(amount),
        revision=revision,
        is_current=current,
        data_set=DataSet.objects.get(code="industry_monthly"),
        source="manual",
    )
    year, month = divmod(period, 100)
    due = datetime.date(year + (month == 12), month % 12 + 1, 8)
    Value.objects.filter(pk=value.pk).update(entered_at=entered or local(due.year, due.month, due.day))
    return value


def two_years(firm, last, this, *, months=range(2, 13), this_months=range(2, 11), code="output_value"):
    """1—N月 figures growing by `last` a month in 2024 and `this` a month in 2025 (January exempt)."""
    for month in months:
        put(firm, 202400 + month, last * month, code=code)
    for month in this_months:
        put(firm, 202500 + month, this * month, code=code)


def peer(world, n, industry="2651"):
    code17 = f"91140500MA0K0{n:04d}"
    code = code17 + uscc.calc_check_digit(code17)
    return Enterprise.objects.create(
        credit_code=code, name=f"高平同行{n}有限公司", zone=world["zone_a"], industry_id=industry
    )


@pytest.fixture
def story(world, personas):
    """firm_1 reports the monthly form since 2024: 1—10月 output 1,200 against 1,000; 2025-09 missing, 2025-10 late,
    2025-08 corrected once; one open flag; two peers of its division (26) in zone A; one project it invests in."""
    firm = world["firm_1"]
    data_set = DataSet.objects.get(code="industry_monthly")
    DataSetAssignment.objects.create(data_set=data_set, enterprise=firm, from_period=202402)
    two_years(firm, 100, 120)
    two_years(firm, 110, 130, code="revenue")
    Value.objects.filter(enterprise=firm, period=202509).delete()  # not reported
    Value.objects.filter(enterprise=firm, period=202510).update(entered_at=local(2025, 11, 14))  # after 11-10
    old = Value.objects.get(enterprise=firm, period=202508, indicator__code="output_value")
    Value.objects.filter(pk=old.pk).update(is_current=False)
    put(firm, 202508, 961, revision=2, entered=local(2025, 9, 20))
    Value.objects.filter(pk=old.pk).update(value=Decimal(900))
    two_years(peer(world, 11), 50, 55)
    two_years(peer(world, 12), 50, 45)
    flag = ValidationFlag.objects.create(
        enterprise=firm, zone=firm.zone, period=202508, kind="rule", message="工业总产值环比异常", status="open"
    )
    project = project_services.save_project(
        actor=personas["zone_admin_a"],
        project=Project(zone=world["zone_a"], name="甲材料扩产项目", investor=firm, total_investment=Decimal(8500)),
    )
    stage = StageDefinition.objects.get(zone=world["zone_a"], milestone="started")
    project_services.record_stage(
        actor=personas["zone_admin_a"], project=project, stage=stage, actual_on=datetime.date(2025, 6, 1)
    )
    return {"firm": firm, "flag": flag, "project": project, "stage": stage}


def page(client_for, personas, persona, firm):
    return client_for(personas[persona]).get(reverse("enterprises:enterprise", args=[firm.pk]))


def row_of(html, marker):
    """The table row that carries `marker` (an attribute), as text."""
    start = html.index(marker)
    return html[start : html.index("</tr>", start)]


# ------------------------------------------------------------------------------------------------ figures
def test_the_firm_s_figures_show_exactly_with_growth_against_its_peers(story, personas, client_for):
    response = page(client_for, personas, "staff_a", story["firm"])
    html = response.content.decode()
    output = row_of(html, 'data-indicator="output_value"')
    assert "1,200.00万元" in output and "1,000.00万元" in output and "20.00%" in output
    # Division 26 in zone A: 1,200 + 550 + 450 = 2,200 against 1,000 + 500 + 500 = 2,000, three firms
    assert output.count("10.00%") == 2  # the division and the zone are the same three firms here
    assert "（3 家）" in output
    revenue = row_of(html, 'data-indicator="revenue"')
    assert "1,300.00万元" in revenue and "1,100.00万元" in revenue and "18.18%" in revenue
    assert "少于3家企业" in revenue  # only firm_1 reports revenue: its peers are too few to show
    chart = response.context["panels"][0].context["chart"]
    series = {s["code"]: s for s in chart["series"]}
    assert series["output_value"]["this"][9] == Decimal(1200) and series["output_value"]["last"][9] == Decimal(1000)
    assert series["output_value"]["this"][8] is None  # 2025-09 not reported
    assert series["output_value"]["years"] == ["2024"] and series["output_value"]["annual"] == [Decimal(1200)]
    data = json.loads(html.split('id="firm-figures-data" type="application/json">')[1].split("</script>")[0])
    assert data["series"][0]["annual"] == ["1200.0000"]


def test_a_peer_group_below_the_minimum_size_is_not_shown(story, personas, client_for, world):
    Value.objects.filter(enterprise__name="高平同行12有限公司").delete()
    html = page(client_for, personas, "staff_a", story["firm"]).content.decode()
    output = row_of(html, 'data-indicator="output_value"')
    assert "少于3家企业，依统计法不予显示" in output
    assert "（2 家）" not in output


# ------------------------------------------------------------------------------------------- reporting record
def test_the_reporting_record_tells_on_time_late_missing_corrections_and_flags(story, personas, client_for):
    html = page(client_for, personas, "staff_a", story["firm"]).content.decode()
    assert "report-late" in row_of(html, 'data-period="202510"')
    assert "2025-11-14 09:30" in row_of(html, 'data-period="202510"')
    assert "report-missing" in row_of(html, 'data-period="202509"')
    corrected = row_of(html, 'data-period="202508"')
    assert "report-on_time" in corrected and ">1</td>" in corrected and "flag-open" in corrected
    assert "report-on_time" in row_of(html, 'data-period="202407"')
    assert reverse("stats:entry", args=[story["firm"].pk, "industry_monthly", "2025-10"]) in html
    assert f'href="{reverse("stats:flag", args=[story["flag"].pk])}"' in html
    assert "工业总产值环比异常" in html


# -------------------------------------------------------------------------------------------------- projects
def test_a_project_the_firm_invests_in_shows_with_its_stage(story, personas, client_for):
    html = page(client_for, personas, "staff_a", story["firm"]).content.decode()
    projects = html[html.index('id="firm-projects"') :]
    assert story["project"].get_absolute_url() in projects and "甲材料扩产项目" in projects
    assert story["stage"].name in row_of(projects, story["project"].get_absolute_url())
    assert "总投资（亿元）" in projects  # one unit per column, stated in the header
    assert ">0.85<" in row_of(projects, story["project"].get_absolute_url())  # 8,500万元


# ---------------------------------------------------------------------------------------------- who sees what
@pytest.mark.parametrize("persona", ["staff_b", "firm_2_user"])
def test_out_of_scope_users_get_a_404(story, personas, client_for, persona):
    assert page(client_for, personas, persona, story["firm"]).status_code == 404


def test_the_region_viewer_sees_the_firm_as_the_statistics_rules_allow(story, personas, client_for):
    response = page(client_for, personas, "region_viewer", story["firm"])
    assert response.status_code == 200
    keys = [shown.panel.key for shown in response.context["panels"]]
    assert keys == ["figures", "reporting", "projects"]
    assert "1,200.00万元" in response.content.decode()


def test_the_enterprise_user_sees_its_own_page_with_published_peer_figures(story, personas, client_for):
    response = page(client_for, personas, "firm_1_user", story["firm"])
    html = response.content.decode()
    assert response.status_code == 200
    output = row_of(html, 'data-indicator="output_value"')
    assert "1,200.00万元" in output and "20.00%" in output
    assert output.count("10.00%") == 2  # the published tables: 3 firms, none above 85% of the cell
    assert "report-late" in row_of(html, 'data-period="202510"')
    assert reverse("stats:entry", args=[story["firm"].pk, "industry_monthly", "2025-10"]) not in html
    assert "甲材料扩产项目" in html


def test_the_panels_ask_the_statistics_rules_themselves(story, personas, rf):
    """Every user who sees a firm today may read its figures; the panels still ask stats.read.may_view_firm, so a
    user it refuses (here another zone's staff, as if the page had let them in) gets no figure and no record."""
    request = rf.get("/")
    request.user = personas["staff_b"]
    assert figures_panel(request, story["firm"]) == {"allowed": False}
    assert reporting_panel(request, story["firm"]) is None
    assert projects_panel(request, story["firm"]) is None


# ------------------------------------------------------------------------------------------------ query count
@pytest.mark.parametrize("years", [1, 3])
def test_the_firm_page_s_queries_do_not_grow_with_periods_or_projects(
    story, personas, client_for, django_assert_max_num_queries, years
):
    firm = story["firm"]
    for year in range(2024 - years + 1, 2024):  # more years of figures
        for month in range(2, 13):
            put(firm, year * 100 + month, 80 * month)
    for n in range(years * 3):  # more projects
        project_services.save_project(
            actor=personas["zone_admin_a"], project=Project(zone=firm.zone, name=f"项目{n}", investor=firm)
        )
    client = client_for(personas["staff_a"])
    with django_assert_max_num_queries(FIRM_PAGE_QUERIES):
        response = client.get(reverse("enterprises:enterprise", args=[firm.pk]))
    assert len(response.context["panels"][2].context["projects"]) == 1 + years * 3


# ------------------------------------------------------------------------------------------------ the registry
def test_an_app_adds_a_panel_and_leaves_it_out_for_some_users(world, personas, client_for):
    seen = []

    def context(request, enterprise):
        seen.append(enterprise.pk)
        return {"badge": 7} if request.user.username == "staff_a" else None

    panels.register(panels.Panel("later", "诉求", "includes/history.html", context, order=5))
    try:
        shown = page(client_for, personas, "staff_a", world["firm_1"])
        hidden = page(client_for, personas, "leader_a", world["firm_1"])
    finally:
        panels.unregister("later")
    assert shown.context["panels"][0].panel.key == "later" and shown.context["panels"][0].badge == 7
    assert 'data-bs-target="#later"' in shown.content.decode()
    assert "later" not in [p.panel.key for p in hidden.context["panels"]]
    assert seen == [world["firm_1"].pk] * 2
