"""三个一批: batches from stage dates within the campaign (both bounds included), overrides with reasons, totals,
filters, the output achieved from the statistics, the page, the export and bounded query counts."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.models import AuditEvent
from kaifaqu.core.tests.html_tables import assert_one_unit_per_money_column, money_columns, tables
from kaifaqu.projects import campaigns, services
from kaifaqu.projects.choices import BATCH_MILESTONES
from kaifaqu.projects.models import Campaign, CampaignOverride, Project, ProjectStage, StageDefinition
from kaifaqu.projects.rules import batch_members
from kaifaqu.stats.models import Indicator, Value

pytestmark = pytest.mark.django_db

D = datetime.date
Q1 = (D(2025, 1, 1), D(2025, 3, 31))


def make_project(zone, actor, name, *, total=None, output=None, stages=(), planned=(), **fields):
    """A project with actual stage dates {milestone: date} (recorded in ladder order) and planned ones."""
    project = services.save_project(
        actor=actor,
        project=Project(
            zone=zone,
            name=name,
            investor_name=f"{name}投资方",
            total_investment=total,
            expected_output_value=output,
            **fields,
        ),
    )
    for milestone, day in stages:
        stage = StageDefinition.objects.get(zone=zone, milestone=milestone)
        services.record_stage(actor=actor, project=project, stage=stage, actual_on=day)
    for milestone, day in planned:
        stage = StageDefinition.objects.get(zone=zone, milestone=milestone)
        services.record_stage(actor=actor, project=project, stage=stage, planned_on=day)
    return project


@pytest.fixture
def campaign(world):
    return Campaign.objects.create(zone=world["zone_a"], name="2025年第一季度三个一批", starts_on=Q1[0], ends_on=Q1[1])


@pytest.fixture
def projects(world, personas):
    """Projects of zone A with dates on, just inside and just outside the campaign's bounds (and one in zone B)."""
    zone, actor = world["zone_a"], personas["zone_admin_a"]
    make = lambda *a, **k: make_project(zone, actor, *a, **k)  # noqa: E731
    return {
        # 签约: the first and the last day count, the day before and the day after do not.
        "first_day": make("首日签约", total=Decimal("15000"), output=Decimal("30000"), stages=[("signed", Q1[0])]),
        "day_before": make("前一日签约", total=Decimal("50000"), stages=[("signed", D(2024, 12, 31))]),
        "last_day": make("末日签约", total=Decimal("9999.9999"), output=Decimal("8000"), stages=[("signed", Q1[1])]),
        "day_after": make("次日签约", total=Decimal("20000"), stages=[("signed", D(2025, 4, 1))]),
        "planned_only": make("计划签约", total=Decimal("30000"), planned=[("signed", D(2025, 2, 1))]),
        # 开工 in the quarter (signed before it): in the started batch only; exactly 1亿 is 亿元以上.
        "started": make(
            "开工项目",
            total=Decimal("10000"),
            output=Decimal("12000"),
            level="province",
            kind="infrastructure",
            park=world["park_a"],
            stages=[("signed", D(2024, 6, 1)), ("started", D(2025, 2, 15))],
        ),
        # 投产 on the last day, produced by firm_1 (signed and started earlier).
        "production": make(
            "投产项目",
            total=Decimal("22000"),
            output=Decimal("20000"),
            producer=world["firm_1"],
            investor=world["firm_1"],
            stages=[("signed", D(2023, 5, 29)), ("started", D(2023, 10, 1)), ("production", Q1[1])],
        ),
        "zone_b": make_project(
            world["zone_b"],
            personas["system_admin"],
            "乙区签约",
            total=Decimal("40000"),
            stages=[("signed", D(2025, 2, 1))],
        ),
    }


def ids(projects, *keys):
    return {projects[k].pk for k in keys}


def hand_totals(projects, keys):
    """The figures a person would add up from the list of projects."""
    rows = [projects[k] for k in keys]
    return (
        len(rows),
        sum((p.total_investment or 0 for p in rows), Decimal(0)),
        sum(1 for p in rows if p.total_investment is not None and p.total_investment >= 10000),
        sum((p.expected_output_value or 0 for p in rows), Decimal(0)),
    )


def test_batches_follow_the_dates_with_both_bounds_included(campaign, projects):
    assert campaigns.batch_project_ids(campaign, "signed") == ids(projects, "first_day", "last_day")
    assert campaigns.batch_project_ids(campaign, "started") == ids(projects, "started")
    assert campaigns.batch_project_ids(campaign, "production") == ids(projects, "production")
    assert campaigns.batch_project_ids(campaign) == ids(projects, "first_day", "last_day", "started", "production")


def test_totals_add_up_to_a_hand_count(campaign, projects):
    totals = campaigns.batch_totals(campaign)
    assert totals["signed"].figures() == hand_totals(projects, ["first_day", "last_day"])
    assert totals["signed"].figures() == (2, Decimal("24999.9999"), 1, Decimal("38000"))
    assert totals["signed"].big_share == Decimal("50.00")
    assert totals["started"].figures() == (1, Decimal("10000"), 1, Decimal("12000"))  # exactly 1亿: 亿元以上
    assert totals["production"].figures() == hand_totals(projects, ["production"])
    rows = campaigns.batch_rows(campaign)
    for batch, found in rows.items():
        assert campaigns.totals_of_rows(batch, found).figures() == totals[batch].figures()
    assert [r.on for r in rows["signed"]] == [Q1[0], Q1[1]]


def test_an_empty_batch_has_no_share(world):
    empty = Campaign.objects.create(zone=world["zone_a"], name="空活动", starts_on=D(2020, 1, 1), ends_on=D(2020, 1, 2))
    totals = campaigns.batch_totals(empty)
    assert totals["signed"].figures() == (0, 0, 0, 0)
    assert totals["signed"].big_share is None


def test_overrides_put_in_and_take_out_with_a_reason(campaign, projects, personas):
    actor = personas["projects_staff_a"]
    excluded = campaigns.override_batch(
        actor=actor, campaign=campaign, project=projects["first_day"], batch="signed", include=False, reason="重复签约"
    )
    campaigns.override_batch(
        actor=actor, campaign=campaign, project=projects["day_after"], batch="signed", include=True, reason="补签"
    )
    # Including a project already in by its date changes nothing (and is not counted twice).
    campaigns.override_batch(
        actor=actor, campaign=campaign, project=projects["last_day"], batch="signed", include=True, reason="确认"
    )
    # An override of one batch leaves the others alone.
    campaigns.override_batch(
        actor=actor, campaign=campaign, project=projects["started"], batch="signed", include=False, reason="不在本批"
    )
    expected = ["last_day", "day_after"]
    assert campaigns.batch_project_ids(campaign, "signed") == ids(projects, *expected)
    assert campaigns.batch_project_ids(campaign, "started") == ids(projects, "started")
    totals = campaigns.batch_totals(campaign)
    assert totals["signed"].figures() == hand_totals(projects, expected)
    rows = campaigns.batch_rows(campaign)
    assert campaigns.totals_of_rows("signed", rows["signed"]).figures() == totals["signed"].figures()
    by_project = {r.project.pk: r for r in rows["signed"]}
    assert by_project[projects["day_after"].pk].on == D(2025, 4, 1)  # its own date, outside the period
    assert by_project[projects["day_after"].pk].override.reason == "补签"
    assert excluded.decided_by == actor
    assert excluded.history.first().history_user == actor
    assert set(Project.objects.filter(campaigns.batch_project_q(campaign, "signed")).values_list("pk", flat=True)) == (
        ids(projects, *expected)
    )
    assert set(Project.objects.filter(campaigns.batch_project_q(campaign)).values_list("pk", flat=True)) == (
        campaigns.batch_project_ids(campaign)
    )

    # Deciding again replaces the decision; withdrawing it restores the dates' verdict.
    again = campaigns.override_batch(
        actor=actor, campaign=campaign, project=projects["first_day"], batch="signed", include=True, reason="核实后纳入"
    )
    assert again.pk == excluded.pk and CampaignOverride.objects.filter(project=projects["first_day"]).count() == 1
    campaigns.remove_override(actor=actor, override=again, reason="撤销")
    assert projects["first_day"].pk in campaigns.batch_project_ids(campaign, "signed")


def test_an_override_needs_a_reason_and_a_project_of_the_zone(campaign, projects, personas):
    actor = personas["zone_admin_a"]
    with pytest.raises(ValidationError) as refused:
        campaigns.override_batch(
            actor=actor, campaign=campaign, project=projects["first_day"], batch="signed", include=False, reason="  "
        )
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        campaigns.override_batch(
            actor=actor, campaign=campaign, project=projects["zone_b"], batch="signed", include=True, reason="跨区"
        )
    assert "project" in refused.value.message_dict
    assert not CampaignOverride.objects.exists()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (campaigns.BatchFilter(min_investment=Decimal("10000")), {"signed": ["first_day"], "started": ["started"]}),
        (campaigns.BatchFilter(level="province"), {"signed": [], "started": ["started"]}),
        (campaigns.BatchFilter(kind="industry"), {"signed": ["first_day", "last_day"], "started": []}),
        (campaigns.BatchFilter(park_id=-1), {"signed": [], "started": []}),
    ],
)
def test_filters_narrow_lists_and_totals_alike(campaign, projects, filters, expected):
    rows = campaigns.batch_rows(campaign, filters)
    totals = campaigns.batch_totals(campaign, filters)
    for batch, keys in expected.items():
        assert {r.project.pk for r in rows[batch]} == ids(projects, *keys)
        assert totals[batch].figures() == hand_totals(projects, keys)


def test_park_filter(campaign, projects, world):
    filters = campaigns.BatchFilter(park_id=world["park_a"].pk)
    assert campaigns.batch_totals(campaign, filters)["started"].count == 1
    assert campaigns.batch_totals(campaign, filters)["signed"].count == 0


def test_a_project_included_by_hand_still_obeys_the_filters(campaign, projects, personas):
    campaigns.override_batch(
        actor=personas["zone_admin_a"],
        campaign=campaign,
        project=projects["day_after"],
        batch="signed",
        include=True,
        reason="补签",
    )
    filters = campaigns.BatchFilter(level="province")
    assert campaigns.batch_rows(campaign, filters)["signed"] == []
    assert campaigns.batch_totals(campaign, filters)["signed"].count == 0


# -- output achieved --------------------------------------------------------------------------------------------------


def record_output(firm, period, value, *, indicator="output_value", current=True, revision=1):
    Value.objects.create(
        enterprise=firm,
        zone=firm.zone,
        indicator=Indicator.objects.get(code=indicator),
        period=period,
        value=Decimal(value),
        revision=revision,
        is_current=current,
        source="form",
    )


def test_achieved_output_takes_the_latest_month_within_the_campaign(campaign, projects, world):
    firm = world["firm_1"]
    record_output(firm, 202412, "99999")  # last year: not 1—N月 of 2025
    record_output(firm, 202502, "3000")
    record_output(firm, 202503, "4000", current=False)  # replaced by revision 2
    record_output(firm, 202503, "4500", revision=2)
    record_output(firm, 202504, "6000")  # after the campaign
    record_output(firm, 202503, "777", indicator="tax")
    output = campaigns.achieved_output([projects["production"].pk], campaigns.campaign_period(campaign))
    assert (output.period, output.total, output.firms) == (202503, Decimal("4500"), 1)
    # Without a March figure, February's 1—2月 is the latest.
    early = campaigns.achieved_output([projects["production"].pk], 202502)
    assert (early.period, early.total) == (202502, Decimal("3000"))
    # A project without a producer contributes nothing.
    assert campaigns.achieved_output([projects["first_day"].pk], 202503).period is None


def test_campaign_period_is_the_last_month_or_now(campaign):
    assert campaigns.campaign_period(campaign) == 202503
    running = Campaign(starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31))
    assert campaigns.campaign_period(running, today=D(2026, 5, 20)) == 202605


def test_campaign_batches_combine_rows_totals_and_output(campaign, projects, world):
    record_output(world["firm_1"], 202503, "4500")
    batches, overrides = campaigns.campaign_batches(campaign)
    assert [b.batch for b in batches] == ["signed", "started", "production"]
    production = batches[2]
    assert production.output.total == Decimal("4500")
    assert production.rows[0].achieved == Decimal("4500")
    assert batches[0].output is None and overrides == []


# -- bounded queries --------------------------------------------------------------------------------------------------


def many_projects(world, personas, n):
    zone, actor = world["zone_a"], personas["zone_admin_a"]
    for i in range(n):
        make_project(
            zone,
            actor,
            f"批量项目{i:02d}",
            total=Decimal(5000 + 1000 * i),
            producer=world["firm_1"],
            stages=[("signed", D(2025, 1, 5)), ("started", D(2025, 2, 5)), ("production", D(2025, 3, 5))],
        )


def count_queries(function):
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


@pytest.mark.parametrize("n", [2, 20])
def test_batch_computation_is_a_fixed_number_of_queries(campaign, world, personas, n):
    many_projects(world, personas, n)
    actor = personas["zone_admin_a"]
    extra = make_project(world["zone_a"], actor, "手动纳入", total=Decimal(1), stages=[("signed", D(2024, 1, 1))])
    campaigns.override_batch(actor=actor, campaign=campaign, project=extra, batch="signed", include=True, reason="补")
    assert count_queries(lambda: campaigns.batch_totals(campaign)) == 2
    assert count_queries(lambda: campaigns.batch_project_ids(campaign)) == 2
    assert count_queries(lambda: campaigns.batch_rows(campaign)) == 4  # overrides, stages, included, their dates
    assert count_queries(lambda: campaigns.campaign_batches(campaign)) == 7
    batches, _ = campaigns.campaign_batches(campaign)
    assert [b.totals.count for b in batches] == [n + 1, n, n]


# -- pages ------------------------------------------------------------------------------------------------------------


def test_campaign_page_shows_the_three_batches(campaign, projects, personas, client_for):
    response = client_for(personas["leader_a"]).get(reverse("projects:campaign", args=[campaign.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    for key in ("first_day", "last_day", "started", "production"):
        assert projects[key].name in text
    for key in ("day_before", "day_after", "planned_only", "zone_b"):
        assert projects[key].name not in text
    batches = response.context["batches"]
    assert [b.totals.count for b in batches] == [2, 1, 1]
    assert not response.context["may_change"]
    filtered = client_for(personas["leader_a"]).get(
        reverse("projects:campaign", args=[campaign.pk]), {"min_investment": "10000"}
    )
    assert [b.totals.count for b in filtered.context["batches"]] == [1, 1, 1]
    assert projects["last_day"].name not in filtered.content.decode()


@pytest.mark.parametrize(("language", "unit"), [("zh-hans", "亿元"), ("en", "RMB 100 million")])
def test_campaign_page_money_columns_have_one_unit_each(campaign, projects, personas, client_for, language, unit):
    """亿元 in every money column of the summary and of each batch, 万元-sized projects included."""
    client = client_for(personas["leader_a"])
    client.cookies["django_language"] = language
    found = tables(client.get(reverse("projects:campaign", args=[campaign.pk])).content.decode())
    batch_tables = [t for name, t in found.items() if name.startswith("batch-table-")]
    assert len(batch_tables) == 3
    for table in [found["batch-summary"], *batch_tables]:
        assert_one_unit_per_money_column(table, unit)
    assert len(money_columns(found["batch-summary"])) == 3  # 总投资, 预计年产值, 已实现产值


@pytest.mark.parametrize("n", [2, 20])
def test_campaign_page_query_count_is_constant(campaign, world, personas, client_for, n):
    many_projects(world, personas, n)
    client = client_for(personas["zone_admin_a"])
    url = reverse("projects:campaign", args=[campaign.pk])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(captured) == PAGE_QUERIES, [q["sql"][:120] for q in captured]


PAGE_QUERIES = 12


def workbook(response):
    body = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(body), read_only=True)


def test_export_has_a_sheet_per_batch_with_totals_and_is_audited(campaign, projects, personas, client_for, world):
    record_output(world["firm_1"], 202503, "4500")
    client = client_for(personas["leader_a"])
    response = client.get(reverse("projects:campaign_export", args=[campaign.pk]), {"min_investment": "10000"})
    assert response.status_code == 200
    book = workbook(response)
    assert book.sheetnames == ["汇总", "签约一批", "开工一批", "投产一批"]
    signed = [list(r) for r in book["签约一批"].iter_rows(values_only=True)]
    assert signed[0] == ["所在开发区", "项目名称", "投资方", "总投资(万元)", "建设内容", "预计年产值(万元)", "日期"]
    assert signed[1][:4] == ["高平经济技术开发区", "首日签约", "首日签约投资方", 15000]
    assert signed[-1][0] == "合计" and signed[-1][3] == 15000 and len(signed) == 3  # 亿元以上 only
    production = [list(r) for r in book["投产一批"].iter_rows(values_only=True)]
    assert production[-1][0].startswith("已实现产值（2025年1—3月") and production[-1][3] == 4500
    summary = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    assert summary[1][:4] == ["签约一批", 1, 15000, 1]
    event = AuditEvent.objects.filter(event=AuditEventChoices.EXPORT).latest("pk")
    assert event.detail["campaign"] == campaign.pk and "min_investment=10000" in event.detail["filter"]


def test_override_form_records_the_decision(campaign, projects, personas, client_for):
    client = client_for(personas["projects_staff_a"])
    url = reverse("projects:campaign_override", args=[campaign.pk])
    page = client.get(url, {"project": projects["first_day"].pk, "batch": "signed", "action": "exclude"})
    assert page.status_code == 200 and page.context["form"]["action"].value() == "exclude"
    missing = client.post(url, {"project": projects["first_day"].pk, "batch": "signed", "action": "exclude"})
    assert missing.status_code == 200 and "reason" in missing.context["form"].errors
    foreign = client.post(
        url, {"project": projects["zone_b"].pk, "batch": "signed", "action": "include", "reason": "跨区"}
    )
    assert "project" in foreign.context["form"].errors
    nothing = client.post(
        url, {"project": projects["first_day"].pk, "batch": "signed", "action": "withdraw", "reason": "无"}
    )
    assert "project" in nothing.context["form"].errors
    done = client.post(
        url, {"project": projects["first_day"].pk, "batch": "signed", "action": "exclude", "reason": "重复"}
    )
    assert done.status_code == 302
    override = CampaignOverride.objects.get()
    assert (override.include, override.reason, override.decided_by) == (False, "重复", personas["projects_staff_a"])
    assert campaigns.batch_project_ids(campaign, "signed") == ids(projects, "last_day")
    client.post(url, {"project": projects["first_day"].pk, "batch": "signed", "action": "withdraw", "reason": "误操作"})
    assert not CampaignOverride.objects.exists()
    assert CampaignOverride.history.filter(history_type="-").get().history_user == personas["projects_staff_a"]


def test_campaign_form_validates_and_names_the_field(world, personas, client_for, campaign):
    client = client_for(personas["zone_admin_a"])
    url = reverse("projects:campaign_add")
    payload = {"zone": world["zone_a"].pk, "name": campaign.name, "starts_on": "2025-04-01", "ends_on": "2025-03-01"}
    response = client.post(url, payload)
    errors = response.context["form"].errors
    assert "name" in errors and "ends_on" in errors
    payload.update(name="2025年第二季度三个一批", ends_on="2025-06-30")
    response = client.post(url, payload)
    created = Campaign.objects.get(name="2025年第二季度三个一批")
    assert response["Location"] == created.get_absolute_url()
    assert created.history.first().history_user == personas["zone_admin_a"]
    foreign = client.post(url, {**payload, "zone": world["zone_b"].pk, "name": "别区"})
    assert "zone" in foreign.context["form"].errors


def test_decisions_and_filters_together(campaign, projects, personas):
    """A hand decision counts only for a project the filters keep; the totals still equal the lists."""
    actor = personas["zone_admin_a"]
    for key, include in (("first_day", False), ("last_day", False), ("day_after", True), ("day_before", True)):
        campaigns.override_batch(
            actor=actor, campaign=campaign, project=projects[key], batch="signed", include=include, reason="调整"
        )
    for filters, expected in (
        (campaigns.NO_FILTER, ["day_after", "day_before"]),
        (campaigns.BatchFilter(min_investment=Decimal("30000")), ["day_before"]),
        (campaigns.BatchFilter(min_investment=Decimal("10000")), ["day_after", "day_before"]),
        (campaigns.BatchFilter(level="city"), []),
    ):
        totals = campaigns.batch_totals(campaign, filters)["signed"]
        assert totals.figures() == hand_totals(projects, expected)
        rows = campaigns.batch_rows(campaign, filters)["signed"]
        assert {r.project.pk for r in rows} == ids(projects, *expected)


def test_membership_follows_the_pure_rule(campaign, projects, personas):
    """batch_project_ids applies the date bounds in SQL: it must agree with rules.batch_members over every date."""
    actor = personas["zone_admin_a"]
    for key, batch, include in (
        ("first_day", "signed", False),
        ("day_before", "signed", True),
        ("started", "production", True),
    ):
        campaigns.override_batch(
            actor=actor, campaign=campaign, project=projects[key], batch=batch, include=include, reason="调整"
        )
    for batch, milestone in BATCH_MILESTONES.items():
        dates = dict(
            ProjectStage.objects.filter(stage__zone=campaign.zone, stage__milestone=milestone).values_list(
                "project_id", "actual_on"
            )
        )
        decisions = CampaignOverride.objects.filter(campaign=campaign, batch=batch).values_list("project_id", "include")
        expected = batch_members(dates, campaign.starts_on, campaign.ends_on, decisions)
        assert campaigns.batch_project_ids(campaign, batch) == expected
