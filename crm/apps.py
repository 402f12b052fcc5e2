from django.apps import AppConfig


class CrmConfig(AppConfig):
    """The project package as an app: system checks and the Celery application."""

    name = "crm"
    verbose_name = "Attack-a-Crack CRM"

    def ready(self):
        # `@shared_task` binds to the current Celery app; loading ours here, once Django is set up,
        # makes it the current one in web processes, commands and workers alike.
        from .celery import app  # noqa: F401
