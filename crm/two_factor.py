"""Second factor at sign-in (django-otp): an authenticator app (TOTP) plus one-time recovery codes.

Who must use it: superusers and members of the "Manager" group when OTP_REQUIRED_FOR_MANAGERS (on in
crm.settings.production), every staff account when OTP_REQUIRED_FOR_STAFF. Anyone may set it up from
their own page (/account/two-factor/); once set up, their sign-ins ask for a code too.

The password step stays Django's own sign-in pages (admin, dashboard: both counted by django-axes);
SecondFactorRequiredMiddleware then sends a signed-in but unverified user to the code page (or, with no
device yet and a second factor required, to the set-up page) before anything else.
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def second_factor_required(user) -> bool:
    """True when this signed-in user may not work without a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if settings.OTP_REQUIRED_FOR_MANAGERS and (
        user.is_superuser or user.groups.filter(name=settings.OTP_MANAGER_GROUP).exists()
    ):
        return True
    return bool(settings.OTP_REQUIRED_FOR_STAFF and user.is_staff)


def second_factor_enrolled(user) -> bool:
    return user_has_device(user, confirmed=True)


# --- Writes ------------------------------------------------------------------------------------------

def totp_device_start(*, user) -> TOTPDevice:
    """The user's unconfirmed authenticator device (a new secret key), to show as a QR code until confirmed."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app with a code it shows: replaces any earlier app and returns fresh recovery codes
    (shown once). None when the code is wrong."""
    with transaction.atomic():
        if not device.verify_token(token.strip().replace(" ", "")):
            return None
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return _recovery_codes_replace(user=device.user)


def recovery_codes_create(*, user) -> list[str]:
    """New recovery codes for the user (the old ones stop working)."""
    with transaction.atomic():
        return _recovery_codes_replace(user=user)


def _recovery_codes_replace(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_remove(*, user) -> int:
    """Remove the user's app and recovery codes (an administrator's action for a lost phone)."""
    with transaction.atomic():
        removed = 0
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
    return removed


def second_factor_verify(*, user, token: str):
    """The device (app or recovery code) that accepts `token`, or None. A recovery code works once."""
    token = token.strip().replace(" ", "")
    if not token:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(token):
                return device
    return None


# --- Reads -------------------------------------------------------------------------------------------

def qr_code_svg(text: str) -> str:
    """An SVG QR code of `text`, drawn here (the secret never leaves the server)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg"):]  # inline in the page: no XML declaration


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


# --- Middleware --------------------------------------------------------------------------------------

# Paths an unverified user may still open: the second-factor pages, signing out, static files, and
# what is not a signed-in page at all (webhooks, health check). Token-authenticated API requests have
# no session user here; a session's API requests are refused until the session is verified.
_OPEN_PREFIXES = ("/account/two-factor/", "/static/", "/webhooks/", "/healthz")


# Whether this session must pass the second step: decided once at sign-in (user_logged_in), so pages
# cost no device or group query.
SESSION_KEY = "two_factor_needed"


def two_factor_needed_remember(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: remember in the session whether this user needs the second step."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = second_factor_enrolled(user) or second_factor_required(user)


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified() and self._needed(request, user) \
                and not self._open(request):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": "Finish signing in with your second factor first."}, status=403)
            if second_factor_enrolled(user):
                return self._redirect("two_factor_verify", request)
            return self._redirect("two_factor_setup", request)
        return self.get_response(request)

    @staticmethod
    def _needed(request, user) -> bool:
        needed = request.session.get(SESSION_KEY)
        if needed is None:  # a session from before this check existed
            needed = request.session[SESSION_KEY] = second_factor_enrolled(user) or second_factor_required(user)
        return needed

    @staticmethod
    def _open(request) -> bool:
        path = request.path_info
        return path.startswith(_OPEN_PREFIXES) or path in (reverse("admin:logout"), reverse("dashboard:logout"))

    @staticmethod
    def _redirect(name: str, request) -> HttpResponseRedirect:
        return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
