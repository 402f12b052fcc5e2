"""manage.py reclassify_replies: re-read stored texts, show the changes, hold (never silently opt out)."""
import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Activity, OptOutEvent, TextingHold
from tests.factories import ActivityFactory, ContactFactory, PropertyFactory

pytestmark = pytest.mark.django_db
MARCH = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def _old_text(body, at=MARCH, **kwargs):
    # Recorded before contacts.reading existed: no reading stored, nothing acted on but keywords.
    return ActivityFactory(contact=kwargs.pop("contact", None) or ContactFactory(), direction="incoming", body=body,
                           status="received", occurred_at=at, **kwargs)


def run(*args):
    out = StringIO()
    call_command("reclassify_replies", *args, stdout=out)
    return out.getvalue()


def test_dry_run_shows_the_table_and_changes_nothing():
    missed = _old_text("I revoke my consent to these texts")
    output = run("--dry-run")
    assert f"{missed.pk:>8}" in output and "opt_out/certain" in output and "hold" in output
    assert "1 text(s) read, 1 would change; 1 contact(s) would be held" in output
    assert "Dry run: nothing was changed." in output
    missed.refresh_from_db()
    assert missed.reading_category == "" and not TextingHold.objects.exists()


def test_past_opt_outs_become_holds_not_silent_opt_outs():
    missed = _old_text("please take this number off your list")
    unclear = _old_text("only text after 6 please")
    fine = _old_text("yes how much for an estimate")
    output = run()
    assert "3 text(s) read, 3 changed; 2 contact(s) held" in output
    assert not OptOutEvent.objects.exists()
    for activity in (missed, unclear):
        activity.contact.refresh_from_db()
        assert activity.contact.texting_held and not activity.contact.opted_out
        assert TextingHold.objects.get(activity=activity).source == "reclassify"
    fine.refresh_from_db()
    assert (fine.reading_category, fine.reading_opt_out) == ("interested", "none")
    assert run().startswith("3 text(s) read, 0 changed")  # a second run finds nothing new


def test_a_later_decision_or_an_opt_out_already_made_is_respected():
    contact = ContactFactory(opted_out=True, opted_out_at=MARCH)
    _old_text("stop texting me", contact=contact)
    run()
    assert not TextingHold.objects.exists()


def test_since_limits_the_texts_and_mentions_are_matched():
    house = PropertyFactory(address="12 Oak Street", city="Brockton")
    _old_text("the leak is at 12 Oak St, Brockton", at=MARCH - datetime.timedelta(days=60))
    recent = _old_text("12 Oak St, Brockton please come look", at=MARCH)
    output = run("--since", "2026-03-01")
    assert output.startswith(f"{'text':>8}") and "1 text(s) read" in output
    recent.refresh_from_db()
    assert recent.reading_addresses[0]["property_id"] == house.pk
    assert Activity.objects.filter(reading_category="").count() == 1


def test_a_bad_date_is_refused_clearly():
    with pytest.raises(CommandError, match="not a date: write it as YYYY-MM-DD"):
        run("--since", "March 1")
