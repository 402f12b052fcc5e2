"""Our own OpenPhone lines' numbers, so a call's participants can tell the homeowner from us.

Looked up with GET /v1/phone-numbers at most once an hour (Django's cache, shared by the workers
when Redis is configured), never once per event.
"""
from __future__ import annotations

import logging

from django.core.cache import cache

from contacts.phone import try_normalize_phone
from contacts.services import lines_upsert

from .client import OpenPhoneClient, OpenPhoneError

logger = logging.getLogger(__name__)

CACHE_KEY = "openphone:line-numbers"
# Lines are added or ported rarely: a list an hour old at worst misses a line added within the hour.
CACHE_SECONDS = 60 * 60
# After a failed lookup the callers go on without the list, and the next try waits this long, so an
# OpenPhone outage does not add a request (and its timeout) to every call event.
RETRY_AFTER_FAILURE_SECONDS = 60
# Stored instead of the list after a failure (a cache miss is None, so None cannot mark it).
_UNAVAILABLE = "unavailable"
# One try per lookup: callers work without the list, so riding out an outage here only delays them.
LOOKUP_MAX_ATTEMPTS = 1


def line_numbers() -> frozenset[str] | None:
    """The E.164 numbers of every line of the workspace; None while OpenPhone cannot tell us."""
    cached = cache.get(CACHE_KEY)
    if cached == _UNAVAILABLE:
        return None
    if cached is not None:
        return frozenset(cached)
    try:
        lines = OpenPhoneClient(max_attempts=LOOKUP_MAX_ATTEMPTS).list_phone_numbers()
    except OpenPhoneError as exc:
        logger.warning("Could not list our OpenPhone lines (%s); trying again in %ds",
                       exc.__class__.__name__, RETRY_AFTER_FAILURE_SECONDS)
        cache.set(CACHE_KEY, _UNAVAILABLE, RETRY_AFTER_FAILURE_SECONDS)
        return None
    lines_remember(lines)
    numbers = sorted({n for n in (try_normalize_phone(line.get("number")) for line in lines
                                  if isinstance(line, dict) and isinstance(line.get("number"), str)) if n})
    cache.set(CACHE_KEY, numbers, CACHE_SECONDS)
    return frozenset(numbers)


def line_numbers_forget() -> None:
    """Drop the cached list (after adding a line, in tests)."""
    cache.delete(CACHE_KEY)


def lines_remember(lines: list) -> int:
    """Keep OpenPhone's list of lines as Line rows (ids, numbers, names) for every screen to name them."""
    return lines_upsert(lines=[
        {"id": line.get("id"), "number": line.get("number"), "name": line.get("name")}
        for line in lines if isinstance(line, dict)
    ])


def lines_refresh(*, client: OpenPhoneClient | None = None) -> int:
    """Fetch GET /v1/phone-numbers now and keep every line; returns how many rows were new or changed."""
    lines = (client or OpenPhoneClient()).list_phone_numbers()
    line_numbers_forget()
    return lines_remember(lines)
