from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CrmConfig(AppConfig):
    """The project package as an app: system checks, the Celery application, shared static files and tags."""

    default = True
    name = "crm"
    verbose_name = "Attack-a-Crack CRM"

    def ready(self):
        # `@shared_task` binds to the current Celery app; loading ours here, once Django is set up,
        # makes it the current one in web processes, commands and workers alike.
        from .celery import app  # noqa: F401


class CrmAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the office's admin site (crm.admin_site) as `admin.site`."""

    default = False
    default_site = "crm.admin_site.CrmAdminSite"
