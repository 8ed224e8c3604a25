"""The import jobs' worker side: the memory limit of the worker process, the heartbeat of a running job (and its
progress), the job whose worker died (处理进程中断) and running it again.

Validation and commit run in `manage.py db_worker` (the database task backend), never in the web server. While a job
runs, a thread of the worker touches the job's heartbeat file every HEARTBEAT_SECONDS with the rows done so far: a
file, not a database row, because the commit holds its transaction (and on SQLite the database's one write lock) for
all its rows, so no other connection could record a sign of life meanwhile. The web side reads it for the progress
bar; a running job whose last sign of life is older than IMPORT_STALE_SECONDS lost its worker (killed, out of memory,
the machine restarted): it is marked failed when its page or list is shown, and its owner can run it again.
"""

import json
import logging
import os
import resource
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ..models import ImportJob, ImportStatusChoices

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2
PHASES = {ImportStatusChoices.VALIDATING: "validate", ImportStatusChoices.COMMITTING: "commit"}


# ---------------------------------------------------------------------------------------------------------------
# The memory limit


_limited = False


def apply_memory_limit():
    """Cap this process's address space at IMPORT_WORKER_MEMORY_MB (0: no cap). Called in the worker process before
    its first task, never in the web server: a hostile file then raises MemoryError in its own job."""
    global _limited
    megabytes = settings.IMPORT_WORKER_MEMORY_MB
    if _limited or not megabytes:
        _limited = True
        return
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    _limited = True
    logger.info("import worker: address space limited to %d MB", megabytes)


def on_task_started(sender, **kwargs):
    """django-tasks' task_started: every backend but the immediate one runs tasks in a worker process."""
    from django_tasks.backends.immediate import ImmediateBackend

    backend = sender if isinstance(sender, type) else type(sender)  # db_worker sends the instance, immediate the class
    if not issubclass(backend, ImmediateBackend) and not _limited:
        apply_memory_limit()
        # The worker's first task: the jobs a previous worker left running (killed mid-commit) fail now, so their
        # owners can run them again without waiting for a page to notice.
        fail_stale_jobs(ImportJob.objects.filter(status__in=list(PHASES)))


# ---------------------------------------------------------------------------------------------------------------
# The heartbeat


def beat_path(job_id):
    return Path(settings.MEDIA_ROOT) / "imports" / "heartbeat" / f"{job_id}.json"


class Heartbeat:
    """The running job's sign of life and progress: `done` of `total` rows, written to its file by a thread."""

    current = None  # the heartbeat of the job this process runs now (one at a time)

    def __init__(self, job, phase):
        self.job_id = job.pk
        self.phase = phase
        self.done = 0
        self.total = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"import-heartbeat-{job.pk}", daemon=True)

    def write(self):
        path = beat_path(self.job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        data = {"phase": self.phase, "done": self.done, "total": self.total, "pid": os.getpid()}
        temporary.write_text(json.dumps(data))
        os.replace(temporary, path)  # a reader never sees half a file

    def run(self):
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            try:
                self.write()
            except OSError:
                logger.warning("import job %s: heartbeat not written", self.job_id, exc_info=True)


@contextmanager
def heartbeat(job, phase):
    """Beat for `job` while the block runs; the job's heartbeat_at records the start."""
    beat = Heartbeat(job, phase)
    beat.write()
    job.heartbeat_at = timezone.now()  # on the instance too: the job's final save keeps it
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at)
    Heartbeat.current = beat
    beat.thread.start()
    try:
        yield beat
    finally:
        beat.stopped.set()
        beat.thread.join()
        Heartbeat.current = None
        beat_path(job.pk).unlink(missing_ok=True)


def advance(done=None, total=None):
    """Progress of the running job (no-op outside one). Cheap: called once per row."""
    beat = Heartbeat.current
    if beat is not None:
        if total is not None:
            beat.total = total
        if done is not None:
            beat.done = done


def drop_beat(job):
    beat_path(job.pk).unlink(missing_ok=True)


def read_beat(job):
    """(phase, done, total, when) of the job's heartbeat file, or None when it has none."""
    path = beat_path(job.pk)
    try:
        when = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data.get("phase"), int(data.get("done") or 0), int(data.get("total") or 0), when


def progress(job):
    """{"done", "total", "percent"} of a running job for its page, or None."""
    if not job.is_running:
        return None
    found = read_beat(job)
    if found is None:
        return None
    phase, done, total, _when = found
    if phase != PHASES.get(job.status):
        return None
    percent = min(100, round(100 * done / total)) if total else None
    return {"phase": phase, "done": done, "total": total, "percent": percent}


# ---------------------------------------------------------------------------------------------------------------
# The job whose worker died


def last_sign_of_life(job):
    found = read_beat(job)
    times = [t for t in (job.heartbeat_at, found[3] if found else None) if t is not None]
    return max(times) if times else None


def is_stale(job, now=None):
    """A validating or committing job with no sign of life for IMPORT_STALE_SECONDS. A commit still queued (the
    worker has not taken it: heartbeat_at older than the request) waits for the worker and is not stale."""
    if job.status not in PHASES:
        return False
    if job.status == ImportStatusChoices.COMMITTING and (job.heartbeat_at is None or job.heartbeat_at < job.updated_at):
        return False
    last = last_sign_of_life(job)
    if last is None:
        return False
    now = now or timezone.now()
    return (now - last).total_seconds() > settings.IMPORT_STALE_SECONDS


def fail_if_stale(job):
    """Mark `job` failed (处理进程中断, may run again) when its worker died. True when it did."""
    if not is_stale(job):
        return False
    with override(job.language):
        message = _("处理进程中断（服务重启或进程被终止），未写入任何数据。可点击“重新运行”再次处理。")
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
        status=ImportStatusChoices.FAILED, interrupted=job.status, message=message, updated_at=timezone.now()
    )
    drop_beat(job)
    job.refresh_from_db()
    if claimed:
        logger.warning("import job %s: no heartbeat since %s, marked failed", job.pk, last_sign_of_life(job))
    return bool(claimed)


def fail_stale_jobs(jobs):
    """fail_if_stale on each of `jobs` that is running (a list page's jobs)."""
    for job in jobs:
        if job.status in PHASES:
            fail_if_stale(job)
