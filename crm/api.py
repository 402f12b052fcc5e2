"""What every endpoint under /api/v1/ shares: permissions, pagination, throttling, errors, ETags.

The apps' own API modules (contacts/api.py, properties/api.py, campaigns/api.py) build on these.
"""
from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views.decorators.csrf import csrf_exempt
from rest_framework import pagination, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

# --- Permissions ----------------------------------------------------------------------------


class ModelPermissions(DjangoModelPermissions):
    """Django's model permissions, reads included, so the API allows exactly what the admin does.

    DRF's DjangoModelPermissions lets any logged-in user read; here GET needs `view_<model>`
    like the admin's list and change pages. A view may name the permissions of its extra
    actions in `action_permissions` ({"start": ["campaigns.change_campaign"]}), since a POST
    to an action is not an "add".
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        action_perms = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action_perms is None:
            return super().has_permission(request, view)
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(action_perms))


# --- Pagination -----------------------------------------------------------------------------

# Large enough for a sync to move quickly, small enough that one page stays a quick query.
MAX_PAGE_SIZE = 100


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100); the answer says how many there are in all."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class TimelineCursorPagination(pagination.CursorPagination):
    """Newest first by `occurred_at`; a cursor stays valid while new entries arrive."""

    ordering = ("-occurred_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


# --- Throttling -----------------------------------------------------------------------------


class TokenRateThrottle(UserRateThrottle):
    """At most REST_FRAMEWORK's "user" rate (env API_THROTTLE_RATE) per token.

    A session login (the browsable docs) is counted per user. The rate is read per request,
    so a settings override takes effect at once.
    """

    scope = "user"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, Token):
            # The key itself never goes into the cache: whoever reads Redis must not learn tokens.
            ident = "token-" + hashlib.sha256(request.auth.key.encode()).hexdigest()[:32]
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


# --- Errors ---------------------------------------------------------------------------------


def _plain_validation_errors(exc: DjangoValidationError, request) -> dict:
    """A service's ValidationError as DRF's `{field: [messages]}`, in plain text.

    A duplicate-phone error (code "phone_duplicate", params `contact_id` and `name`) also names the
    other contact under `existing_contact` with their API URL.
    """
    body = as_serializer_error(exc)
    if not hasattr(exc, "error_dict"):
        return body
    for errors in exc.error_dict.values():
        for error in errors:
            if error.code != "phone_duplicate":
                continue
            contact_id = error.params["contact_id"]
            url = reverse("api:contact-detail", args=[contact_id])
            body["existing_contact"] = {
                "id": contact_id,
                "url": request.build_absolute_uri(url) if request is not None else url,
            }
    return body


class ErrorSerializer(serializers.Serializer):
    """An error that is not about one field: 401, 403, 404, 409, 412, 429."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="Machine-readable reason, e.g. invalid_transition.")


# A service's refusal with one of these codes is about the record's state, not the input: 409.
CONFLICT_CODES = frozenset({"invalid_transition", "campaign_closed", "campaign_not_draft"})


def exception_handler(exc, context):
    """DRF's handler, plus the services' refusals: a state conflict is 409, bad input is 400."""
    # Imported here: REST_FRAMEWORK names this module's classes, which rest_framework.views loads.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    if isinstance(exc, DjangoValidationError) and not hasattr(exc, "error_dict") and exc.code in CONFLICT_CODES:
        set_rollback()
        return Response({"detail": " ".join(exc.messages), "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(_plain_validation_errors(exc, context.get("request")), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


@csrf_exempt  # a 404 whatever the method, never Django's HTML CSRF page
def not_found(request, *args, **kwargs):
    """Any other path under /api/v1/ (e.g. `/contacts/1.5/`): a JSON 404 like the API's own, not an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


# --- Conditional requests (ETag) ------------------------------------------------------------


def record_etag(instance) -> str:
    """A strong ETag for one record: it changes whenever the record's `updated_at` does."""
    stamp = instance.updated_at.isoformat() if instance.updated_at else ""
    return quote_etag(hashlib.sha1(f"{instance._meta.label}:{instance.pk}:{stamp}".encode()).hexdigest()[:20])  # noqa: S324


class ConditionalRecordMixin:
    """ETag and Last-Modified on a record's reads; If-None-Match gives 304, a stale If-Match 412.

    A sync client keeps the ETag it got and sends it back: unchanged records cost no body,
    and a PATCH with If-Match cannot overwrite someone else's newer change.
    """

    def _precondition(self, request, instance):
        last_modified = instance.updated_at.timestamp() if instance.updated_at else None
        return get_conditional_response(request._request, etag=record_etag(instance), last_modified=last_modified)

    def _with_validators(self, response, instance):
        response["ETag"] = record_etag(instance)
        if instance.updated_at:
            response["Last-Modified"] = http_date(instance.updated_at.timestamp())
        return response

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        not_modified = self._precondition(request, instance)
        if not_modified is not None:
            return not_modified
        return self._with_validators(Response(self.get_serializer(instance).data), instance)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        failed = self._precondition(request, instance)
        if failed is not None:
            return failed
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        # Read it again as the list shows it: the service may have changed related rows (tags, owners).
        instance = self.get_object()
        return self._with_validators(Response(self.get_serializer(instance).data), instance)

    def destroy(self, request, *args, **kwargs):
        failed = self._precondition(request, self.get_object())
        if failed is not None:
            return failed
        return super().destroy(request, *args, **kwargs)
