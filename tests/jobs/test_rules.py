"""The rules that create follow-up tasks, and close them when their reason goes away (frozen clock)."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from campaigns.reply_classifier import ReplyCategory
from contacts.models import Direction, LeadStatus
from contacts.services import message_send
from jobs import services
from jobs.models import AppointmentState, FollowUpTask, QuoteState, TaskOrigin
from tests.factories import ActivityFactory, CampaignMembershipFactory, ContactFactory, ConversationFactory
from tests.jobs.conftest import ny

pytestmark = pytest.mark.django_db


def _open(origin):
    return list(FollowUpTask.objects.filter(origin=origin, done_at__isnull=True))


# --- Interested reply not answered within 2 business hours --------------------------------------------

def _interested_reply(at):
    contact = ContactFactory(first_name="Rita", last_name="Reply", lead_status=LeadStatus.INTERESTED)
    conversation = ConversationFactory(contact=contact, waiting_for_reply=True, last_activity_at=at)
    ActivityFactory(contact=contact, conversation=conversation, direction=Direction.INCOMING, occurred_at=at,
                    body="Yes please come look")
    return contact, conversation


def test_an_interested_reply_gets_a_task_after_two_business_hours_not_before():
    # Friday 3:30 PM: 1.5 business hours remain that day, so the deadline is Monday 8:30 AM.
    contact, conversation = _interested_reply(ny(2026, 3, 6, 15, 30))
    with time_machine.travel(ny(2026, 3, 9, 8, 29), tick=False):
        services.follow_up_rules_run()
    assert _open(TaskOrigin.UNANSWERED_REPLY) == []
    with time_machine.travel(ny(2026, 3, 9, 8, 31), tick=False):
        services.follow_up_rules_run()
        services.follow_up_rules_run()  # a second run creates no duplicate
    [task] = _open(TaskOrigin.UNANSWERED_REPLY)
    assert (task.contact, task.conversation, task.due_at) == (contact, conversation, ny(2026, 3, 9, 8, 30))


def test_a_reply_marked_interested_on_the_membership_counts_too():
    contact, _ = _interested_reply(ny(2026, 3, 10, 9, 0))
    contact.lead_status = LeadStatus.CONTACTED
    contact.save()
    CampaignMembershipFactory(contact=contact, reply_category=ReplyCategory.INTERESTED)
    with time_machine.travel(ny(2026, 3, 10, 11, 1), tick=False):
        services.follow_up_rules_run()
    assert len(_open(TaskOrigin.UNANSWERED_REPLY)) == 1


def test_a_reply_not_interested_gets_no_task():
    contact, _ = _interested_reply(ny(2026, 3, 10, 9, 0))
    contact.lead_status = LeadStatus.NOT_INTERESTED
    contact.save()
    with time_machine.travel(ny(2026, 3, 11, 12, 0), tick=False):
        services.follow_up_rules_run()
    assert _open(TaskOrigin.UNANSWERED_REPLY) == []


def test_the_reply_task_closes_itself_when_we_answer(settings):
    settings.OPENPHONE_PHONE_NUMBER_ID = "PNtoDbDhuz"
    contact, _ = _interested_reply(ny(2026, 3, 10, 9, 0))
    with time_machine.travel(ny(2026, 3, 10, 12, 0), tick=False):
        services.follow_up_rules_run()
        assert len(_open(TaskOrigin.UNANSWERED_REPLY)) == 1
        message_send(contact=contact, body="Great, when suits you?")
        services.follow_up_rules_run()
    task = FollowUpTask.objects.get(origin=TaskOrigin.UNANSWERED_REPLY)
    assert task.done_at == ny(2026, 3, 10, 12, 0)
    assert task.done_by is None and task.closed_reason == "Reply answered"


def test_the_reply_rule_can_be_switched_off(settings):
    settings.JOBS_RULE_UNANSWERED_REPLY = False
    _interested_reply(ny(2026, 3, 10, 9, 0))
    with time_machine.travel(ny(2026, 3, 11, 12, 0), tick=False):
        services.follow_up_rules_run()
    assert _open(TaskOrigin.UNANSWERED_REPLY) == []


# --- Finished estimate with no quote after 2 days -----------------------------------------------------

def _done_estimate(contact=None):
    contact = contact or ContactFactory(first_name="Ed", last_name="Estimate")
    visit = services.appointment_create(contact=contact, starts_at=ny(2026, 3, 2, 9), ends_at=ny(2026, 3, 2, 10))
    return services.appointment_update(appointment=visit, state=AppointmentState.DONE)


def test_a_finished_estimate_without_a_quote_gets_a_task_after_two_days():
    visit = _done_estimate()
    with time_machine.travel(ny(2026, 3, 4, 9, 59), tick=False):
        services.follow_up_rules_run()
    assert _open(TaskOrigin.ESTIMATE_WITHOUT_QUOTE) == []
    with time_machine.travel(ny(2026, 3, 4, 10, 1), tick=False):
        services.follow_up_rules_run()
        services.follow_up_rules_run()
    [task] = _open(TaskOrigin.ESTIMATE_WITHOUT_QUOTE)
    assert (task.appointment, task.contact, task.due_at) == (visit, visit.contact, ny(2026, 3, 4, 10))


def test_a_quote_closes_the_estimate_task_and_prevents_it():
    visit = _done_estimate()
    with time_machine.travel(ny(2026, 3, 5, 9, 0), tick=False):
        services.follow_up_rules_run()
        assert len(_open(TaskOrigin.ESTIMATE_WITHOUT_QUOTE)) == 1
        services.quote_create(contact=visit.contact, amount=Decimal("3500"))
        services.follow_up_rules_run()
    assert _open(TaskOrigin.ESTIMATE_WITHOUT_QUOTE) == []
    assert FollowUpTask.objects.get().closed_reason == "Quote made"

    quoted_in_time = _done_estimate(ContactFactory())
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False):
        services.quote_create(contact=quoted_in_time.contact, amount=Decimal("2000"))
    with time_machine.travel(ny(2026, 3, 6, 9, 0), tick=False):
        services.follow_up_rules_run()
    assert not FollowUpTask.objects.filter(appointment=quoted_in_time).exists()


def test_a_scheduled_or_cancelled_estimate_gets_no_task():
    contact = ContactFactory()
    services.appointment_create(contact=contact, starts_at=ny(2026, 3, 2, 9), ends_at=ny(2026, 3, 2, 10))
    with time_machine.travel(ny(2026, 3, 9, 9, 0), tick=False):
        services.follow_up_rules_run()
    assert _open(TaskOrigin.ESTIMATE_WITHOUT_QUOTE) == []


# --- Quote without a decision at 3, 7 and 14 days -----------------------------------------------------

def _sent_quote():
    return services.quote_create(
        contact=ContactFactory(first_name="Quinn", last_name="Quote"), amount=Decimal("5400"),
        state=QuoteState.SENT, sent_on=datetime.date(2026, 3, 2),
    )


def test_an_undecided_quote_gets_a_task_at_day_3_7_and_14_each_replacing_the_last():
    quote = _sent_quote()
    for day, expected in ((4, []), (5, ["day3"]), (6, ["day3"]), (9, ["day7"]), (13, ["day7"]), (16, ["day14"])):
        with time_machine.travel(ny(2026, 3, day, 9, 0), tick=False):
            services.follow_up_rules_run()
        assert [t.rule_key.rsplit(":", 1)[1] for t in _open(TaskOrigin.QUOTE_UNDECIDED)] == expected, day
    assert FollowUpTask.objects.filter(quote=quote).count() == 3


def test_deciding_the_quote_closes_its_task_at_once():
    quote = _sent_quote()
    with time_machine.travel(ny(2026, 3, 5, 9, 0), tick=False):
        services.follow_up_rules_run()
        services.quote_update(quote=quote, state=QuoteState.ACCEPTED)
    task = FollowUpTask.objects.get(quote=quote)
    assert task.done_at == ny(2026, 3, 5, 9, 0) and task.closed_reason == "Quote accepted"
    with time_machine.travel(ny(2026, 3, 20, 9, 0), tick=False):
        services.follow_up_rules_run()
    assert _open(TaskOrigin.QUOTE_UNDECIDED) == []


def test_the_periodic_run_closes_tasks_of_quotes_decided_elsewhere():
    quote = _sent_quote()
    with time_machine.travel(ny(2026, 3, 5, 9, 0), tick=False):
        services.follow_up_rules_run()
    type(quote).objects.filter(pk=quote.pk).update(state=QuoteState.DECLINED)
    with time_machine.travel(ny(2026, 3, 5, 9, 10), tick=False):
        services.follow_up_rules_run()
    assert FollowUpTask.objects.get(quote=quote).closed_reason == "Quote decided"


def test_the_quote_rule_can_be_switched_off(settings):
    settings.JOBS_RULE_QUOTE_UNDECIDED = False
    _sent_quote()
    with time_machine.travel(ny(2026, 3, 20, 9, 0), tick=False):
        services.follow_up_rules_run()
    assert not FollowUpTask.objects.exists()


def test_the_estimate_rule_can_be_switched_off(settings):
    settings.JOBS_RULE_ESTIMATE_WITHOUT_QUOTE = False
    _done_estimate()
    with time_machine.travel(ny(2026, 3, 9, 9, 0), tick=False):
        services.follow_up_rules_run()
    assert not FollowUpTask.objects.exists()


def test_the_beat_schedules_exist_on_a_fresh_database():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["Follow-up rules"] == "jobs.tasks.follow_up_rules_run"
    assert tasks["Visit reminder texts"] == "jobs.tasks.appointment_reminders_send"
