"""What every benchmark does first: environment, a throwaway database, Django. Not a benchmark itself."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


class Rollback(Exception):
    """Raised inside a transaction to undo everything a benchmark wrote."""


def remove_sqlite(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def configure(name, *, media=None, immediate_tasks=False):
    """Environment first, then Django. Returns the throwaway database file, or None when DATABASE_URL was set.

    name: the SQLite file under var/bench/; media: a MEDIA_ROOT folder under var/bench/ for uploaded files;
    immediate_tasks: run background tasks inline so they can be timed.
    """
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaifaqu.settings"
    os.environ["KAIFAQU_HTTPS"] = "0"
    os.environ["DEBUG"] = "0"
    if immediate_tasks:
        os.environ["TASKS_BACKEND"] = "immediate"
    if media:
        os.environ["MEDIA_ROOT"] = str(BENCH_DIR / media)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = None
    if not os.environ.get("DATABASE_URL"):
        database = BENCH_DIR / f"{name}.sqlite3"
        remove_sqlite(database)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    return database
