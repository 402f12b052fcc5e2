from django.apps import AppConfig


class OpenphoneConfig(AppConfig):
    name = "openphone"
    verbose_name = "OpenPhone"
