"""Background work of the core: the import engine's validation and commit, run through django-tasks.

With the immediate backend (the default) a task runs inline in the request; with the database backend
(`TASKS_BACKEND=database`) `manage.py db_worker` runs it and the job page polls for the outcome. The tasks are
defined with the jobs they run (kaifaqu.core.imports.jobs); named here too, so jobs queued under these paths run.
"""

from .imports.jobs import commit_import, validate_import

__all__ = ["commit_import", "validate_import"]
