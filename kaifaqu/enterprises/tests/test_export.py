"""Enterprise export: the list page's filters and scope, escaped cells, audit, filename, and the round trip
export → import in update mode that changes nothing."""

import io
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import CODE_FIRM_1, CODE_FIRM_2, CODE_FIRM_B
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.models import AuditEvent
from kaifaqu.core.imports import request_commit
from kaifaqu.core.models import ImportModeChoices, ImportStatusChoices
from kaifaqu.enterprises.models import Enterprise, Tag

from .test_import import HEADERS, make_code, run_import


@pytest.fixture(autouse=True)
def media_and_fast_passwords(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def export(client, query=""):
    response = client.get(reverse("enterprises:enterprise_export") + (f"?{query}" if query else ""))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return response, openpyxl.load_workbook(io.BytesIO(body))


def exported_codes(book):
    return {row[0] for row in book.active.iter_rows(min_row=2, values_only=True)}


@pytest.fixture
def rich_firm(world):
    """A firm with every column filled, and text that a spreadsheet would take for a formula."""
    firm = Enterprise.objects.create(
        credit_code=make_code(42),
        name='=HYPERLINK("http://evil","点我")',
        zone=world["zone_a"],
        park=world["park_a"],
        service_department=world["dept_a"],
        industry_id="3311",
        region_id="140581",
        address="+86 高平市",
        legal_representative="@王五",
        founded_on=date(2015, 3, 8),
        registered_capital=Decimal("1234.5678"),
        scale="small",
        status="closed",
        status_changed_on=date(2023, 12, 31),
        former_names="-旧名甲\n旧名乙",
        main_products="\t铝箔",
    )
    firm.tags.set([Tag.objects.create(name="专精特新"), Tag.objects.create(name="=1+1")])
    return firm


def test_export_has_the_template_columns_and_escapes_formula_cells(personas, client_for, rich_firm):
    response, book = export(client_for(personas["staff_a"]))
    sheet = book.active
    assert sheet.title == "企业名录"
    assert [c.value for c in sheet[1]] == HEADERS
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    row = dict(zip(HEADERS, rows[rich_firm.credit_code], strict=True))
    assert row["企业名称"] == '\'=HYPERLINK("http://evil","点我")'
    assert row["注册地址"] == "'+86 高平市"
    assert row["法定代表人"] == "'@王五"
    assert row["曾用名"] == "'-旧名甲；旧名乙"
    assert row["主要产品"] == "'\t铝箔"
    assert row["标签"] == "'=1+1、专精特新"
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)  # no formula anywhere
    assert row["所属开发区"] == "高平经济技术开发区"
    assert row["所在园区"] == "高平新材料园"
    assert row["包联部门"] == "经济运行部"
    assert (row["国民经济行业代码"], row["注册地区划代码"]) == ("3311", "140581")
    assert row["成立日期"].date() == date(2015, 3, 8)
    assert Decimal(str(row["注册资本(万元)"])) == Decimal("1234.5678")
    assert (row["金额单位"], row["企业规模"], row["经营状态"]) == ("万元", "小型", "注销")


def test_export_filename_and_audit(personas, client_for, world):
    client = client_for(personas["staff_a"])
    response, book = export(client, f"zone={world['zone_a'].pk}&status=active&q=高平")
    today = timezone.localdate().strftime("%Y%m%d")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(f'企业名录-{today}.xlsx')}" in disposition
    event = AuditEvent.objects.get(event=AuditEventChoices.EXPORT)
    assert event.user == personas["staff_a"]
    assert event.detail["rows"] == 2 == len(exported_codes(book))
    assert event.detail["filter"] == {"zone": [str(world["zone_a"].pk)], "status": ["active"], "q": ["高平"]}


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("staff_a", {CODE_FIRM_1, CODE_FIRM_2}),
        ("leader_a", {CODE_FIRM_1, CODE_FIRM_2}),
        ("staff_b", {CODE_FIRM_B}),
        ("firm_1_user", {CODE_FIRM_1}),
        ("firm_2_user", {CODE_FIRM_2}),
        ("region_viewer", {CODE_FIRM_1, CODE_FIRM_2}),  # 晋城市 covers 高平 (zone A), not 灵石 (zone B)
        ("system_admin", {CODE_FIRM_1, CODE_FIRM_2, CODE_FIRM_B}),
        ("security_admin", set()),
    ],
)
def test_export_respects_scope(personas, client_for, world, persona, codes):
    _response, book = export(client_for(personas[persona]))
    assert exported_codes(book) == codes


def test_filters_cannot_widen_the_scope(personas, client_for, world):
    client = client_for(personas["staff_b"])
    _response, book = export(client, f"zone={world['zone_a'].pk}")
    assert exported_codes(book) == set()  # zone A is not a choice for staff of zone B: nothing, as on the list page
    _response, book = export(client, "q=高平")
    assert exported_codes(book) == set()


def test_export_uses_the_list_filters(personas, client_for, world):
    client = client_for(personas["system_admin"])
    _response, book = export(client, f"zone={world['zone_b'].pk}")
    assert exported_codes(book) == {CODE_FIRM_B}
    _response, book = export(client, "industry=2651")
    assert exported_codes(book) == {CODE_FIRM_1}
    _response, book = export(client, f"park={world['park_a'].pk}")
    assert exported_codes(book) == {CODE_FIRM_1}
    Enterprise.objects.filter(pk=world["firm_2"].pk).update(service_department=world["dept_a_projects"])
    _response, book = export(client, f"service_department={world['dept_a_projects'].pk}")
    assert exported_codes(book) == {CODE_FIRM_2}
    _response, book = export(client, "service_department=none")
    assert exported_codes(book) == {CODE_FIRM_1, CODE_FIRM_B}


def test_anonymous_cannot_export(db, client):
    response = client.get(reverse("enterprises:enterprise_export"))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(event=AuditEventChoices.EXPORT).exists()


def test_export_then_import_in_update_mode_changes_nothing(personas, client_for, rich_firm):
    staff = personas["staff_a"]
    response = client_for(staff).get(reverse("enterprises:enterprise_export"))
    data = b"".join(response.streaming_content)
    history_before = Enterprise.history.count()
    snapshot = {e.pk: (e.name, e.former_names, e.registered_capital, e.updated_at) for e in Enterprise.objects.all()}
    job = run_import(staff, data, mode=ImportModeChoices.UPSERT, name="企业名录-导出.xlsx")
    assert job.status == ImportStatusChoices.VALIDATED, job.message
    assert job.error_count == 0, job.errors
    assert (job.row_count, job.new_count, job.update_count, job.unchanged_count) == (3, 0, 0, 3)
    assert request_commit(job)
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.COMMITTED
    assert Enterprise.history.count() == history_before
    assert {
        e.pk: (e.name, e.former_names, e.registered_capital, e.updated_at) for e in Enterprise.objects.all()
    } == snapshot
    assert sorted(rich_firm.tags.values_list("name", flat=True)) == ["=1+1", "专精特新"]


def test_an_edited_export_updates_only_what_was_edited(personas, client_for, world):
    staff = personas["staff_a"]
    response = client_for(staff).get(reverse("enterprises:enterprise_export"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == CODE_FIRM_2:
            row[HEADERS.index("法定代表人")].value = "赵六"
    buffer = io.BytesIO()
    book.save(buffer)
    job = run_import(staff, buffer.getvalue(), mode=ImportModeChoices.UPSERT)
    assert (job.error_count, job.update_count, job.unchanged_count) == (0, 1, 1)
    assert request_commit(job)
    world["firm_2"].refresh_from_db()
    assert world["firm_2"].legal_representative == "赵六"
    assert world["firm_2"].history.first().history_user == staff
