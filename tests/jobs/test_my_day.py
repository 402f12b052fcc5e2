""""My day" for office staff, its link in the admin header, and the one-click links on the contact page."""
from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.urls import reverse

from jobs import services
from jobs.models import QuoteState
from tests.factories import ContactFactory, PropertyContactFactory, UserFactory
from tests.jobs.conftest import ny

pytestmark = pytest.mark.django_db

NOW = ny(2026, 3, 10, 9, 0)  # Tuesday morning
MY_DAY = reverse("admin:jobs_my_day")


def _rows(n):
    for i in range(n):
        contact = ContactFactory()
        services.task_create(contact=contact, title=f"Overdue {i}", due_at=NOW - datetime.timedelta(days=1))
        services.task_create(contact=contact, title=f"Today {i}", due_at=NOW + datetime.timedelta(hours=3))
        services.task_create(contact=contact, title=f"Next week {i}", due_at=NOW + datetime.timedelta(days=7))
        services.appointment_create(contact=contact, starts_at=NOW + datetime.timedelta(days=1),
                                    ends_at=NOW + datetime.timedelta(days=1, hours=1))
        services.appointment_create(contact=contact, starts_at=NOW + datetime.timedelta(days=3),
                                    ends_at=NOW + datetime.timedelta(days=3, hours=1))
        services.quote_create(contact=contact, amount=Decimal("1000"), state=QuoteState.ACCEPTED,
                                         sent_on=datetime.date(2026, 3, 1))
        scheduled = services.quote_create(contact=contact, amount=Decimal("2000"), state=QuoteState.ACCEPTED,
                                          sent_on=datetime.date(2026, 3, 1))
        services.job_create(quote=scheduled, scheduled_on=datetime.date(2026, 3, 20))
        unscheduled = services.quote_create(contact=contact, amount=Decimal("3000"), state=QuoteState.ACCEPTED,
                                            sent_on=datetime.date(2026, 3, 1))
        services.job_create(quote=unscheduled)


@time_machine.travel(NOW, tick=False)
def test_my_day_lists_what_is_due_and_the_money_waiting(office_client):
    _rows(2)
    done = services.task_create(contact=ContactFactory(), title="Already done", due_at=NOW)
    services.task_complete(task=done, by_user=None)
    page = office_client.get(MY_DAY)
    assert page.status_code == 200
    day = page.context["day"]
    assert sorted(t.title for t in day.tasks) == ["Overdue 0", "Overdue 1", "Today 0", "Today 1"]
    assert len(day.visits) == 2  # tomorrow's, not the one in three days
    # Accepted with no job, or a job without a date: 2 per homeowner.
    assert sorted(q.amount for q in day.money_waiting) == [Decimal("1000")] * 2 + [Decimal("3000")] * 2
    html = page.content.decode()
    assert "(overdue)" in html and 'id="my-day-money-waiting"' in html


@time_machine.travel(NOW, tick=False)
def test_my_day_query_count_stays_the_same_as_rows_grow(office_client, django_assert_max_num_queries):
    _rows(2)
    office_client.get(MY_DAY)  # warm the session and permission caches
    # 8 for the page, 1 for the inbox count in the admin header.
    with django_assert_max_num_queries(9) as few:
        office_client.get(MY_DAY)
    _rows(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        office_client.get(MY_DAY)


def test_the_admin_header_links_my_day_for_office_staff_only(office_client, client):
    assert 'id="my-day-link"' in office_client.get(reverse("admin:index")).content.decode()
    nobody = UserFactory(username="no.perms")
    client.force_login(nobody)
    assert 'id="my-day-link"' not in client.get(reverse("admin:index")).content.decode()
    assert client.get(MY_DAY).status_code == 403


def test_the_contact_page_offers_prefilled_visit_follow_up_and_quote(office_client):
    link = PropertyContactFactory()
    contact, house = link.contact, link.property
    html = office_client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert "Schedule estimate" in html and "Add follow-up" in html and "New quote" in html

    add_visit = reverse("admin:jobs_appointment_add") + f"?contact={contact.pk}&amp;property={house.pk}&amp;kind=estimate"
    assert add_visit in html
    form = office_client.get(add_visit.replace("&amp;", "&")).context["adminform"].form
    assert (form.initial["contact"], form.initial["property"]) == (str(contact.pk), str(house.pk))


def test_the_links_need_the_permission_to_add(client):
    viewer = UserFactory(username="viewer")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_contact", "add_quote"]))
    client.force_login(viewer)
    contact = ContactFactory()
    html = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert "New quote" in html and "Schedule estimate" not in html


def test_link_helper_carries_the_thread():
    from jobs.links import homeowner_action_links

    links = dict(homeowner_action_links(contact_id=5, property_id=7, conversation_id=9))
    query = parse_qs(urlparse(links["Add follow-up"]).query)
    assert query == {"contact": ["5"], "property": ["7"], "conversation": ["9"]}
