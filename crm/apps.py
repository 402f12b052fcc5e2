from django.apps import AppConfig


class CrmConfig(AppConfig):
    """The project package as an app: cross-app commands (seed_demo, demo_admin) and system checks."""

    name = "crm"
    verbose_name = "Attack-a-Crack CRM"
