"""A stand-in for OpenPhone's v1 REST API on a real loopback HTTP server (pytest-httpserver).

Speaks CONTRACT.md sections 2-7: raw-key auth, the documented error body, validation of
POST /v1/messages, real pagination over canned data, and switchable failure modes.
Use it through the `fake_openphone` fixture (tests/openphone/conftest.py):

    def test_something(fake_openphone):
        fake_openphone.fail("server_error", method="POST", path="/v1/messages", times=1)
        ...
        assert fake_openphone.sent[-1]["text"] == "Hi"
"""
from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DEFAULT_LINE_ID = "PNtoDbDhuz"
DEFAULT_LINE_NUMBER = "+16175550100"
DEFAULT_USER_ID = "USu5AsEHuQ"
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
DOCS = "https://openphone.com/docs"

# Error code families (first two digits) by resource (contract section 4).
FAMILIES = {
    "calls": "01", "messages": "02", "webhooks": "03", "phone-numbers": "04", "call-summaries": "05",
    "call-transcripts": "06", "contact-custom-fields": "07", "contacts": "08", "call-recordings": "09",
    "conversations": "10", "users": "11", "call-voicemails": "12",
}

# Failure modes: status, code suffix or full code, title, message.
FAILURE_MODES: dict[str, tuple[int, str, str, str]] = {
    "a2p": (400, "0206400", "A2P Registration Not Approved", "A2P Registration Not Approved"),
    "credits": (402, "0200402", "Not Enough Credits", "Organization does not have enough prepaid credits"),
    "forbidden": (403, "0202403", "Not Phone Number User", "The user is not a member of this phone number"),
    "not_found": (404, "00404", "Not Found", "Not found"),
    "unauthorized": (401, "00401", "Unauthorized", "Unauthorized"),
    "server_error": (500, "01500", "Unknown", "An unknown error occurred"),
    "rate_limit": (429, "00429", "Too Many Requests", "Rate limit exceeded"),
}


def iso(dt: datetime) -> str:
    """OpenPhone's timestamp format: UTC with milliseconds and a Z."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_dt(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


@dataclass
class RecordedRequest:
    """One request the fake received (before auth and failure modes are applied)."""

    method: str
    path: str
    args: dict[str, list[str]]
    headers: dict[str, str]
    json: Any
    at: float
    query_string: str = ""
    """time.monotonic() when the request arrived."""

    def arg(self, name: str) -> str | None:
        values = self.args.get(name)
        return values[0] if values else None


@dataclass
class Failure:
    """A switchable failure: applies to matching requests `times` times (None: until cleared)."""

    mode: str
    method: str | None = None
    path: str | re.Pattern | None = None
    page: int | None = None
    """1-based page number of a list request (from pageToken and maxResults)."""
    times: int | None = None
    retry_after: str | None = None
    delay: float = 1.5
    """For "slow"/"timeout": seconds to wait before answering normally (the work is done anyway)."""
    when: Callable[[RecordedRequest], bool] | None = None
    status: int | None = None
    code: str | None = None
    message: str | None = None
    hits: int = 0

    def matches(self, req: RecordedRequest, page: int | None) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method.upper() != req.method:
            return False
        if isinstance(self.path, re.Pattern):
            if not self.path.fullmatch(req.path):
                return False
        elif self.path and self.path != req.path:
            return False
        if self.page is not None and self.page != page:
            return False
        return not (self.when and not self.when(req))


class ApiError(Exception):
    def __init__(self, status: int, code: str, title: str, message: str, errors: list | None = None, headers=None):
        self.status, self.code, self.title, self.message = status, code, title, message
        self.errors = errors or []
        self.headers = headers or {}


class FakeOpenPhone:
    """OpenPhone's v1 API with in-memory data. All state is public for tests to arrange and inspect."""

    def __init__(self, server: HTTPServer, *, api_key: str = "test-api-key"):
        self.server = server
        self.api_key = api_key
        self.lines: list[dict] = []
        self.conversations: list[dict] = []
        self.messages: list[dict] = []
        self.calls: list[dict] = []
        self.recordings: dict[str, list[dict]] = {}
        self.summaries: dict[str, dict] = {}
        self.transcripts: dict[str, dict] = {}
        self.voicemails: dict[str, dict] = {}
        self.contacts: dict[str, dict] = {}
        self.custom_fields: list[dict] = []
        self.requests: list[RecordedRequest] = []
        self.sent: list[dict] = []
        """Messages accepted by POST /v1/messages, in order."""
        self.failures: list[Failure] = []
        self.total_items_offset = 0
        """Added to every `totalItems`: OpenPhone documents the figure as inaccurate; lie to prove nobody trusts it."""
        self.rate_limit_per_second: float | None = None
        self._bucket_tokens = 0.0
        self._bucket_at = 0.0
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._seq = itertools.count(1)
        self.add_line(DEFAULT_LINE_ID, DEFAULT_LINE_NUMBER, name="Main line")

    # --- wiring ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def install(self) -> FakeOpenPhone:
        self.server.clear()
        self.server.clear_all_handlers()
        self.server.expect_request(re.compile(r"/.*")).respond_with_handler(self._handle)
        return self

    def close(self) -> None:
        """Wake any handler still sleeping in a slow/timeout mode."""
        self._stopping.set()

    # --- arranging data -------------------------------------------------------------------

    def add_line(self, id: str, number: str, *, name: str = "", users: list[dict] | None = None) -> dict:
        now = iso(self.clock())
        line = {
            "id": id, "groupId": "GRcei8k90o", "name": name or f"Line {number}", "number": number,
            "formattedNumber": number, "symbol": None, "forward": None, "portRequestId": None,
            "portingStatus": None, "createdAt": now, "updatedAt": now,
            "users": users or [{"id": DEFAULT_USER_ID, "email": "office@attackacrack.example", "firstName": "Office",
                                "lastName": "Staff", "role": "owner", "groupId": "GRcei8k90o"}],
            "restrictions": {"messaging": {"US": "unrestricted", "CA": "unrestricted", "Intl": "restricted"},
                             "calling": {"US": "unrestricted", "CA": "unrestricted", "Intl": "restricted"}},
        }
        self.lines.append(line)
        return line

    def line(self, id_or_number: str) -> dict | None:
        return next((x for x in self.lines if id_or_number in (x["id"], x["number"])), None)

    def add_conversation(self, participants: list[str] | str, *, line_id: str = DEFAULT_LINE_ID,
                         id: str | None = None, created_at: datetime | None = None) -> dict:
        participants = [participants] if isinstance(participants, str) else list(participants)
        created = created_at or self.clock()
        conversation = {
            "id": id or new_id("CN"), "phoneNumberId": line_id, "participants": participants,
            "name": None, "assignedTo": None, "lastActivityAt": iso(created), "lastActivityId": None,
            "mutedUntil": None, "snoozedUntil": None, "createdAt": iso(created), "updatedAt": iso(created),
            "deletedAt": None,
        }
        self.conversations.append(conversation)
        return conversation

    def conversation_for(self, line_id: str, participants: list[str], *, create_at: datetime | None = None) -> dict:
        for c in self.conversations:
            if c["phoneNumberId"] == line_id and sorted(c["participants"]) == sorted(participants):
                return c
        return self.add_conversation(participants, line_id=line_id, created_at=create_at)

    def _touch(self, conversation: dict, activity: dict) -> None:
        if activity["createdAt"] >= (conversation["lastActivityAt"] or ""):
            conversation["lastActivityAt"] = activity["createdAt"]
            conversation["lastActivityId"] = activity["id"]
            conversation["updatedAt"] = activity["createdAt"]

    def add_message(self, participant: str, *, direction: str = "incoming", text: str = "Hello",
                    line_id: str = DEFAULT_LINE_ID, created_at: datetime | None = None, status: str | None = None,
                    id: str | None = None) -> dict:
        line = self.line(line_id)
        created = created_at or self.clock()
        conversation = self.conversation_for(line_id, [participant], create_at=created)
        ours = line["number"] if line else DEFAULT_LINE_NUMBER
        message = {
            "id": id or new_id("AC"), "object": "message",
            "to": [ours] if direction == "incoming" else [participant],
            "from": participant if direction == "incoming" else ours,
            "text": text, "phoneNumberId": line_id, "direction": direction,
            "userId": None if direction == "incoming" else DEFAULT_USER_ID,
            "status": status or ("received" if direction == "incoming" else "delivered"),
            "createdAt": iso(created), "updatedAt": iso(created), "conversationId": conversation["id"],
        }
        self.messages.append(message)
        self._touch(conversation, message)
        return message

    def add_call(self, participant: str, *, direction: str = "incoming", status: str = "completed",
                 duration: int = 60, line_id: str = DEFAULT_LINE_ID, created_at: datetime | None = None,
                 id: str | None = None, recording_url: str | None = None, summary: list[str] | None = None,
                 next_steps: list[str] | None = None, transcript: list[dict] | None = None,
                 voicemail: dict | None = None) -> dict:
        """A call between a homeowner and a line, with what GET /v1/call-recordings, -summaries,
        -transcripts and -voicemails serve for it (absent ones answer [] or 404, as on a plan without AI).
        `voicemail` holds REST fields (`recordingUrl`, `duration`, `transcript`)."""
        created = created_at or self.clock()
        conversation = self.conversation_for(line_id, [participant], create_at=created)
        line = self.line(line_id)
        answered = status == "completed"
        call = {
            "id": id or new_id("AC"), "object": "call", "phoneNumberId": line_id, "userId": DEFAULT_USER_ID,
            "direction": direction, "status": status,
            "participants": [participant, line["number"] if line else DEFAULT_LINE_NUMBER],
            "duration": duration if answered else 0,
            "answeredAt": iso(created + timedelta(seconds=2)) if answered else None,
            "answeredBy": DEFAULT_USER_ID if answered and direction == "incoming" else None,
            "initiatedBy": DEFAULT_USER_ID if direction == "outgoing" else None,
            "completedAt": iso(created + timedelta(seconds=duration + 2)),
            "forwardedFrom": None, "forwardedTo": None, "callRoute": "phone-number", "aiHandled": None,
            "createdAt": iso(created), "updatedAt": iso(created + timedelta(seconds=duration + 2)),
        }
        self.calls.append(call)
        self._touch(conversation, call)
        if recording_url:
            self.recordings[call["id"]] = [{
                "id": new_id("CR"), "url": recording_url, "type": "audio/mpeg", "status": "completed",
                "startTime": call["answeredAt"] or call["createdAt"], "duration": duration,
            }]
        if summary is not None:
            self.summaries[call["id"]] = {"callId": call["id"], "status": "completed", "summary": summary,
                                          "nextSteps": next_steps or [], "jobs": []}
        if transcript is not None:
            self.transcripts[call["id"]] = {"callId": call["id"], "createdAt": call["completedAt"],
                                            "duration": duration, "status": "completed", "dialogue": transcript}
        if voicemail is not None:
            self.voicemails[call["id"]] = {"id": new_id("VM"), "status": "completed", **voicemail}
        return call

    def deliver(self, message_id: str, status: str = "delivered") -> dict:
        """Move a sent message to its final status (what a message.delivered webhook would report)."""
        message = next(m for m in self.messages if m["id"] == message_id)
        message["status"] = status
        message["updatedAt"] = iso(self.clock())
        return message

    # --- failure modes --------------------------------------------------------------------

    def fail(self, mode: str, *, method: str | None = None, path: str | re.Pattern | None = None,
             page: int | None = None, times: int | None = None, retry_after: str | int | None = None,
             delay: float = 1.5, when: Callable[[RecordedRequest], bool] | None = None,
             status: int | None = None, code: str | None = None, message: str | None = None) -> Failure:
        """Make matching requests fail. Modes: a2p, credits, forbidden, not_found, unauthorized,
        server_error, rate_limit (with `retry_after`), slow/timeout (wait `delay` s, then answer
        normally), html_502 (a proxy's HTML page), unauthorized_nested (401 in the
        `{"error": {...}}` shape), error (any `status`/`code`/`message`).
        `times=None` keeps failing until `clear_failures()`.
        """
        if mode not in FAILURE_MODES and mode not in ("slow", "timeout", "html_502", "error", "unauthorized_nested"):
            raise ValueError(f"unknown failure mode {mode!r}")
        failure = Failure(
            mode=mode, method=method, path=path, page=page, times=times,
            retry_after=None if retry_after is None else str(retry_after), delay=delay, when=when,
            status=status, code=code, message=message,
        )
        with self._lock:
            self.failures.append(failure)
        return failure

    def clear_failures(self) -> None:
        with self._lock:
            self.failures.clear()

    # --- request handling -----------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = ValueError
        recorded = RecordedRequest(
            method=request.method, path=request.path,
            args={k: request.args.getlist(k) for k in request.args},
            headers={k.lower(): v for k, v in request.headers.items()},
            json=body, at=time.monotonic(), query_string=request.query_string.decode("latin-1"),
        )
        with self._lock:
            self.requests.append(recorded)
        family = FAMILIES.get(request.path.split("/")[2] if request.path.count("/") >= 2 else "", "00")
        try:
            if request.headers.get("Authorization") != self.api_key:
                raise ApiError(401, f"{family}00401", "Unauthorized", "Unauthorized")
            self._rate_limit(family)
            delay = self._apply_failures(recorded, family)
            if delay:
                self._stopping.wait(delay)
            if body is ValueError:
                raise ApiError(400, f"{family}00400", "Bad Request", "Body is not valid JSON")
            status, payload = self._route(recorded)
        except ApiError as exc:
            error = {"message": exc.message, "code": exc.code, "status": exc.status, "docs": DOCS,
                     "title": exc.title, "description": exc.title, "trace": str(next(self._seq))}
            if exc.errors:
                error["errors"] = exc.errors
            return Response(json.dumps(error), status=exc.status, headers=exc.headers,
                            content_type="application/json")
        except _NestedError as exc:
            # The other 401 body shape reported from live traffic (contract section 4).
            return Response(json.dumps({"error": {"message": exc.args[0], "key": "Unauthorized", "trace": "1"}}),
                            status=401, content_type="application/json")
        except _HtmlGateway:
            return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", status=502, content_type="text/html")
        if status == 204:
            return Response(status=204)
        return Response(json.dumps(payload), status=status, content_type="application/json")

    def _rate_limit(self, family: str) -> None:
        if not self.rate_limit_per_second:
            return
        with self._lock:
            now = time.monotonic()
            rate = self.rate_limit_per_second
            self._bucket_tokens = min(rate, self._bucket_tokens + (now - self._bucket_at) * rate) \
                if self._bucket_at else rate
            self._bucket_at = now
            if self._bucket_tokens < 1:
                raise ApiError(429, f"{family}00429", "Too Many Requests", "Rate limit exceeded")
            self._bucket_tokens -= 1

    def _apply_failures(self, req: RecordedRequest, family: str) -> float:
        page = None
        if req.method == "GET" and req.arg("maxResults"):
            try:
                page = self._decode_token(req.arg("pageToken")) // int(req.arg("maxResults")) + 1
            except (ValueError, ApiError):
                page = None
        with self._lock:
            failure = next((f for f in self.failures if f.matches(req, page)), None)
            if failure is None:
                return 0.0
            failure.hits += 1
        if failure.mode in ("slow", "timeout"):
            return failure.delay
        if failure.mode == "html_502":
            raise _HtmlGateway
        if failure.mode == "unauthorized_nested":
            raise _NestedError(failure.message or "Unauthorized")
        if failure.mode == "error":
            raise ApiError(failure.status or 500, failure.code or f"{family}01500", "Error",
                           failure.message or "Error")
        status, code, title, message = FAILURE_MODES[failure.mode]
        if len(code) == 5:
            code = family + code
        headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
        raise ApiError(status, failure.code or code, title, failure.message or message, headers=headers)

    # --- routing --------------------------------------------------------------------------

    def _route(self, req: RecordedRequest) -> tuple[int, Any]:
        m, p = req.method, req.path
        routes: list[tuple[str, str, Callable]] = [
            ("POST", r"/v1/messages", self._send_message),
            ("GET", r"/v1/messages", self._list_messages),
            ("GET", r"/v1/messages/(?P<id>[^/]+)", lambda r, id: (200, {"data": self._find(self.messages, id, "02")})),
            ("GET", r"/v1/conversations", self._list_conversations),
            ("GET", r"/v1/calls", self._list_calls),
            ("GET", r"/v1/calls/(?P<id>[^/]+)", lambda r, id: (200, {"data": self._find(self.calls, id, "01")})),
            ("GET", r"/v1/call-recordings/(?P<id>[^/]+)", lambda r, id: self._sub(id, self.recordings, "09", [])),
            ("GET", r"/v1/call-summaries/(?P<id>[^/]+)", lambda r, id: self._sub(id, self.summaries, "05")),
            ("GET", r"/v1/call-transcripts/(?P<id>[^/]+)", lambda r, id: self._sub(id, self.transcripts, "06")),
            ("GET", r"/v1/call-voicemails/(?P<id>[^/]+)", lambda r, id: self._sub(id, self.voicemails, "12")),
            ("GET", r"/v1/phone-numbers", lambda r: (200, {"data": self.lines})),
            ("GET", r"/v1/phone-numbers/(?P<id>[^/]+)", lambda r, id: (200, {"data": self._find(self.lines, id, "04")})),
            ("GET", r"/v1/contact-custom-fields", lambda r: (200, {"data": self.custom_fields})),
            ("POST", r"/v1/contacts", self._create_contact),
            ("GET", r"/v1/contacts", self._list_contacts),
            ("GET", r"/v1/contacts/(?P<id>[^/]+)", lambda r, id: (200, {"data": self._contact(id)})),
            ("PATCH", r"/v1/contacts/(?P<id>[^/]+)", self._update_contact),
            ("DELETE", r"/v1/contacts/(?P<id>[^/]+)", self._delete_contact),
        ]
        for method, pattern, view in routes:
            match = re.fullmatch(pattern, p)
            if match and method == m:
                with self._lock:
                    return view(req, **match.groupdict())
        raise ApiError(404, "0000404", "Not Found", f"No route {m} {p}")

    @staticmethod
    def _find(items: list[dict], id: str, family: str) -> dict:
        for item in items:
            if item["id"] == id:
                return item
        raise ApiError(404, f"{family}00404", "Not Found", "Not found")

    def _sub(self, call_id: str, store: dict, family: str, empty: Any = None) -> tuple[int, Any]:
        self._find(self.calls, call_id, family)
        if call_id in store:
            return 200, {"data": store[call_id]}
        if empty is not None:
            return 200, {"data": empty}
        raise ApiError(404, f"{family}00404", "Not Found", "Not found")

    # --- pagination -----------------------------------------------------------------------

    @staticmethod
    def _encode_token(offset: int) -> str:
        return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()

    @staticmethod
    def _decode_token(token: str | None) -> int:
        if not token:
            return 0
        try:
            return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ApiError(400, "0000400", "Bad Request", "Invalid pageToken") from exc

    def _paginate(self, req: RecordedRequest, items: list[dict], family: str, max_allowed: int = 100):
        raw = req.arg("maxResults")
        if raw is None:
            raise ApiError(400, f"{family}00400", "Bad Request", "maxResults is required",
                           errors=[{"path": "maxResults", "message": "Required", "schema": {"type": "integer"}}])
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= max_allowed:
            raise ApiError(400, f"{family}00400", "Bad Request", f"maxResults must be 1..{max_allowed}",
                           errors=[{"path": "maxResults", "message": f"Expected 1..{max_allowed}", "value": raw,
                                    "schema": {"type": "integer"}}])
        offset = self._decode_token(req.arg("pageToken"))
        chunk = items[offset:offset + size]
        more = offset + size < len(items)
        return 200, {
            "data": chunk,
            "totalItems": max(len(items) + self.total_items_offset, 0),
            "nextPageToken": self._encode_token(offset + size) if more else None,
        }

    @staticmethod
    def _list_arg(req: RecordedRequest, name: str) -> list[str]:
        """Array query parameters in either form: repeated `name=` or axios' `name[]=`."""
        return req.args.get(name, []) + req.args.get(f"{name}[]", [])

    @staticmethod
    def _created_filter(req: RecordedRequest, items: list[dict], key: str = "createdAt") -> list[dict]:
        after, before = req.arg("createdAfter"), req.arg("createdBefore")
        if after:
            items = [i for i in items if _parse_dt(i[key]) > _parse_dt(after)]
        if before:
            items = [i for i in items if _parse_dt(i[key]) < _parse_dt(before)]
        return items

    # --- messages -------------------------------------------------------------------------

    def _send_message(self, req: RecordedRequest) -> tuple[int, Any]:
        body = req.json if isinstance(req.json, dict) else {}
        errors = []
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            errors.append({"path": "content", "message": "Expected string to match pattern .*\\S.*",
                           "value": content, "schema": {"type": "string"}})
        elif len(content) > 1600:
            errors.append({"path": "content", "message": "Expected string length less or equal to 1600",
                           "value": len(content), "schema": {"type": "string"}})
        sender = body.get("from") or body.get("phoneNumberId")
        line = self.line(sender) if isinstance(sender, str) else None
        if line is None:
            errors.append({"path": "from", "message": "Unknown phone number", "value": sender,
                           "schema": {"type": "string"}})
        to = body.get("to")
        if not isinstance(to, list) or len(to) != 1:
            errors.append({"path": "to", "message": "Expected array with exactly 1 item", "value": to,
                           "schema": {"type": "array"}})
        elif not isinstance(to[0], str) or not E164.match(to[0]):
            errors.append({"path": "to/0", "message": "Expected string to match pattern ^\\+[1-9]\\d{1,14}$",
                           "value": to[0], "schema": {"type": "string"}})
        if errors:
            raise ApiError(400, "0200400", "Bad Request", "Invalid request body", errors=errors)
        now = self.clock()
        conversation = self.conversation_for(line["id"], [to[0]], create_at=now)
        message = {
            "id": new_id("AC"), "object": "message", "to": [to[0]], "from": line["number"], "text": content,
            "phoneNumberId": line["id"], "direction": "outgoing", "userId": body.get("userId") or DEFAULT_USER_ID,
            "status": "queued", "createdAt": iso(now), "updatedAt": iso(now), "conversationId": conversation["id"],
        }
        self.messages.append(message)
        self.sent.append(message)
        self._touch(conversation, message)
        return 202, {"data": {k: v for k, v in message.items() if k not in ("object", "conversationId")}}

    def _list_messages(self, req: RecordedRequest) -> tuple[int, Any]:
        line_id = req.arg("phoneNumberId")
        participants = self._list_arg(req, "participants")
        if not line_id or not participants:
            raise ApiError(400, "0200400", "Bad Request", "phoneNumberId and participants are required")
        wanted = sorted(participants)
        items = []
        for m in self.messages:
            if m["phoneNumberId"] != line_id:
                continue
            to = m["to"] if isinstance(m["to"], list) else [m["to"]]
            others = [m["from"]] if m["direction"] == "incoming" else to
            if sorted(others) == wanted:
                items.append(m)
        items = self._created_filter(req, sorted(items, key=lambda m: m["createdAt"]))
        return self._paginate(req, items, "02")

    # --- conversations and calls ----------------------------------------------------------

    def _list_conversations(self, req: RecordedRequest) -> tuple[int, Any]:
        numbers = self._list_arg(req, "phoneNumbers") or ([req.arg("phoneNumber")] if req.arg("phoneNumber") else [])
        ids = {self.line(n)["id"] for n in numbers if self.line(n)}
        items = [c for c in self.conversations if not numbers or c["phoneNumberId"] in ids]
        items = self._created_filter(req, items)
        after, before = req.arg("updatedAfter"), req.arg("updatedBefore")
        if after:
            items = [c for c in items if _parse_dt(c["updatedAt"]) > _parse_dt(after)]
        if before:
            items = [c for c in items if _parse_dt(c["updatedAt"]) < _parse_dt(before)]
        items = sorted(items, key=lambda c: (c["lastActivityAt"] or "", c["id"]), reverse=True)
        return self._paginate(req, items, "10")

    def _list_calls(self, req: RecordedRequest) -> tuple[int, Any]:
        line_id = req.arg("phoneNumberId")
        participants = self._list_arg(req, "participants")
        if not line_id or not participants:
            raise ApiError(400, "0100400", "Bad Request", "phoneNumberId and participants are required")
        if len(participants) > 1:
            raise ApiError(400, "0101400", "Too Many Participants", "Only one participant is allowed")
        items = [c for c in self.calls if c["phoneNumberId"] == line_id and participants[0] in c["participants"]]
        items = self._created_filter(req, sorted(items, key=lambda c: c["createdAt"]))
        return self._paginate(req, items, "01")

    # --- contacts -------------------------------------------------------------------------

    def _contact(self, id: str) -> dict:
        if id not in self.contacts:
            raise ApiError(404, "0800404", "Not Found", "Contact not found")
        return self.contacts[id]

    def _contact_fields(self, body: dict, contact: dict) -> None:
        default = body.get("defaultFields") or {}
        fields = contact.setdefault("defaultFields", {})
        for key in ("firstName", "lastName", "company", "role"):
            if key in default:
                fields[key] = default[key]
        for key in ("emails", "phoneNumbers"):
            if key in default:
                fields[key] = [{"id": item.get("id") or new_id(""), "name": item.get("name"), "value": item.get("value")}
                               for item in default[key]]
        for key in ("externalId", "source", "sourceUrl", "customFields"):
            if key in body:
                contact[key] = body[key]

    def _create_contact(self, req: RecordedRequest) -> tuple[int, Any]:
        body = req.json if isinstance(req.json, dict) else {}
        if not isinstance(body.get("defaultFields"), dict) or "firstName" not in body["defaultFields"]:
            raise ApiError(400, "0800400", "Bad Request", "defaultFields.firstName is required",
                           errors=[{"path": "defaultFields/firstName", "message": "Required",
                                    "schema": {"type": "string"}}])
        now = iso(self.clock())
        contact = {"id": uuid.uuid4().hex[:21], "externalId": None, "source": "public-api", "sourceUrl": None,
                   "defaultFields": {"emails": [], "phoneNumbers": []}, "customFields": [],
                   "createdAt": now, "updatedAt": now, "createdByUserId": DEFAULT_USER_ID}
        self._contact_fields(body, contact)
        self.contacts[contact["id"]] = contact
        return 201, {"data": contact}

    def _update_contact(self, req: RecordedRequest, id: str) -> tuple[int, Any]:
        contact = self._contact(id)
        self._contact_fields(req.json if isinstance(req.json, dict) else {}, contact)
        contact["updatedAt"] = iso(self.clock())
        return 200, {"data": contact}

    def _delete_contact(self, req: RecordedRequest, id: str) -> tuple[int, Any]:
        self._contact(id)
        del self.contacts[id]
        return 204, None

    def _list_contacts(self, req: RecordedRequest) -> tuple[int, Any]:
        external = self._list_arg(req, "externalIds")
        sources = self._list_arg(req, "sources")
        items = [c for c in self.contacts.values()
                 if (not external or c.get("externalId") in external) and (not sources or c.get("source") in sources)]
        return self._paginate(req, items, "08", max_allowed=50)


class _HtmlGateway(Exception):
    pass


class _NestedError(Exception):
    pass


@dataclass
class SeededHistory:
    """What `seed_history` put in the fake, for assertions."""

    participants: list[str] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)


def seeded_call_details(call_id: str) -> dict:
    """The recording, summary and transcript `seed_history(call_details=True)` gives a call, as add_call takes them."""
    short = call_id[-6:]
    return {
        "recording_url": f"https://storage.example.com/rec/{short}.mp3",
        "summary": [f"Homeowner on call {short} asks about a basement crack."],
        "next_steps": ["Schedule an inspection visit."],
        "transcript": [{"content": f"Hello about call {short}.", "start": 1.0, "end": 2.5,
                        "identifier": "+16175550100", "userId": DEFAULT_USER_ID}],
    }


def seed_history(fake: FakeOpenPhone, *, conversations: int, messages_per: int = 3, calls_per: int = 1,
                 line_id: str = DEFAULT_LINE_ID, start: datetime | None = None,
                 first_number: int = 2100000, call_details: bool = False) -> SeededHistory:
    """Canned history: `conversations` homeowners (valid +1617... numbers), each with alternating
    incoming/outgoing texts and some calls, one minute apart, oldest conversation first.
    With `call_details`, every call has a recording, a summary and a transcript (seeded_call_details)."""
    start = start or datetime(2025, 11, 3, 14, 0, tzinfo=UTC)
    seeded = SeededHistory()
    at = start
    for n in range(conversations):
        phone = f"+1617{first_number + n:07d}"
        seeded.participants.append(phone)
        for k in range(messages_per):
            seeded.messages.append(fake.add_message(
                phone, direction="incoming" if k % 2 == 0 else "outgoing", text=f"Message {k} with {phone[-4:]}",
                line_id=line_id, created_at=at))
            at += timedelta(minutes=1)
        for _ in range(calls_per):
            call_id = new_id("AC")
            details = seeded_call_details(call_id) if call_details else {}
            seeded.calls.append(fake.add_call(phone, direction="incoming", duration=45, line_id=line_id,
                                              created_at=at, id=call_id, **details))
            at += timedelta(minutes=1)
    return seeded


# --- pytest fixtures (import both into a conftest.py to use them elsewhere) -----------------------

# Test-speed knobs the fixture applies: the real throttle and backoff logic run, with small
# numbers. Tests of the throttle and backoff themselves pass their own values.
FAST_CLIENT_SETTINGS = {
    "OPENPHONE_RATE_LIMIT_PER_SECOND": 1000.0,
    "OPENPHONE_BACKOFF_INITIAL": 0.01,
    "OPENPHONE_BACKOFF_MAX": 0.05,
    "OPENPHONE_CONNECT_TIMEOUT": 2.0,
    "OPENPHONE_READ_TIMEOUT": 0.5,
}


@pytest.fixture(scope="session")
def fake_openphone_server():
    """One loopback HTTP server per test process; each test gets a fresh FakeOpenPhone on it."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def fake_openphone(fake_openphone_server, settings):
    """A fresh fake OpenPhone; settings.OPENPHONE_BASE_URL points at it, the API key matches."""
    fake = FakeOpenPhone(fake_openphone_server, api_key="test-api-key").install()
    settings.OPENPHONE_BASE_URL = fake.url
    settings.OPENPHONE_API_KEY = fake.api_key
    settings.OPENPHONE_PHONE_NUMBER_ID = DEFAULT_LINE_ID
    for name, value in FAST_CLIENT_SETTINGS.items():
        setattr(settings, name, value)
    yield fake
    fake.close()
