"""Import jobs in the worker process: the database task backend and `db_worker`, the worker's memory limit, the
heartbeat and progress of a running job, the job whose worker died (处理进程中断) and running it again."""

import datetime
import io
import multiprocessing

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kaifaqu.core.imports import request_commit, start_import
from kaifaqu.core.imports import worker as import_worker
from kaifaqu.core.imports.worker import Heartbeat, beat_path
from kaifaqu.core.models import ImportJob, ImportModeChoices, ImportStatusChoices
from kaifaqu.enterprises.models import Enterprise

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CODES = ["91140500MA0K000915", "91140500MA0K000928"]  # valid check characters, not in the test world


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def workbook(codes=CODES):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "所属开发区", "国民经济行业代码"])
    for n, code in enumerate(codes):
        sheet.append([code, f"工作进程测试{n}有限公司", "高平经济技术开发区", "2651"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(user, codes=CODES):
    return start_import(
        actor=user,
        kind="enterprises",
        uploaded_file=SimpleUploadedFile("企业.xlsx", workbook(codes)),
        mode=ImportModeChoices.CREATE,
    )


def run_worker():
    call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)


# Every transactional test of the suite restores the migrations' rows (serialized_rollback): a flush without it
# re-creates content types under new ids, and the next test that restores its snapshot then collides with them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS, IMPORT_WORKER_MEMORY_MB=0)  # 0: the suite's own process keeps its memory
def test_the_database_backend_queues_and_db_worker_validates_then_commits(personas):
    job = upload(personas["staff_a"])
    assert job.status == ImportStatusChoices.UPLOADED  # queued: the web request did not read the file
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.VALIDATED, job.message
    assert (job.row_count, job.new_count, job.error_count) == (2, 2, 0)
    assert job.heartbeat_at is not None
    assert not beat_path(job.pk).exists()  # the heartbeat ends with the task
    assert request_commit(job)
    assert job.status == ImportStatusChoices.COMMITTING
    assert not Enterprise.objects.filter(credit_code__in=CODES).exists()
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.COMMITTED, job.message
    assert Enterprise.objects.filter(credit_code__in=CODES).count() == 2


def address_space_mb():
    """This process's address space now (VmSize): a forked pytest worker already holds hundreds of MB of it."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmSize:"))
    return int(line.split()[1]) // 1024


def allocate_in_child(conn):
    import_worker._limited = False
    # The limit sits 512 MB above what the forked child already maps, so only the huge allocation can reach it.
    with override_settings(IMPORT_WORKER_MEMORY_MB=address_space_mb() + 512):
        import_worker.apply_memory_limit()
    try:
        block = bytearray(2 * 1024**3)  # 2 GB, past the limit
        conn.send(f"allocated {len(block)}")
    except MemoryError:
        conn.send("MemoryError")  # a pipe needs no feeder thread (a queue's would need memory under the limit)
    conn.close()


def test_the_worker_memory_limit_turns_a_huge_allocation_into_memory_error():
    context = multiprocessing.get_context("fork")
    parent, child_end = context.Pipe(duplex=False)
    child = context.Process(target=allocate_in_child, args=(child_end,))
    child.start()
    try:
        assert parent.poll(120), "the child sent nothing"
        assert parent.recv() == "MemoryError"
    finally:
        child.join(30)
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0


def test_the_immediate_backend_never_limits_the_web_process(personas, monkeypatch):
    import_worker._limited = False
    upload(personas["staff_a"])  # runs inline, as the web server would with TASKS_BACKEND=immediate
    assert import_worker._limited is False


# ------------------------------------------------------------------------------------------------ dead workers


def long_ago(job, minutes=10, **fields):
    """The job as a worker killed `minutes` ago left it: its status, its last heartbeat then."""
    then = timezone.now() - datetime.timedelta(minutes=minutes)
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=then, updated_at=then - datetime.timedelta(seconds=1), **fields
    )
    job.refresh_from_db()
    return job


def test_a_validation_whose_worker_died_is_failed_on_its_page_and_runs_again(personas, client_for):
    user = personas["staff_a"]
    job = long_ago(upload(user), status=ImportStatusChoices.VALIDATING, row_count=0)
    client = client_for(user)
    url = reverse("enterprises:import_job", args=[job.pk])
    page = client.get(url).content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.FAILED
    assert job.interrupted == ImportStatusChoices.VALIDATING
    assert "处理进程中断" in job.message and "处理进程中断" in page
    assert 'id="retry"' in page
    assert client.post(url, {"action": "retry"}).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.VALIDATED and job.row_count == 2  # ran again (inline here)
    assert not job.can_retry
    assert client.post(url, {"action": "retry"}).status_code == 302  # nothing to retry: a message, no change
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.VALIDATED


def test_a_commit_whose_worker_died_wrote_nothing_and_its_retry_writes_everything(personas, client_for):
    user = personas["staff_a"]
    job = upload(user)
    assert job.can_commit, job.errors
    job = long_ago(job, status=ImportStatusChoices.COMMITTING)
    client = client_for(user)
    listing = client.get(
        reverse("enterprises:enterprise_import")
    ).content.decode()  # the upload page lists it: failed now
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.FAILED and job.can_retry
    assert "失败" in listing
    assert not Enterprise.objects.filter(credit_code__in=CODES).exists()
    client.post(reverse("enterprises:import_job", args=[job.pk]), {"action": "retry"})
    job.refresh_from_db()
    assert job.status == ImportStatusChoices.COMMITTED, job.errors
    assert Enterprise.objects.filter(credit_code__in=CODES).count() == 2


def test_a_queued_commit_or_a_beating_job_is_not_stale(personas, client_for):
    user = personas["staff_a"]
    client = client_for(user)
    queued = upload(user)
    # Committing since now, its last heartbeat from the validation long ago: waiting for a worker, not dead.
    then = timezone.now() - datetime.timedelta(minutes=10)
    ImportJob.objects.filter(pk=queued.pk).update(status=ImportStatusChoices.COMMITTING, heartbeat_at=then)
    client.get(reverse("enterprises:import_job", args=[queued.pk]))
    queued.refresh_from_db()
    assert queued.status == ImportStatusChoices.COMMITTING
    # Validating with an old heartbeat_at but a fresh heartbeat file (the worker's thread): alive, with progress.
    running = long_ago(upload(user, codes=CODES[:1]), status=ImportStatusChoices.VALIDATING)
    beat = Heartbeat(running, "validate")
    beat.done, beat.total = 3000, 12000
    beat.write()
    page = client.get(reverse("enterprises:import_job", args=[running.pk])).content.decode()
    running.refresh_from_db()
    assert running.status == ImportStatusChoices.VALIDATING
    assert 'id="job-progress-bar" value="3000" max="12000"' in page
    assert "已检查 3000 行" in page
