"""The contract of the generic import views (kaifaqu.core.imports.views), through the pages apps declare with them:
a job is its owner's, a job is reached only through the pages of its kind, the commit needs a clean preview, and the
error workbook holds every error."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaifaqu.core.imports.jobs import start_import
from kaifaqu.core.models import ImportJob, ImportModeChoices, ImportStatusChoices
from kaifaqu.enterprises.importers import EnterpriseImporter
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.projects.importers import KIND_PROJECTS

ENTERPRISE_HEADERS = ["统一社会信用代码", "企业名称", "所属开发区", "国民经济行业代码"]
NEW_CODE = "91140581MA0K2A3B5N"
# Each app's job page and error workbook: (job page, errors) URL names.
JOB_PAGES = {
    "enterprises": ("enterprises:import_job", "enterprises:import_errors"),
    "projects": ("projects:import_job", "projects:import_job_errors"),
    "stats": ("stats:import_job", "stats:import_errors"),
    "directory": ("stats:directory_import_job", "stats:directory_import_errors"),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def enterprise_job(user, *rows):
    upload = SimpleUploadedFile("企业名录.xlsx", xlsx([ENTERPRISE_HEADERS, *rows]))
    return start_import(actor=user, kind=EnterpriseImporter.kind, uploaded_file=upload, mode=ImportModeChoices.CREATE)


def clean_job(user):
    return enterprise_job(user, [NEW_CODE, "高平新测试有限公司", "高平经开区", "2651"])


def job_with_errors(user):
    return enterprise_job(user, [NEW_CODE, "高平新测试有限公司", "高平经开区", "2651"], ["X", "", "无此开发区", "2651"])


def test_a_job_of_another_user_is_404_and_cannot_be_committed(personas, client_for):
    job = clean_job(personas["staff_a"])
    stranger = client_for(personas["zone_admin_a"])  # may import enterprises, but did not start this job
    page, errors = JOB_PAGES["enterprises"]
    assert stranger.get(reverse(page, args=[job.pk])).status_code == 404
    assert stranger.get(reverse(page, args=[job.pk]), headers={"HX-Request": "true"}).status_code == 404
    assert stranger.get(reverse(errors, args=[job.pk])).status_code == 404
    assert stranger.post(reverse(page, args=[job.pk]), {"action": "commit"}).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.VALIDATED
    assert not Enterprise.objects.filter(credit_code=NEW_CODE).exists()
    assert client_for(personas["staff_a"]).get(reverse(page, args=[job.pk])).status_code == 200


@pytest.mark.parametrize("pages", ["projects", "stats", "directory"])
def test_a_job_of_another_kind_is_404_through_another_apps_pages(personas, client_for, pages):
    """The zone administrator may open every import page of his zone: an enterprise job he started is still only on
    the enterprise pages."""
    admin = personas["zone_admin_a"]
    job = job_with_errors(admin)
    client = client_for(admin)
    page, errors = JOB_PAGES[pages]
    assert client.get(reverse(page, args=[job.pk])).status_code == 404
    assert client.get(reverse(errors, args=[job.pk])).status_code == 404
    assert client.post(reverse(page, args=[job.pk]), {"action": "commit"}).status_code == 404
    own_page, own_errors = JOB_PAGES["enterprises"]
    assert client.get(reverse(own_page, args=[job.pk])).status_code == 200
    assert client.get(reverse(own_errors, args=[job.pk])).status_code == 200


def test_a_project_job_is_404_on_the_enterprise_pages(personas, client_for, world):
    upload = SimpleUploadedFile("项目.xlsx", xlsx([["所属开发区", "项目名称"], ["高平经开区", "矩阵项目"]]))
    importer = personas["projects_staff_a"]  # a project writer (the system administrator imports no projects)
    job = start_import(actor=importer, kind=KIND_PROJECTS, uploaded_file=upload, mode=ImportModeChoices.CREATE)
    client = client_for(importer)
    assert client.get(reverse("projects:import_job", args=[job.pk])).status_code == 200
    for name in JOB_PAGES["enterprises"]:
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_the_commit_needs_a_preview_without_errors(personas, client_for):
    client = client_for(personas["staff_a"])
    page = JOB_PAGES["enterprises"][0]
    bad = job_with_errors(personas["staff_a"])
    assert bad.status == ImportStatusChoices.VALIDATED and bad.error_count
    html = client.get(reverse(page, args=[bad.pk])).content.decode()
    assert 'id="commit"' not in html
    response = client.post(reverse(page, args=[bad.pk]), {"action": "commit"}, follow=True)
    assert "该文件有错误或已经处理，不能导入。" in response.content.decode()
    bad.refresh_from_db()
    assert bad.status == ImportStatusChoices.VALIDATED
    assert not Enterprise.objects.filter(credit_code=NEW_CODE).exists()  # the good row is not written either

    good = clean_job(personas["staff_a"])
    html = client.get(reverse(page, args=[good.pk])).content.decode()
    assert 'id="commit"' in html and "确认导入（新增 1，更新 0）" in html
    assert client.post(reverse(page, args=[good.pk]), {"action": "commit"}).status_code == 302
    good.refresh_from_db()
    assert good.status == ImportStatusChoices.COMMITTED
    assert Enterprise.objects.filter(credit_code=NEW_CODE).exists()
    html = client.get(reverse(page, args=[good.pk])).content.decode()
    assert 'id="commit"' not in html and 'id="job-result"' in html and 'id="to-enterprise-list"' in html


def test_a_post_without_the_commit_action_commits_nothing(personas, client_for):
    job = clean_job(personas["staff_a"])
    response = client_for(personas["staff_a"]).post(reverse(JOB_PAGES["enterprises"][0], args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.VALIDATED


def test_the_error_workbook_holds_every_error_and_exists_only_with_errors(personas, client_for):
    client = client_for(personas["staff_a"])
    errors_url = JOB_PAGES["enterprises"][1]
    job = job_with_errors(personas["staff_a"])
    response = client.get(reverse(errors_url, args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0][0] == "错误说明" and list(rows[0][1:]) == ENTERPRISE_HEADERS
    assert rows[1][0] is None  # the clean row, repeated without a message
    messages = rows[2][0]
    assert all(f"【{column}】" in messages for column in ("统一社会信用代码", "企业名称", "所属开发区"))
    assert len([e for e in job.errors if e["row"] == 3]) == messages.count("【")
    assert client.get(reverse(errors_url, args=[clean_job(personas["staff_a"]).pk])).status_code == 404


def test_the_job_page_polls_while_running_and_shows_the_kind_texts(personas, client_for, world):
    client = client_for(personas["zone_admin_a"])
    upload = SimpleUploadedFile("进度.xlsx", xlsx([["项目名称", "报告期", "当期完成投资"], ["无此项目", "2025-03", 1]]))
    response = client.post(reverse("projects:progress_import"), {"file": upload, "unit": "亿元"})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("projects:import_job", args=[job.pk])
    html = client.get(response["Location"]).content.decode()
    assert "导入预览（项目进度）" in html and "金额单位：亿元" in html
    assert reverse("projects:progress_import") in html  # the way back is the progress upload, not the project one
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatusChoices.VALIDATING)
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'hx-trigger="every 2s"' in partial


def test_the_upload_page_lists_only_the_users_jobs_of_its_kinds(personas, client_for):
    mine = clean_job(personas["staff_a"])
    theirs = clean_job(personas["zone_admin_a"])
    html = client_for(personas["staff_a"]).get(reverse("enterprises:enterprise_import")).content.decode()
    assert reverse("enterprises:import_job", args=[mine.pk]) in html
    assert reverse("enterprises:import_job", args=[theirs.pk]) not in html
    html = client_for(personas["staff_a"]).get(reverse("stats:directory_import")).content.decode()
    assert 'id="recent-imports"' not in html  # the enterprise jobs are not directory jobs
