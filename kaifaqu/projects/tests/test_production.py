"""Following a project into the statistics: designed figures before 投产, the producer's figures after it, scope."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from kaifaqu.projects import services
from kaifaqu.projects.models import Project, StageDefinition
from kaifaqu.projects.production import annualised, months_between, production_summary
from kaifaqu.stats.models import Indicator, Value

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 11, 20)
PRODUCTION_DAY = datetime.date(2025, 6, 15)


def stage(zone, milestone):
    return StageDefinition.objects.get(zone=zone, milestone=milestone)


def figure(firm, code, period, value, *, revision=1, is_current=True):
    return Value.objects.create(
        enterprise=firm,
        zone=firm.zone,
        indicator=Indicator.objects.get(code=code),
        period=period,
        value=Decimal(value),
        revision=revision,
        is_current=is_current,
        source="form",
    )


@pytest.fixture
def project(world, personas):
    """A polysulfone-like project of firm_1 in zone A with its designed figures, not yet in production."""
    return services.save_project(
        actor=personas["zone_admin_a"],
        project=Project(
            zone=world["zone_a"],
            name="年产1万吨聚砜项目",
            investor=world["firm_1"],
            total_investment=Decimal("80000"),
            expected_output_value=Decimal("100000"),
            expected_tax=Decimal("6000"),
            expected_jobs=300,
            capacity_quantity=Decimal("10000"),
            capacity_unit="吨/年",
            products="PSU/PES/PPSU",
        ),
    )


def warm(user):
    """A request has loaded the user's memberships (menus, scope) before the page asks for the summary."""
    user.active_memberships  # noqa: B018
    return user


def put_in_production(project, actor, day=PRODUCTION_DAY):
    services.record_stage(actor=actor, project=project, stage=stage(project.zone, "production"), actual_on=day)


@pytest.fixture
def statistics(world):
    """firm_1's 工业总产值 and 税金总额: 2024 1—10月 and full year, 2025 1—10月 (with a superseded revision)."""
    firm = world["firm_1"]
    figure(firm, "output_value", 202410, "40000")
    figure(firm, "output_value", 202412, "50000")
    figure(firm, "output_value", 202509, "45000")
    figure(firm, "output_value", 202510, "99999", is_current=False)
    figure(firm, "output_value", 202510, "50000", revision=2)
    figure(firm, "tax", 202410, "2000")
    figure(firm, "tax", 202412, "2600")
    figure(firm, "tax", 202510, "2500")
    return firm


@pytest.mark.parametrize(
    ("today", "months"),
    [
        (datetime.date(2025, 6, 15), 0),
        (datetime.date(2025, 7, 14), 0),
        (datetime.date(2025, 7, 15), 1),
        (datetime.date(2026, 6, 14), 11),
        (datetime.date(2026, 6, 15), 12),
        (datetime.date(2025, 6, 1), 0),
    ],
)
def test_months_since_production_start(today, months):
    assert months_between(PRODUCTION_DAY, today) == months


def test_annualised_is_the_cumulative_figure_over_twelve_months():
    assert annualised(Decimal("50000"), 202510) == Decimal("60000")
    assert annualised(Decimal("100"), 202502) == Decimal("600")  # 1—2月 counts as two months
    assert annualised(Decimal("10"), 202503) == Decimal("40")
    assert annualised(None, 202510) is None


def test_before_production_shows_designed_figures_and_the_planned_date(project, personas, django_assert_num_queries):
    services.record_stage(
        actor=personas["projects_staff_a"],
        project=project,
        stage=stage(project.zone, "production"),
        planned_on=datetime.date(2025, 6, 30),
    )
    user = warm(personas["staff_a"])
    with django_assert_num_queries(1):
        summary = production_summary(project, user, today=TODAY)
    assert summary["in_production"] is False
    assert summary["planned_on"] == datetime.date(2025, 6, 30)
    assert summary["designed"]["output_value"] == Decimal("100000")
    html = render_to_string("projects/includes/production.html", {"production": summary})
    assert "尚未投产" in html and "2025-06-30" in html and "100,000.00" in html and "工业总产值（万元）" in html


def test_nothing_to_show_without_design_or_plan(world, personas):
    bare = services.save_project(
        actor=personas["zone_admin_a"], project=Project(zone=world["zone_a"], name="道路", investor_name="区建设公司")
    )
    assert production_summary(bare, personas["staff_a"], today=TODAY) is None
    assert render_to_string("projects/includes/production.html", {"production": None}).strip() == ""


def test_in_production_reads_the_producers_current_figures(project, statistics, personas, django_assert_num_queries):
    project.producer = statistics
    services.save_project(actor=personas["zone_admin_a"], project=project)
    put_in_production(project, personas["projects_staff_a"])
    fresh = Project.objects.get(pk=project.pk)
    user = warm(personas["staff_a"])
    # The 投产 stage, the producer, may the user view its statistics, the figures.
    with django_assert_num_queries(4):
        summary = production_summary(fresh, user, today=TODAY)
    assert summary["in_production"] and summary["stats_visible"]
    assert (summary["started_on"], summary["months"]) == (PRODUCTION_DAY, 5)
    assert summary["producer"] == statistics and summary["producer_is_investor"] is False
    figures = summary["figures"]
    assert (figures["period"], figures["months"], figures["label"]) == (202510, 10, "2025年1—10月")
    output, tax = figures["items"]
    assert output["actual"] == Decimal("50000")  # the current revision, not the superseded 99999
    assert output["last_year"] == Decimal("40000")
    assert output["growth_pct"] == Decimal("25.00")
    assert output["last_full_year"] == Decimal("50000")
    assert output["annualised"] == Decimal("60000")
    assert output["ratio_pct"] == Decimal("60.00")  # 60000 ÷ 100000
    assert (tax["actual"], tax["annualised"], tax["ratio_pct"]) == (Decimal("2500"), Decimal("3000"), Decimal("50.00"))
    assert tax["last_full_year"] == Decimal("2600")
    assert figures["before_production"] is False

    html = render_to_string("projects/includes/production.html", {"production": summary})
    assert f'href="{statistics.get_absolute_url()}"' in html
    assert "年化 = 1—N月 × 12 ÷ N" in html and "60.00%" in html and "已投产 5 个月" in html


def test_queries_stay_bounded(project, statistics, personas, django_assert_num_queries):
    project.producer = statistics
    services.save_project(actor=personas["zone_admin_a"], project=project)
    put_in_production(project, personas["projects_staff_a"])
    loaded = Project.objects.select_related("producer", "investor").get(pk=project.pk)
    warm(personas["staff_a"]), warm(personas["system_admin"])
    with django_assert_num_queries(3):  # the producer came with the project
        production_summary(loaded, personas["staff_a"], today=TODAY)
    with django_assert_num_queries(2):  # a system administrator needs no permission query
        production_summary(loaded, personas["system_admin"], today=TODAY)


def test_investor_stands_in_when_no_producer_is_set(project, statistics, personas):
    put_in_production(project, personas["projects_staff_a"])
    summary = production_summary(project, personas["leader_a"], today=TODAY)
    assert summary["producer"] == statistics and summary["producer_is_investor"] is True
    assert summary["figures"]["items"][0]["actual"] == Decimal("50000")
    html = render_to_string("projects/includes/production.html", {"production": summary})
    assert "未填写投产企业，按投资企业显示" in html


def test_prospective_investor_in_production_has_no_producer(world, personas):
    project = services.save_project(
        actor=personas["zone_admin_a"],
        project=Project(zone=world["zone_a"], name="意向项目", investor_name="某新材料公司", expected_tax=Decimal(5)),
    )
    put_in_production(project, personas["projects_staff_a"])
    summary = production_summary(project, personas["staff_a"], today=TODAY)
    assert summary["producer"] is None and summary["figures"] is None
    assert "未关联投产企业" in render_to_string("projects/includes/production.html", {"production": summary})


def test_figures_only_for_users_who_may_view_the_producers_statistics(
    project, statistics, world, personas, django_assert_num_queries
):
    """firm_1's user reads its own project; when firm_2 produces, firm_2's figures stay hidden."""
    figure(world["firm_2"], "output_value", 202510, "7000")
    project.producer = world["firm_2"]
    services.save_project(actor=personas["zone_admin_a"], project=project)
    put_in_production(project, personas["projects_staff_a"])
    fresh = Project.objects.select_related("producer").get(pk=project.pk)
    warm(personas["firm_1_user"])
    with django_assert_num_queries(2):  # the stage and the permission: no figure is read
        hidden = production_summary(fresh, personas["firm_1_user"], today=TODAY)
    assert hidden["stats_visible"] is False and hidden["figures"] is None
    assert hidden["designed"]["output_value"] == Decimal("100000")
    html = render_to_string("projects/includes/production.html", {"production": hidden})
    assert "7,000" not in html and "不在您的查看范围内" in html
    assert world["firm_2"].name in html and world["firm_2"].get_absolute_url() not in html

    for persona in ("staff_a", "region_viewer", "system_admin"):
        seen = production_summary(fresh, personas[persona], today=TODAY)
        assert seen["figures"]["items"][0]["actual"] == Decimal("7000"), persona
    assert production_summary(fresh, personas["firm_2_user"], today=TODAY)["stats_visible"] is True
    assert production_summary(fresh, personas["staff_b"], today=TODAY)["figures"] is None
    assert production_summary(fresh, None, today=TODAY)["figures"] is None


def test_producer_without_figures_says_so(project, world, personas):
    project.producer = world["firm_2"]
    services.save_project(actor=personas["zone_admin_a"], project=project)
    put_in_production(project, personas["projects_staff_a"])
    summary = production_summary(project, personas["staff_a"], today=TODAY)
    assert summary["stats_visible"] is True and summary["figures"] is None
    assert "尚无统计数据" in render_to_string("projects/includes/production.html", {"production": summary})


def test_figures_older_than_production_are_flagged(project, statistics, personas):
    put_in_production(project, personas["projects_staff_a"], day=datetime.date(2025, 11, 3))
    summary = production_summary(project, personas["staff_a"], today=TODAY)
    assert summary["figures"]["before_production"] is True
    assert "最新统计期早于投产日期" in render_to_string("projects/includes/production.html", {"production": summary})
