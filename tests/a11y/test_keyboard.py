"""Keyboard only: everything on the contact page, an inbox thread and the dashboard is reached with Tab, in
page order, with a visible focus ring; and a homeowner can be texted from the contact page and answered
from the thread without a mouse."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contacts.models import Activity, Conversation
from tests.browser import admin_log_in

from .axe import DESKTOP, PHONE
from .keyboard import tab_walk
from .seed import MANAGER_USER, OFFICE_USER, seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Tuesday noon in Massachusetts: inside the hours texts may go out.
TUESDAY_NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))


def assert_all_reachable_in_order(total: int, stops) -> None:
    reached = [s.kbd for s in stops if s.kbd is not None]
    assert total > 10, "the page has hardly anything to focus: wrong page?"
    missing = sorted(set(range(total)) - set(reached))
    assert not missing, f"{len(missing)} of {total} focusable elements are never reached with Tab: {missing[:10]}"
    assert reached == sorted(reached), "Tab does not follow the page's reading order"
    assert not [s for s in stops if s.tabindex and s.tabindex.lstrip("-").isdigit() and int(s.tabindex) > 0]
    no_ring = [f"{s.tag}#{s.id} “{s.name}”" for s in stops if not s.ring]
    assert not no_ring, f"focus is invisible on: {no_ring}"


def type_and_send(page, *, tabs: int, box_id: str, text: str, button: tuple[str, str]) -> None:
    """From the top of the page: Tab `tabs` times to the text box, type, Tab to the send button (checked by
    its `button` = (property, value)), press Enter, and wait for the confirmation."""
    page.evaluate("() => document.activeElement.blur()")
    for _ in range(tabs):
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == box_id
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert page.evaluate(f"() => document.activeElement.{button[0]}") == button[1]
    page.keyboard.press("Enter")
    page.wait_for_selector(".messagelist .success")


@time_machine.travel(TUESDAY_NOON, tick=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_office_staff_text_a_homeowner_with_the_keyboard_alone(viewport, live_server, browser, outbox):
    ids = seed()
    page = browser.new_page(viewport=viewport)
    admin_log_in(page, live_server, OFFICE_USER)
    page.goto(f"{live_server.url}/admin/contacts/contact/{ids['contact']}/change/")
    page.wait_for_selector(".select2-container")

    total, stops = tab_walk(page)
    assert_all_reachable_in_order(total, stops)
    names = [s.id or s.name for s in stops]
    # Reading order: the homeowner's form and its Save buttons, then the text box and its button, then
    # (after the note and call forms) the scrolling timeline, which takes focus.
    box = names.index("id_body")
    assert "Save" in [s.name for s in stops[:box]]
    assert stops[box + 1].name == "Send text"
    assert [s.name for s in stops].index("Timeline entries, newest first") > box + 1

    # Now use it: Tab to the text box from the top, type, Tab to "Send text", press Enter.
    type_and_send(page, tabs=box + 1, box_id="id_body", text="Hi Maureen, can we stop by Thursday at 10?",
                  button=("value", "Send text"))
    assert [(m.to, m.body) for m in outbox] == [("+16175550142", "Hi Maureen, can we stop by Thursday at 10?")]
    assert Activity.objects.filter(contact_id=ids["contact"], body__startswith="Hi Maureen, can we").count() == 1
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/reports/monthly/"], ids=["dashboard", "report"])
def test_manager_reaches_everything_on_the_dashboard_with_the_keyboard(path, viewport, live_server, browser):
    seed()
    page = browser.new_page(viewport=viewport)
    admin_log_in(page, live_server, MANAGER_USER)
    page.goto(live_server.url + path)
    total, stops = tab_walk(page)
    assert_all_reachable_in_order(total, stops)
    assert stops[0].name.startswith("Attack-a-Crack")  # the top bar comes first
    page.close()


@time_machine.travel(TUESDAY_NOON, tick=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_office_staff_answer_from_an_inbox_thread_with_the_keyboard_alone(viewport, live_server, browser, outbox):
    ids = seed()
    page = browser.new_page(viewport=viewport)
    admin_log_in(page, live_server, OFFICE_USER)
    page.goto(f"{live_server.url}/admin/inbox/{ids['conversation']}/")
    page.wait_for_selector("#reply-body")

    total, stops = tab_walk(page)
    assert_all_reachable_in_order(total, stops)
    names = [s.id or s.name for s in stops]
    # The reply box, then its button, then the thread's other actions (Done, Snooze, ...).
    box = names.index("reply-body")
    assert stops[box + 1].id == "send-reply"
    assert "Done" in [s.name for s in stops[box + 2:]]

    type_and_send(page, tabs=box + 1, box_id="reply-body",
                  text="Hi Maureen, we can look at the bulkhead crack Thursday at 10.", button=("id", "send-reply"))
    assert [(m.to, m.body) for m in outbox] == [
        ("+16175550142", "Hi Maureen, we can look at the bulkhead crack Thursday at 10.")
    ]
    assert not Conversation.objects.get(pk=ids["conversation"]).waiting_for_reply
    page.close()
