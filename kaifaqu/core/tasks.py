"""Background work of the core: the import engine's validation and commit, run through django-tasks.

With the database backend (the default) `manage.py db_worker` runs them — `make run` starts it beside the web
server — and the job page polls for the outcome; with the immediate backend (`TASKS_BACKEND=immediate`, the test
suite) a task runs inline in the request. The tasks are defined with the jobs they run (kaifaqu.core.imports.jobs);
named here too, so jobs queued under these paths run.
"""

from .imports.jobs import commit_import, validate_import

__all__ = ["commit_import", "validate_import"]
