"""Audit trail for changes written with bulk statements (QuerySet.update) instead of save(): the campaign
dispatcher, replies moving lead statuses, hold decisions, numbers marked deliverable. Each changed row gets
a history row with who (a person, or the system) and why; rows the statement did not change get none."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaigns.models import CampaignMembership, CampaignStatus, MembershipStatus
from campaigns.services import campaign_dispatch
from contacts.models import Contact, ContactPhone, HoldDecision, LeadStatus
from contacts.roles import OFFICE_STAFF
from contacts.services import contact_hold, contact_hold_decide, contact_phones_mark_deliverable
from crm.history import audited_update
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory, group_member

pytestmark = pytest.mark.django_db

EASTERN = ZoneInfo("America/New_York")


@pytest.fixture
def clerk(db):
    return group_member(OFFICE_STAFF, "olive.office")


def test_audited_update_records_only_the_rows_it_changed_with_who_and_why(clerk):
    waiting = [ContactFactory(lead_status=LeadStatus.NEW) for _ in range(3)]
    settled = ContactFactory(lead_status=LeadStatus.CUSTOMER)
    before = Contact.history.count()

    changed = audited_update(Contact.objects.filter(lead_status=LeadStatus.NEW), by=clerk, reason="Called them all",
                             lead_status=LeadStatus.CONTACTED)

    assert changed == 3
    rows = Contact.history.order_by("-history_id")[:3]
    assert Contact.history.count() == before + 3
    assert sorted(r.id for r in rows) == sorted(c.pk for c in waiting)
    assert {(r.lead_status, r.history_type, r.history_user_id, r.history_change_reason) for r in rows} == {
        (LeadStatus.CONTACTED, "~", clerk.pk, "Called them all")
    }
    assert not Contact.history.filter(id=settled.pk, history_change_reason="Called them all").exists()


def test_a_filter_on_the_field_being_changed_still_names_the_changed_rows():
    pending = CampaignMembershipFactory(status=MembershipStatus.PENDING)
    sent = CampaignMembershipFactory(status=MembershipStatus.SENT)

    audited_update(CampaignMembership.objects.filter(status=MembershipStatus.PENDING), reason="Skipped",
                   status=MembershipStatus.SKIPPED)

    history = CampaignMembership.history.filter(history_change_reason="Skipped")
    assert [(h.id, h.status, h.history_user_id) for h in history] == [(pending.pk, MembershipStatus.SKIPPED, None)]
    assert not CampaignMembership.history.filter(id=sent.pk, history_change_reason="Skipped").exists()


def test_nothing_matched_writes_no_history():
    before = Contact.history.count()
    assert audited_update(Contact.objects.filter(pk=-1), reason="None", lead_status=LeadStatus.DEAD) == 0
    assert Contact.history.count() == before


@time_machine.travel(datetime.datetime(2026, 3, 10, 11, 0, tzinfo=EASTERN), tick=False)
def test_a_campaign_text_leaves_the_memberships_way_in_its_history(outbox):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(8, 0),
                               send_window_end=datetime.time(21, 0))
    member = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(lead_status=LeadStatus.NEW))

    assert campaign_dispatch().sent == 1

    steps = list(CampaignMembership.history.filter(id=member.pk).order_by("history_id")
                 .values_list("status", "history_change_reason"))
    assert steps[0][0] == MembershipStatus.PENDING  # enrolled (saved: simple-history's own row)
    assert (MembershipStatus.SENDING, "Campaign dispatcher: claimed to send") in steps
    assert steps[-1] == (MembershipStatus.SENT, "Campaign dispatcher: sent")
    contact_steps = Contact.history.filter(id=member.contact_id).order_by("history_id")
    assert contact_steps.last().lead_status == LeadStatus.CONTACTED
    assert contact_steps.last().history_change_reason == f"Texted by campaign {campaign.name}"


def test_a_hold_lifted_by_office_staff_shows_who_lifted_it(clerk):
    contact = ContactFactory()
    contact_hold(contact=contact, reason="“please stop”?", source="reading")

    contact_hold_decide(contact=contact, decision=HoldDecision.KEEP_TEXTING, by_user=clerk)

    latest = Contact.history.filter(id=contact.pk).latest("history_id")
    assert latest.texting_held is False
    assert latest.history_user == clerk
    assert latest.history_change_reason == "Hold decided: keep_texting"
    assert latest.diff_against(latest.prev_record).changed_fields == ["texting_held"]


def test_numbers_marked_deliverable_again_name_the_person(clerk):
    contact = ContactFactory(phone="+16175550140")
    number = ContactPhone.objects.create(contact=contact, phone="+16175550140", label="main", delivery_failures=2,
                                         undeliverable_since=datetime.datetime(2026, 3, 1, tzinfo=EASTERN))

    assert contact_phones_mark_deliverable(contacts=[contact], by_user=clerk) == 1

    latest = ContactPhone.history.filter(id=number.pk).latest("history_id")
    assert latest.undeliverable_since is None and latest.delivery_failures == 0
    assert latest.history_user == clerk and latest.history_change_reason == "Marked deliverable again"
