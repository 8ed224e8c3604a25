"""The projects pages people read: list filters and export, the pipeline board, the project page, scope and
bounded query counts."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.context_processors import is_active, nav_items_for
from kaifaqu.accounts.models import AuditEvent
from kaifaqu.core.tests.html_tables import assert_one_unit_per_money_column, money_columns, tables
from kaifaqu.projects import services
from kaifaqu.projects.choices import ApprovalStatusChoices, LineStatusChoices, ProblemStatusChoices
from kaifaqu.projects.models import (
    AnnualPlan,
    Approval,
    ApprovalKind,
    Campaign,
    CampaignOverride,
    Inspection,
    Problem,
    ProductionLine,
    ProgressReport,
    Project,
    ProjectPhase,
    StageDefinition,
)
from kaifaqu.projects.views.pages import CARDS_PER_STAGE
from kaifaqu.zones.models import IndustryChain

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    """Overdue marks and "this year" depend on the date: the pages are read on 2025-06-15."""
    with time_machine.travel(datetime.datetime(2025, 6, 15, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path


def stage(zone, code):
    return StageDefinition.objects.get(zone=zone, code=code)


def new_project(actor, **fields):
    return services.save_project(actor=actor, project=Project(**fields))


def record(actor, project, code, **dates):
    services.record_stage(actor=actor, project=project, stage=stage(project.zone, code), **dates)


def report(project, user, period, amount, ytd, since_start, **extra):
    return ProgressReport.objects.create(
        project=project,
        period=period,
        amount=Decimal(amount),
        year_to_date=Decimal(ytd),
        since_start=Decimal(since_start),
        reported_by=user,
        **extra,
    )


@pytest.fixture
def catalogue(world, personas):
    """Five projects, hand-described so that every filter picks a known set.

    p1 TPU薄膜 (A, park_a, 省重点, 产业, 2.2亿, C2651, chain, 项目服务中心, firm_1, started — nothing late)
    p2 聚砜 (A, 市重点, 8亿, C3411, unregistered investor, signed; 开工 planned 2025-04-01 without actual: late)
    p3 园区道路 (A, 基础设施, 暂缓, 5000万, firm_2, 经济运行部, no stage; an accepted approval past its limit)
    p4 灵石装备 (B, 省重点, 1.5亿, C3411, firm_b, signed)
    p5 终止项目 (A, 终止, 3000万, unregistered, no stage; a problem past its deadline)
    """
    w, admin = dict(world), personas["system_admin"]
    w["chain_a"] = IndustryChain.objects.create(zone=w["zone_a"], name="新材料产业链")
    w["p1"] = new_project(
        admin,
        zone=w["zone_a"],
        park=w["park_a"],
        name="TPU薄膜项目",
        investor=w["firm_1"],
        level="province",
        kind="industry",
        total_investment=Decimal("22000"),
        industry_id="2651",
        chain=w["chain_a"],
        department=w["dept_a_projects"],
        leader="张副区长",
    )
    for code, day in (("signed", "2023-05-29"), ("filed", "2023-06-05"), ("started", "2023-10-01")):
        record(admin, w["p1"], code, actual_on=datetime.date.fromisoformat(day))
    w["p2"] = new_project(
        admin,
        zone=w["zone_a"],
        name="万吨级聚砜项目",
        investor_name="山东某新材料集团",
        level="city",
        total_investment=Decimal("80000"),
        industry_id="3411",
    )
    record(admin, w["p2"], "signed", actual_on=datetime.date(2025, 2, 1))
    record(admin, w["p2"], "started", planned_on=datetime.date(2025, 4, 1))
    w["p3"] = new_project(
        admin,
        zone=w["zone_a"],
        name="园区道路工程",
        investor=w["firm_2"],
        kind="infrastructure",
        status="paused",
        total_investment=Decimal("5000"),
        department=w["dept_a"],
    )
    Approval.objects.create(
        project=w["p3"],
        kind=ApprovalKind.objects.get(zone=w["zone_a"], name="施工许可"),
        status=ApprovalStatusChoices.SUBMITTED,
        submitted_on=datetime.date(2025, 5, 1),
        time_limit_days=20,
    )
    w["p4"] = new_project(
        admin,
        zone=w["zone_b"],
        name="灵石装备项目",
        investor=w["firm_b"],
        level="province",
        total_investment=Decimal("15000"),
        industry_id="3411",
    )
    record(admin, w["p4"], "signed", actual_on=datetime.date(2025, 3, 1))
    w["p5"] = new_project(
        admin,
        zone=w["zone_a"],
        name="终止的仓储项目",
        investor_name="某物流公司",
        status="cancelled",
        total_investment=Decimal("3000"),
    )
    Problem.objects.create(
        zone=w["zone_a"],
        project=w["p5"],
        category="land",
        description="用地指标未落实",
        department=w["dept_a"],
        raised_on=datetime.date(2025, 3, 1),
        deadline=datetime.date(2025, 5, 1),
        raised_by=admin,
    )
    return w


def listed(client, params=None):
    response = client.get(reverse("projects:project_list"), params or {})
    assert response.status_code == 200
    return {row.record.pk for row in response.context["table"].page.object_list}, response


# ------------------------------------------------------------------------------------------------------- list filters
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"p1", "p2", "p3", "p4", "p5"}),
        ({"q": "聚砜"}, {"p2"}),
        ({"q": "高平甲"}, {"p1"}),  # the registered investor's name
        ({"q": "山东某"}, {"p2"}),  # a prospective investor's name
        ({"q": "不存在"}, set()),
        ({"zone": "zone_b"}, {"p4"}),
        ({"zone": "zone_a"}, {"p1", "p2", "p3", "p5"}),
        ({"park": "park_a"}, {"p1"}),
        ({"stage": "started"}, {"p1"}),
        ({"stage": "signed"}, {"p2", "p4"}),
        ({"stage": "none"}, {"p3", "p5"}),
        ({"level": "province"}, {"p1", "p4"}),
        ({"level": ["province", "city"]}, {"p1", "p2", "p4"}),
        ({"level": "none"}, {"p3", "p5"}),
        ({"kind": "infrastructure"}, {"p3"}),
        ({"status": "cancelled"}, {"p5"}),
        ({"status": ["active", "paused"]}, {"p1", "p2", "p3", "p4"}),
        ({"section": "C"}, {"p1", "p2", "p4"}),
        ({"division": "26"}, {"p1"}),
        ({"division": "34", "zone": "zone_a"}, {"p2"}),
        ({"chain": "chain_a"}, {"p1"}),
        ({"department": "dept_a_projects"}, {"p1"}),
        ({"department": "none"}, {"p2", "p4", "p5"}),
        ({"overdue": "true"}, {"p2", "p3", "p5"}),
        ({"overdue": "false"}, {"p1", "p4"}),
        ({"investment_min": "10000"}, {"p1", "p2", "p4"}),  # 亿元以上
        ({"investment_min": "15000"}, {"p1", "p2", "p4"}),  # the boundary is included
        ({"investment_min": "15000.0001"}, {"p1", "p2"}),
        ({"investment_min": "80000.0001"}, set()),
    ],
)
def test_list_filters(catalogue, personas, client_for, params, expected):
    params = {k: catalogue[v].pk if isinstance(v, str) and v in catalogue else v for k, v in params.items()}
    shown, _response = listed(client_for(personas["system_admin"]), params)
    assert shown == {catalogue[k].pk for k in expected}


def test_overdue_boundaries(catalogue, personas, client_for):
    """A stage planned for today, an approval due today and a problem due today are late from tomorrow on."""
    admin, w = personas["system_admin"], catalogue
    late_stage = new_project(admin, zone=w["zone_a"], name="节点边界", investor_name="某公司")
    record(admin, late_stage, "signed", planned_on=TODAY)
    late_approval = new_project(admin, zone=w["zone_a"], name="审批边界", investor_name="某公司")
    Approval.objects.create(
        project=late_approval,
        kind=ApprovalKind.objects.get(zone=w["zone_a"], name="环评"),
        status=ApprovalStatusChoices.SUBMITTED,
        submitted_on=TODAY - datetime.timedelta(days=30),
        time_limit_days=30,
    )
    late_problem = new_project(admin, zone=w["zone_a"], name="问题边界", investor_name="某公司")
    Problem.objects.create(
        zone=w["zone_a"],
        project=late_problem,
        category="roads",
        description="道路",
        department=w["dept_a"],
        raised_on=datetime.date(2025, 6, 1),
        deadline=TODAY,
        raised_by=admin,
    )
    edge = {late_stage.pk, late_approval.pk, late_problem.pk}
    assert edge <= listed(client_for(admin), {"overdue": "false"})[0]
    with time_machine.travel(datetime.datetime(2025, 6, 16, 10, 0, tzinfo=datetime.UTC), tick=False):
        assert edge <= listed(client_for(admin), {"overdue": "true"})[0]


def test_campaign_and_batch_filters(catalogue, personas, client_for):
    """三个一批 2025 Q1: p2 signed 2025-02-01 (zone A); p1 put into 开工一批 by hand; p4 is zone B's."""
    w, admin = catalogue, personas["system_admin"]
    campaign = Campaign.objects.create(
        zone=w["zone_a"], name="2025年一季度", starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 3, 31)
    )
    CampaignOverride.objects.create(
        campaign=campaign, project=w["p1"], batch="started", include=True, reason="补录", decided_by=admin
    )
    client = client_for(admin)
    assert listed(client, {"campaign": campaign.pk})[0] == {w["p1"].pk, w["p2"].pk}
    assert listed(client, {"campaign": campaign.pk, "batch": "signed"})[0] == {w["p2"].pk}
    assert listed(client, {"campaign": campaign.pk, "batch": "started"})[0] == {w["p1"].pk}
    assert listed(client, {"campaign": campaign.pk, "batch": "production"})[0] == set()
    assert listed(client, {"campaign": campaign.pk, "batch": "signed", "investment_min": "80000.0001"})[0] == set()


def test_filters_never_widen_scope(catalogue, personas, client_for):
    shown, response = listed(client_for(personas["staff_a"]), {"zone": catalogue["zone_b"].pk})
    assert "zone" in response.context["filter"].errors
    assert shown == set()
    shown, _response = listed(client_for(personas["staff_a"]))
    assert shown == {catalogue[k].pk for k in ("p1", "p2", "p3", "p5")}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("firm_1_user", {"p1"}),
        ("firm_2_user", {"p3"}),
        ("region_viewer", {"p1", "p2", "p3", "p5"}),
        ("staff_b", {"p4"}),
        ("security_admin", set()),
    ],
)
def test_list_scope(catalogue, personas, client_for, persona, expected):
    assert listed(client_for(personas[persona]))[0] == {catalogue[k].pk for k in expected}


@pytest.mark.parametrize(("language", "unit"), [("zh-hans", "亿元"), ("en", "RMB 100 million")])
def test_list_money_columns_have_one_unit_each(catalogue, personas, client_for, language, unit):
    """总投资, the year's plan and completion: 亿元 for every row, stated once in the header, whatever the size."""
    w, user = catalogue, personas["projects_staff_a"]
    AnnualPlan.objects.create(project=w["p1"], year=2025, planned_investment=Decimal("8000"))
    report(w["p1"], user, 202505, "1000", "2000", "11000")
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    table = tables(client.get(reverse("projects:project_list")).content.decode())["project-table"]
    assert_one_unit_per_money_column(table, unit)
    assert len(money_columns(table)) == 3
    cells = {row[0].split(" ")[0]: row for row in table["rows"]}
    total = list(money_columns(table))[0]
    assert cells["TPU薄膜项目"][total] == "2.20"  # 22,000万
    assert cells["园区道路工程"][total] == "0.50"  # 5,000万: the same unit as the 亿元 projects


def test_list_shows_year_figures_and_marks(catalogue, personas, client_for):
    w, user = catalogue, personas["projects_staff_a"]
    AnnualPlan.objects.create(project=w["p1"], year=2025, planned_investment=Decimal("8000"))
    AnnualPlan.objects.create(project=w["p1"], year=2024, planned_investment=Decimal("9999"))
    report(w["p1"], user, 202412, "500", "9000", "9000")
    report(w["p1"], user, 202504, "1000", "1000", "10000")
    report(w["p1"], user, 202505, "1000", "2000", "11000")
    response = client_for(user).get(reverse("projects:project_list"))
    rows = {row.record.pk: row for row in response.context["table"].page.object_list}
    p1 = rows[w["p1"].pk].record
    assert (p1.annual_plan, p1.completed_this_year) == (Decimal("8000"), Decimal("2000"))
    assert rows[w["p2"].pk].record.completed_this_year is None
    html = response.content.decode()
    assert "0.80" in html and "25.00%" in html  # 8000万 = 0.80亿; 2000 ÷ 8000
    assert "节点滞后" in html and "审批超时" in html and "问题逾期" in html
    assert "未登记" in html  # p2's investor
    assert "张副区长" in html
    # Staff of one zone need no zone column; a region viewer reads several zones.
    assert not response.context["table"].columns["zone"].visible
    assert listed(client_for(personas["region_viewer"]))[1].context["table"].columns["zone"].visible


def list_population(world, personas, n):
    admin = personas["system_admin"]
    for i in range(n):
        p = new_project(
            admin,
            zone=world["zone_a"] if i % 2 else world["zone_b"],
            name=f"项目{i:03d}",
            investor=world["firm_1"] if i % 2 else None,
            investor_name="" if i % 2 else f"投资方{i}",
            total_investment=Decimal(1000 + i),
            level="province" if i % 3 else "none",
        )
        record(admin, p, "signed", actual_on=datetime.date(2025, 1, 1 + i % 28))
        record(admin, p, "started", planned_on=datetime.date(2025, 3, 1))
        AnnualPlan.objects.create(project=p, year=2025, planned_investment=Decimal(500))
        report(p, admin, 202505, "10", "10", "10")
        Approval.objects.create(
            project=p,
            kind=ApprovalKind.objects.get(zone=p.zone, name="环评"),
            status="submitted",
            submitted_on=datetime.date(2025, 1, 1),
            time_limit_days=30,
        )


LIST_QUERIES = 18  # one fewer since the list stopped asking whether to link the board (the sub-navigation knows)
BOARD_QUERIES = 12
PROJECT_PAGE_QUERIES = 22


@pytest.mark.parametrize("n", [2, 20])
def test_list_queries_are_bounded(world, personas, client_for, django_assert_num_queries, n):
    list_population(world, personas, n)
    client = client_for(personas["system_admin"])
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("projects:project_list"), {"overdue": "true", "sort": "zone"})
    assert len(response.context["table"].page.object_list) == n


# ------------------------------------------------------------------------------------------------------------- export
def export(client, params=None):
    response = client.get(reverse("projects:project_export"), params or {})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:]


@pytest.mark.parametrize(
    ("persona", "params", "expected"),
    [
        ("system_admin", {}, {"p1", "p2", "p3", "p4", "p5"}),
        ("system_admin", {"level": "province"}, {"p1", "p4"}),
        ("system_admin", {"overdue": "true", "zone": "zone_a"}, {"p2", "p3", "p5"}),
        ("system_admin", {"investment_min": "15000"}, {"p1", "p2", "p4"}),
        ("staff_a", {}, {"p1", "p2", "p3", "p5"}),
        ("staff_a", {"zone": "zone_b"}, set()),  # not a choice for zone A's staff: nothing, as on the page
        ("firm_1_user", {}, {"p1"}),
        ("audit_admin", {}, set()),
    ],
)
def test_export_follows_scope_and_filters(catalogue, personas, client_for, persona, params, expected):
    params = {k: catalogue[v].pk if isinstance(v, str) and v in catalogue else v for k, v in params.items()}
    client = client_for(personas[persona])
    header, rows = export(client, params)
    assert header[0] == "项目名称"
    assert sorted(row[0] for row in rows) == sorted(catalogue[k].name for k in expected)
    assert sorted(row[0] for row in rows) == sorted(Project.objects.get(pk=pk).name for pk in listed(client, params)[0])


def test_export_values_escaping_and_audit(catalogue, personas, client_for):
    w, admin = catalogue, personas["system_admin"]
    evil = new_project(
        admin,
        zone=w["zone_a"],
        name='=HYPERLINK("http://evil","点我")',
        investor_name="@某公司",
        leader="+86 王",
        content="-1",
        total_investment=Decimal("1234.5678"),
        capacity_quantity=Decimal("10000"),
        capacity_unit="吨/年",
    )
    AnnualPlan.objects.create(project=w["p1"], year=2025, planned_investment=Decimal("8000"))
    report(w["p1"], admin, 202505, "2000", "2000", "2000")
    client = client_for(admin)
    header, rows = export(client, {"zone": w["zone_a"].pk})
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    row = by_name["'" + evil.name]
    assert (row["投资方"], row["挂点领导"], row["建设规模及主要建设内容"]) == ("'@某公司", "'+86 王", "'-1")
    assert row["总投资（万元）"] == 1234.5678 and row["设计产能"] == "10000吨/年"
    assert row["投资方是否已登记"] == "否"
    tpu = by_name["TPU薄膜项目"]
    assert (tpu["2025年计划投资（万元）"], tpu["2025年完成投资（万元）"], tpu["年度完成率（%）"]) == (8000, 2000, 25)
    assert (tpu["当前阶段"], tpu["重点项目级别"], tpu["投资方"]) == ("开工", "省重点", "高平甲材料有限公司")
    assert by_name["园区道路工程"]["逾期情况"] == "审批超时"
    assert by_name["万吨级聚砜项目"]["逾期情况"] == "节点滞后"
    event = AuditEvent.objects.filter(event=AuditEventChoices.EXPORT).latest("occurred_at")
    assert event.user == admin and event.detail["rows"] == 5 and event.detail["list"] == "项目清单"
    assert f"zone={w['zone_a'].pk}" in event.detail["filter"]


# -------------------------------------------------------------------------------------------------------------- board
def board(client, params=None):
    response = client.get(reverse("projects:board"), params or {})
    assert response.status_code == 200
    columns = {}
    for ladder in response.context["ladders"]:
        for column in ladder["columns"]:
            key = column["stage"].code if column["stage"] else "none"
            columns[key] = column
    return columns, response


def test_board_counts_and_investment_per_stage(catalogue, personas, client_for):
    """Zone A by hand: 开工 p1 (2.2亿); 签约 p2 (8亿); no stage p3 (5000万, paused); p5 terminated is left out."""
    columns, response = board(client_for(personas["zone_admin_a"]))
    counted = {key: (c["count"], c["investment"]) for key, c in columns.items() if c["count"]}
    assert counted == {
        "started": (1, Decimal("22000")),
        "signed": (1, Decimal("80000")),
        "none": (1, Decimal("5000")),
    }
    assert [p.pk for p in columns["signed"]["projects"]] == [catalogue["p2"].pk]
    assert columns["signed"]["projects"][0].badges == [("text-bg-warning", "节点滞后")]
    assert response.context["total_count"] == 3 and response.context["total_investment"] == Decimal("107000")
    # Every stage of the zone's ladder has its column, in two rows: talks and the pipeline.
    ladders = response.context["ladders"]
    assert [len(ladder["columns"]) for ladder in ladders] == [5, 10]  # 未记录阶段 + 4 talks stages; 10 pipeline
    assert columns["full_capacity"]["count"] == 0 and columns["full_capacity"]["investment"] is None
    html = response.content.decode()
    assert catalogue["p1"].get_absolute_url() in html and catalogue["p5"].get_absolute_url() not in html


def test_board_filters(catalogue, personas, client_for):
    w = catalogue
    client = client_for(personas["system_admin"])
    columns, _response = board(client, {"zone": w["zone_a"].pk, "level": "province"})
    assert {k: c["count"] for k, c in columns.items() if c["count"]} == {"started": 1}
    columns, _response = board(client, {"zone": w["zone_a"].pk, "kind": "infrastructure"})
    assert {k: c["count"] for k, c in columns.items() if c["count"]} == {"none": 1}
    columns, _response = board(client, {"zone": w["zone_a"].pk, "park": w["park_a"].pk})
    assert {k: c["count"] for k, c in columns.items() if c["count"]} == {"started": 1}
    columns, response = board(client, {"zone": w["zone_b"].pk})
    assert {k: (c["count"], c["investment"]) for k, c in columns.items() if c["count"]} == {
        "signed": (1, Decimal("15000"))
    }
    assert response.context["zone"] == w["zone_b"]


def test_board_shows_the_largest_projects_and_links_the_rest(catalogue, personas, client_for):
    w, admin = catalogue, personas["system_admin"]
    extra = []
    for i in range(CARDS_PER_STAGE + 2):
        p = new_project(
            admin, zone=w["zone_a"], name=f"签约项目{i:02d}", investor_name="某公司", total_investment=Decimal(100 + i)
        )
        record(admin, p, "signed", actual_on=datetime.date(2025, 1, 2))
        extra.append(p)
    client = client_for(personas["leader_a"])
    columns, _response = board(client)
    signed = columns["signed"]
    assert signed["count"] == CARDS_PER_STAGE + 3
    assert signed["investment"] == Decimal(80000) + sum(p.total_investment for p in extra)
    # The largest first: p2 (8亿), then the extra projects from the largest down.
    expected = [w["p2"].pk] + [p.pk for p in reversed(extra)][: CARDS_PER_STAGE - 1]
    assert [p.pk for p in signed["projects"]] == expected
    assert signed["more"] == 3
    response = client.get(signed["url"])
    shown = {row.record.pk for row in response.context["table"].page.object_list}
    assert shown == {w["p2"].pk} | {p.pk for p in extra}


def test_board_zone_choice_and_scope(catalogue, personas, client_for):
    w = catalogue
    assert board(client_for(personas["staff_b"]))[1].context["zone"] == w["zone_b"]
    assert board(client_for(personas["region_viewer"]))[1].context["zone"] == w["zone_a"]
    assert not board(client_for(personas["region_viewer"]))[1].context["show_zone_choice"]
    admin_board = board(client_for(personas["system_admin"]))[1].context
    assert admin_board["show_zone_choice"] and admin_board["zone"] == w["zone_a"]  # the oldest zone
    assert client_for(personas["staff_a"]).get(reverse("projects:board"), {"zone": w["zone_b"].pk}).status_code == 404
    assert client_for(personas["staff_a"]).get(reverse("projects:board"), {"zone": "x"}).status_code == 404
    for persona in ("firm_1_user", "security_admin", "audit_admin"):
        assert client_for(personas[persona]).get(reverse("projects:board")).status_code == 404


@pytest.mark.parametrize("n", [2, 20])
def test_board_queries_are_bounded(world, personas, client_for, django_assert_num_queries, n):
    list_population(world, personas, n)
    client = client_for(personas["system_admin"])
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(reverse("projects:board"), {"zone": world["zone_a"].pk, "level": "province"})
    assert response.context["total_count"] == len([i for i in range(n) if i % 2 and i % 3])


# ------------------------------------------------------------------------------------------------------- project page
@pytest.fixture
def tpu(catalogue, personas):
    """Scenario 7 on the page: three dates, lines, an approval each of two departments, plans and progress."""
    w, admin, staff = catalogue, personas["system_admin"], personas["projects_staff_a"]
    p = w["p1"]
    p.land_mu, p.floor_area_m2, p.expected_output_value = Decimal("26"), Decimal("35000"), Decimal("20000")
    p.capacity_quantity, p.capacity_unit = Decimal("10000"), "吨/年"
    services.save_project(actor=admin, project=p)
    record(admin, p, "topped_out", planned_on=datetime.date(2025, 5, 1))
    record(admin, p, "land", actual_on=datetime.date(2023, 11, 1), out_of_order_reason="先行开工，后补供地手续")
    for number in range(1, 5):
        status = LineStatusChoices.TRIAL if number < 4 else LineStatusChoices.COMMISSIONING
        ProductionLine.objects.create(project=p, name=f"{number}号线", status=status, order=number)
    ProjectPhase.objects.create(project=p, name="一期", total_investment=Decimal("12000"))
    w["approval_dept_a"] = Approval.objects.create(
        project=p, kind=ApprovalKind.objects.get(zone=p.zone, name="环评"), department=w["dept_a"]
    )
    w["approval_other"] = Approval.objects.create(
        project=p,
        kind=ApprovalKind.objects.get(zone=p.zone, name="安评"),
        department=w["dept_a_projects"],
        status=ApprovalStatusChoices.APPROVED,
        submitted_on=datetime.date(2024, 1, 2),
        approved_on=datetime.date(2024, 1, 20),
        document_number="晋环审〔2024〕12号",
        is_commitment=True,
    )
    AnnualPlan.objects.create(project=p, year=2025, planned_investment=Decimal("8000"))
    report(p, staff, 202504, "1000", "1000", "15000", image_progress="主体封顶")
    report(p, staff, 202505, "1000", "2000", "16000")
    inspection = Inspection.objects.create(
        zone=p.zone, held_on=datetime.date(2025, 5, 20), kind="on_site", leaders="市长", recorded_by=admin
    )
    inspection.projects.add(p)
    Problem.objects.create(
        zone=p.zone,
        project=p,
        inspection=inspection,
        category="living",
        description="宿舍和食堂未落实",
        department=w["dept_a"],
        raised_on=datetime.date(2025, 5, 20),
        deadline=datetime.date(2025, 6, 10),
        raised_by=admin,
    )
    w["inspection"] = inspection
    return p


def page(client, project, params=None):
    response = client.get(reverse("projects:project", args=[project.pk]), params or {})
    assert response.status_code == 200
    return response, response.content.decode()


def test_project_page_shows_the_project(tpu, catalogue, personas, client_for):
    response, html = page(client_for(personas["leader_a"]), tpu)
    assert f'href="{catalogue["firm_1"].get_absolute_url()}"' in html
    assert "26 亩" in html and "35,000 平方米" in html and "10,000 吨/年" in html
    assert "3 条线试生产，1 条线调试" in html
    assert "先行开工，后补供地手续" in html  # the confirmed reason of an out-of-order date
    pipeline = {row["stage"].code: row for row in response.context["ladders"][1]["stages"]}
    assert (pipeline["signed"]["actual_on"], pipeline["started"]["actual_on"]) == (
        datetime.date(2023, 5, 29),
        datetime.date(2023, 10, 1),
    )
    assert pipeline["topped_out"]["late"] and pipeline["topped_out"]["late_days"] == 45  # planned 2025-05-01
    assert not pipeline["completed"]["late"] and pipeline["started"]["current"]
    assert "滞后 45 天" in html
    assert "晋环审〔2024〕12号" in html and "宿舍和食堂未落实" in html and "市长" in html
    progress = {row["period"]: row for row in response.context["progress"]}
    assert progress["2025-05"]["plan_pct"] == Decimal("25.00")  # 2000 ÷ 8000
    assert progress["2025-05"]["total_pct"] == Decimal("72.73")  # 16000 ÷ 22000
    source = html.split('<script id="project-progress-data" type="application/json">')[1].split("</script>")[0]
    chart = json.loads(source)
    assert [Decimal(v) for v in chart["monthly"][3:5]] == [1000, 1000] and chart["monthly"][5] is None
    assert [Decimal(v) for v in chart["year_to_date"][3:5]] == [1000, 2000] and chart["year_to_date"][5] is None
    assert {Decimal(v) for v in chart["plan"]} == {8000} and len(chart["plan"]) == 12
    assert chart["year"] == 2025 and "js/projects.js" in html
    assert "<script>" not in html.replace('<script type="application/json"', "")  # no inline code (CSP)


def test_unregistered_investor_and_overdue_marks(catalogue, personas, client_for):
    _response, html = page(client_for(personas["zone_admin_a"]), catalogue["p2"])
    assert "山东某新材料集团" in html and "未登记" in html
    assert reverse("projects:link_investor", args=[catalogue["p2"].pk]) in html
    _response, html = page(client_for(personas["zone_admin_a"]), catalogue["p3"])
    assert "1 项审批超时" in html and "overdue-mark" in html


def action_urls(project, w):
    return {
        "edit": reverse("projects:project_edit", args=[project.pk]),
        "approval_add": reverse("projects:approval_add", args=[project.pk]),
        "problem_add": reverse("projects:problem_add", args=[project.pk]),
        "progress_add": reverse("projects:progress_add", args=[project.pk]),
        "file_add": reverse("projects:file_add", args=[project.pk]),
        "stage_edit": reverse("projects:stage_edit", args=[project.pk, stage(project.zone, "started").pk]),
        "plan_edit": reverse("projects:plan_edit", args=[project.pk, 2025]),
        "line_add": reverse("projects:line_add", args=[project.pk]),
        "phase_add": reverse("projects:phase_add", args=[project.pk]),
        "approval_dept_a": reverse("projects:approval_edit", args=[w["approval_dept_a"].pk]),
        "approval_other": reverse("projects:approval_edit", args=[w["approval_other"].pk]),
    }


STAFF_ACTIONS = {"edit", "approval_add", "problem_add", "progress_add", "file_add", "stage_edit", "plan_edit"}
STAFF_ACTIONS |= {"line_add", "phase_add", "approval_dept_a", "approval_other"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("projects_staff_a", STAFF_ACTIONS),
        ("zone_admin_a", STAFF_ACTIONS),
        ("staff_a", {"approval_dept_a"}),  # 经济运行部 handles the matter assigned to it, nothing else
        ("leader_a", set()),
        ("region_viewer", set()),
        ("firm_1_user", {"progress_add"}),  # the investor reports progress on its own project
    ],
)
def test_action_links_follow_what_the_user_may_write(tpu, catalogue, personas, client_for, persona, expected):
    _response, html = page(client_for(personas[persona]), tpu)
    shown = {name for name, url in action_urls(tpu, catalogue).items() if f'href="{url}' in html}
    assert shown == expected


def test_project_page_scope(catalogue, personas, client_for):
    w = catalogue
    url = reverse("projects:project", args=[w["p1"].pk])
    for persona in ("firm_2_user", "staff_b", "security_admin", "audit_admin"):
        assert client_for(personas[persona]).get(url).status_code == 404
    assert client_for(personas["firm_1_user"]).get(url).status_code == 200
    assert client_for(personas["firm_1_user"]).get(reverse("projects:project", args=[w["p3"].pk])).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_enterprise_user_does_not_see_inspections(tpu, personas, client_for):
    """Inspections are the zone's business (Inspection.scope has no enterprise): the firm sees its problems only."""
    response, html = page(client_for(personas["firm_1_user"]), tpu)
    assert list(response.context["inspections"]) == []
    assert "宿舍和食堂未落实" in html
    assert list(page(client_for(personas["leader_a"]), tpu)[0].context["inspections"]) == [tpu.inspections.get()]


def test_history_is_on_the_page(catalogue, personas, client_for):
    p = catalogue["p2"]
    p.leader = "李主任"
    services.save_project(actor=personas["projects_staff_a"], project=p)
    _response, html = page(client_for(personas["leader_a"]), p)
    assert "李主任" in html and "projects_a" in html


def grow(project, user, w, n):
    """n approvals, problems, progress reports, lines, phases and files on one project."""
    kinds = list(ApprovalKind.objects.filter(zone=project.zone))
    for i in range(n):
        Approval.objects.create(project=project, kind=kinds[i], department=w["dept_a"])
        Problem.objects.create(
            zone=project.zone,
            project=project,
            category="other",
            description=f"问题{i}",
            department=w["dept_a"],
            raised_on=datetime.date(2025, 1, 1),
            deadline=datetime.date(2025, 3, 1),
            raised_by=user,
            status=ProblemStatusChoices.OPEN,
        )
        report(project, user, 202501 + i, "10", str(10 * (i + 1)), str(10 * (i + 1)))
        ProductionLine.objects.create(project=project, name=f"{i}号线", status="trial")
        ProjectPhase.objects.create(project=project, name=f"{i}期")
        project.files.create(file=f"projects/{i}.pdf", caption=f"文件{i}", uploaded_by=user)
        inspection = Inspection.objects.create(
            zone=project.zone, held_on=datetime.date(2025, 2, 1), kind="survey", leaders="书记", recorded_by=user
        )
        inspection.projects.add(project)
        project.leader = f"领导{i}"
        services.save_project(actor=user, project=project)
    AnnualPlan.objects.create(project=project, year=2025, planned_investment=Decimal(100))


@pytest.mark.parametrize("n", [1, 5])
def test_project_page_queries_are_bounded(catalogue, personas, client_for, django_assert_num_queries, n):
    grow(catalogue["p1"], personas["projects_staff_a"], catalogue, n)
    client = client_for(personas["staff_a"])
    with django_assert_num_queries(PROJECT_PAGE_QUERIES):
        response = client.get(reverse("projects:project", args=[catalogue["p1"].pk]))
    assert len(response.context["approvals"]) == n and len(response.context["progress"]) == n


# --------------------------------------------------------------------------------------------------------- navigation
def test_project_menu_items(personas):
    names = lambda persona: [name for name, _label in nav_items_for(personas[persona])]  # noqa: E731
    for persona in ("zone_admin_a", "staff_a", "leader_a", "region_viewer", "system_admin"):
        assert {"projects:project_list", "projects:leader"} <= set(names(persona))
    assert "projects:project_list" in names("firm_1_user") and "projects:leader" not in names("firm_1_user")
    for persona in ("security_admin", "audit_admin"):
        assert not {"projects:project_list", "projects:leader"} & set(names(persona))


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("projects:project_list", "projects:project_list"),
        ("projects:project", "projects:project_list"),
        ("projects:board", "projects:project_list"),
        ("projects:stage_edit", "projects:project_list"),
        ("projects:leader", "projects:leader"),
        ("projects:campaign_list", "projects:leader"),
        ("projects:inspection", "projects:leader"),
        ("projects:key_projects_export", "projects:leader"),
        ("projects:bulletin", "projects:leader"),
    ],
)
def test_one_project_menu_item_is_active(current, expected):
    items = ["home", "enterprises:enterprise_list", "projects:project_list", "projects:leader", "stats:report"]
    assert [name for name in items if is_active(name, current)] == [expected]


def test_region_viewer_reads_without_write_buttons(catalogue, personas, client_for):
    client = client_for(personas["region_viewer"])
    html = listed(client)[1].content.decode()
    assert reverse("projects:project_add") not in html and reverse("projects:project_import") not in html
    assert reverse("projects:project_export") in html
    html = board(client)[1].content.decode()
    assert reverse("projects:stage_config") not in html
    html = board(client_for(personas["zone_admin_a"]))[1].content.decode()
    assert reverse("projects:stage_config") in html
    assert reverse("projects:project_add") in listed(client_for(personas["projects_staff_a"]))[1].content.decode()
