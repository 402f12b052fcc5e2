"""Replaying OpenPhone deliveries end to end (signed POST, stored, processed) and checking the timeline."""
from __future__ import annotations

import itertools

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import CampaignMembership
from contacts.models import Activity, Contact, Conversation, OptOutEvent
from contacts.services import message_send
from crm import sms
from openphone import services as webhook_services
from openphone.models import CallDetails, WebhookEvent, WebhookEventStatus
from openphone.services import webhook_events_requeue
from openphone.tasks import process_webhook_event
from tests.factories import ActivityFactory, ContactFactory

from .sender import deliver, load_event

pytestmark = pytest.mark.django_db

HOMEOWNER = "+16175550123"
CALL_ID = "ACf00dfeed000000000000000000000001"


@pytest.fixture
def receive(client, django_capture_on_commit_callbacks):
    """POST a signed delivery and run its processing (as the worker would, after commit); return the stored event."""

    def _receive(payload: dict, *, expect: int = 202) -> WebhookEvent:
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(client, payload)
        assert response.status_code == expect, response.content
        return WebhookEvent.objects.get(event_id=payload["id"])

    return _receive


@pytest.fixture
def reprocess(django_capture_on_commit_callbacks):
    def _reprocess(event: WebhookEvent) -> WebhookEvent:
        with django_capture_on_commit_callbacks(execute=True):
            webhook_events_requeue(events=WebhookEvent.objects.filter(pk=event.pk))
        event.refresh_from_db()
        return event

    return _reprocess


def _text(body: str, n: int = 1, phone: str = HOMEOWNER) -> dict:
    payload = load_event("message.received", id=f"EVtext{n:04d}")
    payload["data"]["object"].update(id=f"ACtext{n:04d}", text=body, **{"from": phone})
    payload["data"]["object"]["createdAt"] = f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}.000Z"
    return payload


# --- message.received ---------------------------------------------------------------------------

def test_text_from_unknown_number_creates_inbound_contact_conversation_and_message(receive):
    event = receive(load_event("message.received"))
    assert (event.status, event.attempts, event.last_error) == (WebhookEventStatus.PROCESSED, 1, "")
    assert event.processed_at is not None

    contact = Contact.objects.get()
    assert (contact.phone, contact.source) == (HOMEOWNER, "inbound")
    assert list(contact.phones.values_list("phone", flat=True)) == [HOMEOWNER]
    activity = Activity.objects.get()
    assert (activity.contact, activity.kind, activity.direction, activity.status) == (
        contact, "message", "incoming", "received",
    )
    assert activity.body == "Yes, please call me about the estimate"
    assert activity.openphone_id == "AC24a8b8321c4f4cf2be110f4250793d51"
    assert activity.occurred_at.isoformat() == "2025-12-31T23:59:59.500000+00:00"
    conversation = Conversation.objects.get()
    assert activity.conversation == conversation
    assert (conversation.phone_number_id, conversation.openphone_conversation_id) == (
        "PNtoDbDhuz", "CN78ba0373683c48fd8fd96bc836c51f79",
    )
    assert conversation.waiting_for_reply is True
    assert conversation.last_activity_at == activity.occurred_at


def test_text_from_known_homeowner_lands_on_their_timeline(receive):
    jane = ContactFactory(phone=HOMEOWNER, first_name="Jane", source="propertyradar")
    receive(load_event("message.received"))
    assert Contact.objects.count() == 1
    jane.refresh_from_db()
    assert (jane.first_name, jane.source) == ("Jane", "propertyradar")
    assert Activity.objects.get().contact == jane


def test_processing_the_same_text_twice_changes_nothing(receive, reprocess):
    event = receive(_text("STOP"))
    again = reprocess(event)
    assert again.status == WebhookEventStatus.PROCESSED and again.attempts == 2
    assert (Contact.objects.count(), Activity.objects.count(), Conversation.objects.count()) == (1, 1, 1)
    assert OptOutEvent.objects.count() == 1


def test_redelivered_text_is_stored_and_processed_once(receive, client, django_capture_on_commit_callbacks):
    receive(load_event("message.received"))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert deliver(client, load_event("message.received")).status_code == 200
    assert queued == []
    assert (WebhookEvent.objects.count(), Activity.objects.count()) == (1, 1)


def test_text_from_invalid_number_fails_saying_which_field(receive):
    payload = _text("Hello", phone="+15555550123")
    event = receive(payload)
    assert event.status == WebhookEventStatus.FAILED
    assert "`data.object.from`" in event.last_error and "not a valid phone number" in event.last_error
    assert "+15555550123" not in event.last_error  # masked
    assert Activity.objects.count() == 0 and Contact.objects.count() == 0


def test_processing_a_text_runs_a_bounded_number_of_queries(client, django_capture_on_commit_callbacks):
    ContactFactory(phone=HOMEOWNER)
    with django_capture_on_commit_callbacks():
        deliver(client, load_event("message.received"))
    event = WebhookEvent.objects.get()
    with CaptureQueriesContext(connection) as queries:
        assert process_webhook_event.apply(args=[event.pk]).get() == WebhookEventStatus.PROCESSED
    assert Activity.objects.count() == 1
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # lock event, contact, conversation (get, create, conversation id x2), activity (get, insert),
    # conversation forward, the reading stored on the text and on its conversation (reply_intent), event update
    assert len(statements) <= 13, statements


# --- Opt-out words --------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["STOP", "stop!", "Unsubscribe", "Please stop texting me", "take me off your list"])
def test_stop_words_opt_the_homeowner_out_with_an_audit_trail(receive, body):
    receive(_text(body))
    contact = Contact.objects.get()
    assert contact.opted_out and contact.opted_out_at is not None
    assert body.split()[0] in contact.opted_out_reason
    event = OptOutEvent.objects.get()
    assert (event.opted_out, event.source, event.activity) == (True, "inbound_message", Activity.objects.get())


def test_stop_then_start_opts_back_in_and_keeps_both_events(receive):
    receive(_text("STOP", 1))
    receive(_text("Start", 2))
    contact = Contact.objects.get()
    assert not contact.opted_out
    assert list(OptOutEvent.objects.order_by("occurred_at").values_list("opted_out", flat=True)) == [True, False]


def test_stop_processed_after_a_later_start_does_not_opt_out_again(receive):
    receive(_text("STOP", 1))
    receive(_text("START", 3))
    receive(_text("Stop", 2))  # delivered late: older than the START already applied
    assert not Contact.objects.get().opted_out
    assert list(OptOutEvent.objects.order_by("occurred_at").values_list("opted_out", flat=True)) == [True, False]


def test_opted_out_homeowner_is_not_texted_after_stop(receive, outbox):
    receive(_text("stop"))
    with pytest.raises(Exception, match="opted out"):
        message_send(contact=Contact.objects.get(), body="Hello again")
    assert outbox == []


@pytest.mark.parametrize("body", ["STOP PLEASE no wait I'm interested? call me", "Can you stop by Tuesday?"])
def test_stop_inside_a_sentence_is_not_an_opt_out(receive, body):
    receive(_text(body))
    assert not Contact.objects.get().opted_out
    assert OptOutEvent.objects.count() == 0


def test_help_leaves_the_conversation_waiting_for_a_person_and_opts_nobody_out(receive):
    receive(_text("HELP"))
    assert not Contact.objects.get().opted_out
    assert OptOutEvent.objects.count() == 0
    assert Conversation.objects.get().waiting_for_reply is True
    assert Activity.objects.get().body == "HELP"


# --- message.delivered / message.failed -------------------------------------------------------------

def test_delivery_updates_the_status_of_our_text(receive):
    ours = ActivityFactory(
        contact=ContactFactory(phone=HOMEOWNER), direction="outgoing", status="queued",
        openphone_id="AC0d7e2c5b9a8f4e61b3c2d1e0f9a8b7c6",
    )
    receive(load_event("message.delivered"))
    ours.refresh_from_db()
    assert ours.status == "delivered"
    assert Activity.objects.count() == 1 and Contact.objects.count() == 1


def test_failed_text_gets_the_reported_status(receive):
    ours = ActivityFactory(
        contact=ContactFactory(phone=HOMEOWNER), direction="outgoing", status="sent",
        openphone_id="AC1e8f3d6c0b9a4f72c4d3e2f1a0b9c8d7",
    )
    receive(load_event("message.failed"))
    ours.refresh_from_db()
    assert ours.status == "undelivered"


def test_text_sent_from_the_openphone_app_is_recorded_once(receive, reprocess):
    jane = ContactFactory(phone=HOMEOWNER)
    event = receive(load_event("message.delivered"))
    reprocess(event)
    activity = Activity.objects.get()
    assert (activity.contact, activity.direction, activity.status) == (jane, "outgoing", "delivered")
    assert activity.body == "Hi Jane, following up on your foundation estimate."
    assert Conversation.objects.get().waiting_for_reply is False


def test_delivery_accepts_to_as_a_list_or_a_string(receive):
    as_list = load_event("message.delivered")
    as_list["data"]["object"]["to"] = [HOMEOWNER]
    receive(as_list)
    as_string = load_event("message.delivered", id="EVdeliveredstring")
    as_string["data"]["object"].update(id="ACdeliveredstring", to=HOMEOWNER)
    receive(as_string)
    assert set(Activity.objects.values_list("contact__phone", flat=True)) == {HOMEOWNER}
    assert Activity.objects.count() == 2 and Contact.objects.get().source == "openphone"


class DeliveredBeforeResponseBackend(sms.LocmemBackend):
    """Sends, then lets OpenPhone's delivery webhook through before the send response is handed back."""

    deliver_webhook = None

    def send(self, message):
        sent = super().send(message)
        type(self).deliver_webhook(sent, message)
        return sent


def test_delivery_that_outruns_our_send_response_leaves_one_activity(client, django_capture_on_commit_callbacks, settings):
    jane = ContactFactory(phone=HOMEOWNER, mailing_state="MA")

    def deliver_webhook(sent, message):
        payload = load_event("message.delivered", id="EVracedelivery")
        payload["data"]["object"].update(id=sent.provider_id, text=message.body)
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, payload).status_code == 202
        assert Activity.objects.get().status == "delivered"

    DeliveredBeforeResponseBackend.deliver_webhook = staticmethod(deliver_webhook)
    settings.SMS_BACKEND = f"{__name__}.DeliveredBeforeResponseBackend"
    with time_machine.travel("2026-01-01T15:00:00Z", tick=False):  # 10:00 in Boston: inside the send window
        activity = message_send(contact=jane, body="Hi Jane, following up on your foundation estimate.")
    assert Activity.objects.count() == 1
    activity.refresh_from_db()
    assert activity.status == "delivered"  # the send response's later "queued" does not win
    assert WebhookEvent.objects.get(event_id="EVracedelivery").status == WebhookEventStatus.PROCESSED



def test_a_campaign_text_the_webhook_recorded_first_still_belongs_to_its_membership(
    client, django_capture_on_commit_callbacks, settings
):
    """The webhook's activity gets the membership and sender, so the batch marks the member sent with it."""
    from campaigns.models import MembershipStatus
    from campaigns.services import memberships_mark_sent
    from tests.factories import CampaignFactory, CampaignMembershipFactory, UserFactory

    jane = ContactFactory(phone=HOMEOWNER, mailing_state="MA")
    membership = CampaignMembershipFactory(
        campaign=CampaignFactory(), contact=jane, status=MembershipStatus.SENDING
    )
    staff = UserFactory()

    def deliver_webhook(sent, message):
        payload = load_event("message.delivered", id="EVracecampaign")
        payload["data"]["object"].update(id=sent.provider_id, text=message.body)
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, payload).status_code == 202

    DeliveredBeforeResponseBackend.deliver_webhook = staticmethod(deliver_webhook)
    settings.SMS_BACKEND = f"{__name__}.DeliveredBeforeResponseBackend"
    with time_machine.travel("2026-01-01T15:00:00Z", tick=False):
        activity = message_send(
            contact=jane, body="Free foundation check?", sent_by=staff,
            on_recorded=lambda text: CampaignMembership.objects.filter(pk=membership.pk).update(activity=text),
        )
        assert memberships_mark_sent(membership_ids=[membership.pk]) == 1
    recorded = Activity.objects.get()
    assert recorded.pk == activity.pk and recorded.status == "delivered"
    assert (recorded.campaign_membership.pk, recorded.sent_by_id) == (membership.pk, staff.pk)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SENT and membership.activity_id == recorded.pk


# --- Calls ------------------------------------------------------------------------------------------

CALL_EVENTS = ["call.completed", "call.recording.completed", "call.summary.completed", "call.transcript.completed"]


def _final_call() -> tuple:
    activity = Activity.objects.get()
    return (
        activity.contact.phone, activity.kind, activity.direction, activity.status, activity.duration_seconds,
        activity.recording_url, activity.summary, activity.transcript, activity.openphone_id,
    )


# The call as the timeline shows it once all four call events are in, whatever their order.
COMPLETE_CALL = (
    HOMEOWNER, "call", "incoming", "completed", 76, "https://storage.example.com/rec/a1b2c3d4.mp3",
    "Homeowner reports a widening crack in the basement wall and wants an estimate.\n\n"
    "Next steps:\n- Schedule an inspection visit.",
    "[0:01] (617) 555-0123: Hi, I got your text about the crack.\n"
    "[1:04] Us: Thanks for calling back. When can we come by?",
    CALL_ID,
)


def test_call_with_recording_summary_and_transcript(receive):
    for name in CALL_EVENTS:
        assert receive(load_event(name)).status == WebhookEventStatus.PROCESSED
    assert _final_call() == COMPLETE_CALL
    assert Contact.objects.get().source == "inbound"


@pytest.mark.parametrize("order", list(itertools.permutations(CALL_EVENTS)), ids="-".join)
def test_call_events_in_any_order_give_the_same_call(order, receive):
    for name in order:
        assert receive(load_event(name)).status == WebhookEventStatus.PROCESSED
    assert _final_call() == COMPLETE_CALL
    assert CallDetails.objects.get().activity == Activity.objects.get()


def test_summary_before_the_call_is_held_until_the_call_arrives(receive):
    receive(load_event("call.summary.completed"))
    assert Activity.objects.count() == 0
    assert CallDetails.objects.get(call_id=CALL_ID).summary.startswith("Homeowner reports")
    receive(load_event("call.completed"))
    assert Activity.objects.get().summary.startswith("Homeowner reports")


def test_call_events_processed_twice_change_nothing(receive, reprocess):
    events = [receive(load_event(name)) for name in CALL_EVENTS]
    before = _final_call()
    for event in reversed(events):
        assert reprocess(event).status == WebhookEventStatus.PROCESSED
    assert _final_call() == before
    assert (Activity.objects.count(), CallDetails.objects.count(), Contact.objects.count()) == (1, 1, 1)


def test_v3_voicemail_becomes_a_voicemail_with_its_recording(receive):
    receive(load_event("call.completed.v3-voicemail"))
    activity = Activity.objects.get()
    assert (activity.kind, activity.direction, activity.status, activity.duration_seconds, activity.recording_url) == (
        "voicemail", "incoming", "missed", 31, "https://storage.example.com/vm/b2c3d4e5.mp3",
    )
    assert (activity.contact.phone, activity.contact.source) == ("+15085550142", "inbound")


def test_unanswered_incoming_call_is_missed(receive):
    receive(load_event("call.completed.missed"))
    activity = Activity.objects.get()
    assert (activity.kind, activity.status, activity.contact.phone) == ("call", "missed", "+14135550199")


# --- A call.completed without participants: re-fetched from OpenPhone (contract 8.4) -----------------

EMPTY_CALL_ID = "ACf00dfeed000000000000000000000004"  # the call of call.completed.no-participants


def _stored_event(name: str, **changes) -> WebhookEvent:
    payload = load_event(name, **changes)
    return WebhookEvent.objects.create(event_id=payload["id"], type=payload["type"], payload=payload)


def test_call_without_participants_takes_them_from_openphone(receive, fake_openphone):
    fake_openphone.add_call(HOMEOWNER, id=EMPTY_CALL_ID, duration=12)
    event = receive(load_event("call.completed.no-participants"))
    assert (event.status, event.last_error) == (WebhookEventStatus.PROCESSED, "")
    activity = Activity.objects.get()
    assert (activity.openphone_id, activity.contact.phone, activity.kind, activity.status, activity.duration_seconds) == (
        EMPTY_CALL_ID, HOMEOWNER, "call", "completed", 12,
    )
    assert list(Contact.objects.values_list("phone", flat=True)) == [HOMEOWNER]  # not our line's number
    assert [r.path for r in fake_openphone.requests if r.path.startswith("/v1/calls")] == [f"/v1/calls/{EMPTY_CALL_ID}"]


@pytest.mark.parametrize("outage", ["server_error", "rate_limit", "html_502", "unreachable"])
def test_call_without_participants_waits_while_openphone_cannot_answer(fake_openphone, settings, outage):
    fake_openphone.add_call(HOMEOWNER, id=EMPTY_CALL_ID, duration=12)
    if outage == "unreachable":
        settings.OPENPHONE_BASE_URL = "http://127.0.0.1:1"  # nothing listens there
    else:
        fake_openphone.fail(outage, path=f"/v1/calls/{EMPTY_CALL_ID}")
    event = _stored_event("call.completed.no-participants")

    with pytest.raises(webhook_services.TransientEventError, match="could not be re-fetched"):
        webhook_services.webhook_event_process(event_pk=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookEventStatus.PENDING, 1)
    assert "TransientEventError" in event.last_error
    assert Activity.objects.count() == 0 and Contact.objects.count() == 0

    # OpenPhone is back: the retry records the call.
    fake_openphone.clear_failures()
    settings.OPENPHONE_BASE_URL = fake_openphone.url
    assert webhook_services.webhook_event_process(event_pk=event.pk) == WebhookEventStatus.PROCESSED
    assert Activity.objects.get().contact.phone == HOMEOWNER


def test_call_without_participants_is_retried_by_the_task_until_openphone_answers(fake_openphone, monkeypatch):
    from crm.celery import app as celery_app
    from openphone.handlers import REFETCH_MAX_ATTEMPTS
    from openphone.tasks import process_webhook_event

    # Let the eager run go through Celery's own retries (a worker would space them with backoff).
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_EAGER_PROPAGATES", False)
    fake_openphone.add_call(HOMEOWNER, id=EMPTY_CALL_ID, duration=12)
    # Every request of the first run fails; the task's second run gets an answer.
    fake_openphone.fail("server_error", path=f"/v1/calls/{EMPTY_CALL_ID}", times=REFETCH_MAX_ATTEMPTS)
    event = _stored_event("call.completed.no-participants")
    assert process_webhook_event.apply(args=[event.pk]).get() == WebhookEventStatus.PROCESSED
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (WebhookEventStatus.PROCESSED, 2, "")
    assert Activity.objects.get().contact.phone == HOMEOWNER


def test_call_without_participants_that_openphone_does_not_know_fails_clearly(receive, fake_openphone):
    event = receive(load_event("call.completed.no-participants"))
    assert event.status == WebhookEventStatus.FAILED
    assert "arrived without participants, and OpenPhone has no such call" in event.last_error
    assert f"GET /v1/calls/{EMPTY_CALL_ID} answered 404" in event.last_error
    assert Activity.objects.count() == 0 and Contact.objects.count() == 0


def test_call_without_participants_even_at_openphone_fails_clearly(receive, fake_openphone):
    fake_openphone.add_call(HOMEOWNER, id=EMPTY_CALL_ID)["participants"] = []
    event = receive(load_event("call.completed.no-participants"))
    assert event.status == WebhookEventStatus.FAILED
    assert "OpenPhone lists none for it either" in event.last_error
    assert Activity.objects.count() == 0


# --- Which participant is the homeowner -----------------------------------------------------------

OUR_LINE = "+16175550100"  # the fake's default line (PNtoDbDhuz), as in the fixtures
NEW_CALLER = "+16175550177"


def _call_with(participants: list[str], n: int = 1) -> dict:
    payload = load_event("call.completed", id=f"EVcallparts{n}")
    payload["data"]["object"].update(id=f"ACcallparts{n}", participants=participants)
    return payload


def test_new_caller_listed_after_our_line_gets_the_call_not_our_line(receive, fake_openphone):
    receive(_call_with([OUR_LINE, NEW_CALLER]))
    assert list(Contact.objects.values_list("phone", flat=True)) == [NEW_CALLER]
    assert Activity.objects.get().contact.phone == NEW_CALLER


def test_our_line_kept_as_a_contact_is_not_taken_for_the_caller(receive, fake_openphone):
    ContactFactory(phone=OUR_LINE, first_name="Office")  # e.g. left by an older import
    receive(_call_with([NEW_CALLER, OUR_LINE]))
    assert Activity.objects.get().contact.phone == NEW_CALLER


def test_our_line_numbers_are_looked_up_once_not_per_event(receive, fake_openphone):
    for n in range(3):
        receive(_call_with([OUR_LINE, f"+161755501{n + 50}"], n))
    assert Activity.objects.count() == 3 and not Contact.objects.filter(phone=OUR_LINE).exists()
    assert [r.path for r in fake_openphone.requests] == ["/v1/phone-numbers"]


def test_without_the_line_list_the_first_participant_is_the_caller(receive, fake_openphone):
    fake_openphone.fail("server_error", path="/v1/phone-numbers")
    for n in range(2):
        event = receive(_call_with([f"+161755501{n + 50}", OUR_LINE], n))
        assert event.status == WebhookEventStatus.PROCESSED
    assert sorted(Activity.objects.values_list("contact__phone", flat=True)) == ["+16175550150", "+16175550151"]
    # One failed lookup, not one per event: the next try waits (openphone.lines).
    assert [r.path for r in fake_openphone.requests] == ["/v1/phone-numbers"]


def test_a_call_between_our_own_lines_records_no_homeowner(receive, fake_openphone):
    fake_openphone.add_line("PNsecond01", "+16175550199")
    event = receive(_call_with([OUR_LINE, "+16175550199"]))
    assert event.status == WebhookEventStatus.PROCESSED
    assert (Contact.objects.count(), Activity.objects.count()) == (0, 0)


def test_known_participant_is_the_homeowner_whatever_the_order(receive):
    jane = ContactFactory(phone=HOMEOWNER)
    payload = load_event("call.completed")
    payload["data"]["object"]["participants"] = ["+16175550100", HOMEOWNER]
    receive(payload)
    assert Activity.objects.get().contact == jane
    assert Contact.objects.count() == 1


def test_ringing_is_stored_and_ignored(receive):
    event = receive(load_event("call.ringing"))
    assert event.status == WebhookEventStatus.IGNORED
    assert Activity.objects.count() == 0


# --- Contacts ---------------------------------------------------------------------------------------

def test_contact_update_fills_only_empty_fields(receive):
    contact = ContactFactory(phone=HOMEOWNER, first_name="", last_name="Doe-Smith", email="")
    receive(load_event("contact.updated"))
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.email, contact.openphone_contact_id) == (
        "Jane", "Doe-Smith", "jane.doe@example.com", "CT6823ffc81fc6d26d75e6e008",
    )


def test_contact_update_never_overwrites_what_staff_typed(receive):
    contact = ContactFactory(phone=HOMEOWNER, first_name="Janet", last_name="Smith", email="janet@example.com")
    receive(load_event("contact.updated"))
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.email) == ("Janet", "Smith", "janet@example.com")
    assert contact.openphone_contact_id == "CT6823ffc81fc6d26d75e6e008"


def test_contact_update_for_someone_we_do_not_know_creates_nobody(receive):
    event = receive(load_event("contact.updated"))
    assert event.status == WebhookEventStatus.PROCESSED
    assert Contact.objects.count() == 0


def test_contact_deleted_forgets_the_openphone_id_and_keeps_our_contact(receive):
    contact = ContactFactory(phone=HOMEOWNER, openphone_contact_id="CT6823ffc81fc6d26d75e6e008")
    ActivityFactory(contact=contact)
    receive(load_event("contact.deleted"))
    contact.refresh_from_db()
    assert contact.openphone_contact_id == ""
    assert contact.activities.count() == 1


# --- Unknown ----------------------------------------------------------------------------------------

def test_unknown_type_is_stored_and_ignored(receive):
    payload = load_event("unknown.type")
    event = receive(payload)
    assert (event.type, event.status, event.attempts, event.payload) == ("user.invited", "ignored", 1, payload)
