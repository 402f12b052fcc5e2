"""Copy the photos, voice notes and videos homeowners text us into our own storage, safely.

A media link arrives inside a webhook we cannot fully trust, so the fetch is guarded like any
server-side request to a URL from outside: https only; the host is resolved and every address
must be public (no private, loopback, link-local, multicast or reserved address), and the
connection goes to the address we checked, so a DNS answer that changes between the check and
the connection (rebinding) cannot reach inside. Hosts listed in OPENPHONE_MEDIA_ALLOWED_HOSTS
("host:port") are fetched as given (tests list their local server). Redirects are followed by
hand, each target checked the same way. The body is read in chunks and dropped past 10 MB.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from celery import shared_task
from django.conf import settings
from django.db import transaction
from requests.adapters import HTTPAdapter

from contacts.models import ActivityMedia, MediaStatus
from contacts.services import (
    MEDIA_ALLOWED_TYPE_PREFIXES,
    MEDIA_MAX_BYTES,
    activity_media_refuse,
    activity_media_store_copy,
)

# Seconds to connect / between bytes: a media host slower than this is treated as down.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
# Redirects followed (a storage link commonly redirects once to a signed URL).
MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024


class MediaRefused(Exception):
    """We will not fetch or keep this file (unsafe address, too large, wrong type); final."""


class MediaFetchFailed(Exception):
    """The fetch failed (network, server error); `retryable` says whether trying later may help."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


@dataclass
class FetchedMedia:
    content: bytes
    content_type: str


def media_items(value) -> list[tuple[str, str]]:
    """A message's `media` list (strings or {url, type} objects, contract 8.4) as (url, type) pairs."""
    items: list[tuple[str, str]] = []
    if not isinstance(value, list):
        return items
    for item in value:
        if isinstance(item, str):
            url, kind = item, ""
        elif isinstance(item, dict):
            url, kind = item.get("url"), item.get("type") or item.get("contentType") or ""
        else:
            continue
        if isinstance(url, str) and url.strip().lower().startswith(("https://", "http://")):
            items.append((url.strip(), kind if isinstance(kind, str) else ""))
    return items


def media_copies_queue(media_ids: list[int]) -> None:
    """Queue the copy of each new media row once the current transaction commits."""
    for media_id in media_ids:
        transaction.on_commit(lambda media_id=media_id: copy_activity_media.delay(media_id))


def _allowed_hosts() -> set[str]:
    raw = settings.OPENPHONE_MEDIA_ALLOWED_HOSTS
    if isinstance(raw, str):
        raw = raw.split(",")
    return {h.strip().lower() for h in raw if h.strip()}


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified
    )


def _checked_address(host: str, port: int) -> str:
    """The address to connect to: every address `host` resolves to must be public; the first is used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise MediaFetchFailed(f"The media host {host} could not be found.", retryable=True) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise MediaFetchFailed(f"The media host {host} has no address.", retryable=True)
    for address in addresses:
        if not _is_public(address):
            raise MediaRefused(f"The media link points to a private or local address ({host}); not fetched.")
    return addresses[0]


class _PinnedHostAdapter(HTTPAdapter):
    """Connects to an address we checked while TLS still verifies the certificate of the host name."""

    def __init__(self, hostname: str):
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def _prepare(url: str) -> tuple[str, dict, requests.Session]:
    """The URL to request, its headers, and a session set up to connect where it is safe to."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise MediaRefused("The media link has no host.")
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: we decide where the request goes
    if f"{host}:{port}" in _allowed_hosts():
        if scheme not in ("http", "https"):
            raise MediaRefused("The media link is neither http nor https.")
        return url, {}, session
    if scheme != "https":
        raise MediaRefused("The media link is not https; not fetched.")
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    address = _checked_address(host, port)
    if literal:
        return url, {}, session
    shown = f"[{address}]" if ":" in address else address
    netloc = f"{shown}:{port}" if parts.port else shown
    pinned = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    session.mount(f"https://{netloc}", _PinnedHostAdapter(host))
    host_header = host if not parts.port else f"{host}:{parts.port}"
    return pinned, {"Host": host_header}, session


def media_fetch(url: str, *, max_bytes: int = MEDIA_MAX_BYTES) -> FetchedMedia:
    """Download one media file under the rules of this module's docstring.

    Raises MediaRefused (final: unsafe address, not https, too large, not an image, audio or
    video file) or MediaFetchFailed (network or server error; `retryable` for 5xx, 429, timeouts).
    """
    for _ in range(MAX_REDIRECTS + 1):
        target, headers, session = _prepare(url)
        try:
            response = session.get(
                target, headers=headers, stream=True, allow_redirects=False, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
            )
        except requests.Timeout as exc:
            raise MediaFetchFailed("The media host did not answer in time.", retryable=True) from exc
        except requests.RequestException as exc:
            raise MediaFetchFailed(f"Could not reach the media host ({exc.__class__.__name__}).", retryable=True) from exc
        with session, response:
            if response.is_redirect and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status_code != 200:
                retryable = response.status_code == 429 or response.status_code >= 500
                raise MediaFetchFailed(f"The media host answered HTTP {response.status_code}.", retryable=retryable)
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if not content_type.startswith(MEDIA_ALLOWED_TYPE_PREFIXES):
                raise MediaRefused(f"Not a photo, audio or video file ({content_type or 'no type given'}).")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise MediaRefused(f"Larger than {max_bytes // (1024 * 1024)} MB ({int(declared):,} bytes).")
            content = bytearray()
            try:
                for chunk in response.iter_content(CHUNK_BYTES):
                    content += chunk
                    if len(content) > max_bytes:
                        raise MediaRefused(f"Larger than {max_bytes // (1024 * 1024)} MB.")
            except requests.RequestException as exc:
                raise MediaFetchFailed("The download broke off.", retryable=True) from exc
            return FetchedMedia(content=bytes(content), content_type=content_type)
    raise MediaFetchFailed(f"More than {MAX_REDIRECTS} redirects.", retryable=False)


# Tries of one media copy for a passing failure (network, 5xx), 30 s, 60 s, ... apart; then the
# copy is shown as failed with the last reason.
MEDIA_COPY_MAX_RETRIES = 4


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MEDIA_COPY_MAX_RETRIES)
def copy_activity_media(self, media_id: int) -> str:
    """Copy one texted photo (or audio, video) into our storage; refusals and failures are recorded on its row."""
    media = ActivityMedia.objects.filter(pk=media_id).only("source_url", "status").first()
    if media is None or media.status == MediaStatus.COPIED:
        return "skipped"
    try:
        fetched = media_fetch(media.source_url)
    except MediaRefused as exc:
        activity_media_refuse(media_id=media_id, error=str(exc))
        return "refused"
    except MediaFetchFailed as exc:
        if exc.retryable and self.request.retries < self.max_retries and not self.request.is_eager:
            raise self.retry(countdown=30 * 2 ** self.request.retries) from exc
        activity_media_refuse(media_id=media_id, error=str(exc), failed=True)
        return "failed"
    activity_media_store_copy(media_id=media_id, content=fetched.content, content_type=fetched.content_type)
    return "copied"
