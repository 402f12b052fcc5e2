"""Production: refuses to start without a real secret key and webhook signing key."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = False

# "insecure..." is the development default; "change-me..." the placeholder in .env.example.
if not SECRET_KEY or SECRET_KEY.startswith(("insecure", "change-me")) or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )
if not env("OPENPHONE_WEBHOOK_SIGNING_KEY", default=""):
    raise ImproperlyConfigured(
        "OPENPHONE_WEBHOOK_SIGNING_KEY must be set in production: without it no webhook can be verified."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# /healthz is probed over plain HTTP by the container health check.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Superusers and managers must sign in with a second factor (office staff: OTP_REQUIRED_FOR_STAFF).
OTP_REQUIRED_FOR_MANAGERS = env.bool("OTP_REQUIRED_FOR_MANAGERS", default=True)
# The app runs behind a reverse proxy that appends the client's address to X-Forwarded-For.
AXES_BEHIND_PROXY = env.bool("AXES_BEHIND_PROXY", default=True)
