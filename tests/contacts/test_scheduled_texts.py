"""Scheduled texts: kept for the opening of the homeowner's send window, sent then through message_send
(opt-out and window checked again), never twice, refusals kept with their reason."""
from __future__ import annotations

import datetime
import os
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections

from contacts.models import Activity, ScheduledText, ScheduledTextStatus
from contacts.services import (
    TextRefused,
    contact_opt_out,
    scheduled_text_cancel,
    scheduled_text_create,
    scheduled_texts_send_due,
)
from tests.factories import ContactFactory, ConversationFactory, UserFactory

BOSTON = ZoneInfo("America/New_York")
EVENING = datetime.datetime(2026, 3, 10, 20, 30, tzinfo=BOSTON)  # after MA's 20:00 close
OPENING = datetime.datetime(2026, 3, 11, 8, 0, tzinfo=BOSTON)
LINE = "PNsecondLine"


@pytest.fixture
def conversation(db):
    contact = ContactFactory(first_name="Mary", last_name="Ortiz", phone="+16175550123", mailing_state="MA")
    return ConversationFactory(contact=contact, phone_number_id=LINE, waiting_for_reply=True,
                               last_activity_at=EVENING - datetime.timedelta(hours=1))


@pytest.fixture
def staff(db):
    return UserFactory()


@pytest.mark.django_db
@time_machine.travel(EVENING, tick=False)
def test_without_a_time_it_waits_for_8_am_their_time(conversation, staff):
    scheduled = scheduled_text_create(conversation=conversation, body="Good morning Mary", by_user=staff)
    assert scheduled.send_at == OPENING
    assert scheduled.status == ScheduledTextStatus.SCHEDULED


@pytest.mark.django_db
def test_it_goes_out_at_the_windows_opening_from_the_conversations_line(conversation, staff, outbox):
    with time_machine.travel(EVENING, tick=False):
        scheduled = scheduled_text_create(conversation=conversation, body="Good morning Mary", by_user=staff)
        assert scheduled_texts_send_due() == {"sent": 0, "refused": 0}
    with time_machine.travel(OPENING - datetime.timedelta(seconds=1), tick=False):
        assert scheduled_texts_send_due() == {"sent": 0, "refused": 0}
        assert outbox == []
    with time_machine.travel(OPENING + datetime.timedelta(seconds=20), tick=False):
        assert scheduled_texts_send_due() == {"sent": 1, "refused": 0}
    [message] = outbox
    assert (message.to, message.body, message.from_line) == ("+16175550123", "Good morning Mary", LINE)
    scheduled.refresh_from_db()
    activity = Activity.objects.get()
    assert (scheduled.status, scheduled.activity, activity.conversation, activity.sent_by) == (
        ScheduledTextStatus.SENT, activity, conversation, staff)
    conversation.refresh_from_db()
    assert conversation.waiting_for_reply is False
    # A later run sends nothing again.
    with time_machine.travel(OPENING + datetime.timedelta(minutes=5), tick=False):
        assert scheduled_texts_send_due() == {"sent": 0, "refused": 0}
    assert len(outbox) == 1


@pytest.mark.django_db
def test_nothing_goes_out_if_the_homeowner_opts_out_first(conversation, staff, outbox):
    with time_machine.travel(EVENING, tick=False):
        scheduled = scheduled_text_create(conversation=conversation, body="Good morning Mary", by_user=staff)
        contact_opt_out(contact=conversation.contact, reason="Replied STOP", source="inbound_message")
    with time_machine.travel(OPENING, tick=False):
        assert scheduled_texts_send_due() == {"sent": 0, "refused": 1}
    assert outbox == []
    scheduled.refresh_from_db()
    assert scheduled.status == ScheduledTextStatus.REFUSED
    assert scheduled.error == "Mary Ortiz has opted out of texts."


@pytest.mark.django_db
def test_a_chosen_time_outside_the_window_is_refused_when_due_and_says_why(conversation, staff, outbox):
    at = datetime.datetime(2026, 3, 11, 6, 0, tzinfo=BOSTON)
    with time_machine.travel(EVENING, tick=False):
        scheduled = scheduled_text_create(conversation=conversation, body="Early", by_user=staff, send_at=at)
    with time_machine.travel(at, tick=False):
        scheduled_texts_send_due()
    scheduled.refresh_from_db()
    assert scheduled.status == ScheduledTextStatus.REFUSED and "send window" in scheduled.error
    assert outbox == []


@pytest.mark.django_db
@time_machine.travel(EVENING, tick=False)
def test_cancelled_texts_never_go_out_and_cannot_be_cancelled_twice(conversation, staff, outbox):
    scheduled = scheduled_text_create(conversation=conversation, body="Good morning Mary", by_user=staff)
    scheduled_text_cancel(scheduled_text=scheduled, by_user=staff)
    assert ScheduledText.objects.get().status == ScheduledTextStatus.CANCELLED
    with pytest.raises(ValidationError, match="cancelled; it can no longer be cancelled"):
        scheduled_text_cancel(scheduled_text=scheduled, by_user=staff)
    with time_machine.travel(OPENING, tick=False):
        assert scheduled_texts_send_due() == {"sent": 0, "refused": 0}
    assert outbox == []


@pytest.mark.django_db
@time_machine.travel(EVENING, tick=False)
def test_scheduling_is_refused_for_opted_out_homeowners_empty_texts_and_past_times(conversation, staff):
    with pytest.raises(TextRefused, match="empty"):
        scheduled_text_create(conversation=conversation, body="  ", by_user=staff)
    with pytest.raises(ValidationError, match="in the past"):
        scheduled_text_create(conversation=conversation, body="Hi", by_user=staff,
                              send_at=EVENING - datetime.timedelta(hours=1))
    contact_opt_out(contact=conversation.contact, reason="Replied STOP", source="inbound_message")
    with pytest.raises(TextRefused, match="opted out"):
        scheduled_text_create(conversation=conversation, body="Hi", by_user=staff)
    assert not ScheduledText.objects.exists()


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_task_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Scheduled texts")
    assert task.task == "contacts.tasks.send_due_scheduled_texts" and task.enabled
    assert (task.interval.every, task.interval.period) == (1, "minutes")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_text_once(staff, outbox):
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run this on PostgreSQL (row locks with SKIP LOCKED)")
        pytest.skip("needs PostgreSQL row locks (SKIP LOCKED)")
    texts = []
    with time_machine.travel(EVENING, tick=False):
        for n in range(30):
            contact = ContactFactory(phone=f"+1617555{1000 + n:04d}", mailing_state="MA")
            conversation = ConversationFactory(contact=contact, phone_number_id=LINE)
            texts.append(scheduled_text_create(conversation=conversation, body=f"Text {n}", by_user=staff))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(scheduled_texts_send_due(now=OPENING))
        except Exception as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(OPENING, tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    assert sum(r["sent"] for r in results) == 30
    assert sorted(m.body for m in outbox) == sorted(f"Text {n}" for n in range(30))
    assert ScheduledText.objects.filter(status=ScheduledTextStatus.SENT).count() == 30
