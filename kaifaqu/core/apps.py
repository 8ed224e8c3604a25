from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kaifaqu.core"
    label = "core"
    verbose_name = _("公共")

    def ready(self):
        from django_tasks.signals import task_started

        from . import cache  # noqa: F401  (reads data versions once per request)
        from .imports.worker import on_task_started

        # The worker process limits its own memory before its first task (see IMPORT_WORKER_MEMORY_MB).
        task_started.connect(on_task_started, dispatch_uid="kaifaqu.import_worker_memory")
