"""The reporting page, the entry form, reopening a locked period and the data-set assignments."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc

from kaifaqu.accounts.models import AuditEvent
from kaifaqu.core.tests.html_tables import tables
from kaifaqu.enterprises.models import Enterprise, Tag
from kaifaqu.stats.models import DataSet, DataSetAssignment, PeriodReopening, ValidationFlag, Value
from kaifaqu.stats.services import Submission, record_values

# 2025-03 is due 2025-04-10 (industry_monthly, deadline day 10).
OPEN = timezone.make_aware(datetime.datetime(2025, 4, 5, 12))
LATE = timezone.make_aware(datetime.datetime(2025, 4, 20, 12))
FULL = {
    "main_revenue": "100",
    "revenue": "100",
    "output_value": "120",
    "value_added": "30",
    "total_profit": "5",
    "tax": "3",
    "export_delivery": "10",
    "rd_expense": "2",
    "electricity": "50",
    "energy_consumption": "40",
    "employees": "80",
    "total_assets": "500",
    "total_liabilities": "200",
}


@pytest.fixture
def monthly(world):
    data_set = DataSet.objects.get(code="industry_monthly")
    for firm in ("firm_1", "firm_b"):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=world[firm], from_period=202401)
    return data_set


@pytest.fixture
def at(time_machine):
    """at(moment) freezes the clock there."""

    def travel(moment):
        time_machine.move_to(moment, tick=False)

    travel(OPEN)
    return travel


def entry_url(firm, period="2025-03", data_set="industry_monthly"):
    return reverse("stats:entry", args=[firm.pk, data_set, period])


def payload(reason="", **changes):
    figures = {**FULL, **{k: str(v) for k, v in changes.items()}}
    return {**{f"v_{code}": value for code, value in figures.items()}, "reason": reason}


def seed(actor, data_set, firm, period, now, **figures):
    record_values(
        actor=actor,
        data_set=data_set,
        submissions=[Submission(firm, period, {k: Decimal(str(v)) for k, v in figures.items()})],
        source="form",
        now=now,
    )


def current(firm, code, period=202503):
    return Value.objects.get(enterprise=firm, indicator__code=code, period=period, is_current=True)


# -- the entry form ------------------------------------------------------------------------------------------------


def test_round_trip_with_correction_reason_and_history(personas, world, monthly, client_for, at):
    client, firm = client_for(personas["staff_a"]), world["firm_1"]
    page = client.get(entry_url(firm))
    assert page.status_code == 200
    assert [row["indicator"].code for row in page.context["rows"]][:3] == ["main_revenue", "revenue", "output_value"]

    response = client.post(entry_url(firm), payload())
    assert response.status_code == 302
    saved = current(firm, "revenue")
    assert (saved.value, saved.revision, saved.entered_by, saved.source) == (
        Decimal(100),
        1,
        personas["staff_a"],
        "form",
    )
    assert Value.objects.filter(enterprise=firm, period=202503).count() == len(FULL)

    # A correction without a reason is refused and changes nothing.
    refused = client.post(entry_url(firm), payload(revenue=110))
    assert refused.status_code == 200
    assert "营业收入" in refused.context["form"].errors["reason"][0]
    assert current(firm, "revenue").value == Decimal(100)

    corrected = client.post(entry_url(firm), payload(reason="财务报表更正", revenue=110))
    assert corrected.status_code == 302
    revisions = list(Value.objects.filter(enterprise=firm, indicator__code="revenue").order_by("revision"))
    assert [(v.value, v.is_current, v.reason) for v in revisions] == [
        (Decimal(100), False, ""),
        (Decimal(110), True, "财务报表更正"),
    ]
    assert Value.objects.filter(enterprise=firm, period=202503).count() == len(FULL) + 1  # only revenue changed

    history = client.get(entry_url(firm))
    row = next(r for r in history.context["rows"] if r["indicator"].code == "revenue")
    assert [(h["revision"], h["old"], h["new"], h["reason"], h["user"]) for h in row["history"]] == [
        (2, Decimal(100), Decimal(110), "财务报表更正", personas["staff_a"]),
        (1, None, Decimal(100), "", personas["staff_a"]),
    ]
    assert "财务报表更正" in history.content.decode()


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "2025年3月"), ("en", "Mar 2025")])
def test_inputs_show_figures_without_trailing_zeros_and_counts_as_integers(
    personas, world, monthly, client_for, at, language, title
):
    staff, firm = personas["staff_a"], world["firm_1"]
    seed(staff, monthly, firm, 202502, timezone.make_aware(datetime.datetime(2025, 3, 5)), employees="3077.6")
    seed(staff, monthly, firm, 202503, OPEN, revenue="169773.8832", employees=3077, value_added="12.5")
    client = client_for(staff)
    client.cookies["django_language"] = language
    page = client.get(entry_url(firm))
    html = page.content.decode()
    assert f"· {title}</h1>" in html
    form = page.context["form"]
    assert 'value="169773.8832"' in str(form["v_revenue"])
    assert 'value="3077"' in str(form["v_employees"]) and "3077.0000" not in html
    assert 'value="12.5"' in str(form["v_value_added"])
    # 从业人员 (人): the previous period's 3077.6 reads as an integer, with thousands separated
    employees = tables(html)["entry-table"]["rows"][
        [r["indicator"].code for r in page.context["rows"]].index("employees")
    ]
    assert "3,078" in employees and "3077.6" not in " ".join(employees)
    # Posting back what the inputs show corrects nothing: 3077 and 12.5 clean to the stored figures.
    shown = {f"v_{code}": form[f"v_{code}"].value() or "" for code in FULL}
    assert client.post(entry_url(firm), {**shown, **{k: v for k, v in payload().items() if not shown.get(k)}})
    assert [v.revision for v in Value.objects.filter(enterprise=firm, period=202503, is_current=True)] == [1] * len(
        FULL
    )


def test_stored_figure_cannot_be_emptied(personas, world, monthly, client_for, at):
    client, firm = client_for(personas["staff_a"]), world["firm_1"]
    client.post(entry_url(firm), payload())
    data = payload(reason="清空")
    data["v_rd_expense"] = ""
    response = client.post(entry_url(firm), data)
    assert response.status_code == 200
    assert response.context["form"].errors["v_rd_expense"]


def test_previous_period_last_year_and_derived_month(personas, world, monthly, client_for, at):
    staff, firm = personas["staff_a"], world["firm_1"]
    seed(staff, monthly, firm, 202402, timezone.make_aware(datetime.datetime(2024, 3, 5)), revenue=40, employees=70)
    seed(staff, monthly, firm, 202403, timezone.make_aware(datetime.datetime(2024, 4, 5)), revenue=70, employees=72)
    seed(staff, monthly, firm, 202502, timezone.make_aware(datetime.datetime(2025, 3, 5)), revenue=50, employees=75)
    seed(staff, monthly, firm, 202503, OPEN, revenue=85, employees=78)
    rows = {r["indicator"].code: r for r in client_for(staff).get(entry_url(firm)).context["rows"]}
    revenue, employees = rows["revenue"], rows["employees"]
    assert (revenue["current"], revenue["previous"], revenue["last_year"]) == (Decimal(85), Decimal(50), Decimal(70))
    assert (revenue["monthly"], revenue["last_year_monthly"]) == (Decimal(35), Decimal(30))
    assert (employees["previous"], employees["last_year"], employees["monthly"]) == (Decimal(75), Decimal(72), None)
    assert rows["tax"]["monthly"] is None  # nothing stored: never guessed


def test_february_is_the_whole_of_january_and_february(personas, world, monthly, client_for, at):
    staff, firm = personas["staff_a"], world["firm_1"]
    at(timezone.make_aware(datetime.datetime(2025, 3, 5)))
    seed(staff, monthly, firm, 202502, timezone.now(), revenue=50)
    rows = {r["indicator"].code: r for r in client_for(staff).get(entry_url(firm, "2025-02")).context["rows"]}
    assert rows["revenue"]["monthly"] == Decimal(50)
    assert client_for(staff).get(entry_url(firm, "2025-01")).status_code == 404  # January is not a reporting period


def test_hard_rule_blocks_the_form_naming_the_indicator(personas, world, monthly, client_for, at):
    client, firm = client_for(personas["staff_a"]), world["firm_1"]
    response = client.post(entry_url(firm), payload(value_added="120.0001"))
    assert response.status_code == 200
    assert response.context["form"].errors["v_value_added"] == ["工业增加值不能大于工业总产值"]
    assert not Value.objects.exists()


def test_soft_rule_saves_and_warns_with_the_flag(personas, world, monthly, client_for, at):
    client, firm = client_for(personas["staff_a"]), world["firm_1"]
    response = client.post(entry_url(firm), payload(tax=101), follow=True)
    assert current(firm, "tax").value == Decimal(101)
    flag = ValidationFlag.objects.get(enterprise=firm, period=202503)
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings and flag.message in warnings[0]
    assert flag in list(response.context["flags"])


def test_unassigned_firm_is_a_form_error(personas, world, monthly, client_for, at):
    response = client_for(personas["staff_a"]).post(entry_url(world["firm_2"]), payload())
    assert response.status_code == 200
    assert "未被指定" in response.context["form"].non_field_errors()[0]
    assert not Value.objects.exists()


def test_locked_period_blocks_the_form_until_reopened(personas, world, monthly, client_for, at):
    at(LATE)
    staff, firm = personas["staff_a"], world["firm_1"]
    refused = client_for(staff).post(entry_url(firm), payload())
    assert refused.status_code == 200
    assert "锁定" in refused.context["form"].non_field_errors()[0]
    assert not Value.objects.exists()
    assert client_for(personas["firm_1_user"]).get(entry_url(firm)).status_code == 404  # locked: not for the firm

    admin = client_for(personas["zone_admin_a"])
    reopened = admin.post(
        reverse("stats:reopen_list"),
        {
            "zone": world["zone_a"].pk,
            "data_set": monthly.pk,
            "period": "2025-03",
            "closes_at": "2025-04-25T18:00",
            "reason": "企业补报上月数据",
        },
    )
    assert reopened.status_code == 302
    reopening = PeriodReopening.objects.get()
    assert (reopening.reopened_by, reopening.reason) == (personas["zone_admin_a"], "企业补报上月数据")
    event = AuditEvent.objects.get(event="config_change")
    assert (event.user, event.detail["period"], event.detail["data_set"]) == (
        personas["zone_admin_a"],
        "2025-03",
        "industry_monthly",
    )
    assert "企业补报上月数据" in admin.get(reverse("stats:reopen_list")).content.decode()

    firm_user = client_for(personas["firm_1_user"])
    assert firm_user.post(entry_url(firm), payload()).status_code == 302
    assert current(firm, "revenue").entered_by == personas["firm_1_user"]


def test_a_locked_period_renders_read_only_with_the_reason(personas, world, monthly, client_for, at):
    at(LATE)
    reason = "2025年3月已截止并锁定（截止日 2025-04-10），如需修改请联系管委会重新开放。"
    staff = client_for(personas["staff_a"]).get(entry_url(world["firm_1"]))
    page = staff.content.decode()
    assert staff.context["may_write"] and not staff.context["is_open"]
    assert reason in page
    assert 'id="entry-save"' not in page and 'name="reason"' not in page
    assert all(field.field.disabled for field in staff.context["form"])
    assert 'id="reopen-link"' not in page  # staff cannot reopen: the reason says whom to ask
    admin = client_for(personas["zone_admin_a"]).get(entry_url(world["firm_1"])).content.decode()
    assert reason in admin and 'id="reopen-link"' in admin and 'id="entry-save"' not in admin
    at(OPEN)
    page = client_for(personas["staff_a"]).get(entry_url(world["firm_1"])).content.decode()
    assert 'id="entry-save"' in page and 'id="period-locked"' not in page


def test_reopening_needs_a_reason_and_a_zone_the_admin_holds(personas, world, monthly, client_for, at):
    admin = client_for(personas["zone_admin_a"])
    data = {"zone": world["zone_b"].pk, "data_set": monthly.pk, "period": "2025-03", "closes_at": "2025-04-25T18:00"}
    response = admin.post(reverse("stats:reopen_list"), {**data, "reason": " "})
    assert set(response.context["form"].errors) == {"zone", "reason"}
    assert not PeriodReopening.objects.exists()
    assert client_for(personas["staff_a"]).get(reverse("stats:reopen_list")).status_code == 404


# -- who may open which form ---------------------------------------------------------------------------------------


def test_enterprise_user_sees_only_its_own_form(personas, world, monthly, client_for, at):
    DataSetAssignment.objects.create(data_set=monthly, enterprise=world["firm_2"], from_period=202401)
    client = client_for(personas["firm_1_user"])
    assert client.get(entry_url(world["firm_2"])).status_code == 404
    assert client.post(entry_url(world["firm_2"]), payload()).status_code == 404
    assert not Value.objects.exists()
    own = client.get(entry_url(world["firm_1"]))
    assert (own.status_code, own.context["may_write"]) == (200, True)
    report = client.get(reverse("stats:report") + "?data_set=industry_monthly&period=2025-03")
    assert report["Location"] == entry_url(world["firm_1"])


def test_enterprise_user_is_sent_to_an_open_period(personas, world, monthly, client_for, at):
    at(LATE)  # 2025-03 is locked and April is not over: nothing to fill in
    client = client_for(personas["firm_1_user"])
    locked = client.get(reverse("stats:report") + "?period=2025-03")
    assert (locked.status_code, locked.context["nothing_open"]) == (200, True)
    PeriodReopening.objects.create(
        data_set=monthly,
        zone=world["zone_a"],
        period=202502,
        reason="补报",
        reopened_by=personas["zone_admin_a"],
        closes_at=LATE + datetime.timedelta(days=1),
    )
    assert client.get(reverse("stats:report") + "?period=2025-03")["Location"] == entry_url(world["firm_1"], "2025-02")


@pytest.mark.parametrize("persona", ["leader_a", "region_viewer", "projects_staff_a"])
def test_readers_see_the_form_read_only(personas, world, monthly, client_for, at, persona):
    client = client_for(personas[persona])
    page = client.get(entry_url(world["firm_1"]))
    assert page.status_code == 200
    assert page.context["may_write"] is False
    assert 'id="entry-save"' not in page.content.decode()
    assert client.post(entry_url(world["firm_1"]), payload()).status_code == 404
    assert not Value.objects.exists()


@pytest.mark.parametrize("persona", ["staff_b", "security_admin", "audit_admin", "firm_2_user"])
def test_other_zones_and_roles_get_404(personas, world, monthly, client_for, at, persona):
    client = client_for(personas[persona])
    assert client.get(entry_url(world["firm_1"])).status_code == 404
    assert client.post(entry_url(world["firm_1"]), payload()).status_code == 404
    assert not Value.objects.exists()


# -- the reporting page --------------------------------------------------------------------------------------------


def credit_code(serial):
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


def add_firms(world, data_set, count, start):
    firms = Enterprise.objects.bulk_create(
        Enterprise(
            credit_code=credit_code(start + n),
            name=f"报送测试{start + n}公司",
            zone=world["zone_a"],
            industry_id="3411",
        )
        for n in range(count)
    )
    DataSetAssignment.objects.bulk_create(
        DataSetAssignment(data_set=data_set, enterprise=firm, from_period=202401) for firm in firms
    )
    return firms


def test_report_lists_assigned_firms_with_status(personas, world, monthly, client_for, at):
    seed(personas["staff_a"], monthly, world["firm_1"], 202503, OPEN, revenue=10)
    page = client_for(personas["staff_a"]).get(reverse("stats:report") + "?data_set=industry_monthly&period=2025-03")
    assert page.status_code == 200
    assert [(r["firm"].name, r["firm"].is_reported) for r in page.context["rows"]] == [("高平甲材料有限公司", True)]
    assert (page.context["total"], page.context["reported"], page.context["missing"]) == (1, 1, 0)
    assert world["firm_b"].name not in page.content.decode()  # zone B is out of scope
    missing = client_for(personas["staff_a"]).get(reverse("stats:report") + "?period=2025-03&status=missing")
    assert missing.context["rows"] == []


def test_report_period_choices_skip_january(personas, world, monthly, client_for, at):
    page = client_for(personas["staff_a"]).get(reverse("stats:report"))
    assert page.context["period_text"] == "2025-03"  # in April, March is being reported
    values = [value for value, _label in page.context["period_choices"]]
    assert "2025-01" not in values and "2025-02" in values


def test_report_page_queries_are_bounded(personas, world, monthly, client_for, at, django_assert_max_num_queries):
    client = client_for(personas["staff_a"])
    url = reverse("stats:report") + "?data_set=industry_monthly&period=2025-03"
    add_firms(world, monthly, 3, 100)
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(12):
        small = client.get(url)
    add_firms(world, monthly, 40, 200)
    with django_assert_max_num_queries(12):
        large = client.get(url)
    assert (small.context["total"], large.context["total"]) == (4, 44)


# -- data-set assignments ------------------------------------------------------------------------------------------


def test_bulk_assign_the_tagged_firms_of_a_zone(personas, world, monthly, client_for, at):
    tag = Tag.objects.create(name="规上")
    world["firm_1"].tags.add(tag)
    world["firm_2"].tags.add(tag)
    world["firm_b"].tags.add(tag)
    client = client_for(personas["staff_a"])
    response = client.post(
        reverse("stats:assignment_bulk"),
        {"zone": world["zone_a"].pk, "tag": "规上", "data_set": "industry_monthly", "from_period": "2025-04"},
    )
    assert response.status_code == 302
    assigned = DataSetAssignment.objects.filter(data_set=monthly)
    # firm_1 already reports it (since 2024-01, open-ended): skipped; firm_b is in zone B: untouched.
    assert sorted(assigned.values_list("enterprise__name", "from_period")) == [
        ("灵石丙装备有限公司", 202401),
        ("高平乙机械有限公司", 202504),
        ("高平甲材料有限公司", 202401),
    ]
    new = assigned.get(enterprise=world["firm_2"])
    assert (new.created_by, new.history.get().history_user) == (personas["staff_a"], personas["staff_a"])
    listing = client.get(reverse("stats:assignment_list") + "?tag=规上&data_set=industry_monthly")
    assert {r["row"].enterprise.name for r in listing.context["rows"]} == {"高平甲材料有限公司", "高平乙机械有限公司"}


def test_end_an_assignment(personas, world, monthly, client_for, at):
    assignment = DataSetAssignment.objects.get(enterprise=world["firm_1"])
    client = client_for(personas["staff_a"])
    early = client.post(reverse("stats:assignment_end", args=[assignment.pk]), {"to_period": "2023-12"})
    assert early.context["form"].errors["to_period"]
    assert (
        client.post(reverse("stats:assignment_end", args=[assignment.pk]), {"to_period": "2025-06"}).status_code == 302
    )
    assignment.refresh_from_db()
    assert assignment.to_period == 202506
    assert assignment.history.order_by("-history_id").first().history_user == personas["staff_a"]
    leader = client_for(personas["leader_a"])
    assert (
        leader.post(reverse("stats:assignment_end", args=[assignment.pk]), {"to_period": "2025-05"}).status_code == 404
    )
    assert (
        leader.post(
            reverse("stats:assignment_bulk"),
            {"zone": world["zone_a"].pk, "data_set": "annual", "from_period": "2025-12"},
        ).status_code
        == 404
    )
    assert DataSetAssignment.objects.get(pk=assignment.pk).to_period == 202506
