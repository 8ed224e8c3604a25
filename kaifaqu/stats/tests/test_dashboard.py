"""The zone dashboard, its firm rows and export, the region ranking, targets and 规上/四上 status pages."""

import io
import json
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.cn import uscc

from kaifaqu.core.tests.html_tables import assert_one_unit_per_money_column, tables
from kaifaqu.enterprises.models import Enterprise, Tag
from kaifaqu.stats.aggregation import (
    CARD_INDICATORS,
    NO_NARROWING,
    Narrowing,
    StatsViewer,
    Totals,
    dashboard_figures,
    monthly_trend,
    scope_of,
    totals,
)
from kaifaqu.stats.models import EnterpriseYearStatus, Indicator, Target, Value
from kaifaqu.stats.reference import active_indicators
from kaifaqu.stats.summaries import rebuild_summaries
from kaifaqu.stats.thresholds import check_status, threshold_for
from kaifaqu.zones.models import IndustryChain, Park

P, PREV = 202503, 202403


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def credit_code(serial):
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


def put(enterprise, period, amount, code="main_revenue"):
    Value.objects.create(
        enterprise=enterprise,
        zone=enterprise.zone,
        indicator=Indicator.objects.get(code=code),
        period=period,
        value=Decimal(str(amount)),
        source="demo",
    )


def add_firms(world, count, start=500):
    firms = []
    for n in range(count):
        firm = Enterprise.objects.create(
            credit_code=credit_code(start + n),
            name=f"看板企业{n:03d}",
            zone=world["zone_a"],
            park=world["park_a"] if n % 2 else None,
            industry_id="2651" if n % 3 else "3411",
        )
        firms.append(firm)
    values = Indicator.objects.filter(code__in=["main_revenue", "output_value", "value_added"])
    Value.objects.bulk_create(
        Value(enterprise=f, zone=f.zone, indicator=i, period=p, value=Decimal(100 + n), source="demo")
        for n, f in enumerate(firms)
        for i in values
        for p in (202402, PREV, 202502, P)
    )
    # in the directory of both years (every other firm), so the pages take the directory's path: 应报 and 口径差
    EnterpriseYearStatus.objects.bulk_create(
        EnterpriseYearStatus(enterprise=f, year=year, category="industry") for f in firms[::2] for year in (2024, 2025)
    )
    return firms


@pytest.fixture
def figures(world):
    put(world["firm_1"], P, 120)
    put(world["firm_1"], PREV, 100)
    put(world["firm_2"], P, 45)
    put(world["firm_2"], PREV, 50)
    put(world["firm_b"], P, 500)
    put(world["firm_b"], PREV, 400)


def dashboard_url(world, zone="zone_a", **params):
    url = reverse("stats:dashboard", args=[world[zone].pk])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}?{query}" if query else url


def test_dashboard_shows_figures_and_chart_data(world, personas, client_for, figures):
    response = client_for(personas["staff_a"]).get(dashboard_url(world, period="2025-03", indicator="main_revenue"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="stats-dashboard-data"' in page and "stats-dashboard.js" in page
    assert "<script>" not in page  # no inline script (CSP)
    chart = json.loads(page.split('id="stats-dashboard-data" type="application/json">')[1].split("</script>")[0])
    assert Decimal(chart["this_year"][2]) == Decimal(165)  # a decimal string, never a float
    assert response.context["summary"].total.growth_pct == Decimal("10.00")  # 165 / 150
    assert world["firm_1"].name in page  # top contributors
    assert world["firm_b"].name not in page  # other zone
    assert reverse("stats:dashboard_rows", args=[world["zone_a"].pk]) in page


@pytest.mark.parametrize(
    ("language", "unit", "title", "axis", "headline"),
    [
        ("zh-hans", "万元", "2025年1—3月", ["1月", "2月", "3月"], "12.00亿元"),
        ("en", "RMB 10,000", "Jan–Mar 2025", ["Jan", "Feb", "Mar"], "12.00 (RMB 100 million)"),
    ],
)
def test_dashboard_money_period_and_axis_in_the_users_language(
    world, personas, client_for, language, unit, title, axis, headline
):
    put(world["firm_1"], P, 100000)
    put(world["firm_1"], PREV, 90000)
    put(world["firm_2"], P, 20000)
    put(world["firm_2"], PREV, 18000)
    client = client_for(personas["staff_a"])
    client.cookies["django_language"] = language
    page = client.get(dashboard_url(world, period="2025-03", indicator="main_revenue")).content.decode()
    assert f'<small class="text-muted" id="period-title">{title}</small>' in page
    chart = json.loads(page.split('id="stats-dashboard-data" type="application/json">')[1].split("</script>")[0])
    assert chart["months"][:3] == axis and len(chart["months"]) == 12
    assert chart["unit"] == unit
    assert headline in page  # the 主营业务收入 card: 120,000万 in 亿元
    found = tables(page)
    for table_id in ("table-parks", "table-industries", "top-contributors"):
        assert_one_unit_per_money_column(found[table_id], unit)
    assert found["top-contributors"]["rows"][0][1] == "100,000.00"
    rows = client.get(reverse("stats:dashboard_rows", args=[world["zone_a"].pk]) + "?period=2025-03").content.decode()
    assert_one_unit_per_money_column(tables(rows)["firm-rows"], unit)


@pytest.mark.parametrize(
    ("language", "unit", "title"), [("zh-hans", "亿元", "2025年1—3月"), ("en", "RMB 100 million", "Jan–Mar 2025")]
)
def test_ranking_states_one_unit_and_a_readable_period(world, personas, client_for, language, unit, title):
    put(world["firm_1"], P, 100000)
    put(world["firm_1"], PREV, 90000)
    client = client_for(personas["system_admin"])
    client.cookies["django_language"] = language
    page = client.get(reverse("stats:ranking") + "?period=2025-03&indicator=main_revenue").content.decode()
    assert f"· {title}</small>" in page and "202503" not in page.split("</h1>")[0]
    table = tables(page)["ranking-table"]
    assert_one_unit_per_money_column(table, unit)
    assert table["rows"][0][2] == "10.00"  # 100,000万 = 10.00亿


def test_counts_show_as_integers(world, personas, client_for):
    put(world["firm_1"], P, "3077.0000", code="employees")
    put(world["firm_2"], P, "1200.0000", code="employees")
    page = client_for(personas["staff_a"]).get(dashboard_url(world, period="2025-03", indicator="employees"))
    found = tables(page.content.decode())
    assert found["top-contributors"]["rows"][0][1] in ("3,077", "1,200")
    # What people read (the page without its chart data, whose JSON carries the stored Decimal: "3077.0000" on
    # PostgreSQL) shows counts as integers.
    shown = re.sub(r'<script[^>]*type="application/json"[^>]*>.*?</script>', "", page.content.decode(), flags=re.S)
    assert "3077.00" not in shown and "4,277" in shown


def test_dashboard_defaults_to_the_latest_period(world, personas, client_for, figures):
    response = client_for(personas["leader_a"]).get(dashboard_url(world))
    assert response.context["period"] == P


def test_enterprise_user_sees_suppressed_aggregates_only(world, personas, client_for, figures, settings):
    settings.STATS_MIN_GROUP_SIZE = 3
    client = client_for(personas["firm_1_user"])
    response = client.get(dashboard_url(world, period="2025-03", indicator="main_revenue"))
    assert response.status_code == 200
    page = response.content.decode()
    assert world["firm_2"].name not in page
    assert response.context["summary"].total.current is None  # two firms < k = 3
    assert response.context["top"] == []
    assert 'id="suppression-note"' in page
    assert client.get(reverse("stats:dashboard_rows", args=[world["zone_a"].pk])).status_code == 404
    assert client.get(dashboard_url(world, zone="zone_b")).status_code == 404


def test_out_of_scope_zone_is_404(world, personas, client_for, figures):
    assert client_for(personas["staff_b"]).get(dashboard_url(world)).status_code == 404
    assert client_for(personas["security_admin"]).get(dashboard_url(world)).status_code == 404
    assert client_for(None).get(dashboard_url(world)).status_code == 302


def test_rows_page_lists_firms_behind_a_park_figure(world, personas, client_for, figures):
    url = reverse("stats:dashboard_rows", args=[world["zone_a"].pk])
    response = client_for(personas["zone_admin_a"]).get(f"{url}?period=2025-03&indicator=main_revenue&park=none")
    page = response.content.decode()
    assert world["firm_2"].name in page and world["firm_1"].name not in page  # firm_2 is in no park
    response = client_for(personas["zone_admin_a"]).get(
        f"{url}?period=2025-03&indicator=main_revenue&park={world['park_a'].pk}"
    )
    assert [r.name for r in response.context["page"]] == [world["firm_1"].name]


def test_export_holds_the_dashboard_and_firm_rows(world, personas, client_for, figures):
    url = reverse("stats:dashboard_export", args=[world["zone_a"].pk])
    response = client_for(personas["staff_a"]).get(f"{url}?period=2025-03&indicator=main_revenue")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert {"主要指标", "分园区", "分行业", "企业明细", "目标完成"} <= set(book.sheetnames)
    names = [row[0] for row in book["企业明细"].iter_rows(min_row=2, values_only=True)]
    assert set(names) == {world["firm_1"].name, world["firm_2"].name}


def test_enterprise_export_has_no_firm_rows(world, personas, client_for, figures):
    url = reverse("stats:dashboard_export", args=[world["zone_a"].pk])
    response = client_for(personas["firm_1_user"]).get(f"{url}?period=2025-03&indicator=main_revenue")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert "企业明细" not in book.sheetnames
    text = "\n".join(str(v) for s in book.worksheets for row in s.iter_rows(values_only=True) for v in row if v)
    assert world["firm_2"].name not in text


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("view", ["stats:dashboard", "stats:dashboard_rows"])
def test_query_count_does_not_grow_with_firms(world, personas, client_for, view, django_assert_max_num_queries):
    client = client_for(personas["staff_a"])
    url = reverse(view, args=[world["zone_a"].pk]) + "?period=2025-03&indicator=main_revenue"
    add_firms(world, 5)
    client.get(url)  # warm up the session and the cached reference lists
    few = count_queries(client, url)
    add_firms(world, 45, start=600)
    client.get(url)  # the new firms' industries: the zone's filter lists are read again once
    many = count_queries(client, url)
    assert few == many
    with django_assert_max_num_queries(40):
        client.get(url)


# The dashboard as each persona loads it, reference lists cached (kaifaqu.stats.reference), counted query by query:
#   session, user, memberships (3); the viewer's zones (1, not for a firm's user); data versions (1); scope (1);
#   entitled: the summary rows of the cards, parks, divisions and trend in one GROUP BY, 应报 by (park, division)
#   (aggregation.dashboard_figures: 2), 应报/已报, top 10 (2), 口径差 (2: figures of both years, the firms);
#   a region viewer also the region's name (1);
#   published tables: the firm figures of all six cards at once (3), trend (1).
DASHBOARD_QUERIES = {"leader_a": 12, "zone_admin_a": 12, "region_viewer": 13, "firm_1_user": 9}


@pytest.mark.parametrize("persona", sorted(DASHBOARD_QUERIES))
def test_dashboard_queries_per_persona_are_constant(world, personas, client_for, persona):
    client = client_for(personas[persona])
    url = reverse("stats:dashboard", args=[world["zone_a"].pk]) + "?period=2025-03&indicator=main_revenue"
    add_firms(world, 5)
    client.get(url)
    few = count_queries(client, url)
    add_firms(world, 45, start=600)
    client.get(url)
    many = count_queries(client, url)
    assert few == many == DASHBOARD_QUERIES[persona]


def filter_choices(response, field):
    return dict(response.context["form"].fields[field].choices)


def test_filter_lists_are_the_zones_own(world, personas, client_for, figures):
    """Parks, chains, industries and tags of zone A's firms — not GB/T 4754's 1,700 classes nor zone B's tags."""
    Tag.objects.create(name="外省标签")  # on no firm of zone A
    world["firm_1"].tags.add(Tag.objects.create(name="专精特新"))
    response = client_for(personas["leader_a"]).get(dashboard_url(world))
    assert set(filter_choices(response, "division")) == {"", "26", "34"}  # 2651 and 3411's divisions
    assert set(filter_choices(response, "section")) == {"", "C"}
    assert set(filter_choices(response, "tag")) == {"", "专精特新"}
    assert set(filter_choices(response, "park")) == {"", world["park_a"].pk}


def test_a_write_shows_on_the_next_page_not_a_cached_list(world, personas, client_for, figures):
    client = client_for(personas["leader_a"])
    url = dashboard_url(world)
    client.get(url)  # the lists are cached now
    park = Park.objects.create(zone=world["zone_a"], name="高平新园")
    world["firm_2"].tags.add(Tag.objects.create(name="链主企业"))
    chain = IndustryChain.objects.create(zone=world["zone_a"], name="光伏链")
    response = client.get(url)
    assert filter_choices(response, "park")[park.pk] == "高平新园"
    assert "链主企业" in filter_choices(response, "tag")
    assert chain.pk in filter_choices(response, "chain")
    firm = world["firm_2"]
    firm.industry_id = "1311"  # 谷物磨制: section C, division 13
    firm.save()
    assert set(filter_choices(client.get(url), "division")) == {"", "13", "26"}  # 34 went with the old class
    park.name = "高平新材料二园"
    park.save()
    assert filter_choices(client.get(url), "park")[park.pk] == "高平新材料二园"


def test_a_relocated_firm_leaves_its_old_zones_lists(world, personas, client_for, figures):
    from kaifaqu.enterprises.services import relocate_enterprise

    client = client_for(personas["leader_a"])
    assert "34" in filter_choices(client.get(dashboard_url(world)), "division")
    relocate_enterprise(
        actor=personas["zone_admin_a"],
        enterprise=world["firm_2"],
        to_zone=world["zone_b"],
        to_park=None,
        moved_on=date(2025, 4, 1),
    )
    assert "34" not in filter_choices(client.get(dashboard_url(world)), "division")


def test_an_indicator_renamed_is_renamed_on_the_page(world, personas, client_for, figures):
    client = client_for(personas["leader_a"])
    client.get(dashboard_url(world))
    indicator = Indicator.objects.get(code="main_revenue")
    indicator.name = "营业收入（主营）"
    indicator.save()
    assert filter_choices(client.get(dashboard_url(world)), "indicator")["main_revenue"] == "营业收入（主营）"


# ----------------------------------------------------------------------------------------------------------- ranking
def test_region_viewer_ranks_zones_in_their_region(world, personas, client_for, figures):
    response = client_for(personas["region_viewer"]).get(reverse("stats:ranking") + "?period=2025-03")
    assert response.status_code == 200
    assert [row.zone for row in response.context["rows"]] == [world["zone_a"]]  # 灵石 is not in 晋城市
    admin = client_for(personas["system_admin"]).get(
        reverse("stats:ranking") + "?period=2025-03&order=growth&indicator=main_revenue"
    )
    assert [(r.zone, r.rank_growth) for r in admin.context["rows"]][:2] == [(world["zone_b"], 1), (world["zone_a"], 2)]
    assert client_for(personas["staff_a"]).get(reverse("stats:ranking")).status_code == 404
    export = client_for(personas["system_admin"]).get(
        reverse("stats:ranking_export") + "?period=2025-03&indicator=main_revenue"
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True)
    assert [r[0] for r in book.active.iter_rows(min_row=2, values_only=True)] == [
        world["zone_b"].name,
        world["zone_a"].name,
    ]


# ----------------------------------------------------------------------------------------------------------- targets
def test_staff_sets_a_target_and_the_headline_table_shows_completion(world, personas, client_for, figures):
    url = reverse("stats:target_list", args=[world["zone_a"].pk])
    revenue = Indicator.objects.get(code="main_revenue")
    payload = {"year": 2025, "indicator": revenue.pk, "value": "660", "growth_target_pct": "8", "source": "region"}
    response = client_for(personas["staff_a"]).post(url, payload)
    assert response.status_code == 302
    target = Target.objects.get(zone=world["zone_a"], year=2025, indicator=revenue)
    assert (target.value, target.source) == (Decimal(660), "region")
    assert target.history.first().history_user == personas["staff_a"]
    client_for(personas["staff_a"]).post(url, {**payload, "value": "600"})  # setting again changes it
    assert Target.objects.get(pk=target.pk).value == Decimal(600)
    page = client_for(personas["leader_a"]).get(f"{url}?year=2025&period=2025-03")
    row = next(r for r in page.context["headline"] if r.indicator.code == "main_revenue")
    assert row.completion_pct == Decimal("27.50")  # 165 / 600
    assert row.schedule_gap == Decimal("2.50")  # 27.50% done vs 25% of the year elapsed
    assert client_for(personas["leader_a"]).post(url, {**payload, "value": "1"}).status_code == 404
    assert Target.objects.get(pk=target.pk).value == Decimal(600)


# ------------------------------------------------------------------------------------------------------------ status
def test_thresholds_table():
    assert threshold_for("2651", "C").amount == Decimal(2000)
    assert threshold_for("5211", "F").amount == Decimal(500)  # retail
    assert threshold_for("7020", "K").amount == Decimal(1000)  # 物业管理
    assert threshold_for("7010", "K").amount is None  # real-estate development: every developer
    assert threshold_for("6510", "I").amount == Decimal(2000)
    assert threshold_for("8010", "O").amount == Decimal(500)
    assert threshold_for("0111", "A") is None
    industry = {"category": "industry", "industry_code": "2651", "section": "C"}
    assert check_status(**industry, figures={"main_revenue": Decimal(1999)}).problem == "年度收入低于入库标准"
    assert check_status(**industry, figures={"main_revenue": Decimal(2000)}).problem == ""  # 以上 includes 2,000
    assert check_status(**industry, figures={}).problem == "缺少年度数据，无法核对"
    assert "尚未入库" in check_status(**{**industry, "category": ""}, figures={"main_revenue": Decimal(2500)}).problem
    assert check_status(**{**industry, "category": "retail"}, figures={}).problem == "名录类别与所属行业不符"


def test_status_page_counts_entries_and_flags_disagreements(world, personas, client_for):
    EnterpriseYearStatus.objects.create(enterprise=world["firm_1"], year=2024, category="industry")
    EnterpriseYearStatus.objects.create(enterprise=world["firm_1"], year=2025, category="industry")
    put(world["firm_1"], 202512, 1500)  # below 2,000万: flagged
    put(world["firm_2"], 202512, 2600)  # reaches the threshold without status: flagged
    url = reverse("stats:status_list", args=[world["zone_a"].pk])
    client = client_for(personas["staff_a"])
    response = client.post(url, {"enterprise": world["firm_2"].pk, "year": 2025, "category": "industry", "note": ""})
    assert response.status_code == 302
    assert EnterpriseYearStatus.objects.get(enterprise=world["firm_2"], year=2025).category == "industry"
    overview = client.get(f"{url}?year=2025").context["overview"]
    assert (overview["industry"]["count"], overview["industry"]["entries"], overview["industry"]["exits"]) == (2, 1, 0)
    assert overview["industry"]["growth_pct"] == Decimal("100.00")
    problems = {r["firm"].name: r["problem"] for r in overview["rows"]}
    assert problems == {world["firm_1"].name: "年度收入低于入库标准", world["firm_2"].name: ""}
    assert client_for(personas["staff_b"]).get(url).status_code == 404
    assert client_for(personas["firm_1_user"]).get(url).status_code == 404
    assert (
        client_for(personas["leader_a"]).post(url, {"enterprise": world["firm_1"].pk, "year": 2026}).status_code == 404
    )


def test_nav_has_the_dashboard_for_business_roles(world, personas, client_for):
    home = reverse("stats:dashboard_home")
    page = client_for(personas["leader_a"]).get(reverse("zones:zone_list")).content.decode()
    assert f'href="{home}"' in page
    page = client_for(personas["firm_1_user"]).get(reverse("zones:zone_list")).content.decode()
    assert f'href="{home}"' not in page
    assert client_for(personas["leader_a"]).get(home).status_code == 302  # one zone: straight to its dashboard
    assert client_for(personas["region_viewer"]).get(home).status_code == 200


@pytest.mark.parametrize("narrowed", [False, True])
def test_the_dashboard_figures_are_the_totals_rolled_up(world, personas, figures, narrowed):
    """The one summary query of the dashboard (aggregation.dashboard_figures), rolled up by park, by division and in
    all, gives what totals() gives for each grouping, and the trend what monthly_trend reads."""
    add_firms(world, 12)
    rebuild_summaries([world["zone_a"].pk])  # add_firms writes in bulk, past the summaries' signals
    viewer = StatsViewer(personas["leader_a"])
    zone_ids = [world["zone_a"].pk]
    shown = [i for i in active_indicators() if i.code in CARD_INDICATORS]
    ids = [i.pk for i in shown]
    revenue = Indicator.objects.get(code="main_revenue")
    scope = scope_of(zone_ids, P, revenue)
    narrowing = Narrowing(outside_parks=True) if narrowed else NO_NARROWING  # where add_firms's directory is
    read = dashboard_figures(zone_ids, P, ids, narrowing=narrowing, scope=scope, trend_of=revenue.pk)
    values = viewer.values(zone_ids)
    common = {"period": P, "indicator_ids": ids, "narrowing": narrowing, "scope": scope, "zone_ids": zone_ids}
    for group in (None, "park", "division"):
        rolled, direct = read.rolled_up(group), totals(values, group=group, **common)
        assert any(t.current for t in direct.values())
        for key in set(rolled) | set(direct):
            assert rolled.get(key, Totals()) == direct.get(key, Totals()), (group, key)
    trend = monthly_trend(viewer, zone_ids=zone_ids, period=P, indicator=revenue, narrowing=narrowing, scope=scope)
    assert (
        monthly_trend(
            viewer, zone_ids=zone_ids, period=P, indicator=revenue, narrowing=narrowing, scope=scope, table=read.trend
        )
        == trend
    )
    assert None not in (trend["this"][1], trend["last"][1])  # February, both years


def test_the_dashboard_reads_base_rows_when_narrowed_by_chain(world):
    chain = IndustryChain.objects.create(zone=world["zone_a"], name="看板产业链")
    narrowing = Narrowing(chain_id=chain.pk)
    assert dashboard_figures([world["zone_a"].pk], P, [1], narrowing=narrowing) is None
