"""/api/v1/tasks, appointments, quotes and jobs: the same rules and refusals as the admin, per role."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contacts.models import LeadStatus
from contacts.services import contact_opt_out
from jobs import services
from jobs.models import Appointment, Quote, QuoteState
from tests.factories import ContactFactory, PropertyFactory, UserFactory
from tests.jobs.conftest import ny

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def office_api(office_user):
    return _client(office_user)


@pytest.fixture
def manager_api(manager_user):
    return _client(manager_user)


def test_office_staff_schedule_a_visit_and_the_lead_status_moves(office_api):
    contact, house = ContactFactory(lead_status=LeadStatus.INTERESTED), PropertyFactory()
    response = office_api.post("/api/v1/appointments/", {
        "contact": contact.pk, "property": house.pk, "starts_at": "2026-03-10T10:00:00-04:00",
        "ends_at": "2026-03-10T11:00:00-04:00", "kind": "estimate",
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "scheduled" and response.json()["sequence"] == 0
    contact.refresh_from_db()
    assert contact.lead_status == LeadStatus.APPOINTMENT


def test_bad_visits_are_refused_with_the_field_and_the_reason(office_api):
    contact = ContactFactory(first_name="Ann", last_name="Lee")
    body = {"contact": contact.pk, "starts_at": "2026-03-10T10:00:00Z", "ends_at": "2026-03-10T09:00:00Z"}
    response = office_api.post("/api/v1/appointments/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"ends_at": ["The visit must end after it starts."]}

    contact_opt_out(contact=contact, reason="STOP", source="staff")
    body["ends_at"] = "2026-03-10T11:00:00Z"
    response = office_api.post("/api/v1/appointments/", body, format="json")
    assert response.status_code == 400 and "opted out" in response.json()["send_reminder"][0]
    assert not Appointment.objects.exists()


def test_quotes_take_dollars_as_a_decimal_string_and_refuse_negative_amounts(office_api):
    contact = ContactFactory()
    response = office_api.post("/api/v1/quotes/", {"contact": contact.pk, "amount": "4250.50"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "4250.50"
    assert Quote.objects.get().amount == Decimal("4250.50")

    response = office_api.post("/api/v1/quotes/", {"contact": contact.pk, "amount": "-1.00"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["amount"]


def test_a_job_for_a_declined_quote_is_refused(office_api):
    quote = services.quote_create(contact=ContactFactory(), amount=Decimal("10"), state=QuoteState.DECLINED,
                                  sent_on=datetime.date(2026, 3, 1))
    response = office_api.post("/api/v1/jobs/", {"quote": quote.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"quote": ["Only an accepted quote becomes a job; this one is declined."]}


def test_updated_since_and_etags_work_like_the_rest_of_the_api(office_api):
    task = services.task_create(contact=ContactFactory(), title="Call back", due_at=ny(2026, 3, 10, 9))
    first = office_api.get(f"/api/v1/tasks/{task.pk}/")
    assert first.status_code == 200
    assert office_api.get(f"/api/v1/tasks/{task.pk}/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    later = (task.updated_at + datetime.timedelta(seconds=1)).isoformat()
    assert office_api.get("/api/v1/tasks/", {"updated_since": later}).json()["count"] == 0
    assert office_api.get("/api/v1/tasks/", {"done": "false"}).json()["count"] == 1


def test_office_staff_may_not_delete_but_managers_may(office_api, manager_api):
    quote = services.quote_create(contact=ContactFactory(), amount=Decimal("10"))
    assert office_api.delete(f"/api/v1/quotes/{quote.pk}/").status_code == 403
    assert manager_api.delete(f"/api/v1/quotes/{quote.pk}/").status_code == 204


def test_a_quote_that_became_a_job_cannot_be_deleted(manager_api):
    quote = services.quote_create(contact=ContactFactory(), amount=Decimal("10"), state=QuoteState.ACCEPTED,
                                  sent_on=datetime.date(2026, 3, 1))
    services.job_create(quote=quote)
    response = manager_api.delete(f"/api/v1/quotes/{quote.pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": "This quote became a job; delete the job first."}


def test_someone_without_jobs_permissions_sees_nothing():
    client = _client(UserFactory(username="stranger"))
    for path in ("/api/v1/tasks/", "/api/v1/appointments/", "/api/v1/quotes/", "/api/v1/jobs/"):
        assert client.get(path).status_code == 403, path


def test_campaign_metrics_gain_quotes_accepted_and_revenue_won_in_cents(office_api):
    from campaigns.models import MembershipStatus
    from contacts.models import Direction
    from tests.factories import ActivityFactory, CampaignFactory, CampaignMembershipFactory

    campaign = CampaignFactory()
    won = {}
    for variant, amount in (("A", "4250.50"), ("B", "1000.00")):
        contact = ContactFactory()
        CampaignMembershipFactory(campaign=campaign, contact=contact, variant=variant, sent_at=ny(2026, 3, 2, 10),
                                  status=MembershipStatus.REPLIED, replied_at=ny(2026, 3, 2, 11))
        ActivityFactory(contact=contact, direction=Direction.INCOMING, occurred_at=ny(2026, 3, 2, 11))
        won[variant] = services.quote_create(contact=contact, amount=Decimal(amount), state=QuoteState.ACCEPTED,
                                             sent_on=datetime.date(2026, 3, 3))
    services.job_create(quote=won["B"], amount_invoiced=Decimal("1200.00"))
    body = office_api.get(f"/api/v1/campaigns/{campaign.pk}/metrics/").json()
    assert (body["overall"]["quotes_accepted"], body["overall"]["revenue_won"]) == (2, 425050 + 120000)
    assert body["variants"]["A"]["revenue_won"] == 425050
    assert body["variants"]["B"]["revenue_won"] == 120000  # invoiced, not quoted


def test_office_staff_mark_a_task_done_and_reopen_it(office_api, office_user):
    task = services.task_create(contact=ContactFactory(), title="Call back", due_at=ny(2026, 3, 10, 9))
    response = office_api.post(f"/api/v1/tasks/{task.pk}/done/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["id"], body["done_by"], body["closed_reason"]) == (task.pk, office_user.pk, "Done")
    assert body["done_at"] is not None and response["ETag"]
    task.refresh_from_db()
    assert (task.done_by, task.done_at is not None) == (office_user, True)

    # Done twice: the first time and person stay.
    first_done_at = task.done_at
    again = office_api.post(f"/api/v1/tasks/{task.pk}/done/")
    assert again.status_code == 200
    task.refresh_from_db()
    assert (task.done_at, task.done_by) == (first_done_at, office_user)
    assert office_api.get("/api/v1/tasks/", {"done": "true"}).json()["count"] == 1

    response = office_api.post(f"/api/v1/tasks/{task.pk}/reopen/")
    assert response.status_code == 200
    assert (response.json()["done_at"], response.json()["done_by"], response.json()["closed_reason"]) == (None, None, "")
    assert office_api.post(f"/api/v1/tasks/{task.pk}/reopen/").status_code == 200
    assert office_api.get("/api/v1/tasks/", {"done": "false"}).json()["count"] == 1


def test_a_user_who_may_only_read_tasks_cannot_mark_one_done(office_api):
    from django.contrib.auth.models import Permission

    reader = UserFactory(username="rita.reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_followuptask"))
    task = services.task_create(contact=ContactFactory(), title="Call back", due_at=ny(2026, 3, 10, 9))
    client = _client(reader)
    assert client.get(f"/api/v1/tasks/{task.pk}/").status_code == 200
    for path in (f"/api/v1/tasks/{task.pk}/done/", f"/api/v1/tasks/{task.pk}/reopen/"):
        assert client.post(path).status_code == 403, path
    assert _client(UserFactory(username="stranger")).post(f"/api/v1/tasks/{task.pk}/done/").status_code == 403
    task.refresh_from_db()
    assert task.done_at is None
    assert office_api.post("/api/v1/tasks/999999/done/").status_code == 404
