"""The OpenPhone v1 REST API over HTTP: the one module in the project that imports `requests`.

Auth with the raw API key, a per-process throttle at OpenPhone's 10 requests/second,
tenacity retries for rate limits, 5xx and network failures, typed errors, and pagination.
"""
from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
import tenacity
import urllib3.exceptions
from django.conf import settings

from .rate_limit import RedisRateLimiter

logger = logging.getLogger(__name__)

# OpenPhone allows 10 requests per second per API key (contract section 3).
DEFAULT_RATE_PER_SECOND = 10.0
# One token of burst: requests leave at most every 1/rate seconds, so no one-second
# window ever holds more than the documented limit (a larger burst could put 2x the
# limit into one second right after an idle spell).
DEFAULT_BURST = 1
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
# 5 attempts with backoff 0.5, 1, 2, 4 s: a 5xx blip or a 429 burst is ridden out in
# under 10 s, while a real outage surfaces quickly to the caller (a worker retries later).
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_INITIAL = 0.5
DEFAULT_BACKOFF_MAX = 30.0
# A Retry-After longer than this is not slept through in-process: the error goes to the
# caller (retryable), whose task queue waits instead of a blocked worker.
DEFAULT_RETRY_AFTER_MAX = 60.0
# Largest page OpenPhone serves for messages, calls and conversations (50 for contacts).
MAX_PAGE_SIZE = 100
MAX_CONTACTS_PAGE_SIZE = 50


# --- errors -----------------------------------------------------------------------------------

class OpenPhoneError(Exception):
    """Anything that went wrong talking to OpenPhone.

    `status` is the HTTP status (None when no answer came back), `code` OpenPhone's
    7-digit error code when it sent one, `message` its human-readable text.
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        title: str = "",
        errors: list | None = None,
        trace: str = "",
        method: str = "",
        path: str = "",
    ):
        self.message = message
        self.status = status
        self.code = code
        self.title = title
        self.errors = errors or []
        self.trace = trace
        self.method = method
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        parts = [self.message]
        details = "; ".join(
            f"{e.get('path')}: {e.get('message')}" for e in self.errors if isinstance(e, dict) and e.get("message")
        )
        if details:
            parts.append(f"({details})")
        meta = ", ".join(x for x in (f"HTTP {self.status}" if self.status else "", f"code {self.code}" if self.code else "", where) if x)
        return f"{' '.join(parts)} [{meta}]" if meta else " ".join(parts)


class OpenPhoneHTTPError(OpenPhoneError):
    """OpenPhone answered with a 4xx or 5xx status."""


class OpenPhoneClientError(OpenPhoneHTTPError):
    """A 4xx other than 429: the request itself is wrong; sending it again fails the same way."""


class OpenPhoneAuthError(OpenPhoneClientError):
    """401: the API key is missing or wrong."""


class OpenPhoneNotFound(OpenPhoneClientError):
    """404: no such message, call, contact..."""


class OpenPhoneRateLimited(OpenPhoneHTTPError):
    """429: over the rate limit; `retry_after` is OpenPhone's hint in seconds, if it gave one."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class OpenPhoneServerError(OpenPhoneHTTPError):
    """5xx: OpenPhone failed; the same request may work later."""

    retryable = True


class OpenPhoneConnectionError(OpenPhoneError):
    """No answer: connection refused or dropped, DNS failure, timeout.

    `request_sent` is False only when we know the request never reached OpenPhone
    (connection refused, connect timeout), so even a send can be retried safely.
    """

    retryable = True

    def __init__(self, message: str, *, request_sent: bool = True, **kwargs):
        self.request_sent = request_sent
        super().__init__(message, **kwargs)


class OpenPhoneTimeout(OpenPhoneConnectionError):
    """OpenPhone did not answer within the timeout."""


def _error_from_response(response: requests.Response, method: str, path: str) -> OpenPhoneHTTPError:
    """A typed error from either error body shape OpenPhone uses (contract section 4)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    nested = body.get("error") if isinstance(body.get("error"), dict) else {}
    message = (
        body.get("message")
        or nested.get("message")
        or body.get("title")
        or (response.text or "").strip()[:200]
        or response.reason
        or f"HTTP {status}"
    )
    kwargs = {
        "status": status,
        "code": str(body.get("code") or ""),
        "title": body.get("title") or nested.get("key") or "",
        "errors": body.get("errors") if isinstance(body.get("errors"), list) else [],
        "trace": str(body.get("trace") or nested.get("trace") or ""),
        "method": method,
        "path": path,
    }
    if status == 429:
        return OpenPhoneRateLimited(message, retry_after=_parse_retry_after(response.headers.get("Retry-After")), **kwargs)
    if status >= 500:
        return OpenPhoneServerError(message, **kwargs)
    if status == 401:
        return OpenPhoneAuthError(message, **kwargs)
    if status == 404:
        return OpenPhoneNotFound(message, **kwargs)
    return OpenPhoneClientError(message, **kwargs)


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _never_reached_server(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so OpenPhone cannot have acted on the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    # NewConnectionError (refused, DNS) is a subclass of ConnectTimeoutError in urllib3 2.
    return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)


# --- throttle ---------------------------------------------------------------------------------

class TokenBucket:
    """Thread-safe token bucket: `acquire()` blocks until a request may leave.

    `clock` and `sleep` are injectable so tests can drive time; `grants` keeps the clock
    reading of the most recent grants (for tests and diagnostics).
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE_PER_SECOND,
        capacity: float = DEFAULT_BURST,
        *,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
        keep_grants: int = 1000,
    ):
        # perf_counter, not monotonic: tests freeze time.monotonic with time-machine
        # (tick=False), and a frozen clock would never refill the bucket.
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be > 0 and capacity >= 1")
        self.rate = float(rate)
        self.capacity = float(capacity)
        self.clock = clock
        self.sleep = sleep
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()
        self._keep = keep_grants
        self.grants: list[float] = []

    def acquire(self) -> float:
        """Take one token, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        slept = 0.0
        while True:
            with self._lock:
                now = self.clock()
                elapsed = now - self._updated
                if elapsed <= 0 and slept:
                    # The clock did not move while we slept (a frozen test clock): count the
                    # sleep itself, so the bucket still refills and nobody waits forever.
                    elapsed = slept
                self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
                self._updated = now
                # The epsilon absorbs float rounding: a refill of exactly the missing fraction
                # can land at 0.9999999..., and a sleep of 1e-17 s would never move the clock.
                if self._tokens >= 1 - 1e-9:
                    self._tokens = max(self._tokens - 1, 0.0)
                    self.grants.append(now)
                    if len(self.grants) > self._keep:
                        del self.grants[: -self._keep]
                    return waited
                delay = (1 - self._tokens) / self.rate
            # Sleep outside the lock so other threads can take their turn; re-check after.
            self.sleep(delay)
            slept = delay
            waited += delay


_buckets: dict[str, TokenBucket] = {}
_buckets_lock = threading.Lock()


def shared_throttle(api_key: str, *, rate: float | None = None) -> TokenBucket | RedisRateLimiter:
    """The throttle for an API key (OpenPhone's limit is per key, not per client).

    With Redis configured (and OPENPHONE_THROTTLE_ACROSS_PROCESSES on), one rate shared by every
    process; otherwise a bucket shared by the threads of this process.
    """
    rate = rate or float(getattr(settings, "OPENPHONE_RATE_LIMIT_PER_SECOND", DEFAULT_RATE_PER_SECOND))
    if getattr(settings, "OPENPHONE_THROTTLE_ACROSS_PROCESSES", True):
        from crm.redis_client import redis_client

        client = redis_client()
        if client is not None:
            return RedisRateLimiter(client, api_key=api_key, rate=rate, capacity=DEFAULT_BURST)
    with _buckets_lock:
        bucket = _buckets.get(api_key)
        if bucket is None or bucket.rate != rate:
            bucket = _buckets[api_key] = TokenBucket(rate=rate)
        return bucket


# --- pagination -------------------------------------------------------------------------------

@dataclass
class Page:
    """One page of a list endpoint. `next_page_token` is None on the last page."""

    items: list[dict]
    next_page_token: str | None
    total_items: int | None = None
    """OpenPhone's figure, documented as inaccurate: display only, never loop on it."""
    page_token: str | None = field(default=None, repr=False)
    """The token that fetched this page (None for the first)."""


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("OpenPhone needs timezone-aware datetimes")
    value = value.astimezone(UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _params(**kwargs) -> dict[str, Any]:
    """Query parameters without the unset ones; datetimes as ISO 8601 UTC; lists repeat the key."""
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        if value is None or value == []:
            continue
        if isinstance(value, datetime):
            value = _iso(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = value
    return out


# --- the client -------------------------------------------------------------------------------

class OpenPhoneClient:
    """A thin, typed client for the v1 API. Settings supply every default.

    `sleep` is used for retry backoff (tests inject a recorder); `throttle` defaults to
    the process-wide bucket for the API key.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: tuple[float, float] | None = None,
        max_attempts: int | None = None,
        backoff_initial: float | None = None,
        backoff_max: float | None = None,
        throttle: TokenBucket | RedisRateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ):
        self.api_key = api_key if api_key is not None else settings.OPENPHONE_API_KEY
        self.base_url = (base_url or settings.OPENPHONE_BASE_URL).rstrip("/")
        self.timeout = timeout or (
            float(getattr(settings, "OPENPHONE_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)),
            float(getattr(settings, "OPENPHONE_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)),
        )
        self.max_attempts = max_attempts or int(getattr(settings, "OPENPHONE_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
        self.backoff_initial = (
            backoff_initial if backoff_initial is not None
            else float(getattr(settings, "OPENPHONE_BACKOFF_INITIAL", DEFAULT_BACKOFF_INITIAL))
        )
        self.backoff_max = (
            backoff_max if backoff_max is not None
            else float(getattr(settings, "OPENPHONE_BACKOFF_MAX", DEFAULT_BACKOFF_MAX))
        )
        self.retry_after_max = float(getattr(settings, "OPENPHONE_RETRY_AFTER_MAX", DEFAULT_RETRY_AFTER_MAX))
        self.throttle = throttle or shared_throttle(self.api_key)
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "attack-a-crack-crm/1.0"})

    # --- transport ----------------------------------------------------------------------

    def _wait_seconds(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, OpenPhoneRateLimited) and exc.retry_after is not None:
            return exc.retry_after
        base = min(self.backoff_initial * 2 ** (retry_state.attempt_number - 1), self.backoff_max)
        # Up to 25 % jitter on top, so workers that failed together do not retry together.
        return min(base + random.uniform(0, base / 4), self.backoff_max)

    def _retry_after_too_long(self, retry_state: tenacity.RetryCallState) -> bool:
        """Stop when OpenPhone asks us to wait longer than we are willing to block a worker."""
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        return (
            isinstance(exc, OpenPhoneRateLimited)
            and exc.retry_after is not None
            and exc.retry_after > self.retry_after_max
        )

    def request(self, method: str, path: str, *, params=None, json=None, idempotent: bool | None = None) -> Any:
        """Send one request (retried as allowed) and return the decoded JSON body (None for 204).

        A non-idempotent request (a POST) is retried only when OpenPhone surely did not act
        on it: a 429, or a connection that was never made. A 5xx or a timeout after the
        request left may mean the text went out; the caller decides (and can reconcile).
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")

        def should_retry(exc: BaseException) -> bool:
            if not isinstance(exc, OpenPhoneError) or not exc.retryable:
                return False
            if idempotent or isinstance(exc, OpenPhoneRateLimited):
                return True
            return isinstance(exc, OpenPhoneConnectionError) and not exc.request_sent

        def log_retry(retry_state: tenacity.RetryCallState) -> None:
            exc = retry_state.outcome.exception()
            logger.warning(
                "OpenPhone %s %s failed (attempt %d/%d): %s; retrying in %.2fs",
                method, path, retry_state.attempt_number, self.max_attempts,
                type(exc).__name__, retry_state.upcoming_sleep,
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(should_retry),
            stop=tenacity.stop_after_attempt(self.max_attempts) | self._retry_after_too_long,
            wait=self._wait_seconds,
            sleep=self.sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        return retrying(self._send_once, method, path, params=params, json=json)

    def _send_once(self, method: str, path: str, *, params=None, json=None) -> Any:
        self.throttle.acquire()
        url = f"{self.base_url}{path}"
        headers = {"Authorization": self.api_key}
        logger.debug("OpenPhone %s %s", method, path)  # no query string: it carries phone numbers
        try:
            response = self.session.request(method, url, params=params, json=json, headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise OpenPhoneTimeout(
                f"OpenPhone did not answer within {self.timeout[0] if isinstance(exc, requests.ConnectTimeout) else self.timeout[1]:g}s",
                request_sent=not _never_reached_server(exc), method=method, path=path,
            ) from exc
        except requests.RequestException as exc:
            raise OpenPhoneConnectionError(
                f"Could not reach OpenPhone: {type(exc).__name__}",
                request_sent=not _never_reached_server(exc), method=method, path=path,
            ) from exc
        if response.status_code >= 400:
            raise _error_from_response(response, method, path)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise OpenPhoneServerError(
                "OpenPhone answered with a body that is not JSON", status=response.status_code, method=method, path=path
            ) from exc

    def _get_data(self, path: str, params=None) -> Any:
        body = self.request("GET", path, params=params)
        return body.get("data") if isinstance(body, dict) else body

    def _page(self, path: str, params: dict, page_token: str | None) -> Page:
        if page_token:
            params = {**params, "pageToken": page_token}
        body = self.request("GET", path, params=params) or {}
        return Page(
            items=list(body.get("data") or []),
            next_page_token=body.get("nextPageToken") or None,
            total_items=body.get("totalItems"),
            page_token=page_token,
        )

    # --- pagination helpers -------------------------------------------------------------

    @staticmethod
    def pages(list_method: Callable[..., Page], /, *, page_token: str | None = None, **kwargs) -> Iterator[Page]:
        """Every page of a list method, following nextPageToken until OpenPhone sends null.

        `totalItems` is ignored (documented as inaccurate). A token served twice in a row
        would loop forever, so it stops the iteration with an error instead.
        """
        seen: set[str] = set()
        while True:
            page = list_method(page_token=page_token, **kwargs)
            yield page
            if not page.next_page_token:
                return
            if page.next_page_token in seen:
                raise OpenPhoneError(f"OpenPhone repeated a page token ({list_method.__name__}); stopping")
            seen.add(page.next_page_token)
            page_token = page.next_page_token

    @classmethod
    def iterate(cls, list_method: Callable[..., Page], /, **kwargs) -> Iterator[dict]:
        """Every item of a list method across all pages."""
        for page in cls.pages(list_method, **kwargs):
            yield from page.items

    # --- messages -----------------------------------------------------------------------

    def send_message(self, *, from_: str, to: str, content: str, user_id: str | None = None,
                     set_inbox_status: str | None = None) -> dict:
        """POST /v1/messages: text `content` from a line (PN id or its number) to one E.164 number."""
        payload: dict[str, Any] = {"content": content, "from": from_, "to": [to]}
        if user_id:
            payload["userId"] = user_id
        if set_inbox_status:
            payload["setInboxStatus"] = set_inbox_status
        body = self.request("POST", "/v1/messages", json=payload)
        return body["data"]

    def get_message(self, message_id: str) -> dict:
        return self._get_data(f"/v1/messages/{message_id}")

    def list_messages(
        self, *, phone_number_id: str, participants: list[str], created_after: datetime | None = None,
        created_before: datetime | None = None, user_id: str | None = None,
        max_results: int = MAX_PAGE_SIZE, page_token: str | None = None,
    ) -> Page:
        """One page of messages between a line and the given participants (not our number)."""
        params = _params(
            phoneNumberId=phone_number_id, participants=list(participants), createdAfter=created_after,
            createdBefore=created_before, userId=user_id, maxResults=max_results,
        )
        return self._page("/v1/messages", params, page_token)

    # --- conversations ------------------------------------------------------------------

    def list_conversations(
        self, *, phone_numbers: list[str] | None = None, user_id: str | None = None,
        created_after: datetime | None = None, created_before: datetime | None = None,
        updated_after: datetime | None = None, updated_before: datetime | None = None,
        exclude_inactive: bool | None = None, max_results: int = MAX_PAGE_SIZE, page_token: str | None = None,
    ) -> Page:
        """One page of conversations, most recent activity first; `phone_numbers` are PN ids or E.164."""
        params = _params(
            phoneNumbers=list(phone_numbers or []), userId=user_id, createdAfter=created_after,
            createdBefore=created_before, updatedAfter=updated_after, updatedBefore=updated_before,
            excludeInactive=exclude_inactive, maxResults=max_results,
        )
        return self._page("/v1/conversations", params, page_token)

    # --- calls --------------------------------------------------------------------------

    def list_calls(
        self, *, phone_number_id: str, participant: str, created_after: datetime | None = None,
        created_before: datetime | None = None, user_id: str | None = None,
        max_results: int = MAX_PAGE_SIZE, page_token: str | None = None,
    ) -> Page:
        """One page of calls between a line and one other number (OpenPhone allows exactly one)."""
        params = _params(
            phoneNumberId=phone_number_id, participants=[participant], createdAfter=created_after,
            createdBefore=created_before, userId=user_id, maxResults=max_results,
        )
        return self._page("/v1/calls", params, page_token)

    def get_call(self, call_id: str) -> dict:
        return self._get_data(f"/v1/calls/{call_id}")

    def get_call_recordings(self, call_id: str) -> list[dict]:
        """Recordings of a call, oldest first (empty list when there are none)."""
        return self._get_data(f"/v1/call-recordings/{call_id}") or []

    def get_call_summary(self, call_id: str) -> dict:
        return self._get_data(f"/v1/call-summaries/{call_id}")

    def get_call_transcript(self, call_id: str) -> dict:
        return self._get_data(f"/v1/call-transcripts/{call_id}")

    def get_call_voicemail(self, call_id: str) -> dict:
        return self._get_data(f"/v1/call-voicemails/{call_id}")

    # --- lines --------------------------------------------------------------------------

    def list_phone_numbers(self, *, user_id: str | None = None) -> list[dict]:
        """Every line of the workspace (not paginated)."""
        return self._get_data("/v1/phone-numbers", params=_params(userId=user_id)) or []

    # --- contacts -----------------------------------------------------------------------

    def create_contact(self, *, default_fields: dict, custom_fields: list[dict] | None = None,
                       external_id: str | None = None, source: str | None = None,
                       source_url: str | None = None) -> dict:
        payload: dict[str, Any] = {"defaultFields": default_fields}
        for key, value in (("customFields", custom_fields), ("externalId", external_id),
                           ("source", source), ("sourceUrl", source_url)):
            if value is not None:
                payload[key] = value
        return self.request("POST", "/v1/contacts", json=payload)["data"]

    def get_contact(self, contact_id: str) -> dict:
        return self._get_data(f"/v1/contacts/{contact_id}")

    def update_contact(self, contact_id: str, **fields) -> dict:
        """PATCH /v1/contacts/{id}; pass OpenPhone's field names (defaultFields, customFields, externalId...)."""
        return self.request("PATCH", f"/v1/contacts/{contact_id}", json=fields, idempotent=True)["data"]

    def delete_contact(self, contact_id: str) -> None:
        self.request("DELETE", f"/v1/contacts/{contact_id}")

    def list_contacts(self, *, external_ids: list[str] | None = None, sources: list[str] | None = None,
                      max_results: int = MAX_CONTACTS_PAGE_SIZE, page_token: str | None = None) -> Page:
        params = _params(externalIds=list(external_ids or []), sources=list(sources or []), maxResults=max_results)
        return self._page("/v1/contacts", params, page_token)

    def list_contact_custom_fields(self) -> list[dict]:
        return self._get_data("/v1/contact-custom-fields") or []


def parse_timestamp(value: str | None) -> datetime | None:
    """An OpenPhone ISO 8601 timestamp (`2026-01-01T00:00:00.000Z`) as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
