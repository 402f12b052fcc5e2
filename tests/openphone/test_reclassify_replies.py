"""manage.py reclassify_replies: re-read stored texts, show the changes, hold (never silently opt out)."""
import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Activity, Conversation, OptOutEvent, TextingHold
from contacts.reading import read_message
from openphone.management.commands import reclassify_replies
from tests.factories import ActivityFactory, ContactFactory, ConversationFactory, PropertyFactory

pytestmark = pytest.mark.django_db
MARCH = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def _old_text(body, at=MARCH, **kwargs):
    # Recorded before contacts.reading existed: no reading stored, nothing acted on but keywords.
    return ActivityFactory(contact=kwargs.pop("contact", None) or ContactFactory(), direction="incoming", body=body,
                           status="received", occurred_at=at, **kwargs)


def run(*args, stderr=None):
    out = StringIO()
    call_command("reclassify_replies", *args, stdout=out, stderr=stderr or StringIO())
    return out.getvalue()


def _read_today(activity):
    # Stored the way today's reader reads it (what a text that arrived yesterday carries).
    reading = read_message(activity.body)
    Activity.objects.filter(pk=activity.pk).update(
        reading_category=reading.category, reading_opt_out=reading.opt_out, reading_rule=reading.rule[:120],
        reading_addresses=[dict(a, property_id=None) for a in reading.addresses_as_json()],
    )


def test_dry_run_shows_the_table_and_changes_nothing():
    missed = _old_text("I revoke my consent to these texts")
    output = run("--dry-run")
    assert f"{missed.pk:>8}" in output and "opt_out/certain" in output and "hold" in output
    assert "1 text(s) read, 1 would change; 1 homeowner(s) would be held" in output
    assert "Dry run: nothing was changed." in output
    missed.refresh_from_db()
    assert missed.reading_category == "" and not TextingHold.objects.exists()


def test_past_opt_outs_become_holds_not_silent_opt_outs():
    missed = _old_text("please take this number off your list")
    unclear = _old_text("only text after 6 please")
    fine = _old_text("yes how much for an estimate")
    output = run()
    assert "3 text(s) read, 3 changed; 2 homeowner(s) held" in output
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


BODIES = ("yes how much for an estimate", "who is this?", "the crack is at 12 Oak St, Brockton", "what does it cost")


def _texts(count, start=0):
    """`count` texts in conversations of their own, one in two already read with today's reader, and one
    more newly read as a request to stop (one hold whatever the count)."""
    for n in range(start, start + count):
        conversation = ConversationFactory(phone_number_id=f"PN{n}")
        text = _old_text(BODIES[n % len(BODIES)], at=MARCH + datetime.timedelta(minutes=n),
                         contact=conversation.contact, conversation=conversation)
        if n % 2:
            _read_today(text)
    _old_text("please take this number off your list", at=MARCH - datetime.timedelta(days=1, minutes=start))


def _queries(*args):
    with CaptureQueriesContext(connection) as queries:
        output = run(*args)
    return len(queries), output


def test_the_queries_do_not_grow_with_the_number_of_texts():
    PropertyFactory(address="12 Oak Street", city="Brockton")
    _texts(5)
    few_dry, _ = _queries("--dry-run")
    few, output = _queries()
    assert "6 text(s) read, 4 changed; 1 homeowner(s) held" in output
    _texts(55, start=5)  # 60 to read again now, 55 of them new
    many_dry, _ = _queries("--dry-run")
    many, output = _queries()
    assert "62 text(s) read, 28 changed; 1 homeowner(s) held" in output
    assert (many_dry, many) == (few_dry, few)
    assert many <= 30, many  # reading, writing and matching in bulk; the one hold is a handful of its own


def test_texts_whose_reading_is_unchanged_are_not_written():
    conversation = ConversationFactory()
    current = _old_text("yes how much for an estimate", contact=conversation.contact, conversation=conversation)
    _read_today(current)
    Conversation.objects.filter(pk=conversation.pk).update(reply_intent="interested")
    stale_rule = _old_text("who is this?", at=MARCH - datetime.timedelta(days=1))
    _read_today(stale_rule)
    Activity.objects.filter(pk=stale_rule.pk).update(reading_rule="an.older.rule")
    with CaptureQueriesContext(connection) as queries:
        output = run()
    # The rule is stored again, but intent and opt-out are as they were: not a change to report.
    assert "2 text(s) read, 0 changed" in output
    updates = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1 and "contacts_activity" in updates[0]
    stale_rule.refresh_from_db()
    assert stale_rule.reading_rule == read_message(stale_rule.body).rule
    with CaptureQueriesContext(connection) as queries:
        assert run().startswith("2 text(s) read, 0 changed")
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


def test_the_conversation_shows_how_its_newest_text_is_read_now():
    conversation = ConversationFactory(reply_intent="other")
    _old_text("who is this?", at=MARCH - datetime.timedelta(hours=1), contact=conversation.contact,
              conversation=conversation)
    newest = _old_text("yes how much for an estimate", contact=conversation.contact, conversation=conversation)
    run()
    assert Conversation.objects.get(pk=conversation.pk).reply_intent == "interested"
    # A newer text with no words (a photo) is not read again: the conversation keeps what it shows.
    Conversation.objects.filter(pk=conversation.pk).update(reply_intent="other")
    Activity.objects.filter(pk=newest.pk).update(reading_category="")
    _old_text("", at=MARCH + datetime.timedelta(hours=1), contact=conversation.contact, conversation=conversation)
    run()
    assert Conversation.objects.get(pk=conversation.pk).reply_intent == "other"


def test_texts_are_read_in_chunks_and_a_contact_is_held_once(monkeypatch):
    monkeypatch.setattr(reclassify_replies, "CHUNK", 2)
    monkeypatch.setattr(reclassify_replies, "PROGRESS_EVERY", 2)
    contact = ContactFactory()
    for minutes, body in enumerate(("remove me from your list", "ok", "stop texting me", "please take me off your list",
                                    "yes")):
        _old_text(body, at=MARCH + datetime.timedelta(minutes=minutes), contact=contact)
    progress = StringIO()
    output = run(stderr=progress)
    assert "5 text(s) read, 5 changed; 1 homeowner(s) held" in output
    assert TextingHold.objects.get().activity.body == "remove me from your list"
    assert progress.getvalue() == "4 text(s) read so far, 4 changed.\n"
    assert run("--dry-run").startswith("5 text(s) read, 0 would change")


def test_a_failing_chunk_leaves_the_chunks_before_it_done_and_nothing_of_its_own(monkeypatch):
    monkeypatch.setattr(reclassify_replies, "CHUNK", 2)
    texts = [_old_text(body, at=MARCH + datetime.timedelta(minutes=n))
             for n, body in enumerate(("yes", "who is this?", "how much", "stop texting me"))]
    real = reclassify_replies.activities_match_mentions
    calls = []

    def fail_on_the_second_chunk(*, activities):
        calls.append(activities)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(activities=activities)

    monkeypatch.setattr(reclassify_replies, "activities_match_mentions", fail_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        run()
    stored = dict(Activity.objects.values_list("pk", "reading_category"))
    assert [stored[t.pk] for t in texts] == ["interested", "question", "", ""]
    assert not TextingHold.objects.exists()
