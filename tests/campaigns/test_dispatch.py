"""The daily batch: windows, caps, cool-down, opt-outs at send time, failures, crash recovery, dry runs."""
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from campaigns import services
from campaigns.models import CampaignMembership, CampaignStatus, MembershipStatus, Variant
from campaigns.services import campaign_dispatch, memberships_claim, memberships_reconcile_stale
from campaigns.tasks import dispatch_campaign_batches
from contacts.models import Activity, Contact, Direction, LeadStatus
from contacts.services import contact_opt_out
from crm import sms
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory, PropertyContactFactory

pytestmark = pytest.mark.django_db

EASTERN = ZoneInfo("America/New_York")


def boston(hour, minute=0, day=10):
    """March 2026: the 10th is a Tuesday."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=EASTERN)


def running_campaign(**kwargs):
    kwargs.setdefault("status", CampaignStatus.RUNNING)
    kwargs.setdefault("send_window_start", datetime.time(8, 0))
    kwargs.setdefault("send_window_end", datetime.time(21, 0))
    return CampaignFactory(**kwargs)


def enroll(campaign, n=1, **contact_fields):
    return [CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(**contact_fields)) for _ in range(n)]


def statuses(campaign):
    return list(campaign.memberships.order_by("pk").values_list("status", flat=True))


# --- sending --------------------------------------------------------------------------------


@time_machine.travel(boston(11), tick=False)
def test_batch_texts_rendered_messages_records_activities_and_completes(outbox):
    campaign = running_campaign(template_a="Hi {first_name|there}, free crack check in {city}?")
    member = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(first_name="Jane", phone="+16175550123"))
    PropertyContactFactory(contact=member.contact, property__city="Worcester")
    nameless = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(first_name=""))

    report = campaign_dispatch()

    assert [(m.to, m.body, m.from_line) for m in outbox] == [
        ("+16175550123", "Hi Jane, free crack check in Worcester?", "PNtoDbDhuz"),
        (nameless.contact.phone, "Hi there, free crack check in Boston?", "PNtoDbDhuz"),
    ]
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENT and member.sent_at == boston(11)
    assert member.activity.campaign_membership == member and member.activity.direction == Direction.OUTGOING
    assert member.attempts == 1
    assert Contact.objects.get(pk=member.contact_id).lead_status == LeadStatus.CONTACTED
    assert report.sent == 2 and report.batches[0].completed
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED


@time_machine.travel(boston(11), tick=False)
def test_variant_b_members_get_template_b(outbox):
    campaign = running_campaign(template_a="Version A", template_b="Version B", ab_split=50)
    a = CampaignMembershipFactory(campaign=campaign, variant=Variant.A)
    b = CampaignMembershipFactory(campaign=campaign, variant=Variant.B)
    campaign_dispatch()
    assert {(m.to, m.body) for m in outbox} == {(a.contact.phone, "Version A"), (b.contact.phone, "Version B")}


@time_machine.travel(boston(11), tick=False)
def test_paused_draft_and_future_campaigns_send_nothing(outbox):
    for status in (CampaignStatus.PAUSED, CampaignStatus.DRAFT, CampaignStatus.CANCELLED):
        enroll(running_campaign(status=status))
    enroll(running_campaign(starts_on=datetime.date(2026, 3, 11)))
    campaign_dispatch()
    assert outbox == []


@time_machine.travel(boston(11), tick=False)
def test_scheduled_campaign_starts_on_its_day(outbox):
    campaign = running_campaign(status=CampaignStatus.SCHEDULED, starts_on=datetime.date(2026, 3, 10))
    enroll(campaign, 2)
    campaign_dispatch()
    assert len(outbox) == 2


# --- windows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("hour", "minute", "texted"), [(7, 59, False), (8, 0, True), (19, 59, True), (20, 1, False)])
def test_boston_contact_only_between_eight_and_eight(outbox, hour, minute, texted):
    campaign = running_campaign()
    (member,) = enroll(campaign, phone="+16175550123")
    with time_machine.travel(boston(hour, minute), tick=False):
        report = campaign_dispatch()
    assert bool(outbox) is texted
    member.refresh_from_db()
    assert member.status == (MembershipStatus.SENT if texted else MembershipStatus.PENDING)
    if not texted:
        assert report.batches[0].skipped == {"outside_window": 1}


def test_california_contact_is_evaluated_in_pacific_time(outbox):
    campaign = running_campaign(send_window_start=datetime.time(9, 0), send_window_end=datetime.time(17, 0))
    (member,) = enroll(campaign, phone="+14155550123", mailing_state="", mailing_city="San Francisco")
    with time_machine.travel(boston(11, 30), tick=False):  # 8:30 in San Francisco
        campaign_dispatch()
    assert outbox == []
    with time_machine.travel(boston(12, 0), tick=False):  # 9:00 there
        campaign_dispatch()
    assert [m.to for m in outbox] == ["+14155550123"]


def test_in_the_evening_california_is_texted_while_boston_waits(outbox):
    campaign = running_campaign()  # 8:00-21:00 local
    (boston_member,) = enroll(campaign, phone="+16175550123")
    (california_member,) = enroll(campaign, phone="+14155550123", mailing_state="")
    with time_machine.travel(boston(20, 30), tick=False):  # 17:30 in California
        campaign_dispatch()
    assert [m.to for m in outbox] == ["+14155550123"]
    boston_member.refresh_from_db()
    assert boston_member.status == MembershipStatus.PENDING


def test_property_state_decides_over_the_phone_area_code(outbox):
    campaign = running_campaign()
    (member,) = enroll(campaign, phone="+16175550123", mailing_state="")
    PropertyContactFactory(contact=member.contact, property__state="CA", property__city="Fresno")
    with time_machine.travel(boston(10), tick=False):  # 7:00 in California
        campaign_dispatch()
    assert outbox == []


# --- caps -------------------------------------------------------------------------------------


def test_campaign_daily_limit_holds_across_runs_and_the_next_day_continues(outbox):
    campaign = running_campaign(daily_limit=3)
    enroll(campaign, 5)
    with time_machine.travel(boston(10), tick=False):
        assert campaign_dispatch().sent == 3
    with time_machine.travel(boston(15), tick=False):
        report = campaign_dispatch()
        assert report.sent == 0 and report.batches[0].note == "today's allowance is used up"
    assert len(outbox) == 3
    with time_machine.travel(boston(10, day=11), tick=False):
        assert campaign_dispatch().sent == 2
    assert len({m.to for m in outbox}) == 5
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED


def test_line_cap_is_shared_by_campaigns_on_the_same_line(outbox, settings):
    settings.CAMPAIGN_LINE_DAILY_CAP = 4
    first, second = running_campaign(daily_limit=3), running_campaign(daily_limit=3)
    other_line = running_campaign(daily_limit=3, phone_number_id="PNotherLine")
    for campaign in (first, second, other_line):
        enroll(campaign, 3)
    with time_machine.travel(boston(10), tick=False):
        campaign_dispatch()
        campaign_dispatch()
    on_line = [m for m in outbox if m.from_line == "PNtoDbDhuz"]
    assert len(on_line) == 4 and len(outbox) == 7
    with time_machine.travel(boston(10, day=11), tick=False):
        campaign_dispatch()
    assert len([m for m in outbox if m.from_line == "PNtoDbDhuz"]) == 6


def test_the_day_is_counted_in_the_business_time_zone(outbox):
    campaign = running_campaign(daily_limit=1)
    enroll(campaign, 2, phone=None)  # placeholders replaced below
    members = list(campaign.memberships.order_by("pk"))
    for i, member in enumerate(members):
        Contact.objects.filter(pk=member.contact_id).update(phone=f"+1415555010{i}", mailing_state="CA")
    # 20:30 Pacific on the 10th is 23:30 in Boston: still the 10th for the business.
    with time_machine.travel(boston(20, 30), tick=False):
        assert campaign_dispatch().sent == 1
    with time_machine.travel(boston(23, 30), tick=False):
        assert campaign_dispatch().sent == 0
    # 00:30 in Boston on the 11th (21:30 Pacific on the 10th): a new business day, but CA's window is shut.
    with time_machine.travel(boston(0, 30, day=11), tick=False):
        report = campaign_dispatch()
    assert report.batches[0].allowance == 1 and report.sent == 0


# --- who is never texted -----------------------------------------------------------------------


@time_machine.travel(boston(11), tick=False)
def test_contact_who_opted_out_after_enrollment_is_never_texted(outbox):
    campaign = running_campaign()
    (member,) = enroll(campaign)
    contact_opt_out(contact=member.contact, reason="Replied “STOP”", source="inbound_message")
    report = campaign_dispatch()
    assert outbox == []
    member.refresh_from_db()
    assert member.status == MembershipStatus.SKIPPED and "opted out" in member.last_error
    assert report.batches[0].skipped == {"opted_out": 1} and report.batches[0].completed


@time_machine.travel(boston(11), tick=False)
def test_opt_out_between_claim_and_send_is_caught_at_send_time(outbox):
    campaign = running_campaign()
    (member,) = enroll(campaign)
    claimed, _ = memberships_claim(campaign=campaign, membership_ids=[member.pk], now=boston(11))
    contact_opt_out(contact=member.contact, reason="STOP", source="inbound_message")
    outcome = services._send_claimed(campaign=campaign, membership=claimed[0], window=(datetime.time(8), datetime.time(21)))
    assert outcome == "opted_out" and outbox == []
    member.refresh_from_db()
    assert member.status == MembershipStatus.SKIPPED


@time_machine.travel(boston(11), tick=False)
def test_no_valid_phone_is_skipped_for_good(outbox):
    campaign = running_campaign()
    (member,) = enroll(campaign)
    Contact.objects.filter(pk=member.contact_id).update(phone=None)
    campaign_dispatch()
    member.refresh_from_db()
    assert member.status == MembershipStatus.SKIPPED and outbox == []


@pytest.mark.parametrize(("days_ago", "texted"), [(10, False), (29, False), (31, True)])
def test_contact_texted_by_another_campaign_within_the_cooldown_waits(outbox, days_ago, texted):
    contact = ContactFactory()
    earlier = CampaignFactory(status=CampaignStatus.COMPLETED)
    CampaignMembershipFactory(
        campaign=earlier, contact=contact, status=MembershipStatus.DELIVERED,
        sent_at=boston(11) - datetime.timedelta(days=days_ago),
    )
    campaign = running_campaign()
    member = CampaignMembershipFactory(campaign=campaign, contact=contact)
    with time_machine.travel(boston(11), tick=False):
        report = campaign_dispatch()
    assert bool(outbox) is texted
    member.refresh_from_db()
    assert member.status == (MembershipStatus.SENT if texted else MembershipStatus.PENDING)
    if not texted:
        assert report.batches[0].skipped == {"cooldown": 1}


@time_machine.travel(boston(11), tick=False)
def test_same_contact_in_two_running_campaigns_gets_one_text(outbox):
    contact = ContactFactory()
    first, second = running_campaign(), running_campaign(phone_number_id="PNotherLine")
    CampaignMembershipFactory(campaign=first, contact=contact)
    CampaignMembershipFactory(campaign=second, contact=contact)
    campaign_dispatch()
    assert len(outbox) == 1


# --- provider failures and crash recovery ---------------------------------------------------------


class FailingBackend(sms.LocmemBackend):
    """Stands in for OpenPhone answering with an error (a fault we cannot provoke with the locmem backend)."""

    error = sms.SmsSendError("rate limited", retryable=True, status=429)

    def send(self, message):
        raise self.error


@pytest.mark.parametrize(
    ("error", "status_after", "outcome"),
    [
        (sms.SmsSendError("429 Too Many Requests", retryable=True, status=429), MembershipStatus.PENDING, "retry_later"),
        (sms.SmsSendError("A2P registration not approved", retryable=False, status=400), MembershipStatus.FAILED, "failed"),
        (sms.SmsSendError("read timeout", retryable=True, status=None), MembershipStatus.SENDING, "unresolved"),
    ],
)
@time_machine.travel(boston(11), tick=False)
def test_provider_errors(settings, monkeypatch, error, status_after, outcome):
    settings.SMS_BACKEND = "tests.campaigns.test_dispatch.FailingBackend"
    monkeypatch.setattr(FailingBackend, "error", error)
    campaign = running_campaign()
    (member,) = enroll(campaign)
    batch = campaign_dispatch().batches[0]
    assert getattr(batch, outcome) == 1
    member.refresh_from_db()
    assert member.status == status_after and member.last_error == str(error)
    assert Activity.objects.count() == 0


@time_machine.travel(boston(11), tick=False)
def test_retryable_errors_give_up_after_max_attempts(settings):
    settings.SMS_BACKEND = "tests.campaigns.test_dispatch.FailingBackend"
    campaign = running_campaign()
    (member,) = enroll(campaign)
    for _ in range(services.MAX_SEND_ATTEMPTS):
        campaign_dispatch()
    member.refresh_from_db()
    assert member.status == MembershipStatus.FAILED and member.attempts == services.MAX_SEND_ATTEMPTS


def crashed_membership(campaign, claimed_at):
    """A membership a dispatcher claimed and then died on."""
    (member,) = enroll(campaign)
    CampaignMembership.objects.filter(pk=member.pk).update(status=MembershipStatus.SENDING, claimed_at=claimed_at)
    member.refresh_from_db()
    return member


def test_crashed_send_found_at_openphone_is_marked_sent_without_a_second_text(outbox):
    campaign = running_campaign()
    with time_machine.travel(boston(10, 1), tick=False):
        member = crashed_membership(campaign, boston(10))
        # The text left before the crash; nothing was recorded locally.
        provider = sms.get_backend().send(sms.SmsMessage(to=member.contact.phone, body="Hi", from_line="PNtoDbDhuz"))
    with time_machine.travel(boston(10, 30), tick=False):
        report = campaign_dispatch()
    assert report.reconciled == {"sent": 1}
    assert len(outbox) == 1
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENT and member.sent_at == boston(10, 1)
    assert member.activity.openphone_id == provider.provider_id and member.activity.campaign_membership == member
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED


def test_crashed_send_not_found_is_sent_once_by_the_next_run(outbox):
    campaign = running_campaign()
    member = crashed_membership(campaign, boston(10))
    with time_machine.travel(boston(10, 30), tick=False):
        report = campaign_dispatch()
    assert report.reconciled == {"pending": 1} and report.sent == 1
    assert [m.to for m in outbox] == [member.contact.phone]
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENT


def test_crash_after_the_activity_was_recorded_needs_no_provider_lookup(outbox, monkeypatch):
    campaign = running_campaign()
    member = crashed_membership(campaign, boston(10))
    # message_send links the text to its membership in the transaction that records it.
    member.activity = Activity.objects.create(
        contact=member.contact, kind="message", direction="outgoing", body="Hi", status="sent",
        openphone_id="ACrecorded", occurred_at=boston(10, 0, ),
    )
    member.save()
    monkeypatch.setattr(sms.LocmemBackend, "find_sent", lambda *a, **k: pytest.fail("asked the provider"))
    counts = memberships_reconcile_stale(now=boston(10, 30))
    assert counts == {"sent": 1}
    member.refresh_from_db()
    assert member.activity.openphone_id == "ACrecorded" and outbox == []


def test_recent_sending_membership_is_left_alone(outbox):
    campaign = running_campaign()
    member = crashed_membership(campaign, boston(10, 25))
    with time_machine.travel(boston(10, 30), tick=False):
        report = campaign_dispatch()
    assert report.reconciled == {} and outbox == []
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENDING


def test_provider_unreachable_during_reconciliation_keeps_it_sending(outbox, monkeypatch):
    campaign = running_campaign()
    member = crashed_membership(campaign, boston(10))

    def unreachable(*args, **kwargs):
        raise sms.SmsSendError("connection refused", retryable=True)

    monkeypatch.setattr(sms.LocmemBackend, "find_sent", unreachable)
    with time_machine.travel(boston(10, 30), tick=False):
        report = campaign_dispatch()
    assert report.reconciled == {"unresolved": 1} and outbox == []
    member.refresh_from_db()
    assert member.status == MembershipStatus.SENDING


# --- dry run, command, task, schedule -------------------------------------------------------------


@time_machine.travel(boston(11), tick=False)
def test_dry_run_changes_nothing_and_explains_each_member(outbox):
    campaign = running_campaign(daily_limit=2)
    enroll(campaign, 3, first_name="Ann")
    opted = enroll(campaign, first_name="Opted")[0]
    Contact.objects.filter(pk=opted.contact_id).update(opted_out=True, opted_out_at=boston(9))
    enroll(campaign, phone="+14155550123", mailing_state="", first_name="Cal")  # 8:00 in California: inside 8-21
    report = campaign_dispatch(dry_run=True)
    batch = report.batches[0]
    assert outbox == [] and set(statuses(campaign)) == {MembershipStatus.PENDING}
    assert batch.would_send == 2 and [p.contact.split()[0] for p in batch.planned] == ["Ann", "Ann"]
    assert batch.skipped == {"daily_limit": 2, "opted_out": 1}
    assert {p.reason for p in batch.passed_over} == {services.SKIP_LABELS["daily_limit"], services.SKIP_LABELS["opted_out"]}
    assert all("*" in p.phone for p in batch.planned)


@time_machine.travel(boston(11), tick=False)
def test_command_dry_run_prints_who_would_be_texted_and_why_not(outbox, capsys):
    campaign = running_campaign(
        name="Spring check", send_window_start=datetime.time(10), send_window_end=datetime.time(18)
    )
    (member,) = enroll(campaign, first_name="Jane", last_name="Doe", phone="+16175550123")
    (late,) = enroll(campaign, first_name="Carl", last_name="West", phone="+14155550123", mailing_state="")
    call_command("run_campaign_batches", "--campaign", str(campaign.pk), "--dry-run")
    out = capsys.readouterr().out
    assert out.startswith("Dry run at 2026-03-10 11:00 EDT")
    assert f"Campaign {campaign.pk} “Spring check”" in out
    assert "would text 1:" in out and f"#{member.pk} Jane Doe +1******0123" in out
    assert f"#{late.pk} Carl West +1******0123: outside their local send window now" in out
    assert outbox == []
    call_command("run_campaign_batches", "--campaign", str(campaign.pk))
    assert "sent 1, failed 0" in capsys.readouterr().out and len(outbox) == 1


@time_machine.travel(boston(11), tick=False)
def test_command_for_a_paused_campaign_says_so(capsys):
    campaign = running_campaign(status=CampaignStatus.PAUSED)
    call_command("run_campaign_batches", "--campaign", str(campaign.pk))
    assert "not sending: paused" in capsys.readouterr().out


@time_machine.travel(boston(11), tick=False)
def test_celery_task_runs_the_dispatcher(outbox):
    campaign = running_campaign()
    enroll(campaign, 2)
    result = dispatch_campaign_batches.delay().get()
    assert result["campaigns"][0]["sent"] == 2 and len(outbox) == 2


def test_beat_schedule_exists_in_a_fresh_database():
    task = PeriodicTask.objects.get(name="Campaign batches")
    assert task.task == "campaigns.tasks.dispatch_campaign_batches" and task.enabled
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_week, str(cron.timezone)) == ("*/10", "8-20", "1-6", "America/New_York")


def test_batch_query_count_does_not_grow_with_the_campaign(outbox):
    """Sending a 5-text batch costs the same queries whether 6 or 60 members wait."""
    small, large = running_campaign(daily_limit=5), running_campaign(daily_limit=5, phone_number_id="PNline2")
    enroll(small, 6)
    enroll(large, 60)
    with time_machine.travel(boston(11), tick=False):
        with CaptureQueriesContext(connection) as small_run:
            campaign_dispatch(campaign_id=small.pk)
        with CaptureQueriesContext(connection) as large_run:
            campaign_dispatch(campaign_id=large.pk)
    assert len(outbox) == 10
    assert len(large_run) == len(small_run)


def test_a_stalled_dispatcher_hands_back_what_it_has_not_sent(outbox, monkeypatch):
    """Past the send deadline the rest of the claim goes back to pending, before reconciliation could take it."""
    campaign = running_campaign()
    enroll(campaign, 3)
    original = services._send_claimed
    with time_machine.travel(boston(11), tick=False) as traveller:

        def slow_send(**kwargs):
            outcome = original(**kwargs)
            traveller.shift(services.SEND_DEADLINE + datetime.timedelta(seconds=1))
            return outcome

        monkeypatch.setattr(services, "_send_claimed", slow_send)
        batch = campaign_dispatch().batches[0]
    assert batch.sent == 1 and batch.retry_later == 2 and len(outbox) == 1
    assert sorted(statuses(campaign)) == [MembershipStatus.PENDING, MembershipStatus.PENDING, MembershipStatus.SENT]
    assert not campaign.memberships.filter(claimed_at__isnull=False, status=MembershipStatus.PENDING).exists()


def test_mark_sent_takes_the_recorded_text_and_never_moves_a_delivered_member_back():
    campaign = running_campaign()
    sending, delivered = enroll(campaign, 2)
    CampaignMembership.objects.filter(pk=sending.pk).update(status=MembershipStatus.SENDING, claimed_at=boston(11))
    CampaignMembership.objects.filter(pk=delivered.pk).update(status=MembershipStatus.DELIVERED)
    text = Activity.objects.create(
        contact=sending.contact, kind="message", direction="outgoing", body="Hi", status="sent",
        openphone_id="ACone", occurred_at=boston(11, 1),
    )
    CampaignMembership.objects.filter(pk=sending.pk).update(activity=text)
    assert services.memberships_mark_sent(membership_ids=[sending.pk, delivered.pk]) == 1
    sending.refresh_from_db()
    delivered.refresh_from_db()
    assert (sending.status, sending.activity_id, sending.sent_at, sending.attempts) == (
        MembershipStatus.SENT, text.pk, boston(11, 1), 1,
    )
    assert delivered.status == MembershipStatus.DELIVERED
