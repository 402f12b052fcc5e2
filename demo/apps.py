from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make demo` (seed_demo, demo_admin); no other app imports it."""

    name = "demo"
    verbose_name = "Demo data"
