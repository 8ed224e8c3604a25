"""Data quality: completeness and timeliness, the 催报 export, the outlier scan, flag follow-up, validation rules."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kaifaqu.accounts.models import AuditEvent
from kaifaqu.enterprises.models import Contact, Enterprise
from kaifaqu.stats.models import DataSet, DataSetAssignment, Indicator, ValidationFlag, ValidationRule, Value
from kaifaqu.stats.quality import completeness
from kaifaqu.stats.services import explain_flag, resolve_flag, scan_outliers

PERIOD = 202503  # due 2025-04-10


def at(year, month, day, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def put(firm, period, data_set, when, code="revenue", value=100, revision=1, is_current=True):
    row = Value.objects.create(
        enterprise=firm,
        zone=firm.zone,
        indicator=Indicator.objects.get(code=code),
        period=period,
        value=Decimal(value),
        revision=revision,
        is_current=is_current,
        data_set=data_set,
        source="form",
    )
    Value.objects.filter(pk=row.pk).update(entered_at=when)  # entered_at is auto_now_add
    return row


@pytest.fixture
def case(world):
    """Zone A: firm_1 on time (on the deadline day, then corrected late), firm_2 late, firm_3 missing;
    zone B: firm_b on time. Firm 4 in zone A is not assigned and never counts. Liaison departments below."""
    data_set = DataSet.objects.get(code="industry_monthly")
    firm_3 = Enterprise.objects.create(
        credit_code="91140500MA0K00011B", name="高平丁电子有限公司", zone=world["zone_a"], industry_id="3982"
    )
    Enterprise.objects.create(
        credit_code="91140500MA0K00012R", name="高平戊未指定有限公司", zone=world["zone_a"], industry_id="3982"
    )
    for firm in (world["firm_1"], world["firm_2"], firm_3, world["firm_b"]):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=firm, from_period=202502)
    put(world["firm_1"], PERIOD, data_set, at(2025, 4, 10, 23), revision=1, is_current=False)
    put(world["firm_1"], PERIOD, data_set, at(2025, 4, 20), value=120, revision=2)
    put(world["firm_2"], PERIOD, data_set, at(2025, 4, 11, 0))
    put(world["firm_2"], 202502, data_set, at(2025, 3, 1))  # an earlier period does not count for March
    put(world["firm_b"], PERIOD, data_set, at(2025, 4, 1))
    # 包联部门: firm_1 → 经济运行部, firm_2 → 项目服务中心, firm_3 none; firm_b → zone B's 经济运行部.
    for key, department in (("firm_1", "dept_a"), ("firm_2", "dept_a_projects"), ("firm_b", "dept_b")):
        Enterprise.objects.filter(pk=world[key].pk).update(service_department=world[department])
    Contact.objects.create(enterprise=world["firm_2"], name="乙次要", phone="13900000009")
    Contact.objects.create(enterprise=world["firm_2"], name="乙联系人", phone="13900000002", is_primary=True)
    return {**world, "data_set": data_set, "firm_3": firm_3}


def statuses(result):
    return {r.enterprise.name: r.status for r in result.firms}


def test_completeness_counts_on_time_late_missing(case, personas):
    result = completeness(
        firms=Enterprise.objects.restrict(personas["staff_a"]), data_set=case["data_set"], period=PERIOD
    )
    assert result.deadline == datetime.date(2025, 4, 10)
    assert statuses(result) == {
        "高平甲材料有限公司": "on_time",
        "高平乙机械有限公司": "late",
        "高平丁电子有限公司": "missing",
    }
    total = result.total
    assert (total.assigned, total.on_time, total.late, total.missing) == (3, 1, 1, 1)
    parks = {t.label: (t.assigned, t.on_time, t.late, t.missing) for t in result.by_park}
    assert parks == {"高平新材料园": (1, 1, 0, 0), "未入园": (2, 0, 1, 1)}
    sections = {t.key: t.assigned for t in result.by_section}
    assert sections == {"C": 3}


def tally_counts(tallies):
    return {t.label: (t.assigned, t.on_time, t.late, t.missing) for t in tallies}


def test_completeness_by_liaison_department(case, personas):
    result = completeness(
        firms=Enterprise.objects.restrict(personas["staff_a"]), data_set=case["data_set"], period=PERIOD
    )
    assert tally_counts(result.by_department) == {
        "经济运行部": (1, 1, 0, 0),
        "项目服务中心": (1, 0, 1, 0),
        "未指定部门": (1, 0, 0, 1),
    }
    assert result.by_department[-1].key is None  # 未指定部门 comes last


def test_department_breakdown_matches_a_hand_count(case, personas):
    """Twenty-four more firms of zone A, each with a department (or none) and a reporting state chosen here; the
    breakdown must count exactly what was set up, and its groups add up to the total."""
    departments = [case["dept_a"], case["dept_a_projects"], None]
    states = ["on_time", "late", "missing", "missing"]
    expected = {"经济运行部": [1, 1, 0, 0], "项目服务中心": [1, 0, 1, 0], "未指定部门": [1, 0, 0, 1]}  # the case's
    columns = {"on_time": 1, "late": 2, "missing": 3}
    for n in range(24):
        department, state = departments[n % 3], states[n % 4]
        firm = Enterprise.objects.create(
            credit_code=f"91140500MA0K2{n:04d}0",
            name=f"手数{n}（测试）",
            zone=case["zone_a"],
            industry_id="3982",
            service_department=department,
        )
        DataSetAssignment.objects.create(data_set=case["data_set"], enterprise=firm, from_period=202502)
        if state == "on_time":
            put(firm, PERIOD, case["data_set"], at(2025, 4, 9))
        elif state == "late":
            put(firm, PERIOD, case["data_set"], at(2025, 4, 15))
        counts = expected[department.name if department else "未指定部门"]
        counts[0] += 1
        counts[columns[state]] += 1
    result = completeness(
        firms=Enterprise.objects.restrict(personas["zone_admin_a"]),
        data_set=case["data_set"],
        period=PERIOD,
    )
    assert tally_counts(result.by_department) == {label: tuple(c) for label, c in expected.items()}
    # By hand: n % 3 and n % 4 meet every pair twice in 0..23, so each department gains 8 firms — 2 on time,
    # 2 late, 4 missing — on top of the case's one firm each.
    assert expected == {"经济运行部": [9, 3, 2, 4], "项目服务中心": [9, 2, 3, 4], "未指定部门": [9, 2, 2, 5]}
    total = result.total
    for index, name in enumerate(("assigned", "on_time", "late", "missing")):
        assert sum(getattr(t, name) for t in result.by_department) == getattr(total, name)
        assert sum(c[index] for c in expected.values()) == getattr(total, name)


def test_departments_of_several_zones_are_told_apart(case, personas):
    result = completeness(
        firms=Enterprise.objects.restrict(personas["system_admin"]),
        data_set=case["data_set"],
        period=PERIOD,
    )
    assert tally_counts(result.by_department) == {
        "灵石经开区 · 经济运行部": (1, 1, 0, 0),
        "高平经开区 · 经济运行部": (1, 1, 0, 0),
        "高平经开区 · 项目服务中心": (1, 0, 1, 0),
        "未指定部门": (1, 0, 0, 1),
    }


def test_completeness_of_the_system_admin_spans_zones(case, personas):
    result = completeness(
        firms=Enterprise.objects.restrict(personas["system_admin"]),
        data_set=case["data_set"],
        period=PERIOD,
    )
    assert [(t.label, t.assigned) for t in result.by_zone] == [("灵石经开区", 1), ("高平经开区", 3)]


def test_completeness_page_lists_the_late_firm(case, personas, client_for, django_assert_max_num_queries):
    client = client_for(personas["staff_a"])
    url = reverse("stats:completeness")
    with django_assert_max_num_queries(25):
        response = client.get(url, {"data_set": "industry_monthly", "period": "2025-03", "status": "late"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "高平乙机械有限公司" in body and "13900000002" in body
    assert "高平甲材料有限公司" not in body.split('id="firm-table"')[1]
    assert "灵石丙装备有限公司" not in body
    assert 'id="outlier-scan"' in body  # staff_a writes statistics in zone A


def test_completeness_page_breaks_down_by_department_and_filters_by_it(case, personas, client_for):
    client = client_for(personas["staff_a"])
    url = reverse("stats:completeness")
    body = client.get(url, {"period": "2025-03"}).content.decode()
    assert "企业未与部门一一关联" not in body
    table = body.split('id="by-department"')[1].split("</table>")[0]
    assert "经济运行部" in table and "项目服务中心" in table and "未指定部门" in table
    # Each department links to the page narrowed to it and to its 催报名单 (one click).
    projects = case["dept_a_projects"].pk
    assert f"service_department={projects}" in table
    assert reverse("stats:completeness_export") + "?" in table
    # On a page listing only the on-time firms, a department's 催报名单 link still means its late and missing ones.
    table = client.get(url, {"period": "2025-03", "status": "on_time"}).content.decode().split('id="by-department"')[1]
    export_link = table.split(reverse("stats:completeness_export") + "?")[1].split('"')[0]
    assert "status" not in export_link and f"service_department={projects}" in export_link
    response = client.get(url, {"period": "2025-03", "service_department": projects})
    assert [r.enterprise.name for r in response.context["page"].object_list] == ["高平乙机械有限公司"]
    assert tally_counts(response.context["result"].by_department) == {"项目服务中心": (1, 0, 1, 0)}
    response = client.get(url, {"period": "2025-03", "service_department": "none"})
    assert [r.enterprise.name for r in response.context["page"].object_list] == ["高平丁电子有限公司"]
    # Another zone's department is not a choice: a form error, no result.
    response = client.get(url, {"period": "2025-03", "service_department": case["dept_b"].pk})
    assert "service_department" in response.context["form"].errors and response.context["result"] is None


@pytest.mark.parametrize(
    ("department", "names"),
    [("dept_a_projects", ["高平乙机械有限公司"]), ("none", ["高平丁电子有限公司"]), ("dept_a", [])],
)
def test_reminder_export_follows_the_department_filter(case, personas, client_for, department, names):
    value = case[department].pk if department in case else department
    response = client_for(personas["staff_a"]).get(
        reverse("stats:completeness_export"), {"period": "2025-03", "service_department": value}
    )
    assert [row[0] for row in read_workbook(response)[1:]] == names
    event = AuditEvent.objects.filter(event="export", detail__kind="stats_reminders").latest("pk")
    assert event.detail["service_department"] == value and event.detail["rows"] == len(names)


def test_completeness_page_query_count_does_not_grow(case, personas, client_for, django_assert_max_num_queries):
    for n in range(30):
        firm = Enterprise.objects.create(
            credit_code=f"91140500MA0K1{n:04d}X"[:17] + "0",
            name=f"批量{n}（测试）",
            zone=case["zone_a"],
            industry_id="3982",
        )
        DataSetAssignment.objects.create(data_set=case["data_set"], enterprise=firm, from_period=202502)
        Contact.objects.create(enterprise=firm, name=f"联系人{n}", phone="13800000000", is_primary=True)
    client = client_for(personas["staff_a"])
    with django_assert_max_num_queries(25):
        response = client.get(reverse("stats:completeness"), {"period": "2025-03"})
    assert response.context["result"].total.missing == 31


def add_firms(case, count, start=0):
    """`count` more assigned firms of zone A named 批量NNN: every third on time, every third late, the rest missing."""
    for n in range(start, start + count):
        firm = Enterprise.objects.create(
            credit_code=f"91140500MA0K3{n:04d}0", name=f"批量{n:03d}（测试）", zone=case["zone_a"], industry_id="3982"
        )
        DataSetAssignment.objects.create(data_set=case["data_set"], enterprise=firm, from_period=202502)
        if n % 3 == 0:
            put(firm, PERIOD, case["data_set"], at(2025, 4, 9))
        elif n % 3 == 1:
            put(firm, PERIOD, case["data_set"], at(2025, 4, 12))


def count_queries(client, url, query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("status", ["", "late"])
def test_completeness_queries_are_the_same_for_5_and_50_firms(case, personas, client_for, status):
    client = client_for(personas["staff_a"])
    query = {"period": "2025-03", "status": status}
    add_firms(case, 5)
    client.get(reverse("stats:completeness"), query)  # the session's first request does more (not the firms)
    few, _response = count_queries(client, reverse("stats:completeness"), query)
    add_firms(case, 45, start=5)
    many, response = count_queries(client, reverse("stats:completeness"), query)
    assert few == many
    assert response.context["result"].total.assigned == 53
    # The 催报 export reads all its rows, in chunks: the same queries for 5 and for 50 firms as well.
    export = reverse("stats:completeness_export")
    queries, response = count_queries(client, export, {"period": "2025-03"})
    assert len(read_workbook(response)) == 1 + 2 + 33  # the case's late and missing firms, 33 of the 50
    # Back to 4 of them, 批量000–003 (the others' duty ends before March): the same queries.
    DataSetAssignment.objects.filter(enterprise__name__gte="批量004", enterprise__name__startswith="批量").update(
        to_period=202502
    )
    queries_for_4, response = count_queries(client, export, {"period": "2025-03"})
    assert len(read_workbook(response)) == 1 + 2 + 2 and queries_for_4 == queries


def test_the_firm_list_is_paged_in_the_database(case, personas, client_for):
    """150 firms and the case's 3 in zone A: pages of 50 in the page's order, every firm once over the pages; a
    status keeps that order within it; the count comes from the figures."""
    add_firms(case, 150)
    client = client_for(personas["staff_a"])
    url = reverse("stats:completeness")

    def listed(**query):
        page = client.get(url, {"period": "2025-03", **query}).context["page"]
        return page.paginator.count, [(r.enterprise.name, r.status) for r in page.object_list]

    pages = [listed(page=n) for n in (1, 2, 3, 4)]
    assert [count for count, _rows in pages] == [153] * 4
    assert [len(rows) for _count, rows in pages] == [50, 50, 50, 3]
    firms = [row for _count, rows in pages for row in rows]
    assert [name for name, _status in firms] == sorted(name for name, _status in firms)  # one zone: by name
    assert len(set(firms)) == 153
    late = [listed(status="late", page=n) for n in (1, 2)]
    assert [count for count, _rows in late] == [51, 51]  # 50 of the 150 and the case's firm 2
    assert late[0][1] + late[1][1] == [row for row in firms if row[1] == "late"]


def test_region_viewer_sees_masked_phones_and_no_scan(case, personas, client_for):
    response = client_for(personas["region_viewer"]).get(
        reverse("stats:completeness"), {"period": "2025-03", "status": "late"}
    )
    body = response.content.decode()
    assert "139****0002" in body and "13900000002" not in body
    assert 'id="outlier-scan"' not in body


@pytest.mark.parametrize("persona", ["firm_1_user", "security_admin", "audit_admin"])
def test_completeness_is_not_for_firms_or_security_roles(case, personas, client_for, persona):
    assert client_for(personas[persona]).get(reverse("stats:completeness")).status_code == 404
    assert client_for(personas[persona]).get(reverse("stats:completeness_export")).status_code == 404


def read_workbook(response):
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_reminder_export_lists_late_and_missing_firms(case, personas, client_for):
    response = client_for(personas["staff_a"]).get(
        reverse("stats:completeness_export"), {"data_set": "industry_monthly", "period": "2025-03"}
    )
    assert response.status_code == 200
    rows = read_workbook(response)
    assert rows[0][:8] == [
        "企业名称",
        "统一社会信用代码",
        "开发区",
        "园区",
        "包联部门",
        "联系人",
        "联系电话",
        "截止日期",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"高平乙机械有限公司", "高平丁电子有限公司"}
    late = by_name["高平乙机械有限公司"]
    assert late[1:7] == ["91140500MA0K00002Y", "高平经开区", None, "项目服务中心", "乙联系人", "13900000002"]
    assert late[7].date() == datetime.date(2025, 4, 10) and late[8] == "逾期报送"
    assert by_name["高平丁电子有限公司"][4] is None  # no liaison department
    assert AuditEvent.objects.filter(event="export", detail__kind="stats_reminders", detail__rows=2).exists()


def test_reminder_export_for_staff_b_has_only_zone_b(case, personas, client_for):
    case_firm = case["firm_b"]
    Value.objects.filter(enterprise=case_firm).delete()
    rows = read_workbook(
        client_for(personas["staff_b"]).get(reverse("stats:completeness_export"), {"period": "2025-03"})
    )
    assert [row[0] for row in rows[1:]] == ["灵石丙装备有限公司"]


def test_bad_period_is_a_form_error(case, personas, client_for):
    response = client_for(personas["staff_a"]).get(reverse("stats:completeness"), {"period": "2025-01"})
    assert response.status_code == 200 and response.context["form"].errors["period"]
    assert response.context["result"] is None


# -- outlier scan ---------------------------------------------------------------------------------------------------
def seed_history(firm, data_set, jump_in_october=True):
    """1—N月 revenue for 2024-02..2025-10 with a steady ~100 a month and a jump in October 2025."""
    indicator = Indicator.objects.get(code="revenue")
    rows, when = [], at(2025, 1, 1)
    for year, last in ((2024, 12), (2025, 10)):
        total = Decimal(0)
        for month in range(2, last + 1):
            amount = Decimal(200 if month == 2 else 100 + (month % 3))
            if jump_in_october and (year, month) == (2025, 10):
                amount = Decimal(400)
            total += amount
            rows.append(
                Value(enterprise=firm, zone=firm.zone, indicator=indicator, period=year * 100 + month, value=total,
                      data_set=data_set, source="form", entered_at=when)
            )  # fmt: skip
    Value.objects.bulk_create(rows)


@pytest.fixture
def scanned(world):
    data_set = DataSet.objects.get(code="industry_monthly")
    for firm in (world["firm_1"], world["firm_2"]):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=firm, from_period=202402)
    seed_history(world["firm_1"], data_set)
    seed_history(world["firm_2"], data_set, jump_in_october=False)
    return data_set


def test_scan_flags_the_jump_once(world, personas, scanned):
    flags = scan_outliers(actor=personas["staff_a"], zone=world["zone_a"], data_set=scanned, period=202510)
    assert [(f.enterprise_id, f.indicator.code, f.kind, f.status) for f in flags] == [
        (world["firm_1"].pk, "revenue", "outlier", "open")
    ]
    assert "环比" in flags[0].message and "中位数" in flags[0].message
    assert ValidationFlag.history.get(id=flags[0].pk).history_user == personas["staff_a"]
    again = scan_outliers(actor=personas["staff_a"], zone=world["zone_a"], data_set=scanned, period=202510)
    assert again == [] and ValidationFlag.objects.count() == 1


def test_scan_is_refused_outside_the_writers_zone(world, personas, scanned):
    from django.core.exceptions import PermissionDenied

    for persona in ("staff_b", "leader_a", "projects_staff_a", "region_viewer"):
        with pytest.raises(PermissionDenied):
            scan_outliers(actor=personas[persona], zone=world["zone_a"], data_set=scanned, period=202510)
    assert not ValidationFlag.objects.exists()


def test_scan_button_posts_and_lists_the_flags(world, personas, client_for, scanned):
    client = client_for(personas["staff_a"])
    payload = {"data_set": "industry_monthly", "period": "2025-10", "zone": world["zone_a"].pk}
    response = client.post(reverse("stats:outlier_scan"), payload)
    assert response.status_code == 302 and reverse("stats:flag_list") in response["Location"]
    assert ValidationFlag.objects.filter(kind="outlier", enterprise=world["firm_1"]).count() == 1
    listed = client.get(response["Location"])
    assert "高平甲材料有限公司" in listed.content.decode()


def test_scan_by_staff_b_in_zone_a_is_404(world, personas, client_for, scanned):
    payload = {"data_set": "industry_monthly", "period": "2025-10", "zone": world["zone_a"].pk}
    assert client_for(personas["staff_b"]).post(reverse("stats:outlier_scan"), payload).status_code == 404
    assert client_for(personas["leader_a"]).post(reverse("stats:outlier_scan"), payload).status_code == 404
    assert not ValidationFlag.objects.exists()


# -- flags --------------------------------------------------------------------------------------------------------
@pytest.fixture
def flags(world):
    revenue = Indicator.objects.get(code="revenue")
    make = lambda firm, kind="outlier": ValidationFlag.objects.create(  # noqa: E731
        enterprise=firm, zone=firm.zone, period=202510, kind=kind, indicator=revenue, message=f"{firm.name} 异常"
    )
    return {"a": make(world["firm_1"]), "a2": make(world["firm_2"], "rule"), "b": make(world["firm_b"])}


def test_flag_list_scope_and_filters(flags, personas, client_for, django_assert_max_num_queries):
    def names(persona, **query):
        client = client_for(personas[persona])
        with django_assert_max_num_queries(15):
            response = client.get(reverse("stats:flag_list"), query)
        return {f.enterprise.name for f in response.context["object_list"]}

    assert names("staff_a") == {"高平甲材料有限公司", "高平乙机械有限公司"}
    assert names("staff_a", kind="outlier") == {"高平甲材料有限公司"}
    assert names("staff_a", period="2025-09") == set()
    assert names("staff_a", indicator="revenue", status="open", period="2025-10") == {
        "高平甲材料有限公司",
        "高平乙机械有限公司",
    }
    assert names("firm_1_user") == {"高平甲材料有限公司"}
    assert names("staff_b") == {"灵石丙装备有限公司"}
    assert names("region_viewer") == {"高平甲材料有限公司", "高平乙机械有限公司"}


def test_firm_explains_and_staff_resolve(flags, personas, client_for):
    flag = flags["a"]
    url = reverse("stats:flag", args=[flag.pk])
    firm_client = client_for(personas["firm_1_user"])
    assert firm_client.get(url).status_code == 200
    assert firm_client.post(url, {"action": "resolve"}).status_code == 404  # firms explain, staff resolve
    response = firm_client.post(url, {"action": "explain", "explanation": "10月新增大额订单交付"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.explanation) == ("explained", "10月新增大额订单交付")
    assert flag.history.first().history_user == personas["firm_1_user"]
    staff_client = client_for(personas["staff_a"])
    assert staff_client.post(url, {"action": "resolve"}).status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by) == ("resolved", personas["staff_a"]) and flag.resolved_at
    page = staff_client.get(url).content.decode()
    assert "10月新增大额订单交付" in page and 'id="explain-form"' not in page


@pytest.mark.parametrize(
    ("persona", "flag_key"),
    [("firm_2_user", "a"), ("staff_b", "a"), ("firm_1_user", "b"), ("leader_a", "a"), ("region_viewer", "a")],
)
def test_others_cannot_explain_or_resolve(flags, personas, client_for, persona, flag_key):
    flag = flags[flag_key]
    client = client_for(personas[persona])
    url = reverse("stats:flag", args=[flag.pk])
    for payload in ({"action": "explain", "explanation": "越权"}, {"action": "resolve"}):
        assert client.post(url, payload).status_code == 404
    flag.refresh_from_db()
    assert (flag.status, flag.explanation) == ("open", "")


def test_out_of_scope_flag_is_404(flags, personas, client_for):
    assert client_for(personas["staff_a"]).get(reverse("stats:flag", args=[flags["b"].pk])).status_code == 404
    assert client_for(personas["firm_2_user"]).get(reverse("stats:flag", args=[flags["a"].pk])).status_code == 404


def test_empty_explanation_and_resolved_flags_are_refused(flags, personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        explain_flag(actor=personas["staff_a"], flag=flags["a"], explanation="  ")
    resolve_flag(actor=personas["staff_a"], flag=flags["a"])
    with pytest.raises(ValidationError):
        explain_flag(actor=personas["firm_1_user"], flag=flags["a"], explanation="补充")


# -- validation rules ---------------------------------------------------------------------------------------------
def rule_payload(**changes):
    data = {
        "name": "研发费用不大于营业收入",
        "data_set": "",
        "kind": "compare",
        "left": Indicator.objects.get(code="rd_expense").pk,
        "operator": "le",
        "right": Indicator.objects.get(code="revenue").pk,
        "right_factor": "1",
        "right_constant": "0",
        "when_indicator": "",
        "severity": "soft",
        "message": "研发费用大于营业收入，请核实",
        "is_active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("persona", "status"),
    [("system_admin", 200), ("staff_a", 200), ("leader_a", 200), ("region_viewer", 200), ("firm_1_user", 404)],
)
def test_rule_list_visibility(personas, client_for, persona, status):
    response = client_for(personas[persona]).get(reverse("stats:rule_list"))
    assert response.status_code == status
    if status == 200:
        assert "工业增加值不大于工业总产值" in response.content.decode()
        assert ('id="rule-add"' in response.content.decode()) == (persona == "system_admin")


def test_only_the_system_admin_adds_rules(personas, client_for):
    for persona in ("zone_admin_a", "staff_a", "security_admin"):
        assert client_for(personas[persona]).post(reverse("stats:rule_add"), rule_payload()).status_code == 404
    assert not ValidationRule.objects.filter(name="研发费用不大于营业收入").exists()
    response = client_for(personas["system_admin"]).post(reverse("stats:rule_add"), rule_payload())
    assert response.status_code == 302
    rule = ValidationRule.objects.get(name="研发费用不大于营业收入")
    assert rule.history.first().history_user == personas["system_admin"]
    assert AuditEvent.objects.filter(event="config_change", detail__action="validation_rule_add").exists()


def test_system_admin_disables_a_rule(personas, client_for):
    rule = ValidationRule.objects.get(name="税金不大于营业收入")
    payload = rule_payload(name=rule.name, left=rule.left_id, right=rule.right_id, message=rule.message, is_active="")
    assert (
        client_for(personas["system_admin"]).post(reverse("stats:rule_edit", args=[rule.pk]), payload).status_code
        == 302
    )
    rule.refresh_from_db()
    assert not rule.is_active


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"right": "", "right_constant": ""}, "right"),  # neither indicator nor constant
        ({"right": "", "right_factor": "2"}, "right_factor"),  # factor without an indicator
        ({"kind": "cumulative", "left": "employees", "right": ""}, "left"),  # cumulative on a stock
        ({"kind": "cumulative", "left": "revenue"}, "right"),  # cumulative with a right side
        ({"right_factor": "0"}, "right_factor"),
    ],
)
def test_inconsistent_rules_are_refused(personas, client_for, changes, field):
    if changes.get("left") in ("employees", "revenue"):
        changes["left"] = Indicator.objects.get(code=changes["left"]).pk
    response = client_for(personas["system_admin"]).post(reverse("stats:rule_add"), rule_payload(**changes))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not ValidationRule.objects.filter(name="研发费用不大于营业收入").exists()


def test_constant_rule_and_cumulative_rule_are_accepted(personas, client_for):
    client = client_for(personas["system_admin"])
    client.post(reverse("stats:rule_add"), rule_payload(name="常数规则", right="", right_constant="5", operator="gt"))
    client.post(
        reverse("stats:rule_add"),
        rule_payload(name="研发累计", kind="cumulative", right="", operator="le", right_constant=""),
    )
    constant = ValidationRule.objects.get(name="常数规则")
    assert (constant.right, constant.right_constant) == (None, Decimal(5))
    cumulative = ValidationRule.objects.get(name="研发累计")
    assert (cumulative.operator, cumulative.right_id) == ("ge", None)
