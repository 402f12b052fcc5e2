"""The office inbox in Chromium, as an Office staff member: open, read, reply, snooze, see it come back."""
from __future__ import annotations

import datetime
import struct
import zlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from contacts.models import ActivityKind, Conversation, Direction, SavedReply
from contacts.roles import OFFICE_STAFF
from contacts.services import activity_record
from tests.browser import admin_log_in, save_screenshot
from tests.factories import ActivityFactory, CampaignMembershipFactory, ContactFactory, ConversationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))
# The inbox polls every 10 seconds; a new message must show within 15.
LIVE_TIMEOUT_MS = 15_000


def _png_1x1() -> bytes:
    """A valid 1x1 grey PNG: the photo a homeowner texted."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")


PNG = _png_1x1()


def _waiting(first, last, phone, body, minutes_ago, line="PNtoDbDhuz"):
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    person = ContactFactory(first_name=first, last_name=last, phone=phone)
    conversation = ConversationFactory(contact=person, phone_number_id=line, waiting_for_reply=True, last_activity_at=at)
    ActivityFactory(contact=person, conversation=conversation, direction=Direction.OUTGOING,
                    body=f"Hi {first}, we fix foundation cracks. Reply STOP to opt out.", occurred_at=at - datetime.timedelta(hours=2))
    message = ActivityFactory(contact=person, conversation=conversation, direction=Direction.INCOMING, body=body,
                              occurred_at=at)
    return conversation, message


def _attach_photo(message):
    """The photo on the message, as the media copier leaves it (when that model exists on this branch)."""
    try:
        media = apps.get_model("contacts", "ActivityMedia")
    except LookupError:
        return None
    item = media(activity=message, source_url="https://files.openphone.example/crack.png", content_type="image/png",
                 status="copied", size=len(PNG))
    item.file.save("crack.png", ContentFile(PNG), save=False)
    item.save()
    return item


def _office_user():
    user = UserFactory(username="maria", first_name="Maria", last_name="Lopes")
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    return user


@time_machine.travel(NOON, tick=True)
def test_office_staff_answer_and_snooze_from_the_inbox(live_server, page, outbox):
    _office_user()
    mary, photo_message = _waiting("Mary", "Ortiz", "+16175550142", "Here is the crack in the basement wall", 95,
                                   line="PNsecondLn")
    photo = _attach_photo(photo_message)
    CampaignMembershipFactory(contact=mary.contact, sent_at=timezone.now() - datetime.timedelta(days=1),
                              reply_category="interested", campaign__name="Worcester spring")
    bob, _ = _waiting("Bob", "Keane", "+16175550177", "How much does a crack repair cost?", 40)
    _waiting("Ann", "Cole", "+16175550188", "Can someone call me after 5?", 12)
    SavedReply.objects.create(title="Estimate visit", body="Hi {first_name|there}, we can come look this week. What day suits you?")

    admin_log_in(page, live_server, "maria")
    page.goto(f"{live_server.url}/admin/inbox/")
    rows = page.locator(".inbox-row .inbox-open")
    assert rows.all_inner_texts() == ["Mary Ortiz", "Bob Keane", "Ann Cole"]  # interested first, then oldest
    assert page.locator("#inbox-link .inbox-count").inner_text() == "3"
    save_screenshot(page, "inbox", readme=True, full_page=True)

    page.click("text=Mary Ortiz")
    page.wait_for_selector(".thread")
    assert "Here is the crack in the basement wall" in page.inner_text(".thread")
    if photo is not None:
        image = page.locator(f"#activity-{photo_message.pk} img.thumb")
        assert image.count() == 1
        image.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth === 1", arg=image.element_handle(),
                               timeout=5_000)
        assert image.locator("xpath=..").get_attribute("href") == image.get_attribute("src")  # opens full size
    page.select_option("#saved-reply", label="Estimate visit")
    assert page.input_value("#reply-body") == "Hi Mary, we can come look this week. What day suits you?"
    page.fill("#reply-body", "Hi Mary, we can come look Thursday. Does 10 AM suit you?")
    page.click("#send-reply")
    page.wait_for_selector(".messagelist .success")
    assert [(m.to, m.from_line, m.body) for m in outbox] == [
        ("+16175550142", "PNsecondLn", "Hi Mary, we can come look Thursday. Does 10 AM suit you?")]

    page.goto(f"{live_server.url}/admin/inbox/")
    assert page.locator(".inbox-row .inbox-open").all_inner_texts() == ["Bob Keane", "Ann Cole"]

    page.click("text=Bob Keane")
    page.click("#actions summary:has-text('Snooze')")
    page.click("button.snooze-2h")
    page.wait_for_selector(".messagelist .success")
    assert page.locator(".inbox-row .inbox-open").all_inner_texts() == ["Ann Cole"]

    # Bob writes again: his conversation comes back without a reload.
    activity_record(contact=bob.contact, kind=ActivityKind.MESSAGE, direction=Direction.INCOMING,
                    openphone_id="ACbobAgain", occurred_at=timezone.now(), phone_number_id="PNtoDbDhuz",
                    body="Also, do you do waterproofing?")
    page.wait_for_selector(".inbox-row >> text=Bob Keane", timeout=LIVE_TIMEOUT_MS)
    assert "Also, do you do waterproofing?" in page.inner_text("#inbox-list")
    assert Conversation.objects.get(pk=bob.pk).snoozed_until is None


@time_machine.travel(NOON, tick=True)
def test_the_inbox_and_a_thread_work_on_a_phone(live_server, browser):
    _office_user()
    conversation, message = _waiting("Mary", "Ortiz", "+16175550142", "Here is the crack in the basement wall", 95)
    _attach_photo(message)
    _waiting("Bob", "Keane", "+16175550177", "How much does a crack repair cost? My basement leaks when it rains.", 40)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        admin_log_in(page, live_server, "maria")
        page.goto(f"{live_server.url}/admin/inbox/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator(".inbox-row a[href='tel:+16175550142']").is_visible()
        save_screenshot(page, "inbox-phone", readme=True, full_page=True)

        page.click("text=Mary Ortiz")
        page.wait_for_selector("#reply-body")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator(".thread-head a[href='tel:+16175550142']").is_visible()
        box = page.locator("#reply-body").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.locator("#send-reply").is_visible()
    finally:
        page.close()
