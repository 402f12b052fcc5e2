"""Settings for bench/webhook.py: production settings plus a bench-only URL module (bare view beside the real ones).

Never used by the product; bench/webhook.py sets DJANGO_SETTINGS_MODULE=bench.settings for its gunicorn.
"""
from crm.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Enqueued processing goes to a queue of the bench's own, emptied when it ends (no worker consumes it).
CELERY_TASK_DEFAULT_QUEUE = "bench-webhook"
