"""Finding houses in the admin: by address, ZIP, parcel, owner name or phone; filters; flat query count."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from properties.models import Property
from tests.factories import ContactFactory, PropertyContactFactory, PropertyFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:properties_property_changelist")
ADD = reverse("admin:properties_property_add")
OWNER_LINK = re.compile(r'href="/admin/contacts/contact/\d+/change/"')


def _url(prop):
    return reverse("admin:properties_property_change", args=[prop.pk])


def _get(client, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _house_with_two_owners():
    link = PropertyContactFactory()
    PropertyContactFactory(property=link.property, role="secondary_owner")
    return link.property


def test_changelist_query_count_does_not_grow_with_rows(admin_client):
    for _ in range(10):
        _house_with_two_owners()
    few, html_few = _get(admin_client)
    for _ in range(190):
        _house_with_two_owners()
    many, html_many = _get(admin_client)
    # Owners are listed as links to their contact pages: two per row.
    assert len(OWNER_LINK.findall(html_few)) == 2 * 10
    assert len(OWNER_LINK.findall(html_many)) == 2 * 50
    assert many == few


@pytest.mark.parametrize("typed", ["(617) 555-0123", "617.555.0123", "6175550123"])
def test_search_by_owner_phone_typed_any_way(admin_client, typed):
    wanted = PropertyContactFactory(contact__phone="+16175550123").property
    other = PropertyContactFactory(contact__phone="+16175550199").property
    _, html = _get(admin_client, q=typed)
    assert _url(wanted) in html
    assert _url(other) not in html


@pytest.mark.parametrize(
    "term", ["48 Chadwick", "48 Chadwick Street", "Haverhill", "01832", "HAVE-0412-0087", "Kelly", "Maureen"]
)
def test_search_by_address_city_zip_apn_and_owner_name(admin_client, term):
    wanted = PropertyFactory(address="48 Chadwick St", city="Haverhill", zip_code="01832", apn="HAVE-0412-0087")
    PropertyContactFactory(property=wanted, contact=ContactFactory(first_name="Maureen", last_name="Kelly"))
    other = PropertyFactory(address="7 Ferncroft Rd", city="Danvers", zip_code="01923", apn="DANV-0001-0001")
    _, html = _get(admin_client, q=term)
    assert _url(wanted) in html
    assert _url(other) not in html


def test_year_built_filter_by_decade(admin_client):
    fifties = PropertyFactory(year_built=1955)
    sixties = PropertyFactory(year_built=1960)
    victorian = PropertyFactory(year_built=1885)
    _, html = _get(admin_client, built="1950")
    assert _url(fifties) in html and _url(sixties) not in html and _url(victorian) not in html
    _, html = _get(admin_client, built="before")
    assert _url(victorian) in html and _url(fifties) not in html


def test_equity_filter_by_range(admin_client):
    under_water = PropertyFactory(equity_percent=-5)
    low = PropertyFactory(equity_percent=12)
    high = PropertyFactory(equity_percent=80)
    _, html = _get(admin_client, equity="under")
    assert _url(under_water) in html and _url(low) not in html
    _, html = _get(admin_client, equity="0-20")
    assert _url(low) in html and _url(under_water) not in html and _url(high) not in html
    _, html = _get(admin_client, equity="80+")
    assert _url(high) in html and _url(low) not in html


def test_owner_occupied_filter(admin_client):
    lived_in = PropertyFactory(owner_occupied=True)
    rented = PropertyFactory(owner_occupied=False)
    _, html = _get(admin_client, owner_occupied__exact="0")
    assert _url(rented) in html and _url(lived_in) not in html


def _add_form(**overrides):
    data = {"address": "12 Main Street", "city": "Worcester", "state": "MA", "zip_code": "01608",
            "contact_links-TOTAL_FORMS": "0", "contact_links-INITIAL_FORMS": "0"}
    data.update(overrides)
    return data


def test_admin_add_computes_the_address_key(admin_client):
    response = admin_client.post(ADD, _add_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Property.objects.get().address_key == "12 MAIN ST|WORCESTER|MA|01608"


def test_admin_add_refuses_an_address_already_on_file(admin_client):
    existing = PropertyFactory(address="12 Main St", city="Worcester", zip_code="01608")
    response = admin_client.post(ADD, _add_form(address="12 MAIN STREET"))
    assert response.status_code == 200
    assert f'href="{_url(existing)}"' in response.content.decode()
    assert Property.objects.count() == 1


def test_admin_add_with_an_owner_picked_by_autocomplete(admin_client):
    owner = ContactFactory()
    data = _add_form(**{"contact_links-TOTAL_FORMS": "1", "contact_links-0-contact": str(owner.pk),
                        "contact_links-0-role": "primary_owner"})
    response = admin_client.post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Property.objects.get().owners.all()) == [owner]
    # The owner field is an autocomplete widget that searches contacts.
    page = admin_client.get(ADD).content.decode()
    assert "admin-autocomplete" in page


def test_street_search_is_served_by_the_address_key_index():
    """Migration 0004 makes address_key bytewise ("C") on PostgreSQL and drops its pattern-ops twin:
    the unique index itself must serve `LIKE 'STREET|%'` (with sequential scans off, a plan that
    could not use it would still scan the table)."""
    if connection.vendor != "postgresql":
        pytest.skip("collations and plans are PostgreSQL's")
    PropertyFactory(address="12 Main St", city="Worcester")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'properties_property' AND indexdef LIKE '%pattern_ops%'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Property.objects.filter(address_key__startswith="12 MAIN ST|").explain()
    assert "properties_property_address_key_key" in plan and "Seq Scan" not in plan, plan
