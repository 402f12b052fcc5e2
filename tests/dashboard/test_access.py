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
def test_anonymous_is_sent_to_the_dashboard_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))
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
    from dashboard.access import user_is_manager

    manager.is_active = False
    assert user_is_manager(manager) is False


def test_manager_without_staff_status_signs_in_and_lands_on_the_page_asked_for(client, manager):
    """Managers read dashboards; they need no admin account ("Staff status"), which the admin's login demands."""
    manager.is_staff = False
    manager.save(update_fields=["is_staff"])
    url = reverse("dashboard:monthly_report")
    sign_in = client.get(url, follow=True)
    assert sign_in.request["PATH_INFO"] == reverse("dashboard:login")
    assert "Sign in to the manager dashboard" in sign_in.content.decode()

    response = client.post(reverse("dashboard:login"),
                           {"username": manager.username, "password": "pw-for-tests-1", "next": url}, follow=True)

    assert response.status_code == 200 and response.request["PATH_INFO"] == url
    page = client.get(reverse("dashboard:index")).content.decode()
    assert "Outreach today" in page
    assert 'id="admin-link"' not in page  # the back office would refuse them: no link to it


def test_sign_in_without_a_page_asked_for_lands_on_the_dashboard(client, manager):
    response = client.post(reverse("dashboard:login"), {"username": manager.username, "password": "pw-for-tests-1"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:index")


def test_wrong_password_is_refused_with_a_message(client, manager):
    response = client.post(reverse("dashboard:login"), {"username": manager.username, "password": "not-it"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get(reverse("dashboard:index")).status_code == 302  # still signed out


def test_log_out_from_the_dashboard(client, manager):
    manager.is_staff = False
    manager.save(update_fields=["is_staff"])
    client.force_login(manager)
    assert f'action="{reverse("dashboard:logout")}"' in client.get(reverse("dashboard:index")).content.decode()

    response = client.post(reverse("dashboard:logout"))

    assert response.status_code == 302 and response["Location"] == reverse("dashboard:login")
    assert client.get(reverse("dashboard:index")).status_code == 302


def test_manager_with_staff_status_can_also_log_in_through_the_admin_form(client, manager):
    url = reverse("dashboard:index")
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
