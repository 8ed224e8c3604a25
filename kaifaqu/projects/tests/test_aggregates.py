"""Key-project tables and the 通报 against a hand computation: 1—2月 时序进度 16.67%, completion rates, 开工率,
竣工率, the 形象进度 classes, the page, the exports, and constant query counts."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kaifaqu.core.tests.html_tables import assert_one_unit_per_money_column, money_columns, tables
from kaifaqu.projects import aggregates, services
from kaifaqu.projects.models import AnnualPlan, ProgressReport, Project, StageDefinition

pytestmark = pytest.mark.django_db

D = datetime.date
P = 202502  # 1—2月 2025


def stage(zone, milestone):
    return StageDefinition.objects.get(zone=zone, milestone=milestone)


def progress(project, actor, period, amount, decade=0):
    """A report recorded while its period was open (the 5th of the next month)."""
    year, month = divmod(period, 100)
    when = datetime.datetime(year + (month == 12), month % 12 + 1, 5, 12, tzinfo=timezone.get_current_timezone())
    services.record_progress(
        actor=actor, project=project, period=period, decade=decade, amount=Decimal(amount), now=when
    )


def key_project(zone, actor, name, *, level, kind, total, plan=None, starts=False, completes=False, stages=()):
    project = services.save_project(
        actor=actor,
        project=Project(
            zone=zone, name=name, investor_name="投资方", level=level, kind=kind, total_investment=Decimal(total)
        ),
    )
    for milestone, day in stages:
        services.record_stage(actor=actor, project=project, stage=stage(zone, milestone), actual_on=day)
    if plan is not None:
        AnnualPlan.objects.create(
            project=project,
            year=2025,
            planned_investment=Decimal(plan),
            planned_start=starts,
            planned_completion=completes,
        )
    return project


@pytest.fixture
def key(world, personas):
    """Three key projects on the 2025 plan of zone A, and four that must not count."""
    zone, actor = world["zone_a"], personas["zone_admin_a"]
    a = key_project(
        zone,
        actor,
        "省重点产业项目",
        level="province",
        kind="industry",
        total=50000,
        plan=12000,
        starts=True,
        stages=[("signed", D(2024, 11, 1)), ("started", D(2025, 2, 10))],
    )
    progress(a, actor, 202501, 1000)
    progress(a, actor, 202502, 1000)
    progress(a, actor, 202503, 5000)  # after the report period
    b = key_project(
        zone,
        actor,
        "市重点道路",
        level="city",
        kind="infrastructure",
        total=20000,
        plan=6000,
        starts=True,
        completes=True,
        stages=[("signed", D(2024, 12, 1)), ("started", D(2025, 3, 5))],  # started after February
    )
    progress(b, actor, 202412, 500)  # last year: not 1—2月
    progress(b, actor, 202502, 600)
    c = key_project(
        zone,
        actor,
        "区重点学校",
        level="district",
        kind="livelihood",
        total=8000,
        plan=3000,
        completes=True,
        stages=[("started", D(2024, 5, 1)), ("completed", D(2025, 1, 20))],
    )
    progress(c, actor, 202501, 1500)
    progress(c, actor, 202502, 300, decade=1)  # 旬 reports add up too
    progress(c, actor, 202502, 200, decade=2)
    # Not counted: not a key project; a key project without a 2025 plan; zone B.
    ordinary = key_project(zone, actor, "一般项目", level="none", kind="industry", total=1000, plan=500)
    progress(ordinary, actor, 202502, 400)
    key_project(zone, actor, "去年的省重点", level="province", kind="industry", total=9000)
    key_project(
        world["zone_b"], personas["system_admin"], "乙区省重点", level="province", kind="industry", total=7000, plan=700
    )
    return {"a": a, "b": b, "c": c}


def figures(row):
    f = row.figures
    return (f.count, f.investment, f.plan, f.completed, f.planned_starts, f.started, f.planned_completions, f.finished)


def test_key_project_table_matches_a_hand_computation(key, personas, world):
    table = aggregates.key_project_table(personas["leader_a"], [world["zone_a"].pk], P)
    levels = {row.key: row for row in table["by_level"]}
    kinds = {row.key: row for row in table["by_kind"]}
    assert list(levels) == ["province", "city", "county", "district"]
    assert list(kinds) == ["industry", "infrastructure", "livelihood"]
    assert figures(levels["province"]) == (1, 50000, 12000, 2000, 1, 1, 0, 0)
    assert figures(levels["city"]) == (1, 20000, 6000, 600, 1, 0, 1, 0)
    assert figures(levels["county"]) == (0, 0, 0, 0, 0, 0, 0, 0)
    assert figures(levels["district"]) == (1, 8000, 3000, 2000, 0, 0, 1, 1)
    assert figures(kinds["industry"]) == figures(levels["province"])
    assert figures(kinds["livelihood"]) == figures(levels["district"])
    total = table["total"]
    assert figures(total) == (3, 78000, 21000, 4600, 2, 1, 2, 1)
    # 时序进度 of 1—2月 is 2 ÷ 12.
    assert total.schedule_pct == Decimal("16.67")
    assert levels["province"].completion_pct == Decimal("16.67") and levels["province"].gap_points == Decimal("0.00")
    assert levels["city"].completion_pct == Decimal("10.00") and levels["city"].gap_points == Decimal("-6.67")
    assert levels["district"].completion_pct == Decimal("66.67") and levels["district"].gap_points == Decimal("50.00")
    assert total.completion_pct == Decimal("21.90")  # 4,600 ÷ 21,000
    assert total.gap_points == Decimal("5.23")
    assert (total.start_rate, total.finish_rate) == (Decimal("50.00"), Decimal("50.00"))
    assert levels["province"].start_rate == Decimal("100.00") and levels["province"].finish_rate is None
    assert levels["city"].start_rate == Decimal("0.00")
    assert levels["county"].completion_pct is None and levels["county"].gap_points is None


def test_completed_is_the_year_to_date_of_the_latest_report(key, personas, world):
    """The documented definition: the year_to_date of each project's latest report in [Y-01, P]."""
    latest = 0
    for project in key.values():
        report = (
            ProgressReport.objects.filter(project=project, period__gte=202501, period__lte=P)
            .order_by("-period", "-decade")
            .first()
        )
        latest += report.year_to_date if report else 0
    table = aggregates.key_project_table(personas["leader_a"], [world["zone_a"].pk], P)
    assert table["total"].figures.completed == latest == Decimal("4600")


def test_started_and_finished_count_until_the_end_of_the_period(key, personas, world):
    march = aggregates.key_project_table(personas["leader_a"], [world["zone_a"].pk], 202503)
    assert figures(march["total"])[4:] == (2, 2, 2, 1)  # 市重点道路 started on 5 March
    assert march["total"].schedule_pct == Decimal("25.00")
    assert march["total"].figures.completed == Decimal("9600")


def test_scope_of_the_tables(key, personas, world):
    both = [world["zone_a"].pk, world["zone_b"].pk]
    assert aggregates.key_project_table(personas["system_admin"], both, P)["total"].figures.count == 4
    # staff_b reads zone B only, whatever zones are asked for.
    assert aggregates.key_project_table(personas["staff_b"], both, P)["total"].figures.count == 1


@pytest.mark.parametrize(
    ("order", "since", "total", "expected"),
    [
        (None, 0, 1000, "preparing"),
        (8, 0, 1000, "preparing"),  # 供地 (order 8) is before 开工 (9)
        (9, 0, 1000, "started"),
        (9, 499, 1000, "started"),
        (9, 500, 1000, "half"),  # half of the total since the start: 基本过半
        (9, 500, None, "started"),
        (10, 0, 1000, "done"),  # 主体封顶
        (14, 0, 1000, "done"),
    ],
)
def test_image_class(order, since, total, expected):
    orders = {"started": 9, "topped_out": 10}
    assert aggregates.image_class(order, orders, Decimal(since), total and Decimal(total)) == expected


def test_default_period():
    assert aggregates.default_period(D(2026, 11, 29)) == 202610
    assert aggregates.default_period(D(2026, 1, 15)) == 202601
    assert aggregates.default_period(D(2026, 11, 29), 2025) == 202512
    assert aggregates.default_period(D(2026, 11, 29), 2027) == 202701


def test_bulletin_lists_the_lowest_completion_first(key, personas, world):
    zone, actor = world["zone_a"], personas["zone_admin_a"]
    half = key_project(
        zone,
        actor,
        "过半项目",
        level="city",
        kind="industry",
        total=1000,
        plan=1000,
        stages=[("started", D(2024, 3, 1))],
    )
    progress(half, actor, 202412, 400)
    progress(half, actor, 202502, 100)
    rows = aggregates.bulletin_rows(personas["leader_a"], [zone.pk], P)
    # Equal rates (10.00%) are ordered by name.
    assert [r.project.name for r in rows] == ["市重点道路", "过半项目", "省重点产业项目", "区重点学校"]
    assert [r.completion_pct for r in rows] == [Decimal("10.00"), Decimal("10.00"), Decimal("16.67"), Decimal("66.67")]
    assert [r.image for r in rows] == ["preparing", "half", "started", "done"]
    assert rows[1].since_start == Decimal("500") and rows[1].completed == Decimal("100")
    assert rows[0].gap_points == Decimal("-6.67")
    assert [r.project.name for r in aggregates.bulletin_rows(personas["leader_a"], [zone.pk], P, level="city")] == [
        "市重点道路",
        "过半项目",
    ]
    assert len(aggregates.bulletin_rows(personas["leader_a"], [zone.pk], P, kind="livelihood")) == 1


# -- pages ------------------------------------------------------------------------------------------------------------


def test_key_projects_page_and_export(key, personas, client_for, world):
    client = client_for(personas["leader_a"])
    response = client.get(reverse("projects:key_projects"), {"period": "2025-02"})
    assert response.status_code == 200
    assert response.context["schedule_pct"] == Decimal("16.67")
    assert response.context["table"]["total"].figures.count == 3
    text = response.content.decode()
    assert "1—2月" in text and "21.90%" in text
    bad = client.get(reverse("projects:key_projects"), {"period": "2025-13"})
    assert bad.status_code == 200 and "period" in bad.context["form"].errors
    mismatch = client.get(reverse("projects:key_projects"), {"period": "2025-02", "year": "2024"})
    assert "period" in mismatch.context["form"].errors
    export = client.get(reverse("projects:key_projects_export"), {"period": "2025-02"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][4] == "1—2月完成投资(万元)"
    assert rows[-1][:5] == ["合计", 3, 78000, 21000, 4600]
    assert rows[-1][5] == Decimal("21.90") or rows[-1][5] == 21.9


@pytest.mark.parametrize(
    ("language", "unit", "title"), [("zh-hans", "亿元", "2025年1—2月"), ("en", "RMB 100 million", "Jan–Feb 2025")]
)
def test_key_projects_tables_state_one_unit_per_money_column(key, personas, client_for, language, unit, title):
    client = client_for(personas["leader_a"])
    client.cookies["django_language"] = language
    page = client.get(reverse("projects:key_projects"), {"period": "2025-02"}).content.decode()
    assert f'<span id="period-title">{title}</span>' in page
    found = tables(page)
    key_tables = [found["key-by-level"], found["key-by-kind"]]
    for table in key_tables:
        assert_one_unit_per_money_column(table, unit)
        assert len(money_columns(table)) == 3  # 总投资, 年度计划投资, 1—N月完成投资
    total = next(row for row in key_tables[0]["rows"] if row[0] in ("合计", "Total"))
    assert total[2:5] == ["7.80", "2.10", "0.46"]  # 78,000 / 21,000 / 4,600万


def test_bulletin_page_and_export(key, personas, client_for):
    client = client_for(personas["zone_admin_a"])
    response = client.get(reverse("projects:bulletin"), {"period": "2025-02"})
    assert response.status_code == 200
    assert [r.project.name for r in response.context["rows"]] == ["市重点道路", "省重点产业项目", "区重点学校"]
    export = client.get(reverse("projects:bulletin_export"), {"period": "2025-02", "level": "district"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert len(rows) == 2 and rows[1][2] == "区重点学校" and rows[1][13] == "主体完工"


def test_zone_out_of_scope_is_404(key, personas, client_for, world):
    client = client_for(personas["leader_a"])
    assert client.get(reverse("projects:key_projects"), {"zone": world["zone_b"].pk}).status_code == 404
    assert client_for(personas["firm_1_user"]).get(reverse("projects:bulletin")).status_code == 404


def more_key_projects(world, personas, n):
    zone, actor = world["zone_a"], personas["zone_admin_a"]
    for i in range(n):
        project = key_project(
            zone,
            actor,
            f"批量重点{i:02d}",
            level="province" if i % 2 else "city",
            kind="industry",
            total=1000 + i,
            plan=100,
            starts=True,
            stages=[("started", D(2025, 1, 2))],
        )
        progress(project, actor, 202501, 10)


@pytest.mark.parametrize("n", [2, 20])
def test_query_counts_do_not_grow(world, personas, client_for, n):
    more_key_projects(world, personas, n)
    user = personas["zone_admin_a"]
    assert user.active_memberships  # the user's roles are read once per request
    with CaptureQueriesContext(connection) as captured:
        aggregates.key_project_table(user, [world["zone_a"].pk], P)
    assert len(captured) == 2
    with CaptureQueriesContext(connection) as captured:
        rows = aggregates.bulletin_rows(user, [world["zone_a"].pk], P)
    assert len(captured) == 4 and len(rows) == n
    client = client_for(user)
    for name, expected in (("projects:key_projects", PAGE_QUERIES), ("projects:bulletin", BULLETIN_QUERIES)):
        client.get(reverse(name))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name), {"period": "2025-02"}).status_code == 200
        assert len(captured) == expected, (name, [q["sql"][:100] for q in captured])


PAGE_QUERIES = 6
BULLETIN_QUERIES = 8


@pytest.mark.parametrize("name", ["projects:key_projects", "projects:bulletin"])
def test_a_year_without_plans_points_to_the_latest_year_with_some(world, personas, client_for, name):
    """In 2026 with plans only for 2025, the default page says so and links to 2025; asking for 2025 does not."""
    more_key_projects(world, personas, 2)  # plans for 2025
    client = client_for(personas["zone_admin_a"])
    with time_machine.travel(datetime.datetime(2026, 11, 29, 10, tzinfo=datetime.UTC)):
        page = client.get(reverse(name)).content.decode()
        assert 'id="earlier-year"' in page and "?year=2025" in page
        assert 'id="earlier-year"' not in client.get(reverse(name), {"year": 2025}).content.decode()
        AnnualPlan.objects.filter(year=2025).update(year=2026)
        assert 'id="earlier-year"' not in client.get(reverse(name)).content.decode()
