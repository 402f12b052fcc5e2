"""Settings shared by every environment; each value that differs per machine comes from the environment.

dev.py, test.py and production.py import this module and change only what they must.
"""
import datetime
from decimal import Decimal
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is a convenience for developers; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me")
# Earlier keys, comma separated, still accepted for signatures (sessions) while rotating SECRET_KEY.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
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
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # Users who must use a second factor (OTP_REQUIRED_*) reach nothing else until they have.
    "crm.two_factor.SecondFactorRequiredMiddleware",
    "crm.idle_sessions.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # History rows name the user of the request (API requests: see crm.api's authentication).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: counts failed sign-ins and answers locked-out attempts with the lockout page.
    "axes.middleware.AxesMiddleware",
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
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Covering indexes (INCLUDE columns) are PostgreSQL's; SQLite builds the same index without them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

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
AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in (admin, dashboard) while the user and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after AXES_FAILURE_LIMIT wrong passwords for one username from one address, for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# No "AXES: BEGIN" banner on every command and worker start.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "crm.lockout.lockout_response"
# The lockout page says when to try again; attempts while locked out do not push that time back.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Behind a reverse proxy (AXES_BEHIND_PROXY) the address is the one the proxy appended to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "crm.lockout.client_ip"
AXES_BEHIND_PROXY = env.bool("AXES_BEHIND_PROXY", default=False)
# Second factor (TOTP app or a recovery code): required of superusers and managers in production
# (crm.settings.production), optional for office staff unless OTP_REQUIRED_FOR_STAFF.
OTP_REQUIRED_FOR_MANAGERS = env.bool("OTP_REQUIRED_FOR_MANAGERS", default=False)
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=False)
OTP_MANAGER_GROUP = "Manager"
OTP_TOTP_ISSUER = "Attack-a-Crack CRM"
# Audit trail (django-simple-history): the admin's History pages show changes; reverting from them
# is off, since a revert would skip the services' rules.
SIMPLE_HISTORY_REVERT_DISABLED = True
# History is read per record (by its id); no index on the date of every change, which each write would maintain.
SIMPLE_HISTORY_DATE_INDEX = False
# Sessions end after 8 hours without a request: crm.idle_sessions renews a signed-in session's expiry
# (and cookie) at most every SESSION_RENEW_SECONDS, instead of a database write on every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=8 * 60 * 60)
SESSION_RENEW_SECONDS = 5 * 60
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
# Uploaded files (import uploads) go through Django's storage API. STORAGE_BACKEND=local keeps them
# under MEDIA_ROOT (one machine: `make demo`); =s3 keeps them in an S3-compatible bucket every web and
# worker process shares (MinIO in docker-compose.yml). Objects are private: staff get them through our
# own views, or links signed for AWS_QUERYSTRING_EXPIRE seconds.
STORAGE_BACKEND = env("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="us-east-1"),
            "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
        },
    }
elif STORAGE_BACKEND == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if STORAGE_BACKEND == "s3":
    # Copies of texted photos share the private bucket, under their own prefix; staff open them
    # through the admin's media view, which streams the object.
    STORAGES["activity_media"] = {
        "BACKEND": DEFAULT_STORAGE["BACKEND"],
        "OPTIONS": {**DEFAULT_STORAGE["OPTIONS"], "location": "activity-media"},
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
# E-mail (a guardrail pausing a campaign mails the Manager group). Printed to the console unless an
# SMTP server is configured: EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST etc.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crm@localhost")

# Dotted path of the SMS backend class, as Django picks EMAIL_BACKEND.
SMS_BACKEND = env("SMS_BACKEND", default="crm.sms.ConsoleBackend")
# Reads homeowners' replies (intent, opt-out certainty, addresses): a dotted path like SMS_BACKEND.
TEXT_READER = env("TEXT_READER", default="contacts.reading.RuleReader")
# The optional Gemini reader (TEXT_READER = "gemini.GeminiReader"); without a key it reads with the rules.
GEMINI_API_KEY = env("GEMINI_API_KEY", default="")
GEMINI_MODEL = env("GEMINI_MODEL", default="gemini-2.5-flash")
GEMINI_BASE_URL = env("GEMINI_BASE_URL", default="")  # tests point it at a local fake server
GEMINI_TIMEOUT_SECONDS = env.float("GEMINI_TIMEOUT_SECONDS", default=5.0)
GEMINI_RETRIES = env.int("GEMINI_RETRIES", default=2)  # attempts in all
GEMINI_DAILY_CALL_BUDGET = env.int("GEMINI_DAILY_CALL_BUDGET", default=2000)
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
# Imports add audit-history rows for what each batch created or changed (set-based; see
# properties/importers/history.py). Off only to measure its cost (bench/import.py --no-history).
IMPORT_AUDIT_HISTORY = env.bool("IMPORT_AUDIT_HISTORY", default=True)

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
