"""POST /api/v1/text-analysis/: the reading of a text, its addresses matched to our houses; nothing stored."""
import pytest
from rest_framework.test import APIClient

from contacts.models import Activity, Contact
from tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/text-analysis/"


def test_office_staff_get_the_reading(office_client):
    response = office_client.post(URL, {"text": "Please remove my number"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"category": "opt_out", "opt_out": "certain", "rule": "opt_out.remove_me", "addresses": []}
    assert not Activity.objects.exists() and not Contact.objects.exists()


def test_an_address_is_matched_to_our_house_when_one_fits(manager_client):
    house = PropertyFactory(address="12 Oak Street", city="Brockton", zip_code="02301")
    PropertyFactory(address="12 Oak Street", city="Quincy", zip_code="02169")
    body = manager_client.post(URL, {"text": "yes! 12 Oak St, Brockton. crack by the stairs"}, format="json").json()
    assert (body["category"], body["opt_out"]) == ("interested", "none")
    assert body["addresses"] == [
        {"line1": "12 Oak St", "city": "Brockton", "state": "", "zip": "", "property_id": house.pk}
    ]


def test_an_address_in_two_towns_without_a_town_matches_nothing(office_client):
    PropertyFactory(address="12 Oak Street", city="Brockton")
    PropertyFactory(address="12 Oak Street", city="Quincy")
    body = office_client.post(URL, {"text": "it's at 12 oak st"}, format="json").json()
    assert body["addresses"][0]["property_id"] is None


def test_unclear_reply_is_possible(office_client):
    body = office_client.post(URL, {"text": "only text after 6 please"}, format="json").json()
    assert body["opt_out"] == "possible"


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "This field is required."),
    ({"text": 12}, "Send the message as a string."),
    ({"text": None}, "This field may not be null."),
    ({"text": "x" * 1601}, "at most 1600 characters"),
])
def test_bad_input_is_a_400_naming_the_field(office_client, payload, message):
    response = office_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()["text"])


def test_1600_characters_are_accepted(office_client):
    assert office_client.post(URL, {"text": "y" * 1600}, format="json").status_code == 200


def test_same_permission_as_reading_contacts(nobody_client):
    assert APIClient().post(URL, {"text": "STOP"}, format="json").status_code == 401
    assert nobody_client.post(URL, {"text": "STOP"}, format="json").status_code == 403


def test_it_is_in_the_openapi_schema(office_client):
    schema = office_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/text-analysis/"]["post"]
    assert "200" in operation["responses"]
