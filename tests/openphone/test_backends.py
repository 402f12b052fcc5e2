"""The OpenPhone SMS backend: sending, error mapping, reconciliation lookups, the settings check."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contacts.models import Activity
from contacts.services import message_send
from crm.sms import SmsMessage, SmsSendError, get_backend
from openphone.backends import OpenPhoneBackend
from openphone.checks import check_openphone_backend_settings
from tests.factories import ContactFactory
from tests.openphone.fake_openphone import DEFAULT_LINE_ID, DEFAULT_LINE_NUMBER

HOMEOWNER = "+16175550123"
BACKEND = "openphone.backends.OpenPhoneBackend"


def test_send_posts_the_text_and_returns_openphones_id(fake_openphone):
    sent = OpenPhoneBackend().send(SmsMessage(to=HOMEOWNER, body="Hi Jane, about your estimate."))
    assert sent.provider_id.startswith("AC") and sent.status == "queued"
    assert sent.provider_id == fake_openphone.sent[0]["id"]
    assert fake_openphone.requests[-1].json == {
        "content": "Hi Jane, about your estimate.", "from": DEFAULT_LINE_ID, "to": [HOMEOWNER],
    }
    assert sent.created_at.tzinfo is not None


def test_send_uses_the_messages_line_when_given(fake_openphone):
    fake_openphone.add_line("PNsecond01", "+16175550199")
    OpenPhoneBackend().send(SmsMessage(to=HOMEOWNER, body="Hi", from_line="PNsecond01"))
    assert fake_openphone.sent[0]["phoneNumberId"] == "PNsecond01"


@pytest.mark.parametrize(
    ("mode", "status", "code", "retryable", "words"),
    [
        ("a2p", 400, "0206400", False, "A2P Registration Not Approved"),
        ("credits", 402, "0200402", False, "not have enough prepaid credits"),
        ("forbidden", 403, "0202403", False, "not a member of this phone number"),
        ("server_error", 500, "0201500", True, "unknown error"),
        ("rate_limit", 429, "0200429", True, "Rate limit exceeded"),
    ],
)
def test_openphone_errors_become_sms_send_errors(fake_openphone, mode, status, code, retryable, words):
    fake_openphone.fail(mode, method="POST", path="/v1/messages", retry_after=0 if mode == "rate_limit" else None)
    with pytest.raises(SmsSendError) as excinfo:
        OpenPhoneBackend().send(SmsMessage(to=HOMEOWNER, body="Hi"))
    error = excinfo.value
    assert (error.status, error.code, error.retryable) == (status, code, retryable)
    assert words in str(error) and f"code {code}" in str(error)
    assert fake_openphone.sent == []


def test_invalid_number_error_names_the_field(fake_openphone):
    with pytest.raises(SmsSendError) as excinfo:
        OpenPhoneBackend().send(SmsMessage(to="6175550123", body="Hi"))
    assert not excinfo.value.retryable and excinfo.value.status == 400
    assert "to/0" in str(excinfo.value)


def test_timeout_is_retryable(fake_openphone):
    fake_openphone.fail("timeout", method="POST", path="/v1/messages", delay=1.0)
    with pytest.raises(SmsSendError) as excinfo:
        OpenPhoneBackend().send(SmsMessage(to=HOMEOWNER, body="Hi"))
    assert excinfo.value.retryable and excinfo.value.status is None
    assert "could not be reached" in str(excinfo.value)


def test_missing_line_is_refused_before_any_request(fake_openphone, settings):
    settings.OPENPHONE_PHONE_NUMBER_ID = ""
    with pytest.raises(SmsSendError, match="OPENPHONE_PHONE_NUMBER_ID"):
        OpenPhoneBackend().send(SmsMessage(to=HOMEOWNER, body="Hi"))
    assert fake_openphone.requests == []


# --- find_sent: "did the text that crashed half-way actually go out?" ------------------------

def test_find_sent_lists_recent_outgoing_texts_to_that_number_newest_first(fake_openphone):
    start = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)
    fake_openphone.add_message(HOMEOWNER, direction="outgoing", text="too old", created_at=start)
    fake_openphone.add_message(HOMEOWNER, direction="incoming", text="reply",
                               created_at=start + datetime.timedelta(minutes=20))
    first = fake_openphone.add_message(HOMEOWNER, direction="outgoing", text="first",
                                       created_at=start + datetime.timedelta(minutes=30))
    second = fake_openphone.add_message(HOMEOWNER, direction="outgoing", text="second",
                                        created_at=start + datetime.timedelta(minutes=40))
    fake_openphone.add_message("+16172000001", direction="outgoing", text="someone else",
                               created_at=start + datetime.timedelta(minutes=35))

    found = OpenPhoneBackend().find_sent(to=HOMEOWNER, since=start + datetime.timedelta(minutes=10))

    assert [s.provider_id for s in found] == [second["id"], first["id"]]
    assert [s.body for s in found] == ["second", "first"]
    assert found[0].created_at == start + datetime.timedelta(minutes=40)


def test_find_sent_sees_a_send_whose_answer_was_lost(fake_openphone):
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    fake_openphone.fail("timeout", method="POST", path="/v1/messages", delay=0.7, times=1)
    backend = OpenPhoneBackend()
    with pytest.raises(SmsSendError):
        backend.send(SmsMessage(to=HOMEOWNER, body="Hi"))
    fake_openphone._stopping.wait(0.4)  # OpenPhone finishes the send after we stopped waiting
    found = backend.find_sent(to=HOMEOWNER, since=since)
    assert [s.provider_id for s in found] == [fake_openphone.sent[0]["id"]]


def test_find_sent_accepts_the_line_as_its_number(fake_openphone):
    message = fake_openphone.add_message(HOMEOWNER, direction="outgoing", text="x")
    found = OpenPhoneBackend().find_sent(
        to=HOMEOWNER, from_line=DEFAULT_LINE_NUMBER, since=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    assert [s.provider_id for s in found] == [message["id"]]


def test_find_sent_failure_is_an_error_not_an_empty_answer(fake_openphone):
    fake_openphone.fail("server_error", path="/v1/messages")
    with pytest.raises(SmsSendError) as excinfo:
        OpenPhoneBackend().find_sent(to=HOMEOWNER, since=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert excinfo.value.retryable


# --- the one outgoing path, end to end ------------------------------------------------------

@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York")), tick=False)
def test_message_send_through_openphone_records_openphones_id(fake_openphone, settings):
    settings.SMS_BACKEND = BACKEND
    contact = ContactFactory(phone=HOMEOWNER)
    activity = message_send(contact=contact, body="Hi, about your foundation.")
    assert activity.openphone_id == fake_openphone.sent[0]["id"]
    assert activity.status == "queued"
    assert isinstance(get_backend(), OpenPhoneBackend)


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York")), tick=False)
def test_message_send_records_nothing_when_openphone_refuses(fake_openphone, settings):
    settings.SMS_BACKEND = BACKEND
    fake_openphone.fail("credits", method="POST", path="/v1/messages")
    with pytest.raises(SmsSendError):
        message_send(contact=ContactFactory(phone=HOMEOWNER), body="Hi")
    assert Activity.objects.count() == 0


# --- system check ---------------------------------------------------------------------------

def test_check_errors_when_openphone_backend_lacks_key_or_line(settings):
    settings.SMS_BACKEND = BACKEND
    settings.OPENPHONE_API_KEY = ""
    settings.OPENPHONE_PHONE_NUMBER_ID = ""
    assert [e.id for e in check_openphone_backend_settings()] == ["openphone.E001", "openphone.E002"]
    settings.OPENPHONE_API_KEY = "k"
    assert [e.id for e in check_openphone_backend_settings()] == ["openphone.E002"]
    settings.OPENPHONE_PHONE_NUMBER_ID = "PNtoDbDhuz"
    assert check_openphone_backend_settings() == []


def test_check_ignores_other_backends(settings):
    settings.SMS_BACKEND = "crm.sms.LocmemBackend"
    settings.OPENPHONE_API_KEY = ""
    assert check_openphone_backend_settings() == []


def test_check_is_registered_with_django(settings):
    from django.core import checks

    settings.SMS_BACKEND = BACKEND
    settings.OPENPHONE_API_KEY = ""
    assert "openphone.E001" in [m.id for m in checks.run_checks()]
