"""The admin in the office's words: what each group finds on the index, list titles, dates, money,
the import run page, "View site" and the favicon. (The same screens in Chromium:
test_office_screens_browser.py.)"""
from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils.formats import date_format

from contacts.roles import MANAGER, OFFICE_STAFF, roles_sync
from properties.admin import DollarsField
from properties.models import ImportRun, ImportStatus
from tests.factories import PropertyFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
BUILDING_BLOCKS = ["crontabschedule", "intervalschedule", "solarschedule", "clockedschedule"]


def _log_in(client, group: str | None, **user):
    user = UserFactory(**user)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def _index_groups(client) -> dict[str, list[str]]:
    """{group caption: [entry names]} as the index shows them, in order."""
    html = client.get(INDEX).content.decode()
    groups = {}
    for table in re.findall(r"<table>(.*?)</table>", html, re.S):
        caption = re.search(r'<caption>\s*<a[^>]*>(.*?)</a>', table, re.S)[1].strip()
        groups[caption] = [name.strip() for name in re.findall(r'<th scope="row"[^>]*>\s*(?:<a[^>]*>)?([^<]*)', table)]
    return groups


def test_office_staff_find_their_lists_grouped_and_nothing_else(client):
    _log_in(client, OFFICE_STAFF)
    groups = _index_groups(client)
    assert list(groups) == ["Inbox", "Homeowners", "Properties", "Campaigns", "Imports", "Follow-ups and jobs"]
    assert groups["Inbox"] == ["Inbox"]
    assert groups["Homeowners"] == [
        "Homeowners", "Conversations", "Timeline entries", "Tags",
        "Lines", "Photos and media files", "Saved replies", "Scheduled texts",
    ]
    assert groups["Follow-ups and jobs"] == ["Follow-ups", "Visits", "Quotes", "Jobs", "Reminder texts"]
    assert groups["Campaigns"] == ["Campaigns", "Campaign members"]
    assert groups["Imports"] == ["Import runs"]
    html = client.get(INDEX).content.decode()
    for hidden in ("Crontab", "Interval", "Solar", "Clocked", "Task result", "Token", "Periodic", "Webhook", "User"):
        assert hidden not in html


def test_managers_see_the_schedules_they_change_but_not_their_building_blocks(client):
    _log_in(client, MANAGER)
    groups = _index_groups(client)
    assert list(groups)[:5] == ["Inbox", "Homeowners", "Properties", "Campaigns", "Imports"]
    assert groups["Schedules"] == ["Schedules"]
    assert groups["Reports"] == ["Dashboard", "Monthly report"]
    administration = groups["Administration"]
    assert "User accounts" in administration and "OpenPhone webhook events" in administration
    for hidden in ("Crontabs", "Intervals", "Solar events", "Clocked", "Task results", "Group results", "Tokens"):
        assert hidden not in administration
    # The schedules can be opened and changed; their building blocks are refused outright.
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200
    for model in BUILDING_BLOCKS:
        assert client.get(reverse(f"admin:django_celery_beat_{model}_changelist")).status_code == 403
    assert client.get(reverse("admin:django_celery_results_taskresult_changelist")).status_code == 403


def test_a_manager_can_pause_a_schedule(client):
    from django_celery_beat.models import PeriodicTask

    _log_in(client, MANAGER)
    task = PeriodicTask.objects.get(task="campaigns.tasks.dispatch_campaign_batches")
    page = client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]))
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()


def test_superusers_keep_the_building_blocks(client):
    _log_in(client, None, is_superuser=True)
    administration = _index_groups(client)["Administration"]
    assert "Crontabs" in administration and "Task results" in administration


def test_roles_sync_takes_the_building_blocks_back_from_managers():
    manager = Group.objects.get(name=MANAGER)
    manager.permissions.add(*Permission.objects.filter(codename__in=["view_crontabschedule", "change_crontabschedule",
                                                                     "view_taskresult"]))
    roles_sync()
    held = set(manager.permissions.values_list("codename", flat=True))
    assert not held & {"view_crontabschedule", "change_crontabschedule", "view_taskresult"}
    assert {"view_periodictask", "change_periodictask"} <= held


def test_list_titles_say_what_the_list_holds(client):
    _log_in(client, OFFICE_STAFF)
    html = client.get(reverse("admin:contacts_contact_changelist")).content.decode()
    assert "<h1>Homeowners</h1>" in html and "<title>Homeowners |" in html
    assert "Select contact to" not in html
    assert "<h1>Properties</h1>" in client.get(reverse("admin:properties_property_changelist")).content.decode()


def test_add_and_change_pages_use_the_offices_words(client):
    from tests.factories import ActivityFactory, ContactFactory

    _log_in(client, OFFICE_STAFF)
    contact = ContactFactory(first_name="Maureen", last_name="Ahern")
    entry = ActivityFactory(contact=contact)
    pages = {
        reverse("admin:contacts_contact_changelist"): "Add homeowner",
        reverse("admin:contacts_contact_add"): "<title>Add homeowner |",
        reverse("admin:contacts_contact_change", args=[contact.pk]): "Change homeowner",
        reverse("admin:contacts_activity_change", args=[entry.pk]): "timeline entry",
    }
    for url, words in pages.items():
        html = client.get(url).content.decode()
        assert words in html, url
        assert "Add contact" not in html and "Change contact" not in html and "Change activity" not in html, url


def test_the_way_back_names_the_list_as_the_office_knows_it(client):
    from tests.factories import ContactFactory

    _log_in(client, OFFICE_STAFF)
    contact = ContactFactory(first_name="Maureen", last_name="Kelly")
    html = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.S)[1]
    changelist = reverse("admin:contacts_contact_changelist")
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", crumbs)).strip() == "Home &rsaquo; Homeowners &rsaquo; Maureen Kelly"
    assert f'<a href="{changelist}">Homeowners</a>' in crumbs


def test_view_site_opens_the_dashboard(client):
    _log_in(client, OFFICE_STAFF)
    html = client.get(INDEX).content.decode()
    assert re.search(r'<a href="/dashboard/">View site</a>', html)


def test_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("crm/favicon.ico")
    icon = finders.find("crm/favicon.ico")
    assert icon and open(icon, "rb").read(4) == b"\x00\x00\x01\x00"  # an ICO file
    assert finders.find("crm/favicon.svg")
    login = client.get(reverse("admin:login")).content.decode()
    assert 'rel="icon"' in login and "crm/favicon.svg" in login
    assert 'rel="icon"' in client.get(reverse("dashboard:login")).content.decode()


def test_one_date_style():
    moment = datetime.datetime(2026, 12, 7, 13, 38, tzinfo=ZoneInfo("America/New_York"))
    assert date_format(moment, "DATETIME_FORMAT") == "Mon Dec 7, 2026, 1:38 PM"
    assert date_format(moment.date()) == "Mon Dec 7, 2026"


@pytest.mark.parametrize(("typed", "dollars"), [("1182000", 1182000), ("$1,182,000", 1182000), (" 1,182,000 ", 1182000),
                                                 ("-17,000", -17000), ("($17,000)", -17000), ("", None)])
def test_dollar_amounts_are_read_however_typed(typed, dollars):
    assert DollarsField(required=False).clean(typed) == dollars


def test_a_dollar_amount_that_is_not_one_says_so():
    with pytest.raises(Exception, match="Enter a whole dollar amount, like 1,182,000."):
        DollarsField().clean("about a million")


def test_property_page_shows_money_with_room_and_commas(client):
    _log_in(client, OFFICE_STAFF)
    house = PropertyFactory(estimated_value=1182000, estimated_equity=820000, equity_percent=69, purchase_price=450000,
                            purchase_date=datetime.date(2019, 6, 3))
    html = client.get(reverse("admin:properties_property_change", args=[house.pk])).content.decode()
    value_input = re.search(r'<input[^>]*name="estimated_value"[^>]*>', html)[0]
    assert 'value="1,182,000"' in value_input and 'class="vDollars"' in value_input
    assert "Worth $1,182,000; equity $820,000 (69 %); bought for $450,000 on Mon Jun 3, 2019." in html
    assert "properties/property_admin.css" in html  # gives the inputs their width


def test_import_run_page_leads_with_what_was_imported(client):
    _log_in(client, OFFICE_STAFF)
    run = ImportRun.objects.create(kind="propertyradar", file_name="list.csv", file_sha256="ab" * 32,
                                   status=ImportStatus.COMPLETED, rows_total=1200, rows_done=1200, rows_rejected=394,
                                   batch_size=5000, last_committed_line=1201)
    html = client.get(reverse("admin:properties_importrun_change", args=[run.pk])).content.decode()
    outcome = html.index("806 rows imported, 394 rejected:")
    rejects = reverse("admin:properties_importrun_rejects", args=[run.pk])
    assert html.index(f'href="{rejects}"') > outcome
    details = re.search(r"<details>.*?</details>", html, re.S)[0]
    assert "Technical details" in details and "ab" * 32 in details and "5000" in details
    assert html.index("ab" * 32) > outcome  # the fingerprint comes after the result, folded


def test_a_failed_import_says_how_to_continue_it(client):
    _log_in(client, OFFICE_STAFF)
    run = ImportRun.objects.create(kind="contacts", file_name="people.csv", file_sha256="0" * 64,
                                   status=ImportStatus.FAILED, rows_done=5000, last_committed_line=5001)
    html = client.get(reverse("admin:properties_importrun_change", args=[run.pk])).content.decode()
    assert "So far" not in html and "5,000 rows imported, none rejected." in html
    assert "manage.py import_contacts FILE --resume" in html and "after line 5,001" in html
