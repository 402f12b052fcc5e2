"""System checks: a production setup that would send through OpenPhone without a key or a line fails at startup."""
from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string


@checks.register(checks.Tags.compatibility)
def check_openphone_backend_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from .backends import OpenPhoneBackend

    path = getattr(settings, "SMS_BACKEND", "")
    try:
        backend = import_string(path)
    except ImportError:
        return [checks.Error(f"SMS_BACKEND {path!r} cannot be imported.", id="openphone.E003")]
    if not (isinstance(backend, type) and issubclass(backend, OpenPhoneBackend)):
        return []
    errors = []
    if not settings.OPENPHONE_API_KEY:
        errors.append(checks.Error(
            "SMS_BACKEND sends through OpenPhone but OPENPHONE_API_KEY is empty.",
            hint="Set OPENPHONE_API_KEY to the key from OpenPhone Settings -> API (the raw key, no 'Bearer').",
            id="openphone.E001",
        ))
    if not settings.OPENPHONE_PHONE_NUMBER_ID:
        errors.append(checks.Error(
            "SMS_BACKEND sends through OpenPhone but OPENPHONE_PHONE_NUMBER_ID is empty.",
            hint="Set it to the sending line's id (PN...); `GET /v1/phone-numbers` lists them.",
            id="openphone.E002",
        ))
    return errors


def webhook_store_binding_errors(database: dict) -> list[checks.CheckMessage]:
    """The receiver sends its lock and its insert as one message: that needs client-side binding."""
    if database["ENGINE"].endswith("postgresql") and database.get("OPTIONS", {}).get("server_side_binding"):
        return [checks.Error(
            "DATABASES['default']['OPTIONS']['server_side_binding'] is on: the OpenPhone webhook receiver "
            "stores a delivery with two statements in one message, which server-side binding refuses.",
            hint="Remove server_side_binding (Django's default, client-side binding, is what the receiver needs).",
            id="openphone.E004",
        )]
    return []


@checks.register(checks.Tags.compatibility)
def check_webhook_store_binding(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return webhook_store_binding_errors(settings.DATABASES["default"])
