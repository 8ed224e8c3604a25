"""Enterprise import: every bad input named by row and column, all-or-nothing commits, update mode, CSV encodings,
limits, the template, 10,000 rows, and who may open the import pages."""

import codecs
import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc

from conftest import CODE_FIRM_1, CODE_FIRM_2, make_admin_of_both_zones
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.models import AuditEvent
from kaifaqu.core.imports import request_commit, start_import
from kaifaqu.core.models import ImportJob, ImportModeChoices, ImportStatusChoices
from kaifaqu.enterprises.importers import EnterpriseImporter
from kaifaqu.enterprises.models import Enterprise, IndustryClass, Tag
from kaifaqu.zones.models import Department

HEADERS = [
    "统一社会信用代码", "企业名称", "所属开发区", "所在园区", "包联部门", "国民经济行业代码", "注册地区划代码",
    "注册地址", "法定代表人", "成立日期", "注册资本(万元)", "金额单位", "企业规模",
    "经营状态", "状态变更日期", "曾用名", "主要产品", "标签",
]  # fmt: skip
ZONE_A = "高平经济技术开发区"
ZONE_B = "灵石经济技术开发区"
CHECK_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.fixture(autouse=True)
def media_and_fast_passwords(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_code(n, region="140581"):
    first = f"91{region}MA{n:07d}"
    return first + uscc.calc_check_digit(first)


def wrong_check(code):
    return code[:-1] + next(c for c in CHECK_ALPHABET if c != code[-1])


def firm(n, **values):
    row = {
        "统一社会信用代码": make_code(n),
        "企业名称": f"测试{n}号有限公司",
        "所属开发区": ZONE_A,
        "国民经济行业代码": "2651",
    }
    row.update(values)
    return row


def xlsx(rows, headers=HEADERS):
    """A workbook as users send it: one header row, then the rows (dicts by header, or lists)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("企业名录")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_import(user, rows, mode=ImportModeChoices.CREATE, name="企业名录.xlsx"):
    content = rows if isinstance(rows, bytes) else xlsx(rows)
    upload = SimpleUploadedFile(name, content)
    return start_import(actor=user, kind=EnterpriseImporter.kind, uploaded_file=upload, mode=mode)


def commit(job):
    assert request_commit(job), job.message
    job.refresh_from_db()
    return job


def error_cells(job):
    return {(e["row"], e["column"]) for e in job.errors}


# ------------------------------------------------------------------------------------------------ bad inputs

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()

BAD_INPUTS = [
    ("check character", {"统一社会信用代码": wrong_check(make_code(9))}, "统一社会信用代码", "校验位错误"),
    ("length", {"统一社会信用代码": make_code(9)[:17]}, "统一社会信用代码", "应为18位"),
    ("charset", {"统一社会信用代码": "91140581MA000000IO"}, "统一社会信用代码", "无效字符"),
    ("missing code", {"统一社会信用代码": None}, "统一社会信用代码", "必填项不能为空"),
    ("missing name", {"企业名称": "  "}, "企业名称", "必填项不能为空"),
    ("name too long", {"企业名称": "长" * 201}, "企业名称", "长度不能超过 200"),
    ("missing zone", {"所属开发区": None}, "所属开发区", "必填项不能为空"),
    ("unknown zone", {"所属开发区": "火星开发区"}, "所属开发区", "未找到开发区“火星开发区”"),
    ("unknown park", {"所在园区": "不存在的园"}, "所在园区", "没有园区“不存在的园”"),
    ("park of another zone", {"所在园区": "灵石装备园"}, "所在园区", "没有园区“灵石装备园”"),
    ("unknown department", {"包联部门": "宣传部"}, "包联部门", "开发区“高平经开区”中没有部门“宣传部”"),
    ("missing industry", {"国民经济行业代码": None}, "国民经济行业代码", "必填项不能为空"),
    ("unknown industry", {"国民经济行业代码": "9999"}, "国民经济行业代码", "不在 GB/T 4754-2017 中"),
    ("industry not a class", {"国民经济行业代码": "265"}, "国民经济行业代码", "请填写 4 位小类代码"),
    ("unknown region", {"注册地区划代码": "999999"}, "注册地区划代码", "不在 GB/T 2260 中"),
    ("bad date", {"成立日期": "2020-13-45"}, "成立日期", "日期格式不正确"),
    ("future date", {"成立日期": TOMORROW}, "成立日期", "不能晚于今天"),
    ("bad number", {"注册资本(万元)": "五百万"}, "注册资本(万元)", "不是有效的数字"),
    ("negative capital", {"注册资本(万元)": -5}, "注册资本(万元)", "不能为负数"),
    # Past the arithmetic's 28 digits: once an internal error without row or column.
    ("capital 1e25", {"注册资本(万元)": 1e25}, "注册资本(万元)", "数值过大"),
    ("capital 1e30", {"注册资本(万元)": 1e30}, "注册资本(万元)", "数值过大"),
    ("capital 1E+400", {"注册资本(万元)": "1E+400"}, "注册资本(万元)", "数值过大"),
    ("capital 1e16 yuan", {"注册资本(万元)": 1e16, "金额单位": "亿元"}, "注册资本(万元)", "数值过大"),
    ("capital inf", {"注册资本(万元)": "inf"}, "注册资本(万元)", "不是有效的数字"),
    ("capital nan", {"注册资本(万元)": "NaN"}, "注册资本(万元)", "不是有效的数字"),
    # A formula's cached value may be stale or absent (a program wrote the file): once 必填项不能为空.
    ("formula number", {"注册资本(万元)": "=2*3"}, "注册资本(万元)", "公式单元格不接受，请粘贴为数值"),
    ("formula text", {"企业名称": '=CONCAT("甲","乙")'}, "企业名称", "公式单元格不接受，请粘贴为数值"),
    ("unknown unit", {"注册资本(万元)": 5, "金额单位": "美元"}, "金额单位", "不是可选值"),
    ("unknown scale", {"企业规模": "巨型"}, "企业规模", "不是可选值"),
    ("unknown status", {"经营状态": "歇业"}, "经营状态", "不是可选值"),
    ("closed without date", {"经营状态": "注销"}, "状态变更日期", "须填写状态变更日期"),
    ("tag too long", {"标签": "长" * 51}, "标签", "超过 50 个字符"),
]


@pytest.mark.parametrize(("values", "column", "message"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_each_bad_input_is_named_by_row_and_column_and_nothing_is_written(personas, values, column, message):
    before = Enterprise.objects.count()
    job = run_import(personas["staff_a"], [firm(1), firm(2, **values), firm(3)])
    assert job.status == ImportStatusChoices.VALIDATED
    assert error_cells(job) == {(3, column)}
    assert message in job.errors[0]["message"]
    assert (job.row_count, job.error_row_count, job.new_count) == (3, 1, 2)
    assert not job.can_commit
    assert not request_commit(job)
    assert Enterprise.objects.count() == before


def test_duplicate_code_in_the_file_is_an_error_on_each_duplicate_row(personas):
    job = run_import(personas["staff_a"], [firm(1), firm(2), firm(1, 企业名称="又一家")])
    assert error_cells(job) == {(2, "统一社会信用代码"), (4, "统一社会信用代码")}
    assert all("文件内重复" in e["message"] for e in job.errors)
    assert "第 4 行" in job.errors[0]["message"]


def test_code_already_registered_is_refused_in_create_mode(personas):
    job = run_import(personas["staff_a"], [firm(1), firm(2, 统一社会信用代码=CODE_FIRM_1)])
    assert error_cells(job) == {(3, "统一社会信用代码")}
    assert "已登记" in job.errors[0]["message"]
    assert "新增或更新" in job.errors[0]["message"]


def test_staff_of_zone_b_cannot_import_into_zone_a(personas):
    job = run_import(personas["staff_b"], [firm(1, 所属开发区=ZONE_B), firm(2, 所属开发区=ZONE_A)])
    assert error_cells(job) == {(3, "所属开发区")}
    assert "无权在开发区" in job.errors[0]["message"]


def test_staff_of_zone_b_cannot_update_a_firm_of_zone_a(personas):
    row = firm(1, 统一社会信用代码=CODE_FIRM_1, 企业名称="改名", 所属开发区=ZONE_A)
    job = run_import(personas["staff_b"], [row], mode=ImportModeChoices.UPSERT)
    assert error_cells(job) == {(2, "统一社会信用代码")}
    assert "无权修改" in job.errors[0]["message"]


def test_the_system_administrator_neither_adds_nor_updates_firms_by_import(personas):
    """三员分立: he reads the registry but writes none of it (docs/users/roles.md), an import included."""
    changed = firm(0, 统一社会信用代码=CODE_FIRM_1, 企业名称="改名", 所属开发区=ZONE_A)
    job = run_import(personas["system_admin"], [firm(1), changed], mode=ImportModeChoices.UPSERT)
    assert error_cells(job) == {(2, "所属开发区"), (3, "统一社会信用代码")}
    assert not request_commit(job)
    assert not Enterprise.objects.filter(credit_code=make_code(1)).exists()
    assert Enterprise.objects.get(credit_code=CODE_FIRM_1).name != "改名"


def test_ambiguous_short_name_and_short_name_lookup(personas, world):
    world["zone_b"].short_name = "高平经开区"  # now two zones answer to the same short name
    world["zone_b"].save()
    job = run_import(make_admin_of_both_zones(world), [firm(1, 所属开发区="高平经开区")])
    assert "对应多个开发区" in job.errors[0]["message"]
    world["zone_b"].short_name = "灵石经开区"
    world["zone_b"].save()
    job = run_import(make_admin_of_both_zones(world), [firm(1, 所属开发区="灵石经开区")])
    assert job.error_count == 0
    assert commit(job).status == ImportStatusChoices.COMMITTED
    assert Enterprise.objects.get(credit_code=make_code(1)).zone == world["zone_b"]


def test_missing_required_column_fails_the_file_with_the_column_named(personas):
    headers = [h for h in HEADERS if h != "国民经济行业代码"]
    job = run_import(personas["staff_a"], xlsx([firm(1)], headers=headers))
    assert job.status == ImportStatusChoices.FAILED
    assert error_cells(job) == {(1, "国民经济行业代码")}
    assert not job.can_commit


# ------------------------------------------------------------------------------------------------ good files


def test_a_complete_row_is_written_with_history_tags_and_audit(personas, world):
    staff = personas["staff_a"]
    row = firm(
        1,
        所在园区="高平新材料园",
        注册地区划代码=140581,  # a number cell, as Excel keeps it
        注册地址="高平市经济技术开发区纬一路 8 号",
        法定代表人="张三",
        成立日期="2018年6月1日",
        **{"注册资本(万元)": "1,234,500", "金额单位": "元"},
        企业规模="中型",
        经营状态="迁出",
        状态变更日期=date(2024, 1, 2),
        曾用名="高平旧名甲公司；高平旧名乙公司",
        主要产品="碳化硅粉体",
        标签="专精特新、新材料,专精特新",
    )
    job = run_import(staff, [row], name="新材料企业.xlsx")
    assert (job.status, job.error_count, job.new_count) == (ImportStatusChoices.VALIDATED, 0, 1)
    assert Enterprise.objects.filter(credit_code=make_code(1)).count() == 0  # preview writes nothing
    job = commit(job)
    assert job.status == ImportStatusChoices.COMMITTED
    firm_ = Enterprise.objects.get(credit_code=make_code(1))
    assert (firm_.zone, firm_.park, firm_.industry_id, firm_.region_id) == (
        world["zone_a"],
        world["park_a"],
        "2651",
        "140581",
    )
    assert firm_.founded_on == date(2018, 6, 1)
    assert firm_.registered_capital == Decimal("123.45")
    assert (firm_.scale, firm_.status, firm_.status_changed_on) == ("medium", "moved_out", date(2024, 1, 2))
    assert firm_.former_name_list == ["高平旧名甲公司", "高平旧名乙公司"]
    assert sorted(firm_.tags.values_list("name", flat=True)) == ["专精特新", "新材料"]
    record = firm_.history.get()
    assert (record.history_user, record.history_type) == (staff, "+")
    assert "新材料企业.xlsx" in record.history_change_reason
    assert sorted(t.tag.name for t in record.tags.all()) == ["专精特新", "新材料"]
    event = AuditEvent.objects.get(event=AuditEventChoices.IMPORT)
    assert event.user == staff
    assert event.detail["created"] == 1
    assert event.detail["file"] == "新材料企业.xlsx"


def test_one_bad_row_means_nothing_is_written(personas):
    before = Enterprise.objects.count()
    job = run_import(personas["staff_a"], [firm(1), firm(2), firm(3, 国民经济行业代码="0000")])
    assert job.error_row_count == 1
    assert not request_commit(job)
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.VALIDATED
    assert Enterprise.objects.count() == before
    assert not Tag.objects.exists()


def test_commit_validates_again_and_writes_nothing_when_data_changed_meanwhile(personas, world):
    job = run_import(personas["staff_a"], [firm(1), firm(2)])
    assert job.can_commit
    Enterprise.objects.create(credit_code=make_code(2), name="抢先登记", zone=world["zone_a"], industry_id="3411")
    job = commit(job)
    assert job.status == ImportStatusChoices.VALIDATED
    assert error_cells(job) == {(3, "统一社会信用代码")}
    assert not Enterprise.objects.filter(credit_code=make_code(1)).exists()


def test_a_failure_during_commit_rolls_everything_back(personas, monkeypatch):
    def explode(self, job, summary):
        raise RuntimeError("disk full")

    monkeypatch.setattr(EnterpriseImporter, "record_commit", explode)
    before = Enterprise.objects.count()
    job = commit(run_import(personas["staff_a"], [firm(1), firm(2, 标签="新标签")]))
    assert job.status == ImportStatusChoices.FAILED
    assert "未写入任何数据" in job.message
    assert Enterprise.objects.count() == before
    assert not Tag.objects.exists()


def test_ten_thousand_rows_with_five_bad_rows_then_the_corrected_file(personas):
    staff = personas["staff_a"]
    total = 10_000
    bad = {
        17: {"统一社会信用代码": wrong_check(make_code(17))},
        2_500: {"国民经济行业代码": "9999"},
        5_000: {"企业名称": None},
        7_777: {"成立日期": "2019-02-30"},
        9_999: {"注册资本(万元)": -1},
    }
    industries = list(IndustryClass.objects.filter(level="class").values_list("code", flat=True)[:50])

    def rows(with_errors):
        for i in range(total):
            row = firm(i, 国民经济行业代码=industries[i % len(industries)], 成立日期=date(2010, 1, 1 + i % 28))
            row["注册资本(万元)"] = i % 1000
            row["标签"] = "批量导入" if i % 2 else ""
            if with_errors and i in bad:
                row.update(bad[i])
            yield [row.get(h) for h in HEADERS]

    before = Enterprise.objects.count()
    job = run_import(staff, xlsx(rows(with_errors=True)))
    assert job.row_count == total
    assert {e["row"] for e in job.errors} == {i + 2 for i in bad}  # header is row 1
    assert job.error_row_count == 5
    assert not request_commit(job)
    assert Enterprise.objects.count() == before

    job = commit(run_import(staff, xlsx(rows(with_errors=False))))
    assert job.status == ImportStatusChoices.COMMITTED, job.message
    assert job.new_count == total
    assert Enterprise.objects.count() == before + total
    assert Enterprise.history.filter(history_user=staff, history_type="+").count() == total
    assert Tag.objects.get(name="批量导入").enterprises.count() == total // 2


# -------------------------------------------------------------------------------------------------- update mode


def test_update_mode_updates_matched_firms_creates_the_rest_and_records_history(personas, world):
    staff = personas["staff_a"]
    firm_1 = world["firm_1"]
    rows = [
        firm(0, 统一社会信用代码=CODE_FIRM_1, 企业名称="高平甲材料股份有限公司", 所在园区="高平新材料园",
             **{"注册资本(万元)": 2, "金额单位": "亿元"}, 标签="龙头企业"),
        firm(0, 统一社会信用代码=CODE_FIRM_2, 企业名称=world["firm_2"].name, 国民经济行业代码="3411"),
        firm(5),
    ]  # fmt: skip
    job = run_import(staff, rows, mode=ImportModeChoices.UPSERT)
    assert (job.error_count, job.new_count, job.update_count, job.unchanged_count) == (0, 1, 1, 1), job.errors
    history_before = firm_1.history.count()
    job = commit(job)
    assert job.status == ImportStatusChoices.COMMITTED
    firm_1.refresh_from_db()
    assert firm_1.name == "高平甲材料股份有限公司"
    assert firm_1.registered_capital == Decimal("20000")
    assert list(firm_1.tags.values_list("name", flat=True)) == ["龙头企业"]
    latest = firm_1.history.first()
    assert firm_1.history.count() == history_before + 1
    assert (latest.history_user, latest.history_type) == (staff, "~")
    assert [t.tag.name for t in latest.tags.all()] == ["龙头企业"]
    assert latest.prev_record.name == "高平甲材料有限公司"
    assert world["firm_2"].history.count() == 1  # unchanged rows leave no history
    assert Enterprise.objects.filter(credit_code=make_code(5)).exists()


def test_update_mode_leaves_columns_missing_from_the_file_alone(personas, world):
    firm_1 = world["firm_1"]
    firm_1.address = "原地址"
    firm_1.legal_representative = "李四"
    firm_1.save()
    headers = ["统一社会信用代码", "企业名称", "所属开发区", "国民经济行业代码"]
    job = run_import(
        personas["staff_a"], xlsx([[CODE_FIRM_1, "新名称", ZONE_A, "2651"]], headers), mode=ImportModeChoices.UPSERT
    )
    assert (job.error_count, job.update_count) == (0, 1)
    commit(job)
    firm_1.refresh_from_db()
    assert (firm_1.name, firm_1.address, firm_1.legal_representative) == ("新名称", "原地址", "李四")
    assert firm_1.park == world["park_a"]


def test_liaison_department_by_name_within_the_zone(personas, world):
    """包联部门 is a department name of the row's zone: both zones have a 经济运行部, each row gets its own zone's."""
    dept_a = Department.objects.get(zone=world["zone_a"], name="经济运行部")
    dept_b = Department.objects.get(zone=world["zone_b"], name="经济运行部")
    rows = [
        firm(1, 包联部门=" 经济运行部 "),
        firm(2, 包联部门="经济运行部", 所属开发区=ZONE_B, 统一社会信用代码=make_code(2, "140729")),
        firm(3),
    ]
    job = commit(run_import(make_admin_of_both_zones(world), rows))
    assert job.status == ImportStatusChoices.COMMITTED, job.errors
    got = dict(Enterprise.objects.filter(name__startswith="测试").values_list("name", "service_department"))
    assert got == {"测试1号有限公司": dept_a.pk, "测试2号有限公司": dept_b.pk, "测试3号有限公司": None}


def test_liaison_department_of_another_zone_is_an_error_naming_row_and_column(personas, world):
    Department.objects.create(zone=world["zone_b"], name="灵石招商局")
    job = run_import(make_admin_of_both_zones(world), [firm(1), firm(2, 包联部门="灵石招商局")])
    assert job.errors == [
        {
            "row": 3,
            "column": "包联部门",
            "message": "开发区“高平经开区”中没有部门“灵石招商局”，请填写该开发区的部门名称",
        }
    ]
    assert not request_commit(job)
    assert not Enterprise.objects.filter(name__startswith="测试").exists()


def test_update_mode_sets_and_clears_the_liaison_department(personas, world):
    firm_1, dept = world["firm_1"], Department.objects.get(zone=world["zone_a"], name="项目服务中心")
    headers = ["统一社会信用代码", "企业名称", "所属开发区", "所在园区", "国民经济行业代码", "包联部门"]
    row = [CODE_FIRM_1, firm_1.name, ZONE_A, "高平新材料园", "2651"]
    job = commit(run_import(personas["staff_a"], xlsx([row + ["项目服务中心"]], headers), ImportModeChoices.UPSERT))
    assert job.status == ImportStatusChoices.COMMITTED, job.errors
    firm_1.refresh_from_db()
    assert firm_1.service_department == dept
    assert firm_1.history.first().service_department_id == dept.pk
    # A file without the column leaves it alone; a blank cell in the column clears it.
    job = commit(run_import(personas["staff_a"], xlsx([row], headers[:-1]), ImportModeChoices.UPSERT))
    assert job.unchanged_count == 1
    firm_1.refresh_from_db()
    assert firm_1.service_department == dept
    job = commit(run_import(personas["staff_a"], xlsx([row + [None]], headers), ImportModeChoices.UPSERT))
    assert job.update_count == 1
    firm_1.refresh_from_db()
    assert firm_1.service_department is None


def test_update_mode_refuses_to_move_a_firm_between_zones_or_parks(personas, world):
    moved_zone = firm(0, 统一社会信用代码=CODE_FIRM_1, 企业名称="x", 所属开发区=ZONE_B)
    moved_park = firm(0, 统一社会信用代码=CODE_FIRM_1, 企业名称="x", 所在园区=None)
    for row, column in ((moved_zone, "所属开发区"), (moved_park, "所在园区")):
        job = run_import(make_admin_of_both_zones(world), [row], mode=ImportModeChoices.UPSERT)
        assert error_cells(job) == {(2, column)}
        assert "迁移" in job.errors[0]["message"]


# ----------------------------------------------------------------------------------------- CSV, limits, files


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-8"])
def test_csv_in_utf8_bom_and_gb18030(personas, encoding):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerow([firm(1, 标签="专精特新").get(h, "") for h in HEADERS])
    data = text.getvalue().encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    job = commit(run_import(personas["staff_a"], data, name="企业.csv"))
    assert job.status == ImportStatusChoices.COMMITTED, job.errors
    created = Enterprise.objects.get(credit_code=make_code(1))
    assert created.name == "测试1号有限公司"
    assert list(created.tags.values_list("name", flat=True)) == ["专精特新"]


def test_xls_and_ods_are_read_by_calamine_and_garbage_is_refused(personas):
    job = run_import(personas["staff_a"], b"PK\x03\x04 not really a workbook", name="企业.xlsx")
    assert job.status == ImportStatusChoices.FAILED
    assert "无法读取文件" in job.message
    job = run_import(personas["staff_a"], b"\xd0\xcf\x11\xe0 broken", name="企业.xls")
    assert job.status == ImportStatusChoices.FAILED


def test_a_value_at_xfd1048576_fails_the_job_with_its_place(personas):
    """Issue 11: this 5 KB workbook made the reader allocate 550 GB and abort the server; the job stayed 校验中."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([firm(1).get(h) for h in HEADERS])
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    job = run_import(personas["staff_a"], buffer.getvalue())
    assert job.status == ImportStatusChoices.FAILED
    assert "第 1048576 行第 XFD 列有内容，超过 1000 列上限" in job.message


def test_row_limit(personas):
    with override_settings(IMPORT_MAX_ROWS=3):
        job = run_import(personas["staff_a"], [firm(i) for i in range(4)])
    assert job.status == ImportStatusChoices.FAILED
    assert "超过 3 行上限" in job.message
    assert not Enterprise.objects.filter(credit_code=make_code(0)).exists()


def test_size_limit_and_extension_on_upload(personas, client_for):
    client = client_for(personas["staff_a"])
    url = reverse("enterprises:enterprise_import")
    with override_settings(UPLOAD_MAX_BYTES=1000):
        big = SimpleUploadedFile("企业.xlsx", xlsx([firm(i) for i in range(50)]))
        response = client.post(url, {"file": big, "mode": "create"})
    assert response.status_code == 200
    assert "超过上限" in response.content.decode()
    response = client.post(url, {"file": SimpleUploadedFile("企业.txt", b"abc"), "mode": "create"})
    assert "不支持的文件类型" in response.content.decode()
    assert not ImportJob.objects.exists()


# ------------------------------------------------------------------------------------------------- the template


def download_template(client):
    response = client.get(reverse("enterprises:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_template_has_headers_dropdowns_and_explanations(personas, client_for):
    book = download_template(client_for(personas["staff_a"]))
    assert book.sheetnames[:3] == ["企业名录", "说明", "行业代码"]
    sheet = book["企业名录"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1  # no example row among the data
    assert sheet.column_dimensions["A"].width >= 20
    industry_sheet = book["行业代码"]
    assert industry_sheet.max_row - 1 == IndustryClass.objects.filter(level="class").count() == 1381
    validated = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert "行业代码" in validated["F2"]
    for letter in ("C", "D", "E", "L", "M", "N"):  # zone, park, liaison department, unit, scale, status
        assert "选项" in validated[f"{letter}2"]
    options = [c.value for c in book["选项"]["A"] if c.value]
    assert options == ["所属开发区", ZONE_A]  # only the zones the user may write to
    departments = [c.value for c in book["选项"]["C"] if c.value]
    assert departments == ["包联部门", "经济运行部", "项目服务中心"]  # zone A's, not zone B's
    explained = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    for header in HEADERS:
        assert header in explained
    assert "大型、中型、小型、微型" in explained


def test_a_filled_in_template_imports(personas, client_for):
    book = download_template(client_for(personas["staff_a"]))
    book["企业名录"].append([firm(1).get(h) for h in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    job = commit(run_import(personas["staff_a"], buffer.getvalue()))
    assert job.status == ImportStatusChoices.COMMITTED, job.errors
    assert Enterprise.objects.filter(credit_code=make_code(1)).exists()


# ---------------------------------------------------------------------------------------------------- the pages


IMPORT_PAGES = ["enterprises:enterprise_import", "enterprises:import_template"]


@pytest.mark.parametrize(
    "persona",
    # 三员分立: the system administrator reads the registry but imports no enterprises (docs/users/roles.md).
    ["leader_a", "region_viewer", "firm_1_user", "projects_staff_a", "system_admin", "security_admin", "audit_admin"],
)
def test_import_pages_are_404_for_users_without_registry_write(personas, client_for, persona):
    client = client_for(personas[persona])
    for name in IMPORT_PAGES:
        assert client.get(reverse(name)).status_code == 404
    upload = SimpleUploadedFile("企业.xlsx", xlsx([firm(1)]))
    assert client.post(reverse("enterprises:enterprise_import"), {"file": upload, "mode": "create"}).status_code == 404
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("persona", ["staff_a", "zone_admin_a", "staff_b"])
def test_import_pages_open_for_registry_writers(personas, client_for, persona):
    client = client_for(personas[persona])
    for name in IMPORT_PAGES:
        assert client.get(reverse(name)).status_code == 200


def test_anonymous_is_sent_to_login(db, client):
    response = client.get(reverse("enterprises:enterprise_import"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_user_sees_only_their_own_jobs(personas, client_for):
    job = run_import(personas["staff_a"], [firm(1), firm(2, 企业名称=None)])
    # The system administrator, who imports no enterprises, does not open the import pages (三员分立).
    for persona, status in [("staff_a", 200), ("system_admin", 404), ("zone_admin_a", 404), ("staff_b", 404)]:
        client = client_for(personas[persona])
        assert client.get(reverse("enterprises:import_job", args=[job.pk])).status_code == status
        assert client.get(reverse("enterprises:import_errors", args=[job.pk])).status_code == status
    client = client_for(personas["zone_admin_a"])
    client.post(reverse("enterprises:import_job", args=[job.pk]), {"action": "commit"})
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.VALIDATED


def test_upload_preview_errors_download_fix_and_commit_through_the_pages(personas, client_for, world):
    client = client_for(personas["staff_a"])
    bad = SimpleUploadedFile("企业名录.xlsx", xlsx([firm(1), firm(2, 成立日期="去年")]))
    response = client.post(reverse("enterprises:enterprise_import"), {"file": bad, "mode": "create"})
    job = ImportJob.objects.get()
    assert (job.created_by, job.zone, job.original_name) == (personas["staff_a"], world["zone_a"], "企业名录.xlsx")
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:import_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-errors"' in page
    assert "<td>3</td><td>成立日期</td>" in page
    assert 'id="commit"' not in page
    assert reverse("enterprises:import_errors", args=[job.pk]) in page

    download = client.get(reverse("enterprises:import_errors", args=[job.pk]))
    assert "filename*=utf-8''" in download["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.values)
    assert rows[0][:2] == ("错误说明", "统一社会信用代码")
    assert rows[1][0] is None
    assert "【成立日期】日期格式不正确" in rows[2][0]

    good = SimpleUploadedFile("企业名录.xlsx", xlsx([firm(1), firm(2, 成立日期="2019/3/8")]))
    response = client.post(reverse("enterprises:enterprise_import"), {"file": good, "mode": "create"})
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert 'id="commit"' in page
    assert not Enterprise.objects.filter(credit_code=make_code(1)).exists()
    response = client.post(job_url, {"action": "commit"})
    assert response.status_code == 302
    page = client.get(job_url).content.decode()
    assert 'id="to-enterprise-list"' in page
    assert Enterprise.objects.get(credit_code=make_code(2)).founded_on == date(2019, 3, 8)
    assert client.post(job_url, {"action": "commit"}).status_code == 302  # a second commit does nothing
    assert Enterprise.objects.filter(credit_code__in=[make_code(1), make_code(2)]).count() == 2


def test_job_page_polls_with_htmx_only_while_running(personas, client_for):
    job = run_import(personas["staff_a"], [firm(1)])
    client = client_for(personas["staff_a"])
    url = reverse("enterprises:import_job", args=[job.pk])
    finished = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in finished
    assert "hx-trigger" not in finished
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatusChoices.VALIDATING)
    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in running
    assert f'hx-get="{url}"' in running
    full = client.get(url).content.decode()
    assert "<html" in full
    assert 'hx-trigger="every 2s"' in full
    assert "<script>" not in full and " style=" not in full  # CSP: no inline script or style


# ------------------------------------------------------------------------------------------------- query counts


def queries_for(user, rows, mode=ImportModeChoices.CREATE):
    with CaptureQueriesContext(connection) as validation:
        job = run_import(user, rows, mode=mode)
    with CaptureQueriesContext(connection) as committing:
        job = commit(job)
    assert job.status == ImportStatusChoices.COMMITTED, job.errors
    return len(validation), len(committing)


def test_no_per_row_queries(personas):
    """Lookups are loaded once: 5 rows and 30 rows (one insert batch each) cost the same number of queries."""
    staff = personas["staff_a"]
    assert queries_for(staff, [firm(i, 标签="甲") for i in range(5)]) == queries_for(
        staff, [firm(i, 标签="乙") for i in range(100, 130)]
    )
    updated = [firm(i, 企业名称=f"更名{i}", 标签="丙") for i in range(100, 130)]
    assert queries_for(staff, updated[:5], ImportModeChoices.UPSERT) == queries_for(
        staff, [firm(i, 企业名称=f"再更名{i}", 标签="丁") for i in range(100, 130)], ImportModeChoices.UPSERT
    )


def test_an_import_update_raises_the_version_so_a_page_opened_before_it_is_refused(personas, world, client_for):
    """No edit is lost (kaifaqu.core.versioning): the import writes the current row at commit and raises its version,
    so a form loaded before the import cannot silently overwrite the imported values."""
    firm_1 = world["firm_1"]
    url = reverse("enterprises:enterprise_edit", args=[firm_1.pk])
    client = client_for(personas["zone_admin_a"])
    form = client.get(url).context["form"]
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data.update(chains=[], tags=[])
    headers = ["统一社会信用代码", "企业名称", "所属开发区", "国民经济行业代码"]
    job = run_import(
        personas["staff_a"], xlsx([[CODE_FIRM_1, "导入的名称", ZONE_A, "2651"]], headers), mode=ImportModeChoices.UPSERT
    )
    commit(job)
    firm_1.refresh_from_db()
    assert (firm_1.name, firm_1.version, firm_1.history.first().version) == ("导入的名称", 2, 2)
    response = client.post(url, dict(data, address="页面上改的地址"))
    assert response.status_code == 200 and "导入的名称" in " ".join(response.context["form"].non_field_errors())
    firm_1.refresh_from_db()
    assert (firm_1.name, firm_1.address) == ("导入的名称", "")
