"""/api/v1/properties: one row per normalized address, owners, filters."""
import pytest

from properties.models import Property, PropertyContact
from tests.factories import ContactFactory, PropertyContactFactory, PropertyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/properties/"


def test_create_with_owners_normalizes_the_address(office_client):
    jane, bob = ContactFactory(), ContactFactory()
    response = office_client.post(
        URL,
        {
            "address": "12 Main Street", "city": "Worcester", "state": "MA", "zip_code": "1608",
            "year_built": 1925,
            "owners": [{"contact": jane.pk, "role": "primary_owner"}, {"contact": bob.pk, "role": "secondary_owner"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["zip_code"] == "01608"
    assert body["address_key"] == "12 MAIN ST|WORCESTER|MA|01608"
    assert [(o["contact"], o["role"], o["name"]) for o in body["owners"]] == [
        (jane.pk, "primary_owner", jane.full_name), (bob.pk, "secondary_owner", bob.full_name),
    ]


def test_the_same_house_written_differently_is_refused(office_client):
    existing = PropertyFactory(address="12 Main St", city="Worcester", zip_code="01608")
    response = office_client.post(
        URL, {"address": "12 MAIN STREET", "city": "worcester", "state": "MA", "zip_code": "01608"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["address"] == [f"This address is already property {existing.pk} ({existing})."]
    assert Property.objects.count() == 1


def test_unknown_owner_is_a_field_error(office_client):
    response = office_client.post(URL, {"address": "1 Elm St", "owners": [{"contact": 999999}]}, format="json")
    assert response.status_code == 400
    assert "999999" in response.json()["owners"][0]
    assert Property.objects.count() == 0


def test_patch_owners_replaces_the_links_and_moves_updated_at(office_client):
    link = PropertyContactFactory()
    prop, newcomer = link.property, ContactFactory()
    before = prop.updated_at
    response = office_client.patch(
        f"{URL}{prop.pk}/", {"owners": [{"contact": newcomer.pk, "role": "resident"}]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [(o["contact"], o["role"]) for o in response.json()["owners"]] == [(newcomer.pk, "resident")]
    assert list(PropertyContact.objects.filter(property=prop).values_list("contact_id", flat=True)) == [newcomer.pk]
    prop.refresh_from_db()
    assert prop.updated_at > before


def test_patch_without_owners_keeps_them(office_client):
    link = PropertyContactFactory()
    response = office_client.patch(f"{URL}{link.property.pk}/", {"year_built": 1901}, format="json")
    assert response.status_code == 200
    assert [o["contact"] for o in response.json()["owners"]] == [link.contact_id]


def test_filters_by_city_zip_year_built_and_equity(office_client):
    old_house = PropertyFactory(city="Worcester", zip_code="01608", year_built=1910, estimated_equity=300000)
    new_house = PropertyFactory(city="Boston", zip_code="02114", year_built=1995, estimated_equity=50000)

    def ids(**params):
        response = office_client.get(URL, params)
        assert response.status_code == 200, response.json()
        return [p["id"] for p in response.json()["results"]]

    assert ids(city="worcester") == [old_house.pk]
    assert ids(zip_code="02114") == [new_house.pk]
    assert ids(year_built_max=1950) == [old_house.pk]
    assert ids(year_built_min=1950) == [new_house.pk]
    assert ids(equity_min=100000) == [old_house.pk]
    assert ids(equity_max=100000) == [new_house.pk]
    assert ids(owner=PropertyContactFactory(property=new_house).contact_id) == [new_house.pk]


@pytest.mark.parametrize("value", ["1e91", "-1.5e91", "12.5", "99999999999999999999999"])
def test_numbers_that_are_not_storable_whole_numbers_are_a_400(office_client, value):
    response = office_client.get(URL, {"owner": value})
    assert response.status_code == 400 and "owner" in response.json()


def test_an_owner_id_too_big_to_store_is_a_400(office_client):
    response = office_client.post(URL, {"address": "1 Elm St", "owners": [{"contact": 2**70}]}, format="json")
    assert response.status_code == 400 and "owners" in response.json()


def test_search_by_address(office_client):
    house = PropertyFactory(address="77 Pleasant St")
    PropertyFactory(address="5 Oak Ave")
    assert [p["id"] for p in office_client.get(URL, {"search": "pleasant"}).json()["results"]] == [house.pk]


def test_a_parcel_number_already_on_file_is_a_field_error(office_client):
    from tests.factories import PropertyFactory

    existing = PropertyFactory(apn="29-861-1534", state="MA")
    response = office_client.post(
        "/api/v1/properties/", {"address": "9 Other Rd", "city": "Pittsfield", "state": "MA", "apn": "29-861-1534"},
        format="json",
    )
    assert response.status_code == 400
    assert str(existing.pk) in response.json()["apn"][0]
