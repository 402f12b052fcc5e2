"""Who sees the dashboard: anonymous -> login, office staff -> 403 page, managers and superusers -> 200."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("dashboard:index"),
    reverse("dashboard:monthly_report"),
    reverse("dashboard:monthly_report_download", args=["2025-02"]),
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_the_admin_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_office_staff_get_a_friendly_403(client, office_staff, url):
    client.force_login(office_staff)
    response = client.get(url)
    assert response.status_code == 403
    assert "The dashboard is for managers" in response.content.decode()
    assert "“Manager” group" in response.content.decode()


def test_manager_sees_the_dashboard(client, manager):
    client.force_login(manager)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert "Outreach today" in response.content.decode()


def test_superuser_without_the_group_sees_the_dashboard(client):
    client.force_login(UserFactory(username="root", is_superuser=True))
    assert client.get(reverse("dashboard:index")).status_code == 200


def test_inactive_manager_is_refused(client, manager):
    from crm.dashboard.access import user_is_manager

    manager.is_active = False
    assert user_is_manager(manager) is False


def test_manager_logs_in_through_the_admin_form_and_lands_on_the_dashboard(client, manager):
    url = reverse("dashboard:index")
    login = client.get(url, follow=True)
    assert login.status_code == 200 and login.request["PATH_INFO"] == reverse("admin:login")
    response = client.post(
        reverse("admin:login") + f"?next={url}",
        {"username": manager.username, "password": "pw-for-tests-1", "next": url},
        follow=True,
    )
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == url


def test_admin_header_links_managers_to_the_dashboard(client, manager):
    client.force_login(manager)
    page = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("dashboard:index")}"' in page
    dashboard = client.get(reverse("dashboard:index")).content.decode()
    assert f'href="{reverse("admin:index")}"' in dashboard  # and back


def test_admin_header_has_no_dashboard_link_for_office_staff(client, office_staff):
    client.force_login(office_staff)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="dashboard-link"' not in page
