"""The enterprise import's commit writes the rows the preview parsed, checked again against the data as it is then.

A clean preview keeps each row's parsed values with the job (ImportJob.checked_file); the commit does not read or
parse the file again but repeats every check that depends on the database: the zone, industry and region codes, 园区
and 包联部门 by name, the registered firms (a code registered meanwhile, a firm changed or moved meanwhile) and the
user's permission to register in the zone.
"""

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile

from conftest import CODE_FIRM_1, make_admin_of_both_zones
from kaifaqu.core.imports import load_checked
from kaifaqu.core.models import ImportModeChoices, ImportStatusChoices
from kaifaqu.enterprises.models import Enterprise, IndustryClass
from kaifaqu.zones.models import Department, Park

from .test_import import ZONE_B, commit, error_cells, firm, make_code, media_and_fast_passwords, run_import

__all__ = ["media_and_fast_passwords"]  # the autouse fixture of test_import


def full_row(n, **values):
    return firm(
        n,
        所在园区="高平新材料园",
        包联部门="经济运行部",
        注册地区划代码="140581",
        成立日期="2018-06-01",
        **{"注册资本(万元)": 5, "金额单位": "亿元"},
        经营状态="注销",
        状态变更日期="2024-01-31",
        曾用名="旧名甲；旧名乙",
        标签="专精特新、高新技术企业",
        **values,
    )


def test_a_clean_preview_keeps_its_rows_and_the_commit_does_not_read_the_file_again(personas, world):
    job = run_import(personas["staff_a"], [full_row(1), firm(2)])
    assert job.can_commit, job.errors
    state = load_checked(job)
    assert [number for number, _values in state["rows"]] == [2, 3]
    values = dict(zip(state["keys"], state["rows"][0][1], strict=True))
    places = (world["zone_a"].pk, "高平新材料园", "经济运行部")  # 园区 and 包联部门 as typed, checked again at commit
    assert (values["zone"], values["park"], values["service_department"]) == places
    assert (values["founded_on"], values["registered_capital"]) == ("2018-06-01", "50000.0000")
    job.file.save("企业名录.xlsx", ContentFile(b"not a workbook any more"), save=True)
    job = commit(job)
    assert job.status == ImportStatusChoices.COMMITTED, job.message
    assert not job.checked_file  # kept only until the commit
    written = Enterprise.objects.get(credit_code=make_code(1))
    assert (written.zone_id, written.park.name, written.service_department.name) == places
    assert (written.region_id, written.founded_on) == ("140581", date(2018, 6, 1))
    assert written.registered_capital == Decimal(50000)
    assert (written.status, written.status_changed_on) == ("closed", date(2024, 1, 31))
    assert written.former_name_list == ["旧名甲", "旧名乙"]
    assert sorted(tag.name for tag in written.tags.all()) == ["专精特新", "高新技术企业"]
    assert Enterprise.objects.get(credit_code=make_code(2)).park is None


def test_a_park_or_department_renamed_after_the_preview_is_named_at_commit(personas, world):
    job = run_import(personas["staff_a"], [firm(1, 所在园区="高平新材料园"), firm(2, 包联部门="经济运行部"), firm(3)])
    assert job.can_commit, job.errors
    Park.objects.filter(name="高平新材料园").update(name="高平新材料产业园")
    Department.objects.filter(zone=world["zone_a"], name="经济运行部").update(name="经济发展部")
    job = commit(job)
    assert job.status == ImportStatusChoices.VALIDATED and not job.can_commit
    assert error_cells(job) == {(2, "所在园区"), (3, "包联部门")}
    assert "没有园区“高平新材料园”" in job.errors[0]["message"]
    assert "没有部门“经济运行部”" in job.errors[1]["message"]
    assert not Enterprise.objects.filter(name__startswith="测试").exists()
    assert not job.checked_file and job.error_file  # the error workbook repeats the stored file's rows


def test_an_industry_code_withdrawn_after_the_preview_is_named_at_commit(personas, world):
    job = run_import(personas["staff_a"], [firm(1), firm(2, 国民经济行业代码="3411")])
    assert job.can_commit, job.errors
    IndustryClass.objects.filter(code="3411").update(level="group")
    job = commit(job)
    assert error_cells(job) == {(3, "国民经济行业代码")}
    assert "请填写 4 位小类代码" in job.errors[0]["message"]
    assert not Enterprise.objects.filter(name__startswith="测试").exists()


def test_a_user_who_lost_the_zone_after_the_preview_registers_nothing(personas, world):
    staff = make_admin_of_both_zones(world)
    job = run_import(staff, [firm(1), firm(2, 所属开发区=ZONE_B, 统一社会信用代码=make_code(2, "140729"))])
    assert job.can_commit, job.errors
    staff.memberships.filter(zone=world["zone_b"]).delete()
    job = commit(job)
    assert error_cells(job) == {(3, "所属开发区")}
    assert "您无权在开发区" in job.errors[0]["message"]
    assert not Enterprise.objects.filter(name__startswith="测试").exists()


def test_update_mode_compares_with_the_firm_as_it_is_at_commit(personas, world):
    firm_1 = world["firm_1"]
    row = firm(0, 统一社会信用代码=CODE_FIRM_1, 企业名称="改后的名称", 所在园区="高平新材料园", 国民经济行业代码="2651")
    job = run_import(personas["staff_a"], [row], mode=ImportModeChoices.UPSERT)
    assert (job.can_commit, job.update_count) == (True, 1)
    Enterprise.objects.filter(pk=firm_1.pk).update(name="改后的名称")  # someone typed the same change meanwhile
    job = commit(job)
    assert job.status == ImportStatusChoices.COMMITTED, job.errors
    assert (job.update_count, job.unchanged_count) == (0, 1)


def test_update_mode_refuses_a_firm_moved_to_another_zone_after_the_preview(personas, world):
    row = firm(0, 统一社会信用代码=CODE_FIRM_1, 企业名称="改后的名称", 所在园区="高平新材料园")
    job = run_import(make_admin_of_both_zones(world), [row], mode=ImportModeChoices.UPSERT)
    assert job.can_commit, job.errors
    Enterprise.objects.filter(credit_code=CODE_FIRM_1).update(zone=world["zone_b"], park=None)
    job = commit(job)
    assert error_cells(job) == {(2, "所属开发区")}
    assert "迁移" in job.errors[0]["message"]
    assert Enterprise.objects.get(credit_code=CODE_FIRM_1).name != "改后的名称"
