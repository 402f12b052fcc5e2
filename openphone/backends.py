"""The production SMS backend: texts go out through OpenPhone's API (`SMS_BACKEND=openphone.backends.OpenPhoneBackend`)."""
from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings

from contacts.phone import mask_phone
from crm.sms import BaseSmsBackend, SentMessage, SmsMessage, SmsSendError

from .client import OpenPhoneClient, OpenPhoneError, parse_timestamp

logger = logging.getLogger(__name__)


def _send_error(exc: OpenPhoneError) -> SmsSendError:
    """OpenPhone's refusal as the SMS interface's error, keeping its message, code and status.

    Retryable: 429, 5xx, timeouts and network failures (the same text may go through later;
    after a timeout or 5xx the caller must first check `find_sent`). Not retryable: 400
    (A2P not approved, bad number), 401, 402 (no credits), 403 (not on the line) and other 4xx.
    """
    if exc.status:
        what = f"OpenPhone refused the text: {exc.message}"
        if exc.code:
            what += f" (code {exc.code}, HTTP {exc.status})"
        else:
            what += f" (HTTP {exc.status})"
    else:
        what = f"OpenPhone could not be reached: {exc.message}"
    details = "; ".join(f"{e.get('path')}: {e.get('message')}" for e in exc.errors if isinstance(e, dict))
    if details:
        what += f" [{details}]"
    return SmsSendError(what, retryable=exc.retryable, status=exc.status, code=exc.code)


class OpenPhoneBackend(BaseSmsBackend):
    """Sends each text with POST /v1/messages from the message's line (default OPENPHONE_PHONE_NUMBER_ID)."""

    def __init__(self, fail_silently: bool = False, client: OpenPhoneClient | None = None, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self._client = client

    @property
    def client(self) -> OpenPhoneClient:
        if self._client is None:
            self._client = OpenPhoneClient()
        return self._client

    def _line(self, from_line: str) -> str:
        line = from_line or settings.OPENPHONE_PHONE_NUMBER_ID
        if not line:
            raise SmsSendError("No OpenPhone line to send from: set OPENPHONE_PHONE_NUMBER_ID.", retryable=False)
        return line

    def send(self, message: SmsMessage) -> SentMessage:
        line = self._line(message.from_line)
        try:
            data = self.client.send_message(from_=line, to=message.to, content=message.body)
        except OpenPhoneError as exc:
            logger.warning("OpenPhone refused a text to %s from %s: %s", mask_phone(message.to), line, exc)
            raise _send_error(exc) from exc
        logger.info("OpenPhone accepted text %s to %s from %s", data.get("id"), mask_phone(message.to), line)
        return SentMessage(
            provider_id=data["id"],
            status=data.get("status") or "queued",
            to=message.to,
            body=message.body,
            created_at=parse_timestamp(data.get("createdAt")) or datetime.now().astimezone(),
        )

    def _line_id(self, line: str) -> str:
        """List endpoints need the PN id; a line given as its E.164 number is looked up."""
        if line.startswith("PN"):
            return line
        for number in self.client.list_phone_numbers():
            if number.get("number") == line:
                return number["id"]
        raise SmsSendError(f"OpenPhone has no line {mask_phone(line)} in this workspace.", retryable=False)

    def find_sent(self, *, to: str, from_line: str = "", since: datetime) -> list[SentMessage]:
        """Outgoing texts from the line to `to` created after `since`, newest first.

        Used to reconcile a send that crashed half-way before deciding to send again.
        Errors are raised as SmsSendError too (retryable when OpenPhone is down), so a
        caller never mistakes "could not check" for "not sent".
        """
        try:
            line_id = self._line_id(self._line(from_line))
            messages = list(self.client.iterate(
                self.client.list_messages, phone_number_id=line_id, participants=[to], created_after=since,
            ))
        except OpenPhoneError as exc:
            raise _send_error(exc) from exc
        found = [
            SentMessage(
                provider_id=m["id"],
                status=m.get("status") or "",
                to=to,
                body=m.get("text") or "",
                created_at=parse_timestamp(m.get("createdAt")),
            )
            for m in messages
            if m.get("direction") == "outgoing"
        ]
        return sorted(found, key=lambda s: s.created_at, reverse=True)
