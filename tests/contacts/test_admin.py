"""The office's main screen: finding homeowners, their page, refusing duplicates, bulk actions."""
from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import ActivityKind, Contact, ContactPhone, Direction, OptOutEvent, Tag
from contacts.selectors import TIMELINE_LIMIT
from contacts.services import contact_create
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    ConversationFactory,
    PropertyContactFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:contacts_contact_changelist")
ADD = reverse("admin:contacts_contact_add")


def _homeowner_with_history(tags):
    """A contact with everything the list shows: tags, a property, texts, a conversation awaiting us."""
    contact = ContactFactory()
    contact.tags.set(tags)
    PropertyContactFactory(contact=contact)
    conversation = ConversationFactory(contact=contact, waiting_for_reply=True)
    ActivityFactory(contact=contact, conversation=conversation, direction=Direction.OUTGOING)
    ActivityFactory(contact=contact, conversation=conversation, direction=Direction.INCOMING)
    return contact


def _changelist_queries(client, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_changelist_query_count_does_not_grow_with_rows(admin_client):
    tags = [TagFactory(name="Worcester mailer"), TagFactory(name="Called back")]
    for _ in range(10):
        _homeowner_with_history(tags)
    few, html_few = _changelist_queries(admin_client)
    for _ in range(190):
        _homeowner_with_history(tags)
    many, html_many = _changelist_queries(admin_client)
    assert html_few.count('class="tag-chip"') == 20  # 10 rows, 2 tags each: the rows really were rendered
    assert html_many.count('class="tag-chip"') == 2 * 50  # a full page
    assert many == few


def test_changelist_shows_formatted_phone_status_property_and_waiting(admin_client):
    contact = _homeowner_with_history([])
    contact.lead_status = "interested"
    contact.save()
    link = contact.property_links.select_related("property").get()
    _, html = _changelist_queries(admin_client)
    assert contact.phone_display in html  # (617) 2xx-xxxx, not E.164
    assert "Interested" in html
    assert f"{link.property.address}, {link.property.city}" in html
    assert "waiting" in html


@pytest.mark.parametrize("typed", ["(617) 555-0123", "617.555.0123", "+1 617 555 0123", "6175550123", "555-0123"])
def test_search_finds_a_homeowner_by_phone_typed_any_way(admin_client, typed):
    wanted = ContactFactory(first_name="Maureen", last_name="Kelly", phone="+16175550123")
    ContactFactory(first_name="Other", last_name="Person", phone="+16175550199")
    _, html = _changelist_queries(admin_client, q=typed)
    assert reverse("admin:contacts_contact_change", args=[wanted.pk]) in html
    assert "Other" not in html


def test_search_finds_a_homeowner_by_a_further_number(admin_client):
    wanted = ContactFactory(first_name="Maureen", last_name="Kelly", phone="+16175550123")
    ContactPhone.objects.create(contact=wanted, phone="+15085550142", label="landline")
    _, html = _changelist_queries(admin_client, q="(508) 555-0142")
    assert reverse("admin:contacts_contact_change", args=[wanted.pk]) in html


def test_search_finds_by_name_email_and_property_address(admin_client):
    wanted = ContactFactory(first_name="Maureen", last_name="Kelly", email="mk@example.com")
    PropertyContactFactory(contact=wanted, property__address="48 Chadwick St", property__city="Haverhill")
    other = ContactFactory(first_name="Someone", last_name="Else")
    wanted_url = reverse("admin:contacts_contact_change", args=[wanted.pk])
    other_url = reverse("admin:contacts_contact_change", args=[other.pk])
    for term in ["Maureen Kelly", "mk@example", "48 Chadwick"]:
        _, html = _changelist_queries(admin_client, q=term)
        assert wanted_url in html, term
        assert other_url not in html, term


def test_filters_by_lead_status_and_tag(admin_client):
    tag = TagFactory(name="Pittsfield list")
    tagged = ContactFactory(lead_status="appointment")
    tagged.tags.add(tag)
    untagged = ContactFactory(lead_status="new")
    _, html = _changelist_queries(admin_client, tags__id__exact=tag.pk)
    assert reverse("admin:contacts_contact_change", args=[tagged.pk]) in html
    assert reverse("admin:contacts_contact_change", args=[untagged.pk]) not in html
    _, html = _changelist_queries(admin_client, lead_status__exact="new")
    assert reverse("admin:contacts_contact_change", args=[untagged.pk]) in html
    assert reverse("admin:contacts_contact_change", args=[tagged.pk]) not in html


# --- add / change ----------------------------------------------------------------------------


def _add_form(**overrides):
    data = {
        "first_name": "John", "last_name": "Doe", "phone": "", "email": "", "lead_status": "new",
        "source": "manual", "notes": "", "mailing_address": "", "mailing_city": "", "mailing_state": "",
        "mailing_zip": "",
    }
    for prefix in ("phones", "property_links", "opt_out_events", "texting_holds"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def test_admin_add_normalizes_the_phone_and_keeps_it_among_the_numbers(admin_client):
    response = admin_client.post(ADD, _add_form(phone="(617) 555-0123"))
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get()
    assert contact.phone == "+16175550123"
    assert list(contact.phones.values_list("phone", flat=True)) == ["+16175550123"]


def test_admin_add_refuses_a_duplicate_phone_with_a_link_to_the_owner(admin_client):
    existing = contact_create(first_name="Jane", last_name="Doe", phone="617-555-0123")
    response = admin_client.post(ADD, _add_form(phone="617.555.0123"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="/admin/contacts/contact/{existing.pk}/change/">Jane Doe</a>' in html
    assert Contact.objects.count() == 1


def test_admin_add_refuses_a_number_that_is_someone_elses_further_number(admin_client):
    existing = ContactFactory(first_name="Jane", last_name="Doe")
    ContactPhone.objects.create(contact=existing, phone="+15085550142")
    response = admin_client.post(ADD, _add_form(phone="508 555 0142"))
    assert response.status_code == 200
    assert f"/admin/contacts/contact/{existing.pk}/change/" in response.content.decode()
    assert Contact.objects.count() == 1


def test_admin_add_refuses_an_invalid_phone_saying_why(admin_client):
    response = admin_client.post(ADD, _add_form(phone="555-01"))
    assert response.status_code == 200
    assert "is not a valid phone number" in response.content.decode()
    assert Contact.objects.count() == 0


def test_admin_change_keeps_the_old_number_when_the_main_one_changes(admin_client):
    contact = contact_create(first_name="Jane", last_name="Doe", phone="617-555-0123")
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    page = admin_client.get(url)
    assert "(617) 555-0123" in page.content.decode()  # shown as people read it
    form = _add_form(first_name="Jane", phone="508-555-0142")
    form.update({"phones-TOTAL_FORMS": "1", "phones-INITIAL_FORMS": "1",
                 "phones-0-id": str(contact.phones.get().pk), "phones-0-contact": str(contact.pk),
                 "phones-0-phone": "(617) 555-0123", "phones-0-label": "main"})
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    contact.refresh_from_db()
    assert contact.phone == "+15085550142"
    assert set(contact.phones.values_list("phone", flat=True)) == {"+16175550123", "+15085550142"}


def test_change_page_shows_the_timeline_newest_first_with_call_details(admin_client):
    contact = ContactFactory()
    now = timezone.now()
    ActivityFactory(contact=contact, body="Do you fix bulkhead cracks?", direction=Direction.INCOMING,
                    occurred_at=now - datetime.timedelta(hours=3))
    ActivityFactory(contact=contact, kind=ActivityKind.CALL, direction=Direction.INCOMING, body="",
                    status="completed", duration_seconds=252, summary="Asked for a Tuesday estimate.",
                    transcript="Hi, this is Maureen...", occurred_at=now - datetime.timedelta(hours=2))
    ActivityFactory(contact=contact, kind=ActivityKind.VOICEMAIL, direction=Direction.INCOMING, body="",
                    status="completed", duration_seconds=42,
                    recording_url="https://files.example.com/recordings/RE123.mp3",
                    occurred_at=now - datetime.timedelta(hours=1))
    html = admin_client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert "4 min 12 s" in html
    assert "Asked for a Tuesday estimate." in html
    assert "Hi, this is Maureen..." in html
    assert 'href="https://files.example.com/recordings/RE123.mp3"' in html
    assert html.index("Voicemail") < html.index("Incoming call") < html.index("Do you fix bulkhead cracks?")


def test_change_page_timeline_is_bounded(admin_client):
    contact = ContactFactory()
    start = timezone.now() - datetime.timedelta(days=10)
    for n in range(TIMELINE_LIMIT + 5):
        ActivityFactory(contact=contact, body=f"message number {n:03d}", occurred_at=start + datetime.timedelta(minutes=n))
    html = admin_client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert html.count('class="entry entry--message') == TIMELINE_LIMIT
    assert f"message number {TIMELINE_LIMIT + 4:03d}" in html  # the newest is shown
    assert "message number 000" not in html  # the oldest are a click away
    assert f"{reverse('admin:contacts_activity_changelist')}?contact__id__exact={contact.pk}" in html


def test_change_page_lists_the_homeowners_properties_and_opt_out_history(admin_client):
    link = PropertyContactFactory(property__address="7 Ferncroft Rd", property__city="Danvers")
    OptOutEvent.objects.create(contact=link.contact, opted_out=True, reason="Asked on the phone", source="staff",
                               occurred_at=timezone.now())
    html = admin_client.get(reverse("admin:contacts_contact_change", args=[link.contact.pk])).content.decode()
    assert "7 Ferncroft Rd" in html
    assert "Asked on the phone" in html


# --- actions -----------------------------------------------------------------------------------


def _action(client, action, contacts, **extra):
    data = {"action": action, "_selected_action": [str(c.pk) for c in contacts], **extra}
    return client.post(CHANGELIST, data)


def test_opt_out_action_asks_for_a_reason_then_opts_out_with_it(admin_client, admin_user):
    a, b, untouched = ContactFactory(), ContactFactory(), ContactFactory()
    page = _action(admin_client, "mark_opted_out", [a, b], index="0")
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert not Contact.objects.filter(opted_out=True).exists()  # nothing happens before the reason is given

    done = _action(admin_client, "mark_opted_out", [a, b], apply="1", reason="Asked by phone")
    assert done.status_code == 302
    assert set(Contact.objects.filter(opted_out=True)) == {a, b}
    events = OptOutEvent.objects.filter(contact__in=[a, b])
    assert {(e.reason, e.source, e.by_user_id) for e in events} == {("Asked by phone", "staff", admin_user.pk)}
    untouched.refresh_from_db()
    assert not untouched.opted_out


def test_opt_out_action_without_a_reason_asks_again(admin_client):
    a = ContactFactory()
    page = _action(admin_client, "mark_opted_out", [a], apply="1", reason="")
    assert page.status_code == 200
    assert "This field is required" in page.content.decode()
    a.refresh_from_db()
    assert not a.opted_out


def test_add_tag_action_asks_for_the_tag_then_tags(admin_client):
    a, b, untouched = ContactFactory(), ContactFactory(), ContactFactory()
    page = _action(admin_client, "add_tag", [a, b], index="0")
    assert page.status_code == 200 and 'name="tag_name"' in page.content.decode()
    done = _action(admin_client, "add_tag", [a, b], apply="1", tag_name="Lowell mailer")
    assert done.status_code == 302
    tag = Tag.objects.get(name="Lowell mailer")
    assert set(tag.contacts.all()) == {a, b}
    assert not untouched.tags.exists()


def test_export_csv_has_the_selected_homeowners(admin_client):
    tag = TagFactory(name="Called back")
    a = ContactFactory(first_name="Maureen", last_name="Kelly", phone="+16175550123")
    a.tags.add(tag)
    PropertyContactFactory(contact=a, property__address="48 Chadwick St", property__city="Haverhill")
    b = ContactFactory(first_name="=HYPERLINK(1)", last_name="Ahern")
    ContactFactory(first_name="Not", last_name="Selected")
    response = _action(admin_client, "export_csv", [a, b], index="0")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["last_name"] for r in rows] == ["Ahern", "Kelly"]
    kelly = rows[1]
    assert kelly["phone"] == "+16175550123"
    assert kelly["tags"] == "Called back"
    assert kelly["property"] == "48 Chadwick St, Haverhill"
    assert kelly["property_count"] == "1"
    assert rows[0]["first_name"] == "'=HYPERLINK(1)"  # never run as a spreadsheet formula


def test_list_shows_the_most_recently_active_homeowners_first(admin_client):
    quiet = ContactFactory(last_name="Aaronson")
    active = ContactFactory(last_name="Zwicker")
    ActivityFactory(contact=quiet, occurred_at=timezone.now() - datetime.timedelta(days=9))
    ActivityFactory(contact=active, occurred_at=timezone.now() - datetime.timedelta(hours=1))
    never = ContactFactory(last_name="Abbott")
    _, html = _changelist_queries(admin_client)
    positions = [html.index(reverse("admin:contacts_contact_change", args=[c.pk])) for c in (active, quiet, never)]
    assert positions == sorted(positions)


def test_contact_picker_on_other_pages_finds_by_phone_typed_any_way(admin_client):
    wanted = ContactFactory(first_name="Maureen", last_name="Kelly", phone="+16175550123")
    ContactFactory(first_name="Other", phone="+16175550199")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "properties", "model_name": "propertycontact", "field_name": "contact", "term": "(617) 555-0123"},
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(wanted.pk)]
