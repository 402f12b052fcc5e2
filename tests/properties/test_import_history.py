"""Imports write audit history set-based: every created or changed homeowner, number, property and owner
link gets its history row, naming the run and its operator (and the uploader as user for admin uploads)."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from contacts.models import Contact, ContactPhone
from contacts.roles import OFFICE_STAFF
from properties.models import Property, PropertyContact
from tests.factories import UserFactory

from .conftest import FIXTURES, latest_run, run_command

pytestmark = pytest.mark.django_db


def test_a_command_line_import_records_every_new_row_with_the_operator(fixture_copy):
    run_command("import_propertyradar", fixture_copy("import/propertyradar_messy.csv"), tag="Worcester list")
    run = latest_run()
    for model in (Contact, ContactPhone, Property, PropertyContact):
        stored = set(model.objects.values_list("id", flat=True))
        recorded = model.history.filter(history_type="+")
        assert set(recorded.values_list("id", flat=True)) == stored, model.__name__
        assert recorded.count() == len(stored)  # one creation record each
        reasons = set(recorded.values_list("history_change_reason", flat=True))
        assert reasons == {f"Import run #{run.pk} by {run.operator}"}
        assert not recorded.exclude(history_user=None).exists()  # no signed-in user on the command line
    # Each creation record holds its row exactly as stored, every column (on PostgreSQL the COPY writer
    # writes both from the same values; elsewhere they are copied from the stored rows).
    for model in (Contact, ContactPhone, Property, PropertyContact):
        names = [f.attname for f in model._meta.concrete_fields]
        stored = {row[0]: row for row in model.objects.values_list(*names)}
        recorded = {row[0]: row for row in model.history.filter(history_type="+").values_list(*names)}
        assert recorded == stored, model.__name__


def test_a_changed_row_gets_a_change_record_and_an_unchanged_one_none(fixture_copy):
    path = fixture_copy("import/propertyradar_messy.csv")
    run_command("import_propertyradar", path)
    before = Contact.history.count()
    run_command("import_propertyradar", path)  # the same file again changes nothing
    assert Contact.history.count() == before

    contact = Contact.objects.exclude(mailing_city="").first()
    Contact.objects.filter(pk=contact.pk).update(mailing_address="", mailing_city="", mailing_state="", mailing_zip="")
    run_command("import_propertyradar", path)  # fills the emptied address back in
    change = Contact.history.filter(id=contact.pk, history_type="~").get()
    assert change.mailing_city == contact.mailing_city


def test_an_admin_upload_records_the_uploader(client, django_capture_on_commit_callbacks):
    clerk = UserFactory(username="oscar.office")
    clerk.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client.force_login(clerk)
    with open(FIXTURES / "import" / "propertyradar_messy.csv", "rb") as handle, \
            django_capture_on_commit_callbacks(execute=True):  # the queued import runs (tasks are eager here)
        client.post(reverse("admin:properties_importrun_upload"),
                    {"file": handle, "kind": "propertyradar", "tag": "Spring list", "state": "MA"})
    assert Contact.history.filter(history_type="+").count() == Contact.objects.count() == 9
    assert set(Contact.history.values_list("history_user__username", flat=True)) == {"oscar.office"}
