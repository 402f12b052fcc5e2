"""Local development and `make demo`: debug on, texts printed to the console."""
from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
STORAGES = {
    "default": DEFAULT_STORAGE,  # noqa: F405 - STORAGE_BACKEND: local unless set
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
