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
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from crm.admin_extensions import check_registered_actions
        from crm.idle_sessions import session_renewed_mark
        from crm.two_factor import two_factor_needed_remember

        from .celery import app  # noqa: F401

        checks.register(check_registered_actions, checks.Tags.admin)
        user_logged_in.connect(two_factor_needed_remember, dispatch_uid="crm.two_factor_needed")
        user_logged_in.connect(session_renewed_mark, dispatch_uid="crm.session_renewed")


class CrmAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the office's admin site (crm.admin_site) as `admin.site`."""

    default = False
    default_site = "crm.admin_site.CrmAdminSite"
