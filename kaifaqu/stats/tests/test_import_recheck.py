"""The commit writes the figures the preview parsed, checked again against the data as it is at commit time.

A clean validation keeps its parsed figures with the job (ImportJob.checked_file); the commit does not read the file
again but repeats every check that depends on the database: the firm (still registered, still in the user's zones),
the assignment, the lock, and the rules against the figures stored by then.
"""

import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import CODE_FIRM_1, CODE_FIRM_2
from kaifaqu.core.imports import load_checked, request_commit
from kaifaqu.core.models import ImportStatusChoices
from kaifaqu.stats.importers import KIND_FORM, KIND_WIDE
from kaifaqu.stats.models import DataSetAssignment, Value

from .test_imports import FORM_ROWS, LONG_HEADERS, commit, errors_of, figures, media, monthly, now, record, run

__all__ = ["media", "monthly", "now"]  # fixtures shared with test_imports

LATER = timezone.make_aware(datetime.datetime(2025, 4, 6, 9))  # still before March's deadline


def clean_job(personas):
    rows = [
        LONG_HEADERS,
        [CODE_FIRM_1, "", "2025-03", "营业收入", 100, ""],
        [CODE_FIRM_1, "", "2025-03", "税金总额", "1,000", "千元"],
        [CODE_FIRM_2, "", "2025-03", "营业收入", 50, ""],
    ]
    job = run(personas["staff_a"], rows)
    assert job.can_commit, job.errors
    return job


def test_a_clean_preview_keeps_its_figures_and_the_commit_does_not_read_the_file_again(personas, world, monthly):
    job = clean_job(personas)
    state = load_checked(job)
    assert state["rows"] == [2, 3, 4]
    assert state["submissions"] == [
        [CODE_FIRM_1, 202503, [["revenue", "100.0000", 2, "value"], ["tax", "100.0000", 3, "value"]], []],
        [CODE_FIRM_2, 202503, [["revenue", "50.0000", 4, "value"]], []],
    ]
    job.file.save("figures.xlsx", ContentFile(b"not a workbook any more"), save=True)
    job = commit(job)
    assert job.status == ImportStatusChoices.COMMITTED, job.message
    assert (job.row_count, job.new_count) == (3, 3)
    assert figures() == {
        (CODE_FIRM_1, 202503, "revenue"): Decimal("100.0000"),
        (CODE_FIRM_1, 202503, "tax"): Decimal("100.0000"),
        (CODE_FIRM_2, 202503, "revenue"): Decimal("50.0000"),
    }
    assert not job.checked_file  # kept only until the commit


def test_a_file_with_errors_keeps_no_figures(personas, monthly):
    job = run(personas["staff_a"], [LONG_HEADERS, [CODE_FIRM_1, "", "2025-03", "营业收入", "十万", ""]])
    assert job.errors and not job.checked_file


def test_figures_entered_between_preview_and_commit_are_checked_at_commit(personas, world, monthly):
    job = clean_job(personas)
    with time_machine.travel(LATER, tick=False):
        # Meanwhile firm 2's 1—4月 revenue is entered, below the file's 1—3月 figure: only row 4 is concerned.
        with time_machine.travel(timezone.make_aware(datetime.datetime(2025, 5, 5, 12)), tick=False):
            record(personas["staff_a"], monthly, world["firm_2"], 202504, revenue=40)
        job = commit(job)
    assert job.status == ImportStatusChoices.VALIDATED and not job.can_commit
    assert list(errors_of(job)) == [(4, "数值")]
    assert "高于" in job.errors[0]["message"] and "1—4月" in job.errors[0]["message"]
    assert not Value.objects.filter(period=202503).exists()
    assert not job.checked_file
    # The error workbook repeats the user's rows from the stored file, with the reason in front of row 4.
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(job.error_file.read())).get_sheet_by_index(0).to_python()
    assert sheet[3][1] == CODE_FIRM_2 and "高于" in sheet[3][0] and sheet[1][0] == ""


def test_a_firm_moved_out_of_the_users_zones_or_unassigned_is_refused_at_commit(personas, world, monthly):
    job = clean_job(personas)
    world["firm_1"].zone = world["zone_b"]
    world["firm_1"].save()
    DataSetAssignment.objects.filter(enterprise=world["firm_2"]).update(to_period=202502)
    job = commit(job)
    assert job.status == ImportStatusChoices.VALIDATED
    found = errors_of(job)
    assert set(found) == {(2, "统一社会信用代码"), (3, "统一社会信用代码"), (4, "统一社会信用代码")}
    assert "无权" in found[(2, "统一社会信用代码")] and "无权" in found[(3, "统一社会信用代码")]
    assert "未被指定报送" in found[(4, "统一社会信用代码")]
    assert not Value.objects.exists()


def test_a_firm_deleted_after_the_preview_is_named_at_commit(personas, world, monthly):
    job = clean_job(personas)
    DataSetAssignment.objects.filter(enterprise=world["firm_2"]).delete()
    world["firm_2"].delete()
    job = commit(job)
    assert errors_of(job) == {(4, "统一社会信用代码"): f"未找到统一社会信用代码为“{CODE_FIRM_2}”的企业"}
    assert not Value.objects.exists()


def test_the_form_layouts_last_year_warnings_survive_the_commit(personas, world, monthly):
    with time_machine.travel(timezone.make_aware(datetime.datetime(2024, 4, 5, 12)), tick=False):
        DataSetAssignment.objects.filter(enterprise=world["firm_1"]).update(from_period=202401)
        record(personas["staff_a"], monthly, world["firm_1"], 202403, revenue="999.0000")
    job = run(personas["staff_a"], FORM_ROWS, kind=KIND_FORM, name="B203.xlsx")
    assert job.checked_file and job.options["ignored_rows"] == 1
    before = job.options["warnings"]
    job = commit(job)
    assert job.status == ImportStatusChoices.COMMITTED
    assert job.options["warnings"] == before and job.options["ignored_rows"] == 1
    assert figures()[(CODE_FIRM_1, 202503, "revenue")] == Decimal("1234.5600")


def test_the_system_template_commits_from_its_checked_figures(personas, world, monthly):
    rows = [["统一社会信用代码", "企业名称", "营业收入（万元）", "税金总额（千元）"], [CODE_FIRM_1, "", 120, 2000]]
    job = run(personas["staff_a"], rows, kind=KIND_WIDE, period=202503)
    assert sorted(figure[:2] for figure in load_checked(job)["submissions"][0][2]) == [
        ["revenue", "120.0000"],
        ["tax", "200.0000"],
    ]
    assert commit(job).status == ImportStatusChoices.COMMITTED
    assert figures() == {
        (CODE_FIRM_1, 202503, "revenue"): Decimal("120.0000"),
        (CODE_FIRM_1, 202503, "tax"): Decimal("200.0000"),
    }


@pytest.mark.parametrize("content", [b"{not json", b""])
def test_an_unreadable_checked_state_means_the_file_is_validated_again(personas, world, monthly, content):
    job = clean_job(personas)
    job.checked_file.save("checked.json", ContentFile(content), save=True)
    assert load_checked(job) is None
    assert commit(job).status == ImportStatusChoices.COMMITTED
    assert len(figures()) == 3


def test_the_state_is_plain_json(personas, monthly):
    job = clean_job(personas)
    with job.checked_file.open("rb") as handle:
        assert json.loads(handle.read()) == load_checked(job)
    assert request_commit(job)
