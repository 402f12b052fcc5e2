from django.apps import AppConfig


class OpenphoneConfig(AppConfig):
    name = "openphone"
    verbose_name = "OpenPhone"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
