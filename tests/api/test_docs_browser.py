"""The API docs page works in Chromium from our own static files: nothing is fetched from another host."""
from urllib.parse import urlsplit

import pytest

from tests.browser import admin_log_in
from tests.factories import ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_lists_the_endpoints_and_tries_one_with_the_session(live_server, page):
    ContactFactory(first_name="Jane", last_name="Doe", phone="+16175550123")
    UserFactory(username="boss", is_superuser=True)
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    admin_log_in(page, live_server, "boss")

    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector("#operations-contacts-contacts_list")
    assert page.locator(".opblock").count() >= 30
    assert "Attack-a-Crack CRM API" in page.locator(".info .title").inner_text()

    # "Try it out" on GET /api/v1/contacts/ with the admin's session cookie.
    page.click("#operations-contacts-contacts_list .opblock-summary")
    page.click("#operations-contacts-contacts_list .try-out__btn")
    page.fill("#operations-contacts-contacts_list input[placeholder='search']", "(617) 555-0123")
    page.click("#operations-contacts-contacts_list .execute")
    body = page.locator("#operations-contacts-contacts_list .live-responses-table .response-col_description pre").first
    body.wait_for()
    assert '"phone": "+16175550123"' in body.inner_text()
    status = page.locator("#operations-contacts-contacts_list .live-responses-table tbody .response-col_status").first
    assert status.inner_text().strip() == "200"

    assert hosts == {urlsplit(live_server.url).netloc}
