"""Addresses homeowners mention in texts: matched to our houses on arrival, linked only by a person's click."""
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from contacts.models import Activity
from contacts.roles import OFFICE_STAFF
from properties.models import Property, PropertyContact
from properties.selectors import properties_match_addresses, property_match_address
from tests.factories import ContactFactory, PropertyFactory, UserFactory
from tests.openphone.sender import deliver, load_event

pytestmark = pytest.mark.django_db
HOMEOWNER = "+16175550123"


@pytest.fixture
def office(client):
    user = UserFactory(username="olive.office", is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client.force_login(user)
    return user


def test_match_with_or_without_city_and_zip_when_unique():
    house = PropertyFactory(address="12 Oak Street", city="Brockton", zip_code="02301")
    PropertyFactory(address="12 Oak Street", city="Quincy", zip_code="02169")
    assert property_match_address(line1="12 Oak St", city="Brockton") == house
    assert property_match_address(line1="12 oak st", zip_code="02301") == house
    assert property_match_address(line1="12 Oak St", city="Brockton", zip_code="02301") == house
    assert property_match_address(line1="12 Oak St") is None  # two towns: a person picks
    assert property_match_address(line1="99 Oak St", city="Brockton") is None
    alone = PropertyFactory(address="7 Cedar Lane", city="Taunton")
    assert property_match_address(line1="7 Cedar Ln") == alone


def test_many_addresses_are_matched_together_the_same_way(django_assert_num_queries):
    brockton = PropertyFactory(address="12 Oak Street", city="Brockton", zip_code="02301")
    quincy = PropertyFactory(address="12 Oak Street", city="Quincy", zip_code="02169")
    alone = PropertyFactory(address="7 Cedar Lane", city="Taunton")
    mentions = [
        {"line1": "12 Oak St", "city": "brockton", "state": "", "zip": ""},
        {"line1": "12 Oak St", "city": "", "state": "", "zip": "02169"},
        {"line1": "12 Oak St", "city": "", "state": "", "zip": ""},  # two towns: a person picks
        {"line1": "12 Oak St", "city": "Quincy", "state": "RI", "zip": ""},  # another state
        {"line1": "7 Cedar Ln", "city": "", "state": "ma", "zip": ""},
        {"line1": "99 Oak St", "city": "Brockton", "state": "", "zip": ""},
        {"line1": "", "city": "Brockton", "state": "", "zip": ""},
    ]
    with django_assert_num_queries(1):
        found = properties_match_addresses(mentions=mentions)
    assert found == [brockton, quincy, None, None, alone, None, None]
    assert found == [
        property_match_address(line1=m["line1"], city=m["city"], state=m["state"], zip_code=m["zip"]) for m in mentions
    ]


def _receive(client, django_capture_on_commit_callbacks, body):
    payload = load_event("message.received", id="EVmention1")
    payload["data"]["object"].update(id="ACmention1", text=body, **{"from": HOMEOWNER})
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, payload).status_code == 202
    return Activity.objects.get(openphone_id="ACmention1")


def test_an_incoming_text_gets_its_addresses_matched_but_nothing_linked(client, django_capture_on_commit_callbacks):
    contact = ContactFactory(phone=HOMEOWNER)
    house = PropertyFactory(address="12 Oak Street", city="Brockton")
    activity = _receive(client, django_capture_on_commit_callbacks, "Yes please. 12 Oak St, Brockton and 5 Elm Rd, Avon")
    assert activity.reading_addresses == [
        {"line1": "12 Oak St", "city": "Brockton", "state": "", "zip": "", "property_id": house.pk},
        {"line1": "5 Elm Rd", "city": "Avon", "state": "", "zip": "", "property_id": None},
    ]
    assert not PropertyContact.objects.filter(contact=contact).exists()


def _activity_with_mentions(contact, house=None):
    return Activity.objects.create(
        contact=contact, kind="message", direction="incoming", body="12 Oak St, Brockton", status="received",
        occurred_at="2026-03-10T12:00:00Z", reading_category="interested", reading_opt_out="none",
        reading_rule="interested.address_given",
        reading_addresses=[{"line1": "12 Oak St", "city": "Brockton", "state": "", "zip": "",
                            "property_id": house.pk if house else None}],
    )


def test_timeline_shows_the_mention_and_the_rule(client, office):
    contact = ContactFactory(phone=HOMEOWNER)
    house = PropertyFactory(address="12 Oak Street", city="Brockton")
    _activity_with_mentions(contact, house)
    html = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert "Mentions 12 Oak St, Brockton —" in html and f"house #{house.pk}" in html
    assert "interested.address_given" in html
    assert "Link this house to them" in html


def test_office_staff_link_the_matched_house_with_one_click(client, office):
    contact = ContactFactory(phone=HOMEOWNER)
    house = PropertyFactory(address="12 Oak Street", city="Brockton")
    activity = _activity_with_mentions(contact, house)
    response = client.post(reverse("admin:properties_property_link_mention", args=[activity.pk, 0]), follow=True)
    assert f"House #{house.pk}" in response.content.decode()
    assert PropertyContact.objects.get(contact=contact).property == house


def test_a_house_not_in_our_records_is_created_and_linked(client, office):
    contact = ContactFactory(phone=HOMEOWNER)
    activity = _activity_with_mentions(contact)
    html = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert "not in our records" in html and "Add the house and link it" in html
    client.post(reverse("admin:properties_property_link_mention", args=[activity.pk, 0]))
    house = Property.objects.get()
    assert (house.address, house.city, house.state) == ("12 Oak St", "Brockton", "MA")
    assert PropertyContact.objects.get(contact=contact).property == house
    activity.refresh_from_db()
    assert activity.reading_addresses[0]["property_id"] == house.pk


def test_linking_needs_the_property_permissions(client):
    viewer = UserFactory(username="vic.viewer", is_staff=True)
    viewer.user_permissions.add(*Group.objects.get(name=OFFICE_STAFF).permissions.filter(codename="view_contact"))
    client.force_login(viewer)
    contact = ContactFactory(phone=HOMEOWNER)
    activity = _activity_with_mentions(contact, PropertyFactory(address="12 Oak Street", city="Brockton"))
    assert "Link this house" not in client.get(
        reverse("admin:contacts_contact_change", args=[contact.pk])
    ).content.decode()
    response = client.post(reverse("admin:properties_property_link_mention", args=[activity.pk, 0]))
    assert response.status_code == 403
    assert not PropertyContact.objects.exists()


def test_linking_a_mention_the_text_does_not_have_says_so(client, office):
    activity = _activity_with_mentions(ContactFactory(phone=HOMEOWNER))
    response = client.post(reverse("admin:properties_property_link_mention", args=[activity.pk, 3]), follow=True)
    assert "mentions no such address" in response.content.decode()
    assert not PropertyContact.objects.exists()
