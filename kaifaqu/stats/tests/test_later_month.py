"""1—N月 figures never decrease within a year, seen from the later month too: a figure entered or corrected for an
earlier month may not exceed the nearest later month already reported — by the form, the import and the API alike,
checked in one query per batch. Cumulation restarts each January, so December does not bound January."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from conftest import CODE_FIRM_1
from kaifaqu.core.imports import request_commit, start_import
from kaifaqu.core.models import ImportModeChoices
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats.importers import KIND_LONG
from kaifaqu.stats.models import DataSet, DataSetAssignment, PeriodReopening, ValidationFlag, ValidationRule, Value
from kaifaqu.stats.rules import RuleSpec, check_later, nearest_later
from kaifaqu.stats.services import Submission, SubmissionError, check_submissions, record_values
from kaifaqu.stats.tests.test_entry_views import FULL  # every field of 规上工业月报 (all required on the form)

D = Decimal
# 2025-05 is due 2025-06-10, 2025-06 on 07-10, 2025-07 on 08-10: all three are open on 2025-06-05.
NOW = timezone.make_aware(datetime.datetime(2025, 6, 5, 12))
# The message for 营业收入 1—5月 above 1—6月: the headline format (format_wan), exact to 4 decimals in 万元 when
# two figures would otherwise read the same.
ABOVE_JUNE = "营业收入：2025年1—5月累计 {new} 高于1—6月累计 {later}，后面月份的累计数不能低于前面月份"


@pytest.fixture
def monthly(world):
    data_set = DataSet.objects.get(code="industry_monthly")
    for firm in (world["firm_1"], world["firm_2"]):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=firm, from_period=202401)
    return data_set


@pytest.fixture
def staff(personas):
    return personas["staff_a"]


def submit(actor, data_set, firm, period, now=NOW, **figures):
    figures = {code: D(str(value)) for code, value in figures.items()}
    return record_values(
        actor=actor,
        data_set=data_set,
        submissions=[Submission(firm, period, figures)],
        source="form",
        reason="更正",
        now=now,
    )


def refusal(actor, data_set, firm, period, now=NOW, **figures):
    """The (period, code, message) problems of a refused submission."""
    with pytest.raises(SubmissionError) as refused:
        submit(actor, data_set, firm, period, now, **figures)
    return [(sub.period, code, message) for sub, code, message in refused.value.problems]


def current(firm, period, code="revenue"):
    return Value.objects.get(enterprise=firm, period=period, indicator__code=code, is_current=True).value


def reopen(data_set, zone, period, actor, now):
    PeriodReopening.objects.create(
        data_set=data_set,
        zone=zone,
        period=period,
        reason="补报更正",
        reopened_by=actor,
        closes_at=now + datetime.timedelta(days=3),
    )


# -- the pure rule -------------------------------------------------------------------------------------------------

CUMULATIVE = RuleSpec(rule_id=1, name="营业收入累计", kind="cumulative", left="revenue", operator="ge")
COMPARE = RuleSpec(rule_id=2, name="增加值", kind="compare", left="value_added", right="output_value")


@pytest.mark.parametrize(("new", "later", "breached"), [("200", "200", False), ("200.0001", "200", True)])
def test_check_later_boundary(new, later, breached):
    breach = check_later(CUMULATIVE, {"revenue": D(new)}, {"revenue": D(later)})
    assert (breach is not None) == breached


def test_check_later_needs_both_figures_and_only_reads_the_cumulative_rule():
    assert check_later(CUMULATIVE, {"revenue": D(5)}, {}) is None
    assert check_later(CUMULATIVE, {}, {"revenue": D(1)}) is None
    assert check_later(COMPARE, {"value_added": D(5)}, {"value_added": D(1)}) is None


@given(st.decimals(-(10**6), 10**6, places=4), st.decimals(-(10**6), 10**6, places=4))
def test_check_later_refuses_exactly_a_figure_above_the_later_one(new, later):
    breach = check_later(CUMULATIVE, {"revenue": new}, {"revenue": later})
    assert (breach is not None) == (new > later)


def test_nearest_later_stays_within_the_year():
    series = {202503: "mar", 202506: "jun", 202412: "dec", 202601: "jan next year"}
    assert nearest_later(202502, series) == (202503, "mar")
    assert nearest_later(202503, series) == (202506, "jun")
    assert nearest_later(202506, series) is None  # January 2026 starts a new cumulation
    assert nearest_later(202411, series) == (202412, "dec")
    assert nearest_later(202412, series) is None


@given(
    st.integers(2000, 2100),
    st.integers(1, 12),
    st.sets(st.integers(200001, 210012).filter(lambda p: 1 <= p % 100 <= 12)),
)
def test_nearest_later_is_the_first_later_month_of_the_same_year(year, month, periods):
    period = year * 100 + month
    found = nearest_later(period, dict.fromkeys(periods, 0))
    same_year_later = sorted(p for p in periods if p // 100 == year and p > period)
    assert found == ((same_year_later[0], 0) if same_year_later else None)


# -- the service: both sides of the boundary -----------------------------------------------------------------------


def test_a_correction_up_to_the_later_month_passes_and_one_unit_above_is_refused(staff, world, monthly):
    firm = world["firm_1"]
    submit(staff, monthly, firm, 202505, revenue=100)
    submit(staff, monthly, firm, 202506, revenue=200)
    assert refusal(staff, monthly, firm, 202505, revenue="200.0001") == [
        (202505, "revenue", ABOVE_JUNE.format(new="200.0001万元", later="200万元"))
    ]
    assert current(firm, 202505) == D(100)
    submit(staff, monthly, firm, 202505, revenue=200)  # equal is fine
    assert current(firm, 202505) == D(200)


def test_a_first_figure_for_an_earlier_month_is_bounded_too(staff, world, monthly):
    firm = world["firm_1"]
    submit(staff, monthly, firm, 202506, revenue=200)
    assert refusal(staff, monthly, firm, 202505, revenue="200.0001")[0][1] == "revenue"
    assert not Value.objects.filter(period=202505).exists()
    submit(staff, monthly, firm, 202505, revenue=200)
    assert current(firm, 202505) == D(200)


def test_the_nearest_later_month_with_a_figure_bounds_across_a_gap(staff, world, monthly):
    firm = world["firm_1"]
    submit(staff, monthly, firm, 202505, revenue=100)
    submit(staff, monthly, firm, 202507, revenue=300)  # no June figure
    [(_period, _code, message)] = refusal(staff, monthly, firm, 202505, revenue="300.0001")
    assert "1—7月累计 300万元" in message and "2025年1—5月累计 300.0001万元" in message
    submit(staff, monthly, firm, 202505, revenue=300)
    assert current(firm, 202505) == D(300)


def test_each_indicator_is_bounded_by_its_own_later_figure(staff, world, monthly):
    firm = world["firm_1"]
    submit(staff, monthly, firm, 202506, revenue=200, tax=5)
    problems = refusal(staff, monthly, firm, 202505, revenue=150, tax="5.0001", output_value=999)
    assert [(period, code) for period, code, _message in problems] == [(202505, "tax")]
    assert "税金总额" in problems[0][2]


def test_other_firms_figures_do_not_bound(staff, world, monthly):
    submit(staff, monthly, world["firm_2"], 202506, revenue=1)
    submit(staff, monthly, world["firm_1"], 202505, revenue=500)
    assert current(world["firm_1"], 202505) == D(500)


def test_an_old_pair_does_not_block_an_unrelated_correction(staff, world, monthly):
    """Figures stored before this check existed may already be out of order: re-submitting the earlier month
    unchanged (the form sends every field) is not refused, but any change must come down to the later figure."""
    firm = world["firm_1"]
    submit(staff, monthly, firm, 202505, revenue=300)
    revenue = monthly.indicators.get(code="revenue")
    Value.objects.create(
        enterprise=firm, zone=firm.zone, indicator=revenue, period=202506, value=D(200), source="import"
    )
    submit(staff, monthly, firm, 202505, revenue=300, tax=1)
    assert current(firm, 202505, "tax") == D(1)
    assert refusal(staff, monthly, firm, 202505, revenue="200.0001")[0][1] == "revenue"
    submit(staff, monthly, firm, 202505, revenue=200)
    assert current(firm, 202505) == D(200)


def test_a_soft_cumulative_rule_saves_and_flags_naming_both_periods(staff, world, monthly):
    ValidationRule.objects.filter(kind="cumulative", left__code="revenue").update(severity="soft")
    firm = world["firm_1"]
    submit(staff, monthly, firm, 202506, revenue=200)
    result = submit(staff, monthly, firm, 202505, revenue=250)
    assert current(firm, 202505) == D(250)
    assert [flag.message for flag in result.flags] == [ABOVE_JUNE.format(new="250.00万元", later="200.00万元")]
    assert ValidationFlag.objects.get(period=202505).indicator.code == "revenue"


# -- batches -------------------------------------------------------------------------------------------------------


def batch(actor, data_set, *subs):
    return record_values(actor=actor, data_set=data_set, submissions=list(subs), source="import", now=NOW)


def test_a_batch_correcting_the_later_month_too_is_bounded_by_the_batchs_figure(staff, world, monthly):
    firm = world["firm_1"]
    submit(staff, monthly, firm, 202505, revenue=100)
    submit(staff, monthly, firm, 202506, revenue=200)
    batch(
        staff,
        monthly,
        Submission(firm, 202505, {"revenue": D(260)}),
        Submission(firm, 202506, {"revenue": D(260)}),
    )
    assert (current(firm, 202505), current(firm, 202506)) == (D(260), D(260))


def test_consecutive_months_out_of_order_in_one_batch_are_reported_once_on_the_later_month(staff, world, monthly):
    firm = world["firm_1"]
    submit(staff, monthly, firm, 202505, revenue=100)
    with pytest.raises(SubmissionError) as refused:
        batch(
            staff,
            monthly,
            Submission(firm, 202505, {"revenue": D(250)}),
            Submission(firm, 202506, {"revenue": D("249.9999")}),
        )
    assert [(s.period, code) for s, code, _m in refused.value.problems] == [(202506, "revenue")]
    assert "不能低于上月累计" in refused.value.problems[0][2]
    assert current(firm, 202505) == D(100)


def test_months_of_one_batch_with_a_gap_are_checked_on_the_earlier_month(staff, world, monthly):
    firm = world["firm_1"]
    with pytest.raises(SubmissionError) as refused:
        batch(
            staff,
            monthly,
            Submission(firm, 202505, {"revenue": D("300.0001")}),
            Submission(firm, 202507, {"revenue": D(300)}),
        )
    [(sub, code, message)] = refused.value.problems
    assert (sub.period, code) == (202505, "revenue") and "1—7月累计 300" in message
    batch(staff, monthly, Submission(firm, 202505, {"revenue": D(300)}), Submission(firm, 202507, {"revenue": D(300)}))
    assert Value.objects.count() == 2


def test_the_later_month_is_read_in_one_query_for_the_whole_batch(staff, world, monthly):
    firms = []
    for i in range(12):
        first = f"91140500MA2K{i:05d}"
        firm = Enterprise.objects.create(
            credit_code=first + uscc.calc_check_digit(first),
            name=f"批量{i}号",
            zone=world["zone_a"],
            industry_id="2651",
        )
        DataSetAssignment.objects.create(data_set=monthly, enterprise=firm, from_period=202501)
        submit(staff, monthly, firm, 202506, revenue=200, tax=10)
        submit(staff, monthly, firm, 202507, revenue=300, tax=15)
        firms.append(firm)

    def queries(count):
        subs = [Submission(firm, 202505, {"revenue": D(250), "tax": D(10)}) for firm in firms[:count]]
        with CaptureQueriesContext(connection) as captured:
            problems, _soft = check_submissions(data_set=monthly, submissions=subs, now=NOW)
        assert [(s.enterprise, code) for s, code, _m in problems] == [(firm, "revenue") for firm in firms[:count]]
        return len(captured)

    assert queries(12) == queries(2)


# -- the year boundary ---------------------------------------------------------------------------------------------


def test_last_december_is_not_bounded_by_this_years_figures(staff, world, monthly):
    """Correcting 1—12月 of last year after this year's 1—2月 exists: a new cumulation, not a later month."""
    firm, zone = world["firm_1"], world["zone_a"]
    december = timezone.make_aware(datetime.datetime(2024, 12, 5, 12))  # 2024-11 and 2024-12 both open
    submit(staff, monthly, firm, 202411, december, revenue=900)
    submit(staff, monthly, firm, 202412, december, revenue=1000)
    march = timezone.make_aware(datetime.datetime(2025, 3, 5, 12))
    submit(staff, monthly, firm, 202502, march, revenue=10)
    reopen(monthly, zone, 202412, staff, march)
    submit(staff, monthly, firm, 202412, march, revenue=5000)
    assert current(firm, 202412) == D(5000)
    # Within last year the later month still bounds:
    reopen(monthly, zone, 202411, staff, march)
    assert refusal(staff, monthly, firm, 202411, march, revenue="5000.0001")[0][1] == "revenue"
    submit(staff, monthly, firm, 202411, march, revenue=5000)
    assert current(firm, 202411) == D(5000)


def test_december_and_january_do_not_bound_each_other(staff, world, monthly):
    """A data set that collects January on its own: 1月 may be far below 1—12月, and 1—12月 far above 1月."""
    monthly.january_exempt = False
    monthly.save()
    firm, zone = world["firm_1"], world["zone_a"]
    january = timezone.make_aware(datetime.datetime(2025, 1, 5, 12))  # 2024-12 and 2025-01 both open
    submit(staff, monthly, firm, 202412, january, revenue=1000)
    submit(staff, monthly, firm, 202501, january, revenue=1)
    submit(staff, monthly, firm, 202412, january, revenue="1000.0001")
    assert (current(firm, 202412), current(firm, 202501)) == (D("1000.0001"), D(1))
    # …while February is bounded below by January and January above by February:
    submit(staff, monthly, firm, 202502, january, revenue=5)
    reopen(monthly, zone, 202501, staff, january)
    assert refusal(staff, monthly, firm, 202501, january, revenue="5.0001")[0][1] == "revenue"
    submit(staff, monthly, firm, 202501, january, revenue=5)
    assert current(firm, 202501) == D(5)


# -- the three paths -----------------------------------------------------------------------------------------------


def test_the_form_refuses_a_correction_above_the_later_month(staff, world, monthly, client_for):
    firm = world["firm_1"]
    with time_machine.travel(NOW, tick=False):
        submit(staff, monthly, firm, 202506, revenue=200)
        client = client_for(staff)
        url = reverse("stats:entry", args=[firm.pk, "industry_monthly", "2025-05"])
        data = {**{f"v_{code}": value for code, value in FULL.items()}, "reason": ""}
        response = client.post(url, {**data, "v_revenue": "200.0001"})
        assert response.status_code == 200
        assert response.context["form"].errors["v_revenue"] == [ABOVE_JUNE.format(new="200.0001万元", later="200万元")]
        assert not Value.objects.filter(period=202505).exists()
        assert client.post(url, {**data, "v_revenue": "200"}).status_code == 302
    assert current(firm, 202505) == D(200)


def workbook(rows):
    book = openpyxl.Workbook()
    book.active.title = "统计数据"
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_import_refuses_a_correction_above_the_later_month(staff, world, monthly, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    firm = world["firm_1"]
    headers = ["统一社会信用代码", "企业名称", "报告期", "指标", "数值", "单位"]
    with time_machine.travel(NOW, tick=False):
        submit(staff, monthly, firm, 202506, revenue=200)

        def run(value):
            rows = [headers, [CODE_FIRM_1, "", "2025-05", "营业收入", value, "千元"]]
            return start_import(
                actor=staff,
                kind=KIND_LONG,
                uploaded_file=SimpleUploadedFile("figures.xlsx", workbook(rows)),
                mode=ImportModeChoices.UPSERT,
                options={"data_set": "industry_monthly"},
            )

        refused = run("2000.001")  # 千元 → 200.0001 万元
        assert [(e["row"], e["column"], e["message"]) for e in refused.errors] == [
            (2, "数值", ABOVE_JUNE.format(new="200.0001万元", later="200万元"))
        ]
        assert not request_commit(refused)
        accepted = run(2000)
        assert accepted.errors == []
        assert request_commit(accepted)
    assert current(firm, 202505) == D(200)


def test_the_api_refuses_a_correction_above_the_later_month(personas, world, monthly, client_for):
    firm = world["firm_1"]
    item = {"enterprise": firm.pk, "indicator": "revenue", "period": "2025-05", "data_set": "industry_monthly"}
    with time_machine.travel(NOW, tick=False):
        submit(personas["staff_a"], monthly, firm, 202506, revenue=200)
        client = client_for(personas["firm_1_user"])
        refused = client.post(
            "/api/stats/values/", {**item, "value": "200.0001"}, content_type="application/json", secure=True
        )
        assert refused.status_code == 400
        assert refused.json() == {
            "problems": [
                {
                    "enterprise": firm.pk,
                    "period": "2025-05",
                    "indicator": "revenue",
                    "message": ABOVE_JUNE.format(new="200.0001万元", later="200万元"),
                }
            ]
        }
        accepted = client.post(
            "/api/stats/values/", {**item, "value": "200"}, content_type="application/json", secure=True
        )
        assert accepted.status_code == 201, accepted.content
    assert current(firm, 202505) == D(200)
