"""Campaign sends through the real OpenPhone backend against the local fake OpenPhone server.

Each OpenPhone answer (accepted, 429 then accepted, 5xx then accepted, A2P not approved, out of
credits, line not found, no answer) is followed end to end: HTTP request -> SmsSendError ->
membership state, timeline activity, and the campaign's guardrail pause.
"""
import datetime
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaigns.models import CampaignStatus, MembershipStatus, PauseReason
from campaigns.services import campaign_dispatch
from contacts.models import Activity, Direction
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=False)

EASTERN = ZoneInfo("America/New_York")
TUESDAY_11 = datetime.datetime(2026, 3, 10, 11, 0, tzinfo=EASTERN)


@pytest.fixture
def openphone(fake_openphone, settings):
    """The production backend, talking to the fake server."""
    settings.SMS_BACKEND = "openphone.backends.OpenPhoneBackend"
    fake_openphone.clock = lambda: datetime.datetime.now(datetime.UTC)
    return fake_openphone


def campaign_with(n=1, **fields):
    fields.setdefault("status", CampaignStatus.RUNNING)
    fields.setdefault("send_window_start", datetime.time(8, 0))
    fields.setdefault("send_window_end", datetime.time(21, 0))
    campaign = CampaignFactory(template_a="Hi {first_name|there}, free crack check?", **fields)
    members = [
        CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(first_name="Ann", phone=f"+1617555{i:04d}"))
        for i in range(n)
    ]
    return campaign, members


def posts(fake):
    return [r for r in fake.requests if r.method == "POST" and r.path == "/v1/messages"]


@time_machine.travel(TUESDAY_11, tick=False)
def test_accepted_text_is_recorded_with_openphones_id(openphone):
    campaign, (member,) = campaign_with()
    report = campaign_dispatch()
    assert report.sent == 1
    (sent,) = openphone.sent
    assert sent["to"] == [member.contact.phone] and sent["text"] == "Hi Ann, free crack check?"
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENT and member.attempts == 1 and member.last_error == ""
    activity = member.activity
    assert activity.openphone_id == sent["id"] and activity.direction == Direction.OUTGOING
    assert activity.status == "queued"
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED and campaign.paused_reason == ""


@time_machine.travel(TUESDAY_11, tick=False)
def test_rate_limited_then_accepted_is_retried_by_the_client_and_sent_once(openphone):
    campaign, (member,) = campaign_with()
    openphone.fail("rate_limit", method="POST", path="/v1/messages", times=1, retry_after="0")
    report = campaign_dispatch()
    assert report.sent == 1 and len(posts(openphone)) == 2 and len(openphone.sent) == 1
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENT
    assert Activity.objects.filter(contact=member.contact, direction=Direction.OUTGOING).count() == 1


def test_server_error_then_accepted_goes_back_to_pending_and_the_next_run_sends_it(openphone):
    campaign, (member,) = campaign_with()
    openphone.fail("server_error", method="POST", path="/v1/messages", times=1)
    with time_machine.travel(TUESDAY_11, tick=False):
        report = campaign_dispatch()
    # A POST answered 500 is not retried in-process (OpenPhone may have acted): the member waits.
    assert report.sent == 0 and report.batches[0].retry_later == 1 and openphone.sent == []
    member.refresh_from_db()
    assert member.status == MembershipStatus.PENDING and member.attempts == 1
    assert "HTTP 500" in member.last_error
    assert not Activity.objects.filter(contact=member.contact).exists()
    with time_machine.travel(TUESDAY_11 + datetime.timedelta(minutes=10), tick=False):
        assert campaign_dispatch().sent == 1
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENT and member.attempts == 2 and len(openphone.sent) == 1


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("a2p", "A2P 10DLC registration is not approved (400, code 0206400)"),
        ("credits", "out of prepaid credits (402)"),
        ("forbidden", "not on that line (403 Not Phone Number User)"),
        ("not_found", "does not know the sending line (404)"),
    ],
)
@time_machine.travel(TUESDAY_11, tick=False)
def test_account_level_refusal_pauses_the_campaign_and_keeps_everyone_pending(openphone, mode, words, mailoutbox):
    campaign, members = campaign_with(3)
    openphone.fail(mode, method="POST", path="/v1/messages")
    report = campaign_dispatch()
    # One request: the first refusal stops the batch; the other two are handed back unsent.
    assert len(posts(openphone)) == 1 and openphone.sent == []
    assert report.sent == 0 and report.batches[0].note.startswith("paused")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.paused_reason == PauseReason.ACCOUNT_REFUSED and words in campaign.paused_detail
    for member in members:
        member.refresh_from_db()
        assert member.status == MembershipStatus.PENDING and member.claimed_at is None
        assert member.attempts == 0  # the homeowner's text was never their fault
    assert words in members[0].last_error
    assert not Activity.objects.filter(direction=Direction.OUTGOING).exists()
    # Still paused on the next run, even once OpenPhone answers again: resuming is a person's choice.
    openphone.clear_failures()
    assert campaign_dispatch().sent == 0 and len(posts(openphone)) == 1


@time_machine.travel(TUESDAY_11, tick=False)
def test_a_refused_recipient_fails_alone_and_the_campaign_keeps_sending(openphone):
    """A 400 about one number (not the account) fails that member only."""
    campaign, (bad, good) = campaign_with(2)
    openphone.fail("error", method="POST", path="/v1/messages", times=1, status=400, code="0200400",
                   message="Invalid phone number")
    report = campaign_dispatch()
    assert report.sent == 1 and report.batches[0].failed == 1
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == MembershipStatus.FAILED and "Invalid phone number" in bad.last_error
    assert good.status == MembershipStatus.SENT
    campaign.refresh_from_db()
    assert campaign.paused_reason == ""


def test_timeout_leaves_the_text_sending_until_reconciliation_finds_it_at_openphone(openphone):
    """No answer: the text may have left, so nothing is re-sent until OpenPhone is asked."""
    campaign, (member,) = campaign_with()
    openphone.fail("timeout", method="POST", path="/v1/messages", times=1, delay=1.0)
    with time_machine.travel(TUESDAY_11, tick=False):
        report = campaign_dispatch()
    assert report.batches[0].unresolved == 1 and report.sent == 0
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENDING and "could not be reached" in member.last_error
    deadline = time.monotonic() + 5
    while not openphone.sent and time.monotonic() < deadline:  # the fake finishes the slow request
        time.sleep(0.05)
    assert len(openphone.sent) == 1
    with time_machine.travel(TUESDAY_11 + datetime.timedelta(minutes=20), tick=False):
        report = campaign_dispatch()
    assert report.reconciled["sent"] == 1
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENT
    assert member.activity.openphone_id == openphone.sent[0]["id"]
    assert len(posts(openphone)) == 1  # never sent twice
