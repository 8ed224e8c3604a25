"""In English, money never shows as 亿元/万元 and periods never as 1—N月: the pages that show money, read with the
English switch, name the units "RMB 100 million" / "RMB 10,000" and the months Jan…Dec (kaifaqu.core.money)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kaifaqu.projects import services
from kaifaqu.projects.models import AnnualPlan, Campaign, ProgressReport, Project, StageDefinition
from kaifaqu.stats.models import DataSet, DataSetAssignment, Indicator, Value

pytestmark = pytest.mark.django_db

CHINESE_MONEY_AND_MONTHS = re.compile(r"亿元|万元|\d+月|1—\d")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def figures(world, personas):
    """A zone with statistics (money and a count) for 2025-02 and 2025-03 and a project with a plan, progress and a
    campaign."""
    codes = {"main_revenue": (120000, 90000), "output_value": (5000.5, 4000), "employees": (3077, 3000)}
    for firm in (world["firm_1"], world["firm_2"]):
        for code, (now, before) in codes.items():
            indicator = Indicator.objects.get(code=code)
            for period, value in ((202503, now), (202502, before), (202403, before)):
                Value.objects.create(
                    enterprise=firm,
                    zone=firm.zone,
                    indicator=indicator,
                    period=period,
                    value=Decimal(str(value)),
                    source="demo",
                )
    DataSetAssignment.objects.create(
        data_set=DataSet.objects.get(code="industry_monthly"), enterprise=world["firm_1"], from_period=202401
    )
    actor = personas["zone_admin_a"]
    project = services.save_project(
        actor=actor,
        project=Project(
            zone=world["zone_a"],
            name="TPU薄膜项目",
            investor=world["firm_1"],
            level="province",
            total_investment=Decimal("22000"),
            expected_output_value=Decimal("9000"),
        ),
    )
    signed = StageDefinition.objects.get(zone=world["zone_a"], code="signed")
    services.record_stage(actor=actor, project=project, stage=signed, actual_on=datetime.date(2025, 2, 1))
    AnnualPlan.objects.create(project=project, year=2025, planned_investment=Decimal("8000"))
    ProgressReport.objects.create(
        project=project,
        period=202503,
        amount=Decimal("1000"),
        year_to_date=Decimal("2000"),
        since_start=Decimal("2000"),
        reported_by=actor,
    )
    campaign = Campaign.objects.create(
        zone=world["zone_a"], name="三个一批", starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 3, 31)
    )
    return {"project": project, "campaign": campaign}


def visible_text(html):
    """The page's text as a reader sees it: no scripts, no tags, no attribute values."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", html)


def english_page(client, url):
    client.cookies["django_language"] = "en"
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.content.decode())


def test_statistics_pages_in_english(world, personas, client_for, figures):
    zone = world["zone_a"].pk
    client = client_for(personas["staff_a"])
    urls = [
        reverse("stats:dashboard", args=[zone]) + "?period=2025-03&indicator=main_revenue",
        reverse("stats:dashboard", args=[zone]) + "?period=2025-03&indicator=employees",
        reverse("stats:dashboard_rows", args=[zone]) + "?period=2025-03&indicator=main_revenue",
        reverse("stats:target_list", args=[zone]) + "?year=2025",
        reverse("stats:entry", args=[world["firm_1"].pk, "industry_monthly", "2025-03"]),
    ]
    for url in urls:
        text = english_page(client, url)
        assert not CHINESE_MONEY_AND_MONTHS.findall(text), (url, CHINESE_MONEY_AND_MONTHS.findall(text))
    dashboard = english_page(client, urls[0])
    assert "Jan–Mar 2025" in dashboard and "24.00 (RMB 100 million)" in dashboard  # two firms × 120,000万
    ranking = english_page(client_for(personas["system_admin"]), reverse("stats:ranking") + "?period=2025-03")
    assert not CHINESE_MONEY_AND_MONTHS.findall(ranking) and "RMB 100 million" in ranking


def test_project_pages_in_english(world, personas, client_for, figures):
    client = client_for(personas["zone_admin_a"])
    urls = [
        reverse("projects:project_list"),
        reverse("projects:project", args=[figures["project"].pk]),
        reverse("projects:key_projects") + "?period=2025-03",
        reverse("projects:bulletin") + "?period=2025-03",
        reverse("projects:campaign", args=[figures["campaign"].pk]),
    ]
    for url in urls:
        text = english_page(client, url)
        assert not CHINESE_MONEY_AND_MONTHS.findall(text), (url, CHINESE_MONEY_AND_MONTHS.findall(text))
    project = english_page(client, urls[1])
    assert "2.20 (RMB 100 million)" in project  # 总投资, the headline format
    assert "RMB 100 million" in english_page(client, urls[0])
