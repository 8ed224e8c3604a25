"""Background work of the core: the import engine's validation and commit, run through django-tasks.

With the immediate backend (the default) a task runs inline in the request; with the database backend
(`TASKS_BACKEND=database`) `manage.py db_worker` runs it and the job page polls for the outcome.
"""

from django_tasks import task

from .imports import commit_job, validate_job


@task()
def validate_import(job_id):
    return validate_job(job_id)


@task()
def commit_import(job_id):
    return commit_job(job_id)
