"""No N+1: every list endpoint costs the same number of queries for a page of 10 and a page of 100."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import ContactPhone
from contacts.roles import MANAGER
from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CampaignMembershipFactory,
    ContactFactory,
    ConversationFactory,
    PropertyContactFactory,
    PropertyFactory,
    TagFactory,
    UserFactory,
    group_member,
)

from .conftest import token_client

pytestmark = pytest.mark.django_db

ROWS = 110  # more than the largest page


@pytest.fixture
def crowded():
    """More than a page of every kind of row, each with the related rows its list shows."""
    tags = [TagFactory(name="Pittsfield list"), TagFactory(name="Called back")]
    staff = UserFactory(username="sender")
    contacts = ContactFactory.create_batch(ROWS)
    for contact in contacts:
        contact.tags.set(tags)
        ContactPhone.objects.create(contact=contact, phone=contact.phone, label="main")
    for contact in contacts:
        prop = PropertyFactory()
        PropertyContactFactory(property=prop, contact=contact)
        PropertyContactFactory(property=prop, contact=contacts[0] if contact != contacts[0] else contacts[1])
    campaign = CampaignFactory()
    CampaignFactory.create_batch(ROWS)
    for contact in contacts:
        membership = CampaignMembershipFactory(campaign=campaign, contact=contact)
        membership.activity = ActivityFactory(contact=contact, sent_by=staff)
        membership.save()
        ConversationFactory(contact=contact)
    return {"campaign": campaign}


def list_urls(campaign):
    return [
        "/api/v1/contacts/",
        "/api/v1/contacts/?tag=Pittsfield%20list",
        "/api/v1/contacts/?search=1617",
        "/api/v1/properties/",
        "/api/v1/campaigns/",
        f"/api/v1/campaigns/{campaign.pk}/memberships/",
        "/api/v1/activities/",
        "/api/v1/conversations/",
        "/api/v1/conversations/?waiting_for_reply=false",
    ]


def _count(client, url, page_size):
    joiner = "&" if "?" in url else "?"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{url}{joiner}page_size={page_size}")
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["results"]) == page_size
    return len(ctx.captured_queries)


@pytest.mark.parametrize("auth", ["token", "session"])
def test_list_queries_do_not_grow_with_the_page(crowded, auth):
    user = group_member(MANAGER, "reader")
    if auth == "token":
        client = token_client(user)
    else:
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_login(user)
    for url in list_urls(crowded["campaign"]):
        _count(client, url, 10)  # warm: the first request of a session may create it
        small, large = _count(client, url, 10), _count(client, url, 100)
        assert small == large, f"{url}: {small} queries for 10 rows, {large} for 100"
        # auth (1-2) + permissions (2) + count (1) + page (1) + prefetches (at most 2)
        assert large <= 9, f"{url}: {large} queries"
