from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "crm.dashboard"
    label = "dashboard"
    verbose_name = "Manager dashboard"
