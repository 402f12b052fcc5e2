"""An inbox thread offers the homeowner's next steps, prefilled with them, their house and the conversation."""
from __future__ import annotations

import pytest

from tests.factories import ContactFactory, ConversationFactory, PropertyContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_thread_links_the_next_steps_for_its_homeowner(client, office_user):
    contact = ContactFactory(first_name="Mary")
    house = PropertyContactFactory(contact=contact).property
    conversation = ConversationFactory(contact=contact)
    client.force_login(office_user)
    html = client.get(f"/admin/inbox/{conversation.pk}/").content.decode()
    assert f"/admin/jobs/appointment/add/?contact={contact.pk}&amp;property={house.pk}&amp;kind=estimate" in html
    assert f"/admin/jobs/followuptask/add/?contact={contact.pk}&amp;property={house.pk}&amp;conversation={conversation.pk}" in html
    assert f"/admin/jobs/quote/add/?contact={contact.pk}&amp;property={house.pk}" in html


def test_staff_who_may_not_book_visits_see_no_next_steps(client):
    from django.contrib.auth.models import Permission

    reader = UserFactory(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    conversation = ConversationFactory()
    client.force_login(reader)
    response = client.get(f"/admin/inbox/{conversation.pk}/")
    assert response.status_code == 200
    assert "Schedule estimate" not in response.content.decode()
