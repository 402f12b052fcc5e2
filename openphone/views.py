"""POST /webhooks/openphone/: verify, store, queue, answer. Nothing else happens in the request.

A DRF view stripped to what a signed delivery needs (no authentication, permission, throttle or
parser classes, no content negotiation): it answers while OpenPhone waits, so it has to stay fast.
"""
from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import DatabaseError, DataError, transaction
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import WebhookEvent
from .services import webhook_event_record
from .signatures import InvalidSignature, verify_request

logger = logging.getLogger(__name__)

_EVENT_ID_MAX = WebhookEvent._meta.get_field("event_id").max_length
_TYPE_MAX = WebhookEvent._meta.get_field("type").max_length


class BadEvent(ValueError):
    """The signed body is not an event we can store; the message says what is wrong."""


def parse_event(raw_body: bytes, *, delivery_id: str = "") -> tuple[str, str, dict, str]:
    """(event id, type, event, event as JSON text) from a signed body.

    Unwraps the `{"object": {...event...}}` form; otherwise the JSON text is the body as received.
    """
    try:
        text = raw_body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadEvent(f"The body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise BadEvent("The body must be a JSON object.")
    wrapped = payload.get("object")
    if "type" not in payload and isinstance(wrapped, dict) and "type" in wrapped:
        payload = wrapped
        text = json.dumps(payload)
    event_id = payload.get("id") or delivery_id
    event_type = payload.get("type")
    if not isinstance(event_id, str) or not event_id:
        raise BadEvent("The event has no `id`.")
    if not isinstance(event_type, str) or not event_type:
        raise BadEvent("The event has no `type`.")
    if len(event_id) > _EVENT_ID_MAX:
        raise BadEvent(f"The event `id` is longer than {_EVENT_ID_MAX} characters.")
    if len(event_type) > _TYPE_MAX:
        raise BadEvent(f"The event `type` is longer than {_TYPE_MAX} characters.")
    return event_id, event_type, payload, text


class AlwaysJSON(BaseContentNegotiation):
    """OpenPhone does not negotiate: whatever its Accept header says, the answer is JSON (never a 406)."""

    def select_parser(self, request, parsers):
        return None  # the body is read raw: the signature covers its exact bytes

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OpenPhoneWebhookView(APIView):
    """202 stored and queued; 200 already had it; 400 bad body; 401 bad signature; 503 cannot store now.

    The signature is the only authentication: no DRF authentication, permission or throttle classes
    (each would cost every delivery a lookup), no parsers (the raw body is what was signed).
    """

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    parser_classes = ()
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = AlwaysJSON

    def post(self, request):
        raw_body = request.body
        try:
            verify_request(
                request.headers,
                raw_body,
                signing_key_b64=settings.OPENPHONE_WEBHOOK_SIGNING_KEY,
                secret=settings.OPENPHONE_WEBHOOK_SECRET,
            )
        except InvalidSignature as exc:
            logger.warning("OpenPhone webhook refused (401): %s", exc)
            return Response({"detail": "Missing or invalid signature."}, status=401)
        try:
            event_id, event_type, payload, payload_text = parse_event(
                raw_body, delivery_id=request.headers.get("webhook-id", "")
            )
        except BadEvent as exc:
            logger.warning("OpenPhone webhook refused (400): %s", exc)
            return Response({"detail": str(exc)}, status=400)
        try:
            stored_pk = webhook_event_record(
                event_id=event_id, type=event_type, payload=payload, payload_text=payload_text
            )
        except DataError as exc:
            # The database refuses the JSON itself (a \u0000 escape, NaN): retrying cannot help.
            logger.warning("OpenPhone event %s (%s) refused (400): %s", event_id, event_type, exc.__class__.__name__)
            return Response({"detail": "The event's JSON cannot be stored (NUL characters or NaN?)."}, status=400)
        except DatabaseError as exc:
            # Not stored: a 5xx makes OpenPhone deliver it again later.
            logger.error(
                "OpenPhone event %s (%s) could not be stored: %s", event_id, event_type, exc.__class__.__name__
            )
            return Response({"detail": "The event could not be stored; try again later."}, status=503)
        if stored_pk is None:
            logger.debug("OpenPhone event %s (%s) is a redelivery", event_id, event_type)
            return Response({"status": "duplicate", "id": event_id}, status=200)
        logger.debug("OpenPhone event %s (%s) stored", event_id, event_type)
        return Response({"status": "accepted", "id": event_id}, status=202)


# CSRF-exempt (DRF views are, without session authentication) and never wrapped in a request
# transaction: the insert commits on its own before the processing is queued.
openphone_webhook = transaction.non_atomic_requests(OpenPhoneWebhookView.as_view())
