"""The bureau's method: scope from the 规上 directory, the reported 上年同期 as the comparable base, both growths,
the 口径差 and incomplete figures said on the figure (issue: statistics by the bureau's method).

A constructed zone (zone A, 1—3月 2025 against 2024) with every case side by side: three firms in both years'
directories, an entrant whose last-year figure is stored (it reported as a 规下 firm), an entrant that reports its
own 上年同期, an entrant with no base at all, a firm that left the directory (and still reports), a directory firm
that has not reported, a firm that moved in from zone B, a firm whose reported 上年同期 revises the stored one, and
a firm outside the directory. Every expected number is worked out by hand below.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats.aggregation import StatsViewer, firm_rows, summarize
from kaifaqu.stats.models import DataSet, EnterpriseYearStatus, Indicator, ValidationFlag, Value
from kaifaqu.stats.reconciliation import firm_figures, reconcile
from kaifaqu.stats.scope import figure_scope
from kaifaqu.stats.services import Submission, record_values

P, PREV = 202503, 202403
OPEN = timezone.make_aware(datetime.datetime(2025, 4, 5, 10))  # before the 1—3月 form's deadline
D = Decimal


def credit_code(serial):
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


def firm(world, serial, name, zone="zone_a"):
    return Enterprise.objects.create(credit_code=credit_code(serial), name=name, zone=world[zone], industry_id="2651")


def put(enterprise, period, amount, *, zone=None, prior=None, code="main_revenue"):
    return Value.objects.create(
        enterprise=enterprise,
        zone=zone or enterprise.zone,
        indicator=Indicator.objects.get(code=code),
        period=period,
        value=D(str(amount)),
        reported_prior=None if prior is None else D(str(prior)),
        source="demo",
    )


def directory(enterprise, *years):
    for year in years:
        EnterpriseYearStatus.objects.create(enterprise=enterprise, year=year, category="industry")


def pct(numerator, denominator):
    return ((D(numerator) / D(denominator) - 1) * 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def zone(world):
    w = world
    stay = [w["firm_1"], w["firm_2"], firm(w, 20, "留存丙")]
    for item, (now, before) in zip(stay, [(120, 100), (45, 50), (300, 280)], strict=True):
        directory(item, 2024, 2025)
        put(item, P, now)
        put(item, PREV, before)
    entered_stored = firm(w, 21, "新入库甲（上年有数）")
    directory(entered_stored, 2025)
    put(entered_stored, PREV, 18)  # reported last year as a 规下 firm
    put(entered_stored, P, 25)
    entered_reported = firm(w, 22, "新入库乙（填报上年同期）")
    directory(entered_reported, 2025)
    put(entered_reported, P, 40, prior=32)
    entered_no_base = firm(w, 23, "新入库丙（缺上年同期）")
    directory(entered_no_base, 2025)
    put(entered_no_base, P, 30)
    left = firm(w, 24, "退出企业")
    directory(left, 2024)
    put(left, PREV, 60)
    put(left, P, 55)  # still reports (a 规下 survey): not in this year's scope
    missing = firm(w, 25, "未报企业")
    directory(missing, 2024, 2025)
    put(missing, PREV, 70)
    moved = firm(w, 26, "迁入企业")
    directory(moved, 2024, 2025)
    put(moved, PREV, 20, zone=w["zone_b"])
    put(moved, P, 22)
    revised = firm(w, 27, "修订企业")
    directory(revised, 2024, 2025)
    put(revised, PREV, 100)
    put(revised, P, 130, prior=110)
    outside = firm(w, 28, "名录外企业")
    put(outside, PREV, 10)
    put(outside, P, 12)
    directory(w["firm_b"], 2024, 2025)
    put(w["firm_b"], P, 500)
    put(w["firm_b"], PREV, 400)
    return locals()


# Worked out by hand from the fixture:
CURRENT = D(120 + 45 + 300 + 25 + 40 + 30 + 22 + 130)  # the directory of 2025 that reported (not the leaver)
COMPARABLE = D(100 + 50 + 280 + 18 + 32 + 20 + 110)  # their bases: stored, reported, from zone B, revised
COMPARED = CURRENT - 30  # the entrant without a base is not in the growth
PUBLISHED = D(100 + 50 + 280 + 60 + 70 + 100)  # the directory of 2024 as it reported in zone A


def summary_of(world, personas, persona="zone_admin_a", **kwargs):
    revenue = Indicator.objects.get(code="main_revenue")
    return summarize(
        StatsViewer(personas[persona]), zone_ids=[world["zone_a"].pk], period=P, indicator=revenue, **kwargs
    )


def test_both_growths_over_the_directory(world, personas, zone):
    total = summary_of(world, personas).total
    assert (total.current, total.previous, total.published) == (CURRENT, COMPARABLE, PUBLISHED)
    assert total.growth_pct == pct(COMPARED, COMPARABLE) == D("11.80")
    assert total.published_growth_pct == pct(CURRENT, PUBLISHED) == D("7.88")
    assert (total.expected, total.firms, total.missing, total.without_base) == (9, 8, 1, 1)
    assert total.completeness_note == "应报9家，已报8家，增速按已报企业计算；1家缺上年同期，未计入增速"


def test_groups_add_up_under_the_directory(world, personas, zone):
    summary = summary_of(world, personas, group_by="park")
    assert summary.total.current == CURRENT and summary.total.previous == COMPARABLE
    assert summary.total.published == PUBLISHED and summary.total.expected == 9


def test_reconciliation_explains_the_gap_exactly(world, personas, zone):
    revenue = Indicator.objects.get(code="main_revenue")
    viewer = StatsViewer(personas["staff_a"])
    scope = figure_scope([world["zone_a"].pk], P, DataSet.objects.get(code="industry_monthly"))
    table = reconcile(firm_figures(viewer.values([world["zone_a"].pk]), scope, revenue))
    assert (table.published, table.comparable) == (PUBLISHED, COMPARABLE)
    assert table.adds_up
    names = {key: {f.name for f in firms} for key, (_sign, _label, _amount, firms) in table.lines.items()}
    amounts = {key: amount for key, (_sign, _label, amount, _firms) in table.lines.items()}
    assert names["left"] == {"退出企业"} and amounts["left"] == 60
    assert names["missing"] == {"未报企业"} and amounts["missing"] == 70
    assert names["entered"] == {"新入库甲（上年有数）", "新入库乙（填报上年同期）"} and amounts["entered"] == 50
    assert names["moved_in"] == {"迁入企业"} and amounts["moved_in"] == 20
    assert names["revised"] == {"修订企业"} and amounts["revised"] == 10
    assert [f.name for f in table.without_base] == ["新入库丙（缺上年同期）"]


def test_firm_rows_use_the_reported_base_and_leave_out_who_left(world, personas, zone):
    revenue = Indicator.objects.get(code="main_revenue")
    rows = firm_rows(StatsViewer(personas["staff_a"]), zone_ids=[world["zone_a"].pk], period=P, indicator=revenue)
    by_name = {r.name: r for r in rows}
    assert "退出企业" not in by_name and "名录外企业" not in by_name and "未报企业" not in by_name
    assert by_name["修订企业"].previous == 110 and by_name["修订企业"].stored_prior == 100
    assert by_name["修订企业"].prior_differs
    assert by_name["新入库乙（填报上年同期）"].previous == 32
    assert by_name["新入库丙（缺上年同期）"].previous is None
    assert by_name["新入库丙（缺上年同期）"].contribution_pct is None


def test_without_a_directory_the_scope_falls_back_and_says_so(world, personas):
    put(world["firm_1"], P, 120)
    put(world["firm_1"], PREV, 100)
    summary = summary_of(world, personas)
    assert summary.total.current == 120 and summary.total.expected is None
    assert "名录未录入" in summary.scope_note


def test_last_year_without_a_directory_publishes_what_was_reported(world, personas):
    directory(world["firm_1"], 2025)
    put(world["firm_1"], P, 120)
    put(world["firm_1"], PREV, 100)
    put(world["firm_2"], PREV, 50)  # reported last year; no directory of 2024 to say whether it was in scope
    total = summary_of(world, personas).total
    assert (total.current, total.previous, total.published) == (D(120), D(100), D(150))


def test_the_summary_api_gives_both_growths_and_the_counts(world, personas, client_for, zone):
    client = client_for(personas["staff_a"])
    data = client.get(
        "/api/stats/summary/",
        {"zone": world["zone_a"].pk, "period": "2025-03", "indicator": "main_revenue"},
        secure=True,
    ).json()
    assert D(data["value"]) == CURRENT and D(data["previous"]) == COMPARABLE
    assert D(data["previous_published"]) == PUBLISHED
    assert D(data["growth_pct"]) == D("11.80") and D(data["growth_pct_published"]) == D("7.88")
    assert (data["enterprises"], data["enterprises_expected"]) == (8, 9)
    assert (data["enterprises_missing"], data["enterprises_without_base"]) == (1, 1)
    assert data["data_set"] == "industry_monthly"


def test_the_dashboard_shows_both_growths_the_note_and_the_gap(world, personas, client_for, zone):
    client = client_for(personas["leader_a"])
    page = client.get(
        f"/stats/zones/{world['zone_a'].pk}/dashboard/", {"period": "2025-03", "indicator": "main_revenue"}, secure=True
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "11.80%" in text and "7.88%" in text
    assert "应报9家，已报8家，增速按已报企业计算" in text
    assert 'id="reconciliation-table"' in text and "退出企业" in text and "未报企业" in text


def test_a_reported_prior_that_differs_is_kept_and_flagged(world, personas):
    w = world
    data_set = DataSet.objects.get(code="small_monthly")  # no directory: any assigned firm may report
    from kaifaqu.stats.services import assign_data_set

    assign_data_set(actor=personas["staff_a"], data_set=data_set, enterprises=[w["firm_1"]], from_period=202401)
    put(w["firm_1"], PREV, 100)
    submission = Submission(w["firm_1"], P, {"main_revenue": D(120)}, priors={"main_revenue": D("104.5")})
    write = {"actor": personas["staff_a"], "data_set": data_set, "source": "form", "now": OPEN}
    result = record_values(submissions=[submission], **write)
    value = Value.objects.get(enterprise=w["firm_1"], period=P, is_current=True)
    assert value.reported_prior == D("104.5")
    flag = ValidationFlag.objects.get(enterprise=w["firm_1"], period=P, kind="prior")
    assert "104.5" in flag.message and "100" in flag.message
    assert [f.pk for f in result.flags] == [flag.pk]
    # the same figures again: nothing new, and no second flag while the first is open
    again = record_values(submissions=[submission], **write)
    assert again.created == 0 and again.unchanged == 1
    assert ValidationFlag.objects.filter(kind="prior").count() == 1
    # a correction of the figure alone keeps the reported base
    corrected = Submission(w["firm_1"], P, {"main_revenue": D(121)})
    record_values(submissions=[corrected], reason="更正", **write)
    assert Value.objects.get(enterprise=w["firm_1"], period=P, is_current=True).reported_prior == D("104.5")


# -- the formula, on random directories ------------------------------------------------------------------------------

FIRM = st.fixed_dictionaries(
    {
        "now_dir": st.booleans(),
        "then_dir": st.booleans(),
        "current": st.one_of(st.none(), st.integers(0, 10_000)),
        "stored": st.one_of(st.none(), st.integers(0, 10_000)),
        "reported": st.one_of(st.none(), st.integers(0, 10_000)),
    }
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(firms=st.lists(FIRM, min_size=1, max_size=8))
def test_comparable_growth_is_the_formula_on_random_directories(world, personas, firms):
    """Σ over this year's directory of this period's figure ÷ Σ over the same firms of their 上年同期 − 1, the 上年同期
    being the reported one, else the stored one; published = Σ over last year's directory of last year's figure."""
    with transaction.atomic():
        directory(world["firm_b"], 2024, 2025)  # another zone's directory: this zone still needs its own
        if not any(f["now_dir"] for f in firms):
            firms = [{**firms[0], "now_dir": True}, *firms[1:]]
        if not any(f["then_dir"] for f in firms):
            firms = [{**firms[0], "then_dir": True}, *firms[1:]]
        for serial, spec in enumerate(firms, start=100):
            item = firm(world, serial, f"随机{serial}")
            years = [y for y, flag in ((2024, spec["then_dir"]), (2025, spec["now_dir"])) if flag]
            directory(item, *years)
            if spec["stored"] is not None:
                put(item, PREV, spec["stored"])
            if spec["current"] is not None:
                put(item, P, spec["current"], prior=spec["reported"])
        total = summary_of(world, personas).total
        transaction.set_rollback(True)
    reporters = [f for f in firms if f["now_dir"] and f["current"] is not None]
    with_base = [f for f in reporters if (f["reported"] if f["reported"] is not None else f["stored"]) is not None]
    base = sum(D(f["reported"] if f["reported"] is not None else f["stored"]) for f in with_base)
    compared = sum(D(f["current"]) for f in with_base)
    published = [D(f["stored"]) for f in firms if f["then_dir"] and f["stored"] is not None]
    assert total.current == (sum(D(f["current"]) for f in reporters) if reporters else None)
    assert total.previous == (base if with_base else None)
    assert total.growth_pct == (pct(compared, base) if with_base and base else None)
    assert total.published == (sum(published) if published else None)
    assert total.expected == sum(1 for f in firms if f["now_dir"])
    assert total.missing == total.expected - len(reporters)
