"""How the OpenAPI document describes the API: only /api/v1/, with its error answers listed.

Kept apart from crm.api: DRF imports that module while it loads its own views.
"""
from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

from crm.api import ErrorSerializer

# `{field: [messages]}`; a message not about one field is under `non_field_errors`.
_FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {},
    "description": "Invalid input: each field named with its messages (`non_field_errors` for the rest).",
}


# "10:00", "10:00:00" or "10:00:00.5" in the recipient's local time.
_LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def only_api_v1(endpoints):
    """Preprocessing hook: the schema documents the API, not itself or the docs pages."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the answers every endpoint can give besides success.

    Two field types are described as DRF really writes them: a time of day has no UTC offset
    (OpenAPI's "time" format demands one), and an email or URL that may be blank can be "".
    """

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            schema.pop("format")
            schema["pattern"] = _LOCAL_TIME_PATTERN
            schema.setdefault("example", "10:00:00")
        elif getattr(field, "allow_blank", False) and schema.get("format") in ("email", "uri"):
            value = {key: schema.pop(key) for key in ("type", "format", "maxLength") if key in schema}
            schema["oneOf"] = [value, {"type": "string", "maxLength": 0}]
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        has_id = "{" in self.path
        errors = {
            "401": (ErrorSerializer, "No token, or an invalid one."),
            "403": (ErrorSerializer, "The user lacks the model permission."),
            "429": (ErrorSerializer, "Too many requests for this token; retry after `Retry-After` seconds."),
        }
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            errors["400"] = (_FIELD_ERRORS_SCHEMA, "Invalid input.")
        if has_id:
            errors["404"] = (ErrorSerializer, "No such record.")
        elif self._is_list_view():
            errors["404"] = (ErrorSerializer, "No such page (`?page=` past the last one).")
        if has_id and self.method == "GET" and not self._is_list_view():
            errors["304"] = (None, "Not modified: If-None-Match matched the record's ETag.")
        if has_id and self.method in ("PUT", "PATCH", "DELETE"):
            errors["412"] = (None, "If-Match did not match the record's current ETag.")
        for code, (body, description) in errors.items():
            if code not in responses:
                response = self._get_response_for_code(body, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return dict(sorted(responses.items()))
