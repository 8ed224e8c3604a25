"""Import jobs: an `ImportJob` carries one uploaded file through `validate_job` (dry run: counts, every error as (row,
column, message), an error workbook) and `commit_job` (checks again, then writes everything in one transaction or
nothing). Both run as django-tasks tasks (`validate_import`, `commit_import`): inline with the immediate backend, in
`manage.py db_worker` with the database backend, so a hostile file ends its own job, never the web server.

Messages are in the job's language. kaifaqu.core.tasks re-exports the tasks; nothing here imports it.
"""

import json
import logging
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from ..models import ImportJob, ImportStatusChoices
from .engine import get_importer_class, paused_gc, validate_table
from .reading import ImportFileError, read_table
from .workbooks import error_workbook
from .worker import drop_beat, heartbeat

logger = logging.getLogger(__name__)

STORED_ERRORS = 1000  # kept on the job; the error workbook always holds them all


def out_of_memory_message():
    return _(
        "文件过大或结构异常，处理时超出内存上限（%(mb)d MB），未写入任何数据。请删除多余的行、列和工作表后重新上传。"
    ) % {"mb": settings.IMPORT_WORKER_MEMORY_MB}


def start_import(*, actor, kind, uploaded_file, mode, zone=None, options=None):
    """Store the upload as a job and queue its validation (inline with the immediate backend)."""
    job = ImportJob(
        kind=kind,
        options=options or {},
        original_name=PurePath(uploaded_file.name).name[:255],
        mode=mode,
        zone=zone,
        created_by=actor,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    job.file.save(uploaded_file.name, uploaded_file, save=False)
    job.save()
    validate_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


def request_commit(job):
    """Move a clean, validated job to 导入中 and queue its commit. False when it is not committable."""
    claimed = ImportJob.objects.filter(
        pk=job.pk, status=ImportStatusChoices.VALIDATED, error_count=0, row_count__gt=0
    ).update(status=ImportStatusChoices.COMMITTING, updated_at=timezone.now())
    if not claimed:
        return False
    commit_import.enqueue(job.pk)
    job.refresh_from_db()
    return True


def retry_job(job):
    """Run a job again whose worker died (see worker.fail_if_stale): its validation, or its commit (which checks every
    row again in its own transaction). False when the job was not interrupted."""
    if not job.can_retry:
        return False
    committing = job.interrupted == ImportStatusChoices.COMMITTING
    status = ImportStatusChoices.COMMITTING if committing else ImportStatusChoices.UPLOADED
    claimed = ImportJob.objects.filter(
        pk=job.pk, status=ImportStatusChoices.FAILED, interrupted=job.interrupted
    ).update(status=status, interrupted="", message="", updated_at=timezone.now())
    if not claimed:
        return False
    drop_beat(job)
    (commit_import if committing else validate_import).enqueue(job.pk)
    job.refresh_from_db()
    return True


def importer_for(job):
    return get_importer_class(job.kind)(user=job.created_by, mode=job.mode, zone=job.zone, job=job)


def load_job_table(job, importer):
    with job.file.open("rb") as handle:
        data = handle.read()
    with paused_gc():  # a list per row, all kept: see paused_gc
        return read_table(importer, data, job.original_name)


def store_result(job, result, table):
    for name, value in result.counts.items():
        setattr(job, name, value)
    job.errors = result.errors[:STORED_ERRORS]
    if job.error_file:
        job.error_file.delete(save=False)
    if result.errors:
        job.error_file.save("errors.xlsx", ContentFile(error_workbook(table, result.errors)), save=False)


def store_checked(job, importer, result):
    """Keep what a clean validation parsed, when the importer can commit from it (see Importer.checked_state)."""
    drop_checked(job)
    state = importer.checked_state(result) if not result.errors else None
    if state is not None:
        data = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
        job.checked_file.save("checked.json", ContentFile(data), save=False)


def drop_checked(job):
    if job.checked_file:
        job.checked_file.delete(save=False)


def load_checked(job):
    """The stored checked state of a job, or None when it has none (or it cannot be read: validate again)."""
    if not job.checked_file:
        return None
    try:
        with job.checked_file.open("rb") as handle, paused_gc():  # a list per figure: see paused_gc
            return json.loads(handle.read())
    except (OSError, ValueError):
        logger.warning("import job %s: checked state unreadable, validating the file again", job.pk)
        return None


def store_file_error(job, bad):
    job.status = ImportStatusChoices.FAILED
    job.message = bad.message
    job.errors = bad.errors[:STORED_ERRORS]
    job.error_count = len(bad.errors)
    job.row_count = job.new_count = job.update_count = job.unchanged_count = job.error_row_count = 0


def validate_job(job_id):
    """Dry run: parse and validate every row, store counts, errors and the error workbook. Writes no data."""
    job = ImportJob.objects.select_related("created_by", "zone").get(pk=job_id)
    if job.status not in (ImportStatusChoices.UPLOADED, ImportStatusChoices.VALIDATING):
        return job.status
    job.status = ImportStatusChoices.VALIDATING
    job.save(update_fields=["status", "updated_at"])
    with translation.override(job.language), heartbeat(job, "validate"):
        try:
            importer = importer_for(job)
            table, positions = load_job_table(job, importer)
            with paused_gc():  # the rows stay alive until their errors and checked figures are stored
                result = validate_table(importer, table, positions)
                store_result(job, result, table)
                store_checked(job, importer, result)
            job.status = ImportStatusChoices.VALIDATED
            job.message = (
                _("校验通过，可以导入。")
                if not result.errors
                else ngettext(
                    "发现 %(n)d 处错误，请修改后重新上传。未写入任何数据。",
                    "发现 %(n)d 处错误，请修改后重新上传。未写入任何数据。",
                    len(result.errors),
                )
                % {"n": len(result.errors)}
            )
        except ImportFileError as bad:
            store_file_error(job, bad)
        except MemoryError:  # the worker's address space (IMPORT_WORKER_MEMORY_MB): this job ends, the worker goes on
            logger.warning("import job %s: out of memory while validating", job.pk)
            store_file_error(job, ImportFileError(out_of_memory_message()))
        except Exception:
            logger.exception("import job %s: validation crashed", job.pk)
            job.status = ImportStatusChoices.FAILED
            job.message = _("处理文件时发生内部错误，未写入任何数据。请联系系统管理员。")
        job.validated_at = timezone.now()
        job.save()
    return job.status


def commit_job(job_id):
    """Validate again against the current data, then write every row in one transaction — or nothing."""
    job = ImportJob.objects.select_related("created_by", "zone").get(pk=job_id)
    if job.status != ImportStatusChoices.COMMITTING:
        return job.status
    with translation.override(job.language), heartbeat(job, "commit"):
        try:
            importer = importer_for(job)
            state = load_checked(job)
            table = None
            if state is None:
                table, positions = load_job_table(job, importer)
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.status != ImportStatusChoices.COMMITTING:
                    return locked.status
                if state is None:
                    result = validate_table(importer, table, positions)
                else:  # the preview's parsed rows, checked again against the current data only
                    with paused_gc():
                        result = importer.recheck(state)
                if result.errors:
                    if table is None:  # the error workbook repeats the user's rows
                        table, _positions = load_job_table(job, importer)
                    store_result(job, result, table)
                    drop_checked(job)
                    job.status = ImportStatusChoices.VALIDATED
                    job.message = _("提交前复核发现错误（数据可能已被他人修改），未写入任何数据。请修改后重新上传。")
                else:
                    with paused_gc():
                        summary = importer.commit([row for row in result.rows if row.action in ("create", "update")])
                    store_result(job, result, table)
                    drop_checked(job)
                    job.new_count = summary.get("created", job.new_count)
                    job.update_count = summary.get("updated", job.update_count)
                    job.status = ImportStatusChoices.COMMITTED
                    job.committed_at = timezone.now()
                    job.message = _("导入完成：新增 %(new)d 条，更新 %(updated)d 条，无变化 %(same)d 条。") % {
                        "new": job.new_count,
                        "updated": job.update_count,
                        "same": job.unchanged_count,
                    }
                    job.save()
                    importer.record_commit(job, summary)
        except ImportFileError as bad:
            store_file_error(job, bad)
        except MemoryError:
            logger.warning("import job %s: out of memory while committing", job.pk)
            store_file_error(job, ImportFileError(out_of_memory_message()))
        except Exception:
            logger.exception("import job %s: commit failed", job.pk)
            job.status = ImportStatusChoices.FAILED
            job.committed_at = None
            job.message = _("导入时发生错误，已全部撤销，未写入任何数据。请重新上传或联系系统管理员。")
        job.save()
    return job.status


# ---------------------------------------------------------------------------------------------------------------
# The task entry points (kaifaqu.core.tasks names them too: jobs queued before they moved here still run)


@task()
def validate_import(job_id):
    return validate_job(job_id)


@task()
def commit_import(job_id):
    return commit_job(job_id)
