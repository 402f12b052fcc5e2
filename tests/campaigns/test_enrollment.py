"""Enrollment: who gets in, who is skipped and why, and a variant that never flips."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import CampaignMembership, CampaignStatus, Variant
from campaigns.services import (
    EnrollmentResult,
    campaign_enroll_contacts,
    campaign_enroll_tag,
    membership_variant,
)
from contacts.models import Contact
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_enroll_adds_textable_contacts_and_counts_each_skip_reason():
    campaign = CampaignFactory()
    ok = ContactFactory.create_batch(3)
    opted_out = ContactFactory(opted_out=True, opted_out_at="2026-01-01T12:00:00Z")
    no_phone = ContactFactory(phone=None)
    toll_free = ContactFactory(phone="+18005550199")
    member = ContactFactory()
    CampaignMembershipFactory(campaign=campaign, contact=member)
    ids = [c.pk for c in ok] + [opted_out.pk, no_phone.pk, toll_free.pk, member.pk, 999_999]

    result = campaign_enroll_contacts(campaign=campaign, contact_ids=ids)

    assert result.added == 3
    assert result.skipped == {"opted_out": 1, "no_valid_phone": 2, "already_enrolled": 1, "not_found": 1}
    assert set(campaign.memberships.values_list("contact_id", flat=True)) == {c.pk for c in ok} | {member.pk}
    summary = result.summary()
    assert summary.startswith(f"Added 3 homeowners to “{campaign.name}”; skipped 5 (")
    assert "2 no valid mobile number" in summary and "1 opted out" in summary and "1 already enrolled" in summary


def test_enrolling_twice_adds_nobody_the_second_time():
    campaign = CampaignFactory()
    ids = [c.pk for c in ContactFactory.create_batch(4)]
    assert campaign_enroll_contacts(campaign=campaign, contact_ids=ids).added == 4
    again = campaign_enroll_contacts(campaign=campaign, contact_ids=ids)
    assert again.added == 0 and again.skipped == {"already_enrolled": 4}
    assert CampaignMembership.objects.count() == 4


def test_enrollment_query_count_does_not_grow_with_the_number_of_contacts():
    small, large = CampaignFactory(), CampaignFactory()
    few = [c.pk for c in ContactFactory.create_batch(3)]
    many = [c.pk for c in ContactFactory.create_batch(60)]
    with CaptureQueriesContext(connection) as small_run:
        campaign_enroll_contacts(campaign=small, contact_ids=few)
    with CaptureQueriesContext(connection) as large_run:
        campaign_enroll_contacts(campaign=large, contact_ids=many)
    assert len(large_run) == len(small_run)
    assert large.memberships.count() == 60


def test_enroll_by_tag_takes_everyone_with_the_tag():
    campaign = CampaignFactory()
    tag = TagFactory(name="Pittsfield list")
    tagged = ContactFactory.create_batch(2)
    for contact in tagged:
        contact.tags.add(tag)
    ContactFactory()  # untagged
    result = campaign_enroll_tag(campaign=campaign, tag=tag)
    assert result.added == 2
    assert campaign_enroll_tag(campaign=campaign, tag="Pittsfield list").skipped == {"already_enrolled": 2}


@pytest.mark.parametrize("status", [CampaignStatus.COMPLETED, CampaignStatus.CANCELLED])
def test_closed_campaign_takes_no_members(status):
    campaign = CampaignFactory(status=status)
    with pytest.raises(ValidationError) as excinfo:
        campaign_enroll_contacts(campaign=campaign, contact_ids=[ContactFactory().pk])
    assert excinfo.value.code == "campaign_closed"
    assert CampaignMembership.objects.count() == 0


def test_variant_split_follows_the_percentage_and_is_stable():
    campaign = CampaignFactory(template_b="Hello {first_name|there}, free crack check this week?", ab_split=30)
    contacts = ContactFactory.create_batch(200)
    campaign_enroll_contacts(campaign=campaign, contact_ids=[c.pk for c in contacts])
    first = dict(campaign.memberships.values_list("contact_id", "variant"))
    share_b = sum(v == Variant.B for v in first.values()) / len(first)
    assert 0.18 < share_b < 0.42
    # Re-running enrollment, or recomputing, never flips anyone.
    campaign_enroll_contacts(campaign=campaign, contact_ids=[c.pk for c in contacts])
    assert dict(campaign.memberships.values_list("contact_id", "variant")) == first
    assert all(membership_variant(campaign=campaign, contact_id=pk) == v for pk, v in first.items())


def test_without_template_b_everyone_gets_a():
    campaign = CampaignFactory(template_b="", ab_split=50)
    campaign_enroll_contacts(campaign=campaign, contact_ids=[c.pk for c in ContactFactory.create_batch(20)])
    assert set(campaign.memberships.values_list("variant", flat=True)) == {Variant.A}


def test_summary_without_skips():
    assert EnrollmentResult(added=1, campaign_name="Fall").summary() == "Added 1 homeowner to “Fall”."
    assert Contact.objects.count() == 0
