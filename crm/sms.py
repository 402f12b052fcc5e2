"""The SMS backend interface, chosen by the SMS_BACKEND setting the way Django picks EMAIL_BACKEND.

Contacts and campaigns send through `get_backend()`; they never import the OpenPhone adapter.
"""
from __future__ import annotations

import itertools
import logging
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    """One text to one recipient."""

    to: str
    """Recipient in E.164."""
    body: str
    from_line: str = ""
    """The sending line (an OpenPhone `PN...` id or its E.164 number); empty means the default line."""


@dataclass(frozen=True)
class SentMessage:
    """What the provider told us about a text it accepted."""

    provider_id: str
    status: str = "queued"
    to: str = ""
    body: str = ""
    created_at: datetime = field(default_factory=timezone.now)


class SmsSendError(Exception):
    """The provider refused or failed to take a text.

    `retryable` is True when the same text may be sent again later (rate limit, 5xx,
    timeout); False when sending again would fail the same way (bad number, opted out).
    """

    def __init__(self, message: str, *, retryable: bool = False, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.code = code


class BaseSmsBackend:
    """Subclasses implement `send`; `find_sent` lets a crashed send be reconciled."""

    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send(self, message: SmsMessage) -> SentMessage:
        raise NotImplementedError

    def send_messages(self, messages: list[SmsMessage]) -> list[SentMessage | SmsSendError]:
        """Send each message; a failure is returned in its place instead of stopping the rest."""
        results: list[SentMessage | SmsSendError] = []
        for message in messages:
            try:
                results.append(self.send(message))
            except SmsSendError as exc:
                results.append(exc)
        return results

    def find_sent(self, *, to: str, from_line: str = "", since: datetime) -> list[SentMessage]:
        """Texts this backend's provider shows as sent to `to` since `since` (newest first)."""
        raise NotImplementedError


# Texts sent through LocmemBackend, in order; tests read and clear it like mail.outbox.
outbox: list[SmsMessage] = []
_sent: list[SentMessage] = []
_counter = itertools.count(1)


class LocmemBackend(BaseSmsBackend):
    """Keeps texts in `crm.sms.outbox`; for tests."""

    def send(self, message: SmsMessage) -> SentMessage:
        outbox.append(message)
        sent = SentMessage(
            provider_id=f"LOC{next(_counter):08d}{uuid.uuid4().hex[:8]}",
            status="sent",
            to=message.to,
            body=message.body,
        )
        _sent.append(sent)
        return sent

    def find_sent(self, *, to: str, from_line: str = "", since: datetime) -> list[SentMessage]:
        return [s for s in reversed(_sent) if s.to == to and s.created_at >= since]


def reset_outbox() -> None:
    """Empty the locmem outbox (tests call this between cases)."""
    outbox.clear()
    _sent.clear()


class ConsoleBackend(LocmemBackend):
    """Prints each text to stdout instead of sending it; the development default."""

    stream = sys.stdout

    def send(self, message: SmsMessage) -> SentMessage:
        sent = super().send(message)
        self.stream.write(
            f"--- SMS {sent.provider_id} to {message.to} from {message.from_line or 'default line'} ---\n"
            f"{message.body}\n"
        )
        self.stream.flush()
        return sent


def get_backend(path: str | None = None, **kwargs) -> BaseSmsBackend:
    """An instance of the backend named by `path`, or by settings.SMS_BACKEND."""
    return import_string(path or settings.SMS_BACKEND)(**kwargs)
