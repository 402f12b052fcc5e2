"""Admin upload: the file is stored, the import runs as a Celery task once committed, the run's page
shows progress and counts and links to its rejects, which only staff allowed to see runs can download."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import Contact, Tag
from contacts.roles import OFFICE_STAFF
from properties.models import ImportRun, ImportStatus, Property
from tests.factories import UserFactory, group_member

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def office(client):
    """A member of the real Office staff group: they upload small CSVs and read runs."""
    user = group_member(OFFICE_STAFF, "oscar.office")
    client.force_login(user)
    return user


def _upload(client, name="propertyradar_messy.csv", kind="propertyradar", tag="Spring list", state="MA"):
    with open(FIXTURES / "import" / name, "rb") as handle:
        return client.post(reverse("admin:properties_importrun_upload"),
                           {"file": handle, "kind": kind, "tag": tag, "state": state})


def test_upload_runs_the_import_and_the_run_page_shows_it(client, office, django_capture_on_commit_callbacks):
    page = client.get(reverse("admin:properties_importrun_changelist"))
    assert reverse("admin:properties_importrun_upload") in page.content.decode()  # the "Import a CSV file" button

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _upload(client)

    assert len(callbacks) == 1  # queued once the upload was committed
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:properties_importrun_change", args=[run.pk])
    assert run.status == ImportStatus.COMPLETED and run.created_by == office and run.operator == office.username
    assert run.file.name.startswith("imports/") and run.file_name == "propertyradar_messy.csv"
    assert (run.properties_created, run.contacts_created, run.links_created, run.rows_rejected) == (8, 9, 10, 3)
    assert Property.objects.count() == 8
    assert Tag.objects.get(name="Spring list").contacts.count() == Contact.objects.count()

    page = client.get(response.url).content.decode()
    assert "12 / 12 rows (100%)" in page
    assert reverse("admin:properties_importrun_rejects", args=[run.pk]) in page
    assert "http-equiv=\"refresh\"" not in page  # finished: no more refreshing
    tag = Tag.objects.get(name="Spring list")
    assert f'{reverse("admin:contacts_contact_changelist")}?tags__id__exact={tag.pk}' in page


@pytest.mark.django_db(transaction=True)
def test_upload_run_without_a_worker_says_how_the_import_ended(client, office):
    """With tasks run eagerly (no Redis: `make demo`) the import is over when the upload's
    transaction commits, before the page is shown: the message gives the outcome."""
    response = _upload(client)

    assert ImportRun.objects.get().status == ImportStatus.COMPLETED
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "“propertyradar_messy.csv” was imported: 12 rows, 3 rejected (see below)."
    ]


def test_upload_left_to_a_worker_says_it_is_being_imported(client, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(client)

    assert len(callbacks) == 1 and ImportRun.objects.get().status == ImportStatus.PENDING
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "“propertyradar_messy.csv” is being imported; this page shows its progress."
    ]


def test_rejects_download_is_the_rejects_csv(client, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client)
    run = ImportRun.objects.get()

    response = client.get(reverse("admin:properties_importrun_rejects", args=[run.pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="propertyradar_messy.rejects.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0].startswith("line,reason,Type,Address,City")
    assert lines[1].startswith("10,Purchase Date “13/45/2020” is not a date")
    assert len(lines) == 4


def test_running_import_page_refreshes_itself(client, office):
    run = ImportRun.objects.create(kind="propertyradar", file_name="list.csv", file_sha256="0" * 64,
                                   status=ImportStatus.RUNNING, rows_total=1000, rows_done=250)
    page = client.get(reverse("admin:properties_importrun_change", args=[run.pk])).content.decode()
    assert "250 / 1,000 rows (25%)" in page and 'http-equiv="refresh"' in page


def test_contacts_upload(client, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, name="contacts_messy.csv", kind="contacts", tag="")
    run = ImportRun.objects.get()
    assert (run.kind, run.contacts_created, run.rows_rejected) == ("contacts", 4, 2)


def test_wrong_kind_of_file_is_refused_on_the_form(client, office, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _upload(client, name="contacts_messy.csv", kind="propertyradar")
    assert response.status_code == 200
    page = response.content.decode()
    assert "does not look like a PropertyRadar export" in page
    # The form is laid out as the admin's own forms are (label beside field, error above it).
    assert "admin/css/forms.css" in page and 'class="form-row field-file errors"' in page
    assert not ImportRun.objects.exists() and not callbacks
    assert not list((settings.MEDIA_ROOT / "imports").rglob("*.csv"))  # the refused upload is not kept


def test_a_workbook_uploaded_instead_of_a_csv_is_refused_saying_how_to_save_it(client, office, settings):
    workbook = SimpleUploadedFile("Spring list.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00\x9f" * 500)

    response = client.post(reverse("admin:properties_importrun_upload"),
                           {"file": workbook, "kind": "propertyradar", "tag": "", "state": "MA"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Spring list.xlsx is an Excel workbook (.xlsx) or another zipped file, not a CSV file." in page
    assert "“CSV UTF-8 (Comma delimited)”" in page
    assert not ImportRun.objects.exists()
    assert not [f for f in (settings.MEDIA_ROOT / "imports").rglob("*") if f.is_file()]  # not kept


def test_staff_without_permission_can_neither_upload_nor_download(client, django_capture_on_commit_callbacks):
    client.force_login(group_member(OFFICE_STAFF, "oscar.office"))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client)
    run = ImportRun.objects.get()
    # Office staff upload, but delete no run (managers do).
    assert client.post(reverse("admin:properties_importrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
    assert ImportRun.objects.filter(pk=run.pk).exists()

    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:properties_importrun_upload")).status_code == 403
    assert client.get(reverse("admin:properties_importrun_rejects", args=[run.pk])).status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="view_importrun"))
    response = client.get(reverse("admin:properties_importrun_rejects", args=[run.pk]))
    assert response.status_code == 200
    assert client.get(reverse("admin:properties_importrun_upload")).status_code == 403


def test_runs_cannot_be_edited_in_the_admin(client, office):
    run = ImportRun.objects.create(kind="propertyradar", file_name="list.csv", file_sha256="0" * 64)
    page = client.get(reverse("admin:properties_importrun_change", args=[run.pk])).content.decode()
    assert 'name="_save"' not in page
    assert client.get(reverse("admin:properties_importrun_add")).status_code == 403


def test_run_page_names_a_tag_it_cannot_link_yet(client, office):
    pending = ImportRun.objects.create(kind="propertyradar", file_name="a.csv", file_sha256="0" * 64,
                                       tag_name="Fall list")  # the import creates the tag when it runs
    untagged = ImportRun.objects.create(kind="propertyradar", file_name="b.csv", file_sha256="1" * 64)

    pending_page = client.get(reverse("admin:properties_importrun_change", args=[pending.pk])).content.decode()
    untagged_page = client.get(reverse("admin:properties_importrun_change", args=[untagged.pk])).content.decode()

    assert "Fall list" in pending_page and "tags__id__exact" not in pending_page
    assert "No tag." in untagged_page
