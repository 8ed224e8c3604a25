"""The 四上 directory (名录) and the reporting duties it drives: the services, the directory import, the status page
(a year without a directory, unchecked firms, filters, export, removal), the API and the forms' configuration page."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from stdnum.cn import uscc

from conftest import PERSONAS
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.models import AuditEvent
from kaifaqu.core.imports import request_commit, start_import
from kaifaqu.core.models import ImportModeChoices
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats.importers_directory import KIND_DIRECTORY
from kaifaqu.stats.models import DataSet, DataSetAssignment, DataSetIndicator, EnterpriseYearStatus, Indicator
from kaifaqu.stats.quality import completeness
from kaifaqu.stats.services import assign_data_set, record_year_status, remove_year_status
from kaifaqu.stats.tests.payloads import data_set_payload
from kaifaqu.stats.tests.test_values_api import VIEW  # whose statistics each persona reads

HEADERS = ["统一社会信用代码", "年度", "四上类别", "入库日期", "备注"]
UNKNOWN_CODE = "9114058" + "0000009999" + uscc.calc_check_digit("91140580000009999")  # valid, not registered


@pytest.fixture(autouse=True)
def media_and_fast_passwords(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def monthly(db):
    return DataSet.objects.get(code="industry_monthly")  # scope: the 规模以上工业 directory (migration stats.0004)


@pytest.fixture
def admin(personas):
    return personas["system_admin"]


def spans(data_set, firm):
    return list(
        DataSetAssignment.objects.filter(data_set=data_set, enterprise=firm)
        .order_by("from_period")
        .values_list("from_period", "to_period")
    )


def enter(actor, firm, *years, category="industry"):
    for year in years:
        record_year_status(actor=actor, enterprise=firm, year=year, category=category)


def leave(actor, firm, year):
    remove_year_status(actor=actor, status=EnterpriseYearStatus.objects.get(enterprise=firm, year=year))


def credit_code(serial):
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


# -- the directory drives the duties -------------------------------------------------------------------------------


def test_entering_the_directory_assigns_the_year(world, admin, monthly):
    enter(admin, world["firm_1"], 2025)
    assignment = DataSetAssignment.objects.get(enterprise=world["firm_1"])
    assert (assignment.data_set, assignment.from_period, assignment.to_period) == (monthly, 202501, 202512)
    assert assignment.from_directory and assignment.created_by == admin
    assert assignment.history.latest().history_user == admin
    assert EnterpriseYearStatus.objects.get(enterprise=world["firm_1"]).history.latest().history_user == admin
    # A category outside every form's scope assigns nothing.
    enter(admin, world["firm_2"], 2025, category="retail")
    assert not DataSetAssignment.objects.filter(enterprise=world["firm_2"]).exists()


def test_consecutive_years_make_one_continuous_assignment(world, admin, monthly):
    enter(admin, world["firm_1"], 2026, 2024, 2025)  # in any order
    assert spans(monthly, world["firm_1"]) == [(202401, 202612)]
    enter(admin, world["firm_1"], 2025)  # again: nothing changes
    assert spans(monthly, world["firm_1"]) == [(202401, 202612)]


def test_leaving_the_middle_year_splits_the_assignment(world, admin, monthly):
    enter(admin, world["firm_1"], 2024, 2025, 2026)
    leave(admin, world["firm_1"], 2025)
    assert spans(monthly, world["firm_1"]) == [(202401, 202412), (202601, 202612)]
    leave(admin, world["firm_1"], 2026)  # wholly inside the year: deleted
    assert spans(monthly, world["firm_1"]) == [(202401, 202412)]


def test_an_open_ended_assignment_ends_at_the_departure(world, admin, monthly):
    assign_data_set(actor=admin, data_set=monthly, enterprises=[world["firm_1"], world["firm_2"]], from_period=202001)
    enter(admin, world["firm_1"], 2025)
    enter(admin, world["firm_2"], 2025, 2026)
    assert spans(monthly, world["firm_1"]) == [(202001, None)]  # already covered: nothing added
    leave(admin, world["firm_1"], 2025)
    assert spans(monthly, world["firm_1"]) == [(202001, 202412)]  # no open tail after a departure
    leave(admin, world["firm_2"], 2025)
    assert spans(monthly, world["firm_2"]) == [(202001, 202412), (202601, 202612)]  # 2026 is still in the directory


def test_a_category_change_moves_the_duties(world, admin, monthly):
    small = DataSet.objects.get(code="small_monthly")
    small.scope_categories = ["retail"]
    small.save()
    enter(admin, world["firm_1"], 2025)
    enter(admin, world["firm_1"], 2025, category="retail")
    assert spans(monthly, world["firm_1"]) == []
    assert spans(small, world["firm_1"]) == [(202501, 202512)]


def test_leaving_drops_the_completeness_count(world, admin, monthly):
    enter(admin, world["firm_1"], 2025)
    enter(admin, world["firm_2"], 2025)

    def due():
        return completeness(firms=Enterprise.objects.all(), data_set=monthly, period=202503).total

    assert due().assigned == 2
    leave(admin, world["firm_2"], 2025)
    assert due().assigned == 1


# -- the import ----------------------------------------------------------------------------------------------------


def xlsx(rows, headers=HEADERS):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("四上企业名录")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_import(user, rows, *, replace=False):
    upload = SimpleUploadedFile("名录.xlsx", xlsx(rows))
    return start_import(
        actor=user,
        kind=KIND_DIRECTORY,
        uploaded_file=upload,
        mode=ImportModeChoices.UPSERT,
        options={"replace": replace},
    )


def commit(job):
    assert request_commit(job), job.message
    job.refresh_from_db()
    return job


def test_every_bad_row_is_reported_and_nothing_is_written(world, personas, monthly):
    good = world["firm_1"].credit_code
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        [bad_check, 2025, "规模以上工业"],  # 2: check character
        [UNKNOWN_CODE, 2025, "规模以上工业"],  # 3: not registered
        [world["firm_b"].credit_code, 2025, "规模以上工业"],  # 4: zone B, staff_a writes zone A only
        [good, 1999, "规模以上工业"],  # 5: year out of range
        [world["firm_2"].credit_code, 2025, "规上工业"],  # 6: unknown category
        [good, 2025, "industry"],  # 7 and 8: the same firm and year twice
        [good, "2025年", "规模以上工业"],
    ]
    job = run_import(personas["staff_a"], rows)
    errors = {}
    for error in job.errors:
        errors[(error["row"], error["column"])] = errors.get((error["row"], error["column"]), "") + error["message"]
    assert "校验位错误" in errors[(2, "统一社会信用代码")]
    assert "未找到统一社会信用代码为" in errors[(3, "统一社会信用代码")]
    assert "不在您负责统计工作的开发区" in errors[(4, "统一社会信用代码")]
    assert "年度“1999”无效" in errors[(5, "年度")]
    assert "“规上工业”不是可选值" in errors[(6, "四上类别")]
    assert "文件内重复：与第 8 行相同" in errors[(7, "统一社会信用代码")]
    assert "文件内重复：与第 7 行相同" in errors[(8, "统一社会信用代码")]
    assert job.error_row_count == 7 and job.error_file
    assert not request_commit(job)
    assert not EnterpriseYearStatus.objects.exists()
    assert not DataSetAssignment.objects.exists()


def test_a_category_that_does_not_fit_the_industry_is_a_warning(world, personas, monthly):
    job = run_import(personas["staff_a"], [[world["firm_1"].credit_code, 2025, "限额以上零售业"]])
    assert job.error_count == 0
    [warning] = job.options["warnings"]
    assert (warning["row"], warning["column"]) == (2, "四上类别")
    assert "一般属于“规模以上工业”" in warning["message"]


def test_a_good_file_commits_and_assigns(world, personas, monthly):
    user = personas["staff_a"]
    rows = [
        [world["firm_1"].credit_code, 2025, "规模以上工业", "2025-01-01", "新入库"],
        [world["firm_2"].credit_code, 2025, "industry", None, None],
    ]
    job = commit(run_import(user, rows))
    assert job.status == "committed", job.message
    assert (job.new_count, job.update_count) == (2, 0)
    status = EnterpriseYearStatus.objects.get(enterprise=world["firm_1"], year=2025)
    assert (status.category, str(status.entered_on), status.note) == ("industry", "2025-01-01", "新入库")
    assert status.history.latest().history_user == user
    assert spans(monthly, world["firm_2"]) == [(202501, 202512)]
    event = AuditEvent.objects.get(event=AuditEventChoices.IMPORT)
    assert event.detail["kind"] == KIND_DIRECTORY and event.detail["created"] == 2
    # The same file again: nothing new, nothing changed.
    again = commit(run_import(user, rows))
    assert (again.new_count, again.update_count, again.unchanged_count) == (0, 0, 2)


def test_replace_mode_ends_the_duties_of_firms_not_in_the_file(world, personas, admin, monthly):
    for key in ("firm_1", "firm_2", "firm_b"):
        enter(admin, world[key], 2025)
    enter(admin, world["firm_2"], 2024)
    job = run_import(personas["staff_a"], [[world["firm_1"].credit_code, 2025, "规模以上工业"]], replace=True)
    assert job.options["leaver_count"] == 1
    assert [leaver["name"] for leaver in job.options["leavers"]] == [world["firm_2"].name]
    assert EnterpriseYearStatus.objects.filter(enterprise=world["firm_2"], year=2025).exists()  # a preview only
    commit(job)
    assert not EnterpriseYearStatus.objects.filter(enterprise=world["firm_2"], year=2025).exists()
    assert spans(monthly, world["firm_2"]) == [(202401, 202412)]  # 2025 no longer due
    assert spans(monthly, world["firm_b"]) == [(202501, 202512)]  # another zone: untouched
    assert AuditEvent.objects.get(event=AuditEventChoices.IMPORT).detail["removed"] == 1


def test_import_pages(world, personas, client_for, monthly):
    client = client_for(personas["staff_a"])
    template = client.get(reverse("stats:directory_import_template"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert any("C2" in str(v.sqref) for v in sheet.data_validations.dataValidation)  # the category drop-down
    upload = SimpleUploadedFile("名录.xlsx", xlsx([[world["firm_1"].credit_code, 2025, "规模以上工业"]]))
    response = client.post(reverse("stats:directory_import"), {"file": upload, "replace": "on"})
    job_url = response["Location"]
    page = client.get(job_url)
    assert page.context["job"].options["replace"] is True
    assert client.post(job_url, {"action": "commit"}).status_code == 302
    assert EnterpriseYearStatus.objects.filter(enterprise=world["firm_1"], year=2025).exists()
    for persona in ("leader_a", "region_viewer", "firm_1_user", "projects_staff_a"):
        assert client_for(personas[persona]).get(reverse("stats:directory_import")).status_code == 404


# -- the status page -----------------------------------------------------------------------------------------------


def status_url(world, zone="zone_a", **params):
    url = reverse("stats:status_list", args=[world[zone].pk])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else url


def test_a_year_without_a_directory_says_so(world, personas, admin, client_for):
    enter(admin, world["firm_1"], 2025)
    enter(admin, world["firm_2"], 2025)
    response = client_for(personas["staff_a"]).get(status_url(world, year=2026))
    page = response.content.decode()
    assert "2026年名录尚未录入" in page
    assert "退出 2 家" not in page and "-100" not in page
    overview = response.context["overview"]
    assert not overview["has_directory"] and overview["rows"] == []
    assert overview["industry"]["count"] is None and overview["industry"]["exits"] is None
    # 2025 has a directory, 2024 not: counts, but no entries, exits or growth.
    response = client_for(personas["staff_a"]).get(status_url(world, year=2025))
    assert "2024年名录尚未录入，无法计算新增、退出和增速" in response.content.decode()
    industry = response.context["overview"]["industry"]
    assert (industry["count"], industry["entries"], industry["growth_pct"]) == (2, None, None)


def test_missing_annual_figures_are_not_flagged(world, personas, admin, client_for):
    enter(admin, world["firm_1"], 2025)
    overview = client_for(personas["staff_a"]).get(status_url(world, year=2025)).context["overview"]
    [row] = overview["rows"]
    assert (row["problem"], row["unchecked"]) == ("", "缺少年度数据，无法核对")
    assert overview["flagged"] == 0


def test_filters_export_and_removal(world, personas, admin, client_for, monthly):
    enter(admin, world["firm_1"], 2024, 2025)
    enter(admin, world["firm_2"], 2024)
    record_year_status(actor=admin, enterprise=world["firm_1"], year=2025, category="industry", note="=HYPERLINK(1)")
    client = client_for(personas["staff_a"])
    left = client.get(status_url(world, year=2025, change="left")).context["rows"]
    assert [r["firm"] for r in left] == [world["firm_2"]]
    assert [r["firm"] for r in client.get(status_url(world, year=2025, q="甲材料")).context["rows"]] == [
        world["firm_1"]
    ]
    export = client.get(reverse("stats:status_export", args=[world["zone_a"].pk]) + "?year=2025&change=entered")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert rows[0][:4] == ("统一社会信用代码", "企业名称", "年度", "四上类别") and len(rows) == 1  # none entered
    export = client.get(reverse("stats:status_export", args=[world["zone_a"].pk]) + "?year=2025")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert {r[1] for r in rows[1:]} == {world["firm_1"].name, world["firm_2"].name}
    assert "'=HYPERLINK(1)" in {r[5] for r in rows[1:]}  # formula-escaped
    assert AuditEvent.objects.filter(event=AuditEventChoices.EXPORT, detail__export="stats_directory").count() == 2
    status = EnterpriseYearStatus.objects.get(enterprise=world["firm_1"], year=2025)
    remove = reverse("stats:status_remove", args=[world["zone_a"].pk, status.pk])
    for persona in ("leader_a", "staff_b", "region_viewer"):
        assert client_for(personas[persona]).post(remove).status_code == 404
    assert EnterpriseYearStatus.objects.filter(pk=status.pk).exists()
    assert client_for(personas["staff_a"]).post(remove).status_code == 302
    assert not EnterpriseYearStatus.objects.filter(pk=status.pk).exists()
    assert spans(monthly, world["firm_1"]) == [(202401, 202412)]


# -- the API -------------------------------------------------------------------------------------------------------

API = "/api/stats/directory/"
FIRM_ZONE = {"firm_1": "a", "firm_2": "a", "firm_b": "b"}
WRITE = {"zone_admin_a": {"a"}, "staff_a": {"a"}, "staff_b": {"b"}}  # not the system administrator (三员分立)


def call(client, method, url, data=None):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, data, content_type="application/json", secure=True)
    return getattr(client, method)(url, secure=True)


def expected_write(persona, firm):
    if persona == "anonymous":
        return 401
    if firm not in VIEW.get(persona, set()):
        return 404
    return 200 if FIRM_ZONE[firm] in WRITE.get(persona, set()) else 403


@pytest.fixture
def directory(world, admin, monthly):
    for key in ("firm_1", "firm_2", "firm_b"):
        enter(admin, world[key], 2025)
    return {key: EnterpriseYearStatus.objects.get(enterprise=world[key]) for key in ("firm_1", "firm_2", "firm_b")}


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list_and_retrieve_are_scoped(personas, world, directory, client_for, persona):
    client = client_for(personas[persona])
    response = call(client, "get", API)
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert {row["enterprise"] for row in response.json()["results"]} == {world[f].pk for f in VIEW.get(persona, ())}
    for key, status in directory.items():
        found = call(client, "get", f"{API}{status.pk}/").status_code
        assert found == (200 if key in VIEW.get(persona, ()) else 404)


@pytest.mark.parametrize("firm", ["firm_1", "firm_b"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_update_and_delete_sync_the_duties(personas, world, directory, client_for, monthly, persona, firm):
    client, status = client_for(personas[persona]), directory[firm]
    expected = expected_write(persona, firm)
    response = call(client, "patch", f"{API}{status.pk}/", {"category": "retail"})
    assert response.status_code == expected, response.content
    if expected != 200:
        assert EnterpriseYearStatus.objects.get(pk=status.pk).category == "industry"
        assert call(client, "delete", f"{API}{status.pk}/").status_code == expected
        assert spans(monthly, world[firm]) == [(202501, 202512)]
        return
    assert response.json()["category_label"] == "限额以上零售业"
    assert spans(monthly, world[firm]) == []  # no longer in the 规上工业 directory of 2025
    assert call(client, "patch", f"{API}{status.pk}/", {"category": "industry"}).status_code == 200
    assert spans(monthly, world[firm]) == [(202501, 202512)]
    assert call(client, "delete", f"{API}{status.pk}/").status_code == 204
    assert not EnterpriseYearStatus.objects.filter(pk=status.pk).exists()
    assert spans(monthly, world[firm]) == []


@pytest.mark.parametrize("firm", ["firm_1", "firm_b"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_create_assigns(personas, world, client_for, monthly, persona, firm):
    payload = {"enterprise": world[firm].pk, "year": 2025, "category": "industry", "note": "接口"}
    response = call(client_for(personas[persona]), "post", API, payload)
    if persona == "anonymous":
        expected = 401
    elif not WRITE.get(persona):
        expected = 403
    elif firm not in VIEW[persona]:
        expected = 400  # a firm out of scope "does not exist"
    else:
        expected = 201 if FIRM_ZONE[firm] in WRITE[persona] else 403
    assert response.status_code == expected, response.content
    if expected != 201:
        assert not EnterpriseYearStatus.objects.exists() and not DataSetAssignment.objects.exists()
        return
    assert spans(monthly, world[firm]) == [(202501, 202512)]
    again = call(client_for(personas[persona]), "post", API, payload)
    assert again.status_code == 400 and "year" in again.json()


def test_api_filters(personas, world, directory, admin, client_for):
    enter(admin, world["firm_1"], 2024, category="retail")
    client = client_for(personas["system_admin"])
    rows = call(client, "get", f"{API}?zone={world['zone_a'].pk}&year=2025").json()["results"]
    assert {r["enterprise"] for r in rows} == {world["firm_1"].pk, world["firm_2"].pk}
    rows = call(client, "get", f"{API}?category=retail&enterprise={world['firm_1'].pk}").json()["results"]
    assert [(r["year"], r["credit_code"]) for r in rows] == [(2024, world["firm_1"].credit_code)]


# -- the forms' configuration ----------------------------------------------------------------------------------------


def test_the_system_admin_adds_an_indicator_to_a_form(world, personas, client_for, monthly):
    client = client_for(personas["system_admin"])
    assert client.get(reverse("stats:data_set_list")).status_code == 200
    url = reverse("stats:data_set_edit", args=[monthly.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, data_set_payload(monthly, add=["fixed_asset_investment"], remove=["electricity"]))
    assert response.status_code == 302, response.context and response.context["items"].errors
    codes = set(monthly.items.values_list("indicator__code", flat=True))
    assert "fixed_asset_investment" in codes and "electricity" not in codes
    event = AuditEvent.objects.get(event=AuditEventChoices.CONFIG_CHANGE)
    assert (event.detail["added"], event.detail["removed"]) == (["fixed_asset_investment"], ["electricity"])
    # The same indicator twice is refused; a deadline beyond the 28th is named.
    twice = data_set_payload(monthly, add=["tax"], deadline_day=30)
    response = client.post(url, twice)
    assert response.status_code == 200
    assert response.context["form"].errors["deadline_day"] == ["截止日应为 1 至 28 之间的数字"]
    assert response.context["items"].non_form_errors()


def test_changing_a_forms_categories_syncs_nothing_retroactively(world, personas, admin, client_for, monthly):
    enter(admin, world["firm_1"], 2025, category="retail")
    small = DataSet.objects.get(code="small_monthly")
    url = reverse("stats:data_set_edit", args=[small.pk])
    page = client_for(admin).get(url).content.decode()
    assert "已有的报送任务不会随之调整" in page
    assert client_for(admin).post(url, data_set_payload(small, scope_categories=["retail"])).status_code == 302
    small.refresh_from_db()
    assert small.scope_categories == ["retail"] and small.history.latest().history_user == admin
    assert not DataSetAssignment.objects.filter(data_set=small).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_configuration_pages_are_for_the_system_admin_only(world, personas, client_for, monthly, persona):
    client = client_for(personas[persona])
    items = DataSetIndicator.objects.filter(data_set=monthly).count()
    url = reverse("stats:data_set_edit", args=[monthly.pk])
    responses = [
        client.get(reverse("stats:data_set_list")),
        client.get(url),
        client.post(url, data_set_payload(monthly, add=["fixed_asset_investment"])),
    ]
    if persona == "system_admin":
        return
    expected = 302 if persona == "anonymous" else 404
    assert [r.status_code for r in responses] == [expected] * 3
    assert DataSetIndicator.objects.filter(data_set=monthly).count() == items
    assert not Indicator.objects.get(code="fixed_asset_investment").data_set_items.filter(data_set=monthly).exists()


def test_a_firm_registered_later_can_be_entered(world, admin, monthly):
    firm = Enterprise.objects.create(
        credit_code=credit_code(77), name="高平戊新材料有限公司", zone=world["zone_a"], industry_id="2651"
    )
    enter(admin, firm, 2026)
    assert spans(monthly, firm) == [(202601, 202612)]


def test_api_update_checks_the_version(personas, directory, client_for):
    """No edit is lost (kaifaqu.core.versioning): If-Match stale → 412; a PATCH without it keeps the other fields."""
    client, status = client_for(personas["staff_a"]), directory["firm_1"]
    url = f"{API}{status.pk}/"
    etag = call(client, "get", url)["ETag"]
    assert call(client, "patch", url, {"note": "甲"}).status_code == 200  # another client, without If-Match
    stale = client.patch(
        url, {"category": "retail"}, content_type="application/json", secure=True, headers={"If-Match": etag}
    )
    assert stale.status_code == 412 and stale.json()["current"]["note"] == "甲"
    status.refresh_from_db()
    assert (status.category, status.note) == ("industry", "甲")
    assert call(client, "patch", url, {"category": "retail", "version": status.version}).status_code == 200
    status.refresh_from_db()
    assert (status.category, status.note) == ("retail", "甲")
