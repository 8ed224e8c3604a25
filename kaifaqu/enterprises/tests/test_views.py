"""Enterprise pages: validation, history, relocation, status, list filters, query counts, the industry picker."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc

from conftest import CODE_FIRM_1, make_admin_of_both_zones
from kaifaqu.enterprises.models import Contact, Enterprise, IndustryClass, Relocation, Tag
from kaifaqu.zones.models import IndustryChain, Park

# Query budgets (session, user, memberships included), the same for 5 rows as for 60: no N+1. The list page's
# industry lists come from the cache after the first request (kaifaqu.core.cache; one query reads the data versions).
LIST_PAGE_QUERIES = 11
ENTERPRISE_PAGE_QUERIES = 24  # the history names a changed department: one query per related model, not per row;
# the panels of a firm without figures add 6 (may it read figures, twice; figures, assignments, flags, projects)
HOME_PAGE_QUERIES = 27  # the system administrator's home (kaifaqu/core/tests/test_home.py bounds every role's)


def credit_code(prefix17):
    return prefix17 + uscc.calc_check_digit(prefix17)


def payload(firm=None, **changes):
    data = {
        "credit_code": "",
        "name": "",
        "former_names": "",
        "zone": "",
        "park": "",
        "service_department": "",
        "industry": "",
        "region": "",
        "address": "",
        "legal_representative": "",
        "founded_on": "",
        "registered_capital": "",
        "scale": "",
        "status": "active",
        "status_changed_on": "",
        "main_products": "",
        "description": "",
    }
    if firm is not None:
        data.update(
            credit_code=firm.credit_code,
            name=firm.name,
            former_names=firm.former_names,
            zone=firm.zone_id,
            park=firm.park_id or "",
            service_department=firm.service_department_id or "",
            industry=firm.industry_id,
            region=firm.region_id or "",
            founded_on=firm.founded_on or "",
            registered_capital=firm.registered_capital or "",
            scale=firm.scale,
            status=firm.status,
            status_changed_on=firm.status_changed_on or "",
            address=firm.address,
        )
    return {**data, **changes}


def new_firm(world, **changes):
    data = payload(
        credit_code=credit_code("91140500MA0K01230"),
        name="高平丁科技有限公司",
        zone=world["zone_a"].pk,
        park=world["park_a"].pk,
        industry="2651",
        region="140581",
        founded_on="2019-05-20",
        registered_capital="5000.5",
        scale="small",
    )
    return {**data, **changes}


@pytest.fixture
def staff_a(personas, client_for):
    return client_for(personas["staff_a"])


# ------------------------------------------------------------------------------------------------- validation
def test_a_valid_enterprise_is_created(world, personas, staff_a):
    response = staff_a.post(reverse("enterprises:enterprise_add"), new_firm(world))
    firm = Enterprise.objects.get(name="高平丁科技有限公司")
    assert response.status_code == 302 and response["Location"] == firm.get_absolute_url()
    assert str(firm.registered_capital) == "5000.5000"
    assert firm.history.get().history_user == personas["staff_a"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"credit_code": CODE_FIRM_1[:-1] + "X"}, "credit_code", "校验位"),
        ({"credit_code": CODE_FIRM_1[:-1]}, "credit_code", "18位"),
        ({"credit_code": "91140500MA0K0001IU"}, "credit_code", "无效字符"),  # I is not in the GB 32100 charset
        ({"credit_code": CODE_FIRM_1}, "credit_code", "已存在"),
        ({"credit_code": CODE_FIRM_1.lower()}, "credit_code", "已存在"),  # compared after normalising
        ({"founded_on": "future"}, "founded_on", "不能晚于今天"),
        ({"founded_on": "2019-02-30"}, "founded_on", "有效"),
        ({"park": "park_b"}, "park", "不属于所选开发区"),
        ({"service_department": "dept_b"}, "service_department", "包联部门不属于所选开发区"),
        ({"industry": "265"}, "industry", "有效"),  # a group, not a class
        ({"industry": "C"}, "industry", "有效"),  # a section
        ({"industry": ""}, "industry", "必填"),
        ({"name": ""}, "name", "必填"),
        ({"registered_capital": "-1"}, "registered_capital", "负数"),
        ({"registered_capital": "一千"}, "registered_capital", "数"),
        ({"status": "closed"}, "status_changed_on", "状态变更日期"),
        ({"status": "moved_out", "status_changed_on": "future"}, "status_changed_on", "不能晚于今天"),
    ],
    ids=[
        "check-character",
        "length",
        "charset",
        "duplicate",
        "duplicate-lowercase",
        "founded-future",
        "founded-invalid",
        "park-other-zone",
        "department-other-zone",
        "industry-group",
        "industry-section",
        "industry-missing",
        "name-missing",
        "capital-negative",
        "capital-not-number",
        "closed-without-date",
        "status-date-future",
    ],
)
def test_create_errors_are_shown_per_field_in_chinese(world, personas, client_for, changes, field, message):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    special = {"future": tomorrow, "park_b": world["park_b"].pk, "dept_b": world["dept_b"].pk}
    changes = {key: special.get(value, value) for key, value in changes.items()}
    client = client_for(make_admin_of_both_zones(world))  # sees both zones' parks, so the model rules are reached
    before = Enterprise.objects.count()
    response = client.post(reverse("enterprises:enterprise_add"), new_firm(world, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field]), errors[field]
    assert message in response.content.decode()  # rendered next to its field
    assert Enterprise.objects.count() == before
    assert not Enterprise.history.filter(name="高平丁科技有限公司").exists()


def test_staff_cannot_pick_a_park_or_zone_outside_their_writable_zones(world, staff_a):
    response = staff_a.post(
        reverse("enterprises:enterprise_add"), new_firm(world, zone=world["zone_b"].pk, park=world["park_b"].pk)
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"zone", "park"}
    assert not Enterprise.objects.filter(name="高平丁科技有限公司").exists()


def test_clean_rejects_a_liaison_department_of_another_zone(world):
    firm = world["firm_1"]
    firm.service_department = world["dept_b"]
    with pytest.raises(ValidationError) as refused:
        firm.full_clean()
    assert refused.value.message_dict == {"service_department": ["包联部门不属于所选开发区"]}
    firm.service_department = world["dept_a"]
    firm.full_clean()


def test_liaison_department_choices_are_the_zones_and_show_on_the_page(world, personas, staff_a):
    firm = world["firm_1"]
    url = reverse("enterprises:enterprise_edit", args=[firm.pk])
    choices = dict(staff_a.get(url).context["form"].fields["service_department"].choices)
    assert set(choices.values()) == {"---------", "经济运行部", "项目服务中心"}  # zone A's, by name
    response = staff_a.post(url, payload(firm, service_department=world["dept_b"].pk))
    assert "service_department" in response.context["form"].errors  # not a choice for this firm
    response = staff_a.post(url, payload(firm, service_department=world["dept_a_projects"].pk))
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.service_department == world["dept_a_projects"]
    page = staff_a.get(firm.get_absolute_url())
    assert "项目服务中心" in page.content.decode().split('id="service-department"')[1][:80]
    changes = {(str(c["field"]), c["old"], c["new"]) for entry in page.context["history"] for c in entry["changes"]}
    assert ("包联部门", "—", "项目服务中心") in changes


def test_an_admin_of_two_zones_adding_a_firm_sees_whose_department_it_is(world, client_for):
    form = client_for(make_admin_of_both_zones(world)).get(reverse("enterprises:enterprise_add")).context["form"]
    labels = set(dict(form.fields["service_department"].choices).values()) - {"---------"}
    assert labels == {"高平经开区 · 经济运行部", "高平经开区 · 项目服务中心", "灵石经开区 · 经济运行部"}


def test_credit_code_is_stored_upper_case(world, staff_a):
    code = credit_code("91140500MA0K07777")
    staff_a.post(reverse("enterprises:enterprise_add"), new_firm(world, credit_code=f" {code.lower()} "))
    assert Enterprise.objects.get(name="高平丁科技有限公司").credit_code == code


def test_edit_cannot_move_a_firm_to_another_zone(world, staff_a):
    """The zone field is fixed on edit: moves go through relocation."""
    firm = world["firm_1"]
    response = staff_a.post(
        reverse("enterprises:enterprise_edit", args=[firm.pk]), payload(firm, zone=world["zone_b"].pk)
    )
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.zone == world["zone_a"]


# ---------------------------------------------------------------------------------------------------- history
def test_an_edit_shows_in_the_history_table_with_user_and_old_and_new_values(world, personas, staff_a):
    firm = world["firm_1"]
    response = staff_a.post(
        reverse("enterprises:enterprise_edit", args=[firm.pk]),
        payload(firm, name="高平甲新材料股份有限公司", scale="medium"),
    )
    assert response.status_code == 302
    page = staff_a.get(firm.get_absolute_url()).content.decode()
    history = page[page.index('id="history"') :]
    assert "<del>高平甲材料有限公司</del> → <ins>高平甲新材料股份有限公司</ins>" in history
    assert "<del>—</del> → <ins>中型</ins>" in history  # choices shown by their label
    row = history[: history.index("高平甲新材料股份有限公司")]
    assert personas["staff_a"].display_name in row[row.rindex("<tr>") :]


def test_tag_and_park_changes_show_names_not_ids(world, staff_a):
    firm = world["firm_1"]
    tag = Tag.objects.create(name="高新技术企业")
    other_park = Park.objects.create(zone=world["zone_a"], name="高平第二园")
    response = staff_a.post(
        reverse("enterprises:enterprise_edit", args=[firm.pk]), payload(firm, tags=[tag.pk], park=other_park.pk)
    )
    assert response.status_code == 302
    changes = {
        (str(c["field"]), c["old"], c["new"])
        for entry in staff_a.get(firm.get_absolute_url()).context["history"]
        for c in entry["changes"]
    }
    assert ("所在园区", "高平新材料园", "高平第二园") in changes
    assert ("标签", "—", "高新技术企业") in changes


def test_a_closed_firm_needs_a_date_and_keeps_its_history(world, staff_a):
    firm = world["firm_2"]
    url = reverse("enterprises:enterprise_edit", args=[firm.pk])
    response = staff_a.post(url, payload(firm, status="closed"))
    assert response.status_code == 200
    assert "状态变更日期" in " ".join(response.context["form"].errors["status_changed_on"])
    firm.refresh_from_db()
    assert firm.status == "active"

    response = staff_a.post(url, payload(firm, status="closed", status_changed_on="2024-12-31"))
    assert response.status_code == 302
    firm.refresh_from_db()
    assert (firm.status, str(firm.status_changed_on)) == ("closed", "2024-12-31")
    page = staff_a.get(firm.get_absolute_url())
    assert page.status_code == 200
    assert "<del>在营</del> → <ins>注销</ins>" in page.content.decode()
    assert len(page.context["history"]) == 2


# ------------------------------------------------------------------------------------------------- relocation
def relocate(client, firm, **data):
    return client.post(reverse("enterprises:enterprise_relocate", args=[firm.pk]), data)


def test_relocation_between_parks_is_recorded(world, personas, staff_a):
    firm = world["firm_1"]
    new_park = Park.objects.create(zone=world["zone_a"], name="高平第二园")
    response = relocate(
        staff_a, firm, to_zone=world["zone_a"].pk, to_park=new_park.pk, moved_on="2025-03-01", reason="扩建新厂"
    )
    assert response.status_code == 302 and response["Location"] == firm.get_absolute_url()
    move = Relocation.objects.get(enterprise=firm)
    assert (move.from_zone, move.from_park, move.to_zone, move.to_park) == (
        world["zone_a"],
        world["park_a"],
        world["zone_a"],
        new_park,
    )
    assert move.recorded_by == personas["staff_a"] and str(move.moved_on) == "2025-03-01"
    firm.refresh_from_db()
    assert firm.park == new_park
    page = staff_a.get(firm.get_absolute_url())
    relocations = page.content.decode()
    assert "高平新材料园 → 高平经开区·高平第二园" in relocations
    latest = page.context["history"][0]
    assert latest["user"] == personas["staff_a"] and latest["reason"] == "扩建新厂"
    changes = [(str(c["field"]), c["old"], c["new"]) for c in latest["changes"]]
    assert changes == [("所在园区", "高平新材料园", "高平第二园")]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (lambda w: {"to_zone": w["zone_a"].pk, "to_park": w["park_b"].pk, "moved_on": "2025-01-01"}, "to_park"),
        (lambda w: {"to_zone": w["zone_b"].pk, "to_park": "", "moved_on": "2025-01-01"}, "to_zone"),
        (lambda w: {"to_zone": w["zone_a"].pk, "to_park": "", "moved_on": "2999-01-01"}, "moved_on"),
    ],
    ids=["park-of-other-zone", "zone-not-writable", "future-date"],
)
def test_bad_relocation_writes_nothing(world, staff_a, data, field):
    firm = world["firm_1"]
    response = relocate(staff_a, firm, **data(world))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Relocation.objects.exists()
    firm.refresh_from_db()
    assert (firm.zone, firm.park) == (world["zone_a"], world["park_a"])
    assert firm.history.count() == 1


def test_relocation_to_another_zone_drops_chains_and_liaison_and_moves_scope(world, personas, client_for, staff_a):
    firm = world["firm_1"]
    firm.chains.add(IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链"))
    Enterprise.objects.filter(pk=firm.pk).update(service_department=world["dept_a"])
    response = relocate(
        client_for(make_admin_of_both_zones(world)),
        firm,
        to_zone=world["zone_b"].pk,
        to_park=world["park_b"].pk,
        moved_on="2025-03-01",
    )
    assert response.status_code == 302
    firm.refresh_from_db()
    assert (firm.zone, firm.park, firm.chains.count()) == (world["zone_b"], world["park_b"], 0)
    assert firm.service_department is None  # zone A's department does not travel with the firm
    assert client_for(personas["staff_a"]).get(firm.get_absolute_url()).status_code == 404
    assert client_for(personas["staff_b"]).get(firm.get_absolute_url()).status_code == 200


# ----------------------------------------------------------------------------------------------------- contacts
def test_system_admin_reads_the_registry_and_writes_none_of_it(world, personas, client_for):
    """三员分立 (docs/users/roles.md): he sees every firm, its contacts and relocations, with no button to add, edit,
    relocate or import; the write pages answer 404 and a hand-made request changes nothing."""
    client, firm = client_for(personas["system_admin"]), world["firm_1"]
    contact = Contact.objects.create(enterprise=firm, name="王经理", phone="13912345678")
    listing = client.get(reverse("enterprises:enterprise_list"))
    assert not listing.context["may_add"]
    assert reverse("enterprises:enterprise_add") not in listing.content.decode()
    assert reverse("enterprises:enterprise_import") not in listing.content.decode()  # nor its sub-navigation tab
    page = client.get(firm.get_absolute_url())
    html = page.content.decode()
    assert not page.context["may_change"] and "王经理" in html and "13912345678" in html
    for name, args in (
        ("enterprise_edit", [firm.pk]),
        ("enterprise_relocate", [firm.pk]),
        ("contact_add", [firm.pk]),
        ("contact_edit", [contact.pk]),
        ("contact_delete", [contact.pk]),
    ):
        assert reverse(f"enterprises:{name}", args=args) not in html, name
    before = (list(Enterprise.objects.values()), list(Contact.objects.values()), Relocation.objects.count())
    for url, data in (
        (reverse("enterprises:enterprise_add"), new_firm(world)),
        (reverse("enterprises:enterprise_edit", args=[firm.pk]), payload(firm, main_products="管理员改")),
        (reverse("enterprises:enterprise_relocate", args=[firm.pk]), {"to_zone": world["zone_b"].pk}),
        (reverse("enterprises:contact_add", args=[firm.pk]), {"name": "管理员加"}),
        (reverse("enterprises:contact_edit", args=[contact.pk]), {"name": "管理员改"}),
        (reverse("enterprises:contact_delete", args=[contact.pk]), {}),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    assert (list(Enterprise.objects.values()), list(Contact.objects.values()), Relocation.objects.count()) == before


def test_contact_phone_is_validated_and_masked_for_region_viewers(world, personas, staff_a, client_for):
    firm = world["firm_1"]
    url = reverse("enterprises:contact_add", args=[firm.pk])
    response = staff_a.post(url, {"name": "王经理", "phone": "电话号码"})
    assert response.status_code == 200 and response.context["form"].errors["phone"]
    assert staff_a.post(url, {"name": "王经理", "phone": "13912345678", "is_primary": "on"}).status_code == 302
    contact = Contact.objects.get(enterprise=firm)
    assert contact.is_primary
    viewer_page = client_for(personas["region_viewer"]).get(firm.get_absolute_url()).content.decode()
    assert "139****5678" in viewer_page and "13912345678" not in viewer_page
    assert "13912345678" in client_for(personas["leader_a"]).get(firm.get_absolute_url()).content.decode()


# ------------------------------------------------------------------------------------------------ list filters
@pytest.fixture
def catalogue(world):
    """A few firms across sections, statuses and tags, all in zone A or B."""
    w = dict(world)
    high_tech = Tag.objects.create(name="高新技术企业")
    specialised = Tag.objects.create(name="专精特新")
    w["firm_1"].former_names = "高平旧名材料厂\n高平甲化工"
    w["firm_1"].save()
    w["firm_1"].tags.add(high_tech, specialised)
    w["firm_2"].tags.add(high_tech)
    w["soft"] = Enterprise.objects.create(
        credit_code=credit_code("91140500MA0K04444"),
        name="高平软件有限公司",
        zone=w["zone_a"],
        service_department=w["dept_a"],
        industry_id="6511",
        scale="micro",
    )
    w["firm_1"].service_department = w["dept_a"]
    w["firm_1"].save()
    w["shop"] = Enterprise.objects.create(
        credit_code=credit_code("91140500MA0K05555"),
        name="高平百货商店",
        zone=w["zone_a"],
        industry_id="5211",
        status="closed",
        status_changed_on="2023-06-30",
    )
    return w


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"firm_1", "firm_2", "firm_b", "soft", "shop"}),
        ({"q": "软件"}, {"soft"}),
        ({"q": "旧名"}, {"firm_1"}),  # a former name
        ({"q": "高平甲化工"}, {"firm_1"}),
        ({"q": "91140700ma0k"}, {"firm_b"}),  # part of a credit code, any case
        ({"q": "有限公司"}, {"firm_1", "firm_2", "firm_b", "soft"}),
        ({"zone": "zone_b"}, {"firm_b"}),
        ({"zone": "zone_a", "status": "active"}, {"firm_1", "firm_2", "soft"}),
        ({"park": "park_a"}, {"firm_1"}),
        ({"service_department": "dept_a"}, {"firm_1", "soft"}),
        ({"service_department": "none"}, {"firm_2", "firm_b", "shop"}),
        ({"section": "C"}, {"firm_1", "firm_2", "firm_b"}),
        ({"section": "I"}, {"soft"}),
        ({"division": "34"}, {"firm_2", "firm_b"}),
        ({"industry": "265"}, {"firm_1"}),
        ({"industry": "f"}, {"shop"}),
        ({"status": "closed"}, {"shop"}),
        ({"status": ["closed", "active"]}, {"firm_1", "firm_2", "firm_b", "soft", "shop"}),
        ({"scale": "micro"}, {"soft"}),
        ({"tag": "高新技术企业"}, {"firm_1", "firm_2"}),
        ({"tag": ["高新技术企业", "专精特新"]}, {"firm_1"}),  # tags are conjoined
        ({"q": "不存在的企业"}, set()),
    ],
)
def test_list_filters(catalogue, personas, client_for, params, expected):
    params = {k: catalogue[v].pk if isinstance(v, str) and v in catalogue else v for k, v in params.items()}
    response = client_for(personas["system_admin"]).get(reverse("enterprises:enterprise_list"), params)
    assert response.status_code == 200
    shown = {row.record.pk for row in response.context["table"].page.object_list}
    assert shown == {catalogue[k].pk for k in expected}


def test_list_filters_never_widen_scope(catalogue, personas, client_for):
    response = client_for(personas["staff_a"]).get(
        reverse("enterprises:enterprise_list"), {"zone": catalogue["zone_b"].pk}
    )
    assert "zone" in response.context["filter"].errors  # zone B is not a choice for staff of zone A
    shown = {row.record.pk for row in response.context["table"].page.object_list}
    assert catalogue["firm_b"].pk not in shown
    response = client_for(personas["staff_a"]).get(
        reverse("enterprises:enterprise_list"), {"service_department": catalogue["dept_b"].pk}
    )
    assert "service_department" in response.context["filter"].errors


def test_department_filter_labels(catalogue, personas, client_for):
    url = reverse("enterprises:enterprise_list")
    staff = client_for(personas["staff_a"]).get(url).context["filter"].form.fields["service_department"]
    labels = list(dict(staff.choices).values())
    assert labels[:2] == ["全部", "未指定部门"] and set(labels[2:]) == {"经济运行部", "项目服务中心"}  # zone A's
    admin = client_for(personas["system_admin"]).get(url).context["filter"].form.fields["service_department"]
    assert {"高平经开区 · 经济运行部", "灵石经开区 · 经济运行部"} <= set(dict(admin.choices).values())


# ------------------------------------------------------------------------------------------------- query counts
def populate(world, n):
    tags = [Tag.objects.create(name=f"标签{i}") for i in range(3)]
    chain = IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链")
    for i in range(n):
        firm = Enterprise.objects.create(
            credit_code=credit_code(f"91140500MA1{i:06d}"),
            name=f"演示企业{i:03d}",
            zone=world["zone_a"],
            park=world["park_a"],
            service_department=world["dept_a"] if i % 2 else world["dept_a_projects"],
            industry_id="2651" if i % 2 else "3411",
            region_id="140581",
            scale="small",
        )
        firm.tags.set(tags)
        firm.chains.add(chain)


@pytest.mark.parametrize("n", [5, 60])
def test_list_page_queries_are_bounded(world, personas, client_for, django_assert_max_num_queries, n):
    populate(world, n)
    client = client_for(personas["zone_admin_a"])
    client.get(reverse("enterprises:enterprise_list"))  # the reference lists cached
    with django_assert_max_num_queries(LIST_PAGE_QUERIES):
        response = client.get(reverse("enterprises:enterprise_list"), {"status": "active", "sort": "zone"})
    assert len(response.context["table"].page.object_list) == min(n + 2, 50)


@pytest.mark.parametrize("n", [5, 60])
def test_enterprise_page_queries_are_bounded(world, personas, client_for, django_assert_max_num_queries, n):
    firm = world["firm_1"]
    user = personas["staff_a"]
    firm.tags.set([Tag.objects.create(name=f"标签{i}") for i in range(n)])
    firm.chains.set([IndustryChain.objects.create(zone=world["zone_a"], name=f"链{i}") for i in range(n)])
    Contact.objects.bulk_create([Contact(enterprise=firm, name=f"联系人{i}", phone="13800000000") for i in range(n)])
    parks = [world["park_a"], Park.objects.create(zone=world["zone_a"], name="高平第二园")]
    for i in range(n):
        Relocation.objects.create(
            enterprise=firm,
            moved_on="2024-01-01",
            from_zone=world["zone_a"],
            from_park=parks[i % 2],
            to_zone=world["zone_a"],
            to_park=parks[(i + 1) % 2],
            recorded_by=user,
        )
        firm.main_products = f"产品{i}"
        if i == n - 1:
            firm.service_department = world["dept_a"]  # the page shows it; the latest history entry names it
        firm._history_user = user
        firm.save()
    client = client_for(user)
    with django_assert_max_num_queries(ENTERPRISE_PAGE_QUERIES):
        response = client.get(firm.get_absolute_url())
    assert len(response.context["contacts"]) == n
    assert len(response.context["relocations"]) == n


@pytest.mark.parametrize("n", [5, 60])
def test_home_page_queries_are_bounded(world, personas, client_for, django_assert_max_num_queries, n):
    populate(world, n)
    client = client_for(personas["system_admin"])
    with django_assert_max_num_queries(HOME_PAGE_QUERIES):
        assert client.get(reverse("home")).status_code == 200


# ----------------------------------------------------------------------------------------------- industry picker
@pytest.mark.parametrize("q", ["26", "265", "化学", "C", "制造", "软件", ""])
def test_industry_search_returns_classes_only(db, personas, client_for, q):
    response = client_for(personas["leader_a"]).get(reverse("enterprises:industry_search"), {"q": q})
    assert response.status_code == 200
    results = response.json()["results"]
    codes = [r["value"] for r in results]
    assert len(codes) <= 50
    assert set(IndustryClass.objects.filter(code__in=codes).values_list("level", flat=True)) <= {"class"}
    assert all(len(code) == 4 and code.isdigit() for code in codes)
    for row in results:
        assert row["text"].startswith(row["value"] + " ")
    if q.isdigit():
        assert codes and all(code.startswith(q) for code in codes)
    if q == "265":
        classes = IndustryClass.objects.filter(code__startswith="265", level="class")
        assert codes == list(classes.values_list("code", flat=True))
    if q == "软件":
        assert "6511" in codes


def test_industry_search_needs_login(db, client):
    response = client.get(reverse("enterprises:industry_search"), {"q": "26"})
    assert response.status_code == 302


# ------------------------------------------------------------------------------------------------------ firm picker
def firm_search(client, **params):
    response = client.get(reverse("enterprises:enterprise_search"), params)
    assert response.status_code == 200
    return {row["value"]: row["text"] for row in response.json()["results"]}


def test_firm_search_by_name_former_name_and_credit_code_within_the_users_scope(world, personas, client_for):
    world["firm_2"].former_names = "高平旧名化工厂"
    world["firm_2"].save()
    client = client_for(personas["staff_a"])
    everything = firm_search(client)
    assert set(everything) == {world["firm_1"].pk, world["firm_2"].pk}  # zone B's firm is not offered
    assert firm_search(client, q=world["firm_1"].name[2:5]) == {
        world["firm_1"].pk: f"{world['firm_1'].name}（{world['firm_1'].credit_code}）"
    }
    assert set(firm_search(client, q="旧名化工")) == {world["firm_2"].pk}
    assert set(firm_search(client, q=world["firm_1"].credit_code[:17].lower())) == {world["firm_1"].pk}
    assert firm_search(client, q=world["firm_b"].name) == {}
    assert firm_search(client, q="没有这家企业") == {}


def test_firm_search_narrowed_to_zones_and_labelled_by_zone_across_several(world, personas, client_for):
    admin = client_for(personas["system_admin"])
    both = firm_search(admin, zones=f"{world['zone_a'].pk},{world['zone_b'].pk}")
    assert both[world["firm_b"].pk].startswith(f"{world['zone_b']} · ")
    only_b = firm_search(admin, zones=str(world["zone_b"].pk))
    assert set(only_b) == {world["firm_b"].pk} and " · " not in only_b[world["firm_b"].pk]
    assert set(firm_search(admin, zones="x,,")) == {world["firm_1"].pk, world["firm_2"].pk, world["firm_b"].pk}
    assert set(firm_search(client_for(personas["staff_a"]), zones=str(world["zone_b"].pk))) == set()


def test_firm_search_offers_an_enterprise_user_only_its_own_firm(world, personas, client_for):
    assert set(firm_search(client_for(personas["firm_1_user"]))) == {world["firm_1"].pk}


def test_firm_search_returns_at_most_fifty_by_name(world, personas, client_for):
    Enterprise.objects.bulk_create(
        Enterprise(
            credit_code=f"91140500MA1P{i:05d}" + uscc.calc_check_digit(f"91140500MA1P{i:05d}"),
            name=f"批量企业{i:03d}",
            zone=world["zone_a"],
            industry_id="2651",
        )
        for i in range(60)
    )
    found = list(firm_search(client_for(personas["staff_a"]), q="批量企业").values())
    assert len(found) == 50 and found == sorted(found) and found[0].startswith("批量企业000")


def test_firm_search_needs_login(db, client):
    assert client.get(reverse("enterprises:enterprise_search"), {"q": "高平"}).status_code == 302
