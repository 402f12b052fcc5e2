"""Test settings: fast hashing, locmem texts, no network.

DATABASE_URL / REDIS_URL are honoured when set (CI sets them to PostgreSQL and Redis).
"""
from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_BACKEND = "crm.sms.LocmemBackend"
# Tests run tasks in-process; the end-to-end worker test switches this off for itself.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = env("REDIS_URL", default="") or "memory://"
OPENPHONE_API_KEY = "test-api-key"
OPENPHONE_BASE_URL = "http://127.0.0.1:1"  # nothing listens: a test must point it at its server
OPENPHONE_WEBHOOK_SIGNING_KEY = "YXR0YWNrLWEtY3JhY2stdGVzdC1zaWduaW5nLWtleSE="
OPENPHONE_WEBHOOK_SECRET = "whsec_YXR0YWNrLWEtY3JhY2stc3RhbmRhcmQtd2ViaG9va3M="
OPENPHONE_PHONE_NUMBER_ID = "PNtoDbDhuz"
# Parallel test processes share one Redis: a shared schedule would make them wait for each other.
# tests/openphone/test_rate_limit.py exercises the shared limiter on its own keys.
OPENPHONE_THROTTLE_ACROSS_PROCESSES = False
# Copies of texted photos written by tests (and the demo seeded in tests) stay out of the checkout.
ACTIVITY_MEDIA_ROOT = str(__import__("pathlib").Path(__import__("tempfile").gettempdir()) / "crm-test-private-media")
# Static files as they are (no manifest to build); uploads and photo copies as in base.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# No test is throttled by accident (the throttle test sets its own rate).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1000000/hour"}}  # noqa: F405
