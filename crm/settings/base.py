"""Settings shared by every environment; each value that differs per machine comes from the environment.

dev.py, test.py and production.py import this module and change only what they must.
"""
from decimal import Decimal
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is a convenience for developers; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "crm.apps.CrmAdminConfig",  # django.contrib.admin with the office's site (crm/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_celery_results",
    "crm",
    "contacts",
    "properties",
    "campaigns",
    "openphone",
    "jobs",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# The embedded SQLite file is the default so `make demo` needs nothing installed;
# CI and production point DATABASE_URL at PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Keep connections open between requests: a new PostgreSQL connection per request
# costs several times the work of a small request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A `SELECT 1` round trip before a reused connection's first query in each request. On by default:
# without it the first page per worker after a database restart fails. The webhook receiver skips
# it (a round trip per delivery) and retries its insert on a new connection instead
# (openphone/services.py). CONN_HEALTH_CHECKS=False turns it off everywhere.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache -----------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "crm",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------
# Without Redis there is no broker: tasks run in-process as they are queued.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Same Redis transport, publishing through one reused client instead of a new one per task
# (crm/kombu_redis.py; ~0.15 ms of CPU per enqueue, measured for the webhook receiver).
if REDIS_URL.startswith("redis://"):
    CELERY_BROKER_TRANSPORT = "crm.kombu_redis:Transport"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env("TIME_ZONE", default="America/New_York")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Auth -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Pages outside the admin (the manager dashboard) send anonymous visitors to the dashboard's own
# sign-in page, which unlike the admin's accepts accounts without "Staff status".
LOGIN_URL = "dashboard:login"

# --- Time and language ------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# One date style everywhere ("Mon Dec 7, 2026, 1:38 PM"): crm/formats/en/formats.py.
FORMAT_MODULE_PATH = ["crm.formats"]
# The business runs on Massachusetts time: "today" for limits and reports is counted here.
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Copies of photos homeowners text us: private, never under MEDIA_URL; served by the admin only to
# staff. Set STORAGES["activity_media"] to put them elsewhere (any Django storage backend).
ACTIVITY_MEDIA_ROOT = env.path("ACTIVITY_MEDIA_ROOT", default=str(BASE_DIR / "private-media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- OpenPhone --------------------------------------------------------------------------
OPENPHONE_API_KEY = env("OPENPHONE_API_KEY", default="")
OPENPHONE_BASE_URL = env("OPENPHONE_BASE_URL", default="https://api.openphone.com")
# Base64 key of the legacy `openphone-signature` scheme.
OPENPHONE_WEBHOOK_SIGNING_KEY = env("OPENPHONE_WEBHOOK_SIGNING_KEY", default="")
# `whsec_` secret of the Standard Webhooks scheme (optional).
OPENPHONE_WEBHOOK_SECRET = env("OPENPHONE_WEBHOOK_SECRET", default="")
# Hosts ("host:port", comma separated) whose media links are fetched as given, even on a private or
# loopback address. Empty in production: links must be https to public addresses.
OPENPHONE_MEDIA_ALLOWED_HOSTS = env.list("OPENPHONE_MEDIA_ALLOWED_HOSTS", default=[])
# The default sending line (PN... id).
OPENPHONE_PHONE_NUMBER_ID = env("OPENPHONE_PHONE_NUMBER_ID", default="")
# API client: OpenPhone allows 10 requests/second per key (shared by the threads of one process).
OPENPHONE_RATE_LIMIT_PER_SECOND = env.float("OPENPHONE_RATE_LIMIT_PER_SECOND", default=10.0)
# The limit is per API key, not per process: with Redis, every process books its requests in one
# shared schedule (openphone/rate_limit.py); off, or without Redis, each process keeps its own.
OPENPHONE_THROTTLE_ACROSS_PROCESSES = env.bool("OPENPHONE_THROTTLE_ACROSS_PROCESSES", default=True)
OPENPHONE_CONNECT_TIMEOUT = env.float("OPENPHONE_CONNECT_TIMEOUT", default=5.0)
OPENPHONE_READ_TIMEOUT = env.float("OPENPHONE_READ_TIMEOUT", default=30.0)
# Attempts per request on 429, 5xx and network errors (a send is repeated only when surely not received).
OPENPHONE_MAX_ATTEMPTS = env.int("OPENPHONE_MAX_ATTEMPTS", default=5)

# --- Texting ----------------------------------------------------------------------------
# Dotted path of the SMS backend class, as Django picks EMAIL_BACKEND.
SMS_BACKEND = env("SMS_BACKEND", default="crm.sms.ConsoleBackend")
# Region assumed for phone numbers typed without a country code.
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="US")

# --- Campaigns --------------------------------------------------------------------------
# Most texts per calendar day (business time zone) on one OpenPhone line, across all campaigns.
CAMPAIGN_LINE_DAILY_CAP = env.int("CAMPAIGN_LINE_DAILY_CAP", default=125)
# A homeowner texted by one campaign is not texted by another within this many days.
CAMPAIGN_COOLDOWN_DAYS = env.int("CAMPAIGN_COOLDOWN_DAYS", default=30)

# --- Follow-ups, visits, quotes and jobs (jobs/) ----------------------------------------------
# Each rule that creates follow-up tasks can be switched off on its own.
JOBS_RULE_UNANSWERED_REPLY = env.bool("JOBS_RULE_UNANSWERED_REPLY", default=True)
JOBS_RULE_ESTIMATE_WITHOUT_QUOTE = env.bool("JOBS_RULE_ESTIMATE_WITHOUT_QUOTE", default=True)
JOBS_RULE_QUOTE_UNDECIDED = env.bool("JOBS_RULE_QUOTE_UNDECIDED", default=True)
# Office hours (business time zone, Monday-Friday) that "2 business hours" and speed to lead count in.
BUSINESS_HOURS_START = env.int("BUSINESS_HOURS_START", default=8)
BUSINESS_HOURS_END = env.int("BUSINESS_HOURS_END", default=17)
# What one SMS segment costs us, in dollars, for the cost of a campaign's texts.
TEXT_SEGMENT_PRICE = Decimal(env("TEXT_SEGMENT_PRICE", default="0.01"))

# --- Imports ----------------------------------------------------------------------------
# Files uploaded in the admin hold homeowners' data: a finished run's file is deleted this many days
# after the run ended (its run, counts and rejected rows stay). 0 keeps them forever.
IMPORT_UPLOAD_KEEP_DAYS = env.int("IMPORT_UPLOAD_KEEP_DAYS", default=30)

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # DjangoModelPermissions with GET needing view_<model>: the API allows what the admin allows.
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.ModelPermissions"],
    "DEFAULT_SCHEMA_CLASS": "crm.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "crm.api.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "crm.api.exception_handler",
    # Requests per token (per user for session logins), e.g. "1000/hour" or "50/minute".
    "DEFAULT_THROTTLE_CLASSES": ["crm.api.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("API_THROTTLE_RATE", default="1000/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Attack-a-Crack CRM API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "DESCRIPTION": "Contacts, properties, campaigns and the timeline of the Attack-a-Crack CRM. "
    "Authenticate with `Authorization: Token <key>`; see docs/api.md.",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["crm.api_schema.only_api_v1"],
}

# --- Logging ----------------------------------------------------------------------------
# Message bodies and full phone numbers never go to INFO; see contacts.phone.mask_phone.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
