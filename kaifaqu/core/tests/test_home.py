"""The home page per role, on data built here, on 2025-04-05 (1—3月 being reported, due 04-10; February's reports
and progress late since 03-10):

- leader: headline figures of 1—3月 with target completion and sparkline data, the pipeline, what is overdue (a firm
  that did not report February, a project without February's progress, a problem and an approval matter past due),
  each count linking to a list that shows exactly those rows; this week's milestone; nothing of zone B;
- department staff: reports to chase (March), the department's problems, approval matters and waiting imports;
- enterprise user: the March form to fill in, the flag sent back, its own latest figures; no other firm's;
- region viewer: the ranking of the zones of its city;
- query counts do not grow with the data.
"""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from stdnum.cn import uscc

from kaifaqu.core.models import ImportJob, ImportStatusChoices
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.projects import services
from kaifaqu.projects.models import (
    AnnualPlan,
    Approval,
    ApprovalKind,
    Problem,
    ProgressReport,
    Project,
    ProjectStage,
    StageDefinition,
)
from kaifaqu.stats.models import DataSet, DataSetAssignment, Indicator, Target, ValidationFlag, Value

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = datetime.datetime(2025, 4, 5, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def on_april_5th():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def credit_code(serial):
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


def put(firm, period, amount, code="output_value", data_set="industry_monthly"):
    Value.objects.create(
        enterprise=firm,
        zone=firm.zone,
        indicator=Indicator.objects.get(code=code),
        data_set=DataSet.objects.get(code=data_set),
        period=period,
        value=Decimal(amount),
        source="demo",
    )


def assign(firm, data_set="industry_monthly", since=202501):
    DataSetAssignment.objects.create(data_set=DataSet.objects.get(code=data_set), enterprise=firm, from_period=since)


def add_firm(world, serial, name, zone="zone_a"):
    return Enterprise.objects.create(credit_code=credit_code(serial), name=name, zone=world[zone], industry_id="3411")


def add_project(world, actor, name, zone="zone_a", plan=True, **fields):
    project = services.save_project(
        actor=actor, project=Project(zone=world[zone], name=name, investor_name="投资方", **fields)
    )
    if plan:
        AnnualPlan.objects.create(project=project, year=2025, planned_investment=Decimal(1000))
    return project


@pytest.fixture
def data(world, personas):
    """Zone A: firm_1 reported Feb and March, firm_2 February only, firm_3 nothing; zone B's firm nothing either."""
    firm_3 = add_firm(world, 801, "高平丙化工有限公司")
    for firm in (world["firm_1"], world["firm_2"], firm_3, world["firm_b"]):
        assign(firm)
    put(world["firm_1"], 202502, 200)
    put(world["firm_1"], 202503, 300)
    put(world["firm_1"], 202403, 250)
    put(world["firm_2"], 202502, 45)
    put(world["firm_2"], 202402, 50)
    put(world["firm_2"], 202303, 10)  # long ago: not in this year's sparkline
    put(world["firm_b"], 202503, 100)  # zone B: March in, February not
    Target.objects.create(
        zone=world["zone_a"], year=2025, indicator=Indicator.objects.get(code="output_value"), value=1200
    )
    actor = personas["zone_admin_a"]
    late = add_project(world, actor, "欠报进度的项目", department=world["dept_a_projects"], investor=world["firm_2"])
    on_time = add_project(world, actor, "按时报进度的项目")
    for period in (202502, 202503):
        ProgressReport.objects.create(
            project=on_time, period=period, amount=10, year_to_date=10, since_start=10, reported_by=actor
        )
    add_project(world, actor, "无年度计划的项目", plan=False)
    add_project(world, personas["system_admin"], "乙区欠报项目", zone="zone_b")
    problem = Problem.objects.create(
        zone=world["zone_a"],
        project=late,
        category=Problem._meta.get_field("category").choices[0][0],
        description="用地指标未落实",
        department=world["dept_a"],
        deadline=D(2025, 4, 1),
        raised_on=D(2025, 3, 1),
        raised_by=actor,
    )
    Problem.objects.create(
        zone=world["zone_b"],
        category=problem.category,
        description="乙区逾期问题",
        department=world["dept_b"],
        deadline=D(2025, 3, 1),
        raised_on=D(2025, 2, 1),
        raised_by=personas["system_admin"],
    )
    kind = ApprovalKind.objects.filter(zone=world["zone_a"]).first() or ApprovalKind.objects.create(
        zone=world["zone_a"], name="环评"
    )
    approval = Approval.objects.create(project=late, kind=kind, department=world["dept_a"], planned_on=D(2025, 4, 2))
    definition = StageDefinition.objects.filter(zone=world["zone_a"]).order_by("order").first()
    stage = ProjectStage.objects.create(project=on_time, stage=definition, planned_on=D(2025, 4, 8))
    flag_2 = ValidationFlag.objects.create(
        enterprise=world["firm_2"], zone=world["zone_a"], period=202502, kind="rule", message="产值环比波动过大"
    )
    ValidationFlag.objects.create(
        enterprise=world["firm_1"], zone=world["zone_a"], period=202503, kind="rule", message="甲企业的问题"
    )
    return {
        "firm_3": firm_3,
        "late": late,
        "on_time": on_time,
        "problem": problem,
        "approval": approval,
        "stage": stage,
        "flag_2": flag_2,
    }


def home(client_for, user, **params):
    response = client_for(user).get(reverse("home"), params)
    assert response.status_code == 200
    return response


def item(response, item_id):
    return next(i for i in response.context["overdue"] if i["id"] == item_id)


def test_leader_sees_the_zones_headline_figures(world, personas, client_for, data):
    response = home(client_for, personas["leader_a"])
    figures = response.context["figures"]
    # On April 5th March is still being reported (due April 10th): the headline reads the last closed period, 1—2月,
    # never a half-reported month that would read as a fall.
    assert figures["period"] == 202502 and figures["schedule_pct"] == Decimal("16.67")
    row = figures["rows"][0]
    assert row.indicator.code == "output_value"
    assert row.cell.current == Decimal(245)  # firm_1 200 + firm_2 45 in 1—2月
    assert row.cell.growth_pct == Decimal("-10.00")  # comparable scope: firm_2 alone has a base (45 / 50)
    assert row.completion_pct == Decimal("20.42")  # 245 / 1200
    # Ranked among the province's zones (zone B has no 1—2月 figure): the rank, never zone B's figure.
    assert (row.rank, row.rank_growth, figures["peer_count"]) == (1, 1, 2)
    assert row.spark["this"][:4] == [None, Decimal(245), Decimal(300), None]  # firm_1 + firm_2 in February
    assert row.spark["last"][:3] == [None, Decimal(50), Decimal(250)]
    page = response.content.decode()
    chart = json.loads(page.split('id="home-data" type="application/json">')[1].split("</script>")[0])
    assert chart["sparks"][0]["id"] == "spark-output_value" and "<script>" not in page


def test_leader_overdue_counts_link_to_their_rows(world, personas, client_for, data):
    client = client_for(personas["leader_a"])
    response = home(client_for, personas["leader_a"])
    reports = item(response, "overdue-reports-industry_monthly")
    assert reports["count"] == 1  # firm_3 did not report February (firm_2 did, not March: not late yet)
    listed = client.get(reports["url"])
    assert listed.status_code == 200
    names = [r.enterprise.name for r in listed.context["page"].object_list]
    assert names == ["高平丙化工有限公司"]

    progress = item(response, "overdue-progress")
    assert progress["count"] == 1
    listed = client.get(progress["url"]).content.decode()
    assert "欠报进度的项目" in listed and "按时报进度的项目" not in listed and "无年度计划的项目" not in listed

    problems = item(response, "overdue-problems")
    assert problems["count"] == 1
    listed = client.get(problems["url"]).content.decode()
    assert "用地指标未落实" in listed and "乙区逾期问题" not in listed

    approvals = item(response, "overdue-approvals")
    assert approvals["count"] == 1
    assert client.get(approvals["url"]).status_code == 200

    page = response.content.decode()
    assert "乙区" not in page
    week = response.context["week"]
    assert [s.pk for s in week["stages"]] == [data["stage"].pk]  # due 04-08, within the week


def test_leader_pipeline_counts_projects_per_stage(world, personas, client_for, data):
    pipeline = home(client_for, personas["leader_a"]).context["pipeline"]
    assert pipeline["count"] == 3  # zone A's three projects, in progress
    client = client_for(personas["leader_a"])
    for stage in pipeline["stages"]:
        assert client.get(stage["url"]).status_code == 200


def test_system_admin_picks_a_zone_and_sees_the_ranking(world, personas, client_for, data):
    response = home(client_for, personas["system_admin"], zone=world["zone_b"].pk)
    assert response.context["zone"] == world["zone_b"]
    assert item(response, "overdue-reports-industry_monthly")["count"] == 1  # zone B's firm
    assert item(response, "overdue-problems")["count"] == 1
    ranking = response.context["ranking"]
    # Ranked at the last closed period (1—2月; March is due April 10th): zone B reported March only, so has no rank.
    assert ranking["period"] == 202502
    assert [(r.zone, r.rank_value) for r in ranking["rows"]] == [(world["zone_a"], 1), (world["zone_b"], None)]
    figures = response.context["figures"]  # zone B reported March only: its last closed period 1—2月 has nothing
    assert figures["period"] == 202502
    assert all(row.cell.current is None and row.rank is None for row in figures["rows"])
    assert client_for(personas["system_admin"]).get(reverse("home"), {"zone": 999999}).status_code == 404


def test_staff_queue(world, personas, client_for, data):
    ImportJob.objects.create(
        kind="stats_long",
        original_name="三月数据.xlsx",
        file="imports/x.xlsx",
        created_by=personas["staff_a"],
        status=ImportStatusChoices.VALIDATED,
    )
    ImportJob.objects.create(
        kind="stats_long",
        original_name="已导入.xlsx",
        file="imports/y.xlsx",
        created_by=personas["staff_a"],
        status=ImportStatusChoices.COMMITTED,
    )
    ImportJob.objects.create(
        kind="stats_long", original_name="别人的.xlsx", file="imports/z.xlsx", created_by=personas["zone_admin_a"]
    )
    response = home(client_for, personas["staff_a"])
    context = response.context
    industry = context["reports"][0]
    assert industry["count"] == 2  # firm_2 and firm_3 have not reported March
    listed = client_for(personas["staff_a"]).get(industry["url"])
    assert sorted(r.enterprise.name for r in listed.context["page"].object_list) == [
        "高平丙化工有限公司",
        "高平乙机械有限公司",
    ]
    assert [p.pk for p in context["problems"]["rows"]] == [data["problem"].pk] and context["problems"]["overdue"] == 1
    assert [a.pk for a in context["approvals"]["rows"]] == [data["approval"].pk]
    assert context["approvals"]["overdue"] == 1
    assert [row["job"].original_name for row in context["imports"]] == ["三月数据.xlsx"]
    assert context["progress"]["count"] == 0  # no project of 经济运行部 owes March's progress
    client = client_for(personas["staff_a"])
    for url in (context["problems"]["url"], context["approvals"]["overdue_url"], context["imports"][0]["url"]):
        assert client.get(url).status_code == 200


def test_projects_staff_sees_the_zones_progress_due(world, personas, client_for, data):
    context = home(client_for, personas["projects_staff_a"]).context
    assert "reports" not in context  # no statistics domain: nothing to chase
    assert [p.name for p in context["progress"]["rows"]] == ["欠报进度的项目"]
    listed = client_for(personas["projects_staff_a"]).get(context["progress"]["url"]).content.decode()
    assert "欠报进度的项目" in listed and "按时报进度的项目" not in listed


def test_enterprise_user_sees_its_due_form_and_open_flag(world, personas, client_for, data):
    response = home(client_for, personas["firm_2_user"])
    context = response.context
    assert context["firm"] == world["firm_2"]
    due = context["forms_due"]
    assert [(d["data_set"].code, d["late"]) for d in due] == [("industry_monthly", False)]
    assert due[0]["url"] == reverse("stats:entry", args=[world["firm_2"].pk, "industry_monthly", "2025-03"])
    assert client_for(personas["firm_2_user"]).get(due[0]["url"]).status_code == 200
    assert [f.pk for f in context["flags"]] == [data["flag_2"].pk]
    page = response.content.decode()
    assert reverse("stats:flag", args=[data["flag_2"].pk]) in page
    assert "甲企业的问题" not in page and world["firm_1"].name not in page
    figures = context["my_figures"]
    assert figures["period"] == 202502
    assert [(r["code"], r["value"], r["growth"]) for r in figures["rows"]] == [
        ("output_value", Decimal(45), Decimal("-10.00"))
    ]
    assert client_for(personas["firm_2_user"]).get(reverse("stats:flag", args=[data["flag_2"].pk])).status_code == 200
    assert [p.name for p in context["projects_due"]] == ["欠报进度的项目"]  # its own project owes March's progress


def test_enterprise_user_who_reported_has_nothing_due(world, personas, client_for, data):
    context = home(client_for, personas["firm_1_user"]).context
    assert context["forms_due"] == [] and context["reports_forms"]  # reported March: nothing due
    assert [f.message for f in context["flags"]] == ["甲企业的问题"]
    assert context["projects_due"] == []


def test_region_viewer_sees_the_ranking_of_its_zones(world, personas, client_for, data):
    response = home(client_for, personas["region_viewer"])
    ranking = response.context["ranking"]
    assert [r.zone for r in ranking["rows"]] == [world["zone_a"]]  # 晋城市: not 灵石 (晋中市)
    assert ranking["rows"][0].cell.current == Decimal(245)  # 1—2月, the last closed period
    assert ranking["chart"]["values"] == [Decimal("0.02")]  # in 亿元, as the table
    assert client_for(personas["region_viewer"]).get(ranking["rows"][0].url).status_code == 200
    page = response.content.decode()
    assert "home.js" in page and world["zone_b"].name not in page


def test_dashboard_home_lists_zones_with_their_headline_figure(world, personas, client_for, data):
    response = client_for(personas["system_admin"]).get(reverse("stats:dashboard_home"))
    rows = response.context["rows"]
    assert [(r.zone, r.cell.current) for r in rows][0] == (world["zone_a"], Decimal(245))  # 1—2月: March is open
    page = response.content.decode()
    assert reverse("stats:dashboard", args=[world["zone_b"].pk]) in page


def more_data(world, personas, n):
    """n more firms reporting, projects owing progress, problems past due, approvals: none may add a query."""
    actor = personas["zone_admin_a"]
    kind = ApprovalKind.objects.filter(zone=world["zone_a"]).first()
    for i in range(n):
        firm = add_firm(world, 900 + i, f"加量企业{i}")
        assign(firm)
        put(firm, 202502, 10 + i)
        put(firm, 202503, 20 + i)
        project = add_project(world, actor, f"加量项目{i}", department=world["dept_a"])
        Problem.objects.create(
            zone=world["zone_a"],
            project=project,
            category=Problem._meta.get_field("category").choices[0][0],
            description=f"加量问题{i}",
            department=world["dept_a"],
            deadline=D(2025, 4, 1),
            raised_on=D(2025, 3, 1),
            raised_by=actor,
        )
        if kind is not None:
            Approval.objects.create(project=project, kind=kind, department=world["dept_a"], planned_on=D(2025, 4, 6))


HOME_QUERIES = {  # measured with n = 1 and 12: the same (staff: one count more once a list overflows)
    "leader_a": 36,  # 6 of them rank the zone among the province's zones
    "system_admin": 37,  # zone B's figures (the first zone by name) and the ranking of both zones
    "staff_a": 13,
    "projects_staff_a": 10,
    "firm_2_user": 13,
    "region_viewer": 13,
}


@pytest.mark.parametrize("persona", sorted(HOME_QUERIES))
@pytest.mark.parametrize("n", [1, 12])
def test_home_queries_do_not_grow_with_data(
    world, personas, client_for, data, django_assert_max_num_queries, persona, n
):
    more_data(world, personas, n)
    client = client_for(personas[persona])
    client.get(reverse("home"))  # the session and the language are read once
    with django_assert_max_num_queries(HOME_QUERIES[persona]):
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(("persona", "linked"), [("zone_admin_a", True), ("staff_a", True), ("leader_a", False)])
def test_the_statistics_import_is_linked_for_those_who_import(world, personas, client_for, data, persona, linked):
    page = home(client_for, personas[persona]).content.decode()
    assert (f'href="{reverse("stats:value_import")}"' in page) is linked
