"""How the OpenAPI document describes the API: only /api/v1/, with its error answers listed.

Kept apart from crm.api: DRF imports that module while it loads its own views.
"""
from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from crm.api import ErrorSerializer

# `{field: [messages]}`; a message not about one field is under `non_field_errors`.
_FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {},
    "description": "Invalid input: each field named with its messages (`non_field_errors` for the rest).",
}


def only_api_v1(endpoints):
    """Preprocessing hook: the schema documents the API, not itself or the docs pages."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the answers every endpoint can give besides success."""

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
