"""History sync from OpenPhone: idempotent, resumable after a crash, skipping what cannot be stored."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Activity, Contact, Conversation, OptOutEvent
from openphone.models import SyncCheckpoint, SyncConversation, SyncStatus
from openphone.sync import SyncError, sync_line
from tests.factories import ContactFactory
from tests.openphone.fake_openphone import DEFAULT_LINE_ID, seed_history

pytestmark = pytest.mark.django_db

START = datetime(2025, 11, 3, 14, 0, tzinfo=UTC)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("sync_openphone", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> dict:
    """The synced state without primary keys, to compare two runs."""
    return {
        "contacts": sorted(Contact.objects.values_list("phone", "source")),
        "conversations": sorted(
            Conversation.objects.values_list("contact__phone", "phone_number_id", "openphone_conversation_id",
                                             "last_activity_at", "waiting_for_reply")
        ),
        "activities": sorted(
            Activity.objects.values_list("openphone_id", "contact__phone", "kind", "direction", "status", "body",
                                         "occurred_at", "duration_seconds", "conversation__openphone_conversation_id")
        ),
    }


def _wipe():
    Activity.objects.all().delete()
    Conversation.objects.all().delete()
    Contact.objects.all().delete()
    SyncCheckpoint.objects.all().delete()


def test_sync_creates_contacts_conversations_and_activities(fake_openphone):
    seeded = seed_history(fake_openphone, conversations=3, messages_per=4, calls_per=2)
    output = _run("--page-size", "2")

    assert sorted(Contact.objects.values_list("phone", flat=True)) == sorted(seeded.participants)
    assert set(Contact.objects.values_list("source", flat=True)) == {"openphone"}
    assert Activity.objects.filter(kind="message").count() == 12
    assert Activity.objects.filter(kind="call").count() == 6
    first_message = seeded.messages[0]
    activity = Activity.objects.get(openphone_id=first_message["id"])
    assert (activity.direction, activity.body, activity.status, activity.contact.phone) == (
        "incoming", first_message["text"], "received", seeded.participants[0],
    )
    assert activity.occurred_at == START
    call = Activity.objects.get(openphone_id=seeded.calls[0]["id"])
    assert (call.kind, call.duration_seconds, call.status) == ("call", 45, "completed")
    conversation = Conversation.objects.get(contact__phone=seeded.participants[0])
    assert conversation.phone_number_id == DEFAULT_LINE_ID
    assert conversation.openphone_conversation_id == first_message["conversationId"]
    # Messages alternate incoming/outgoing; the last text of each thread (k=3) is ours.
    assert conversation.waiting_for_reply is False
    assert conversation.last_activity_at == max(a.occurred_at for a in conversation.activities.all())

    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.status == "completed" and checkpoint.finished_at is not None
    assert checkpoint.counts["conversations"] == 3 and checkpoint.counts["contacts_created"] == 3
    assert (f"{DEFAULT_LINE_ID}: 3 conversations, 12 messages (12 new), 6 calls (6 new), 3 contacts created, "
            "0 skipped") in output


def test_running_twice_creates_nothing_new(fake_openphone):
    seed_history(fake_openphone, conversations=4, messages_per=3, calls_per=1)
    _run("--page-size", "2")
    before = _snapshot()
    output = _run("--page-size", "2")
    assert _snapshot() == before
    latest = SyncCheckpoint.objects.order_by("-id").first()
    assert latest.counts["messages"] == 12 and latest.counts["messages_new"] == 0
    assert latest.counts["calls"] == 4 and latest.counts["calls_new"] == 0
    assert latest.counts["contacts_created"] == 0
    assert "4 conversations, 12 messages (0 new), 4 calls (0 new), 0 contacts created" in output


def test_existing_contacts_are_reused_by_any_of_their_numbers(fake_openphone):
    seeded = seed_history(fake_openphone, conversations=2, messages_per=1, calls_per=0)
    known = ContactFactory(phone="+16170000001")
    known.phones.create(phone=seeded.participants[0], label="mobile")
    _run()
    assert Activity.objects.get(openphone_id=seeded.messages[0]["id"]).contact == known
    assert Contact.objects.count() == 2


def test_invalid_numbers_and_group_threads_are_skipped_and_counted(fake_openphone):
    seed_history(fake_openphone, conversations=1, messages_per=1, calls_per=0)
    fake_openphone.add_message("+15555550123", text="from a fictional number")  # not a valid NANP number
    fake_openphone.add_conversation(["+16172000001", "+16172000002"])
    output = _run()
    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.counts["skipped_invalid_numbers"] == 1
    assert checkpoint.counts["skipped_group_conversations"] == 1
    assert not Contact.objects.filter(phone="+15555550123").exists()
    assert Activity.objects.count() == 1
    assert "2 skipped (1 invalid numbers, 1 group conversations)" in output


def test_since_limits_the_history_pulled(fake_openphone):
    seeded = seed_history(fake_openphone, conversations=2, messages_per=4, calls_per=0)
    cutoff = seeded.messages[5]["createdAt"]
    _run("--since", cutoff)
    assert sorted(Activity.objects.values_list("openphone_id", flat=True)) == sorted(
        m["id"] for m in seeded.messages[6:]
    )
    assert fake_openphone.requests[-1].arg("createdAfter") is not None


def test_since_accepts_a_plain_date_in_business_time(fake_openphone):
    seed_history(fake_openphone, conversations=1, messages_per=1, calls_per=0)
    _run("--since", "2025-11-01")
    assert SyncCheckpoint.objects.get().since == datetime(2025, 11, 1, 4, 0, tzinfo=UTC)  # midnight EDT


def test_bad_since_is_a_clear_error(fake_openphone):
    with pytest.raises(CommandError, match="not a date"):
        _run("--since", "last tuesday")


def test_all_lines(fake_openphone):
    fake_openphone.add_line("PNsecond01", "+16175550199")
    seed_history(fake_openphone, conversations=2, messages_per=1, calls_per=0)
    seed_history(fake_openphone, conversations=1, messages_per=2, calls_per=0, line_id="PNsecond01",
                 first_number=2200000)
    output = _run("--line", "all")
    assert sorted(Conversation.objects.values_list("phone_number_id", flat=True)) == [
        "PNsecond01", DEFAULT_LINE_ID, DEFAULT_LINE_ID,
    ]
    assert Activity.objects.count() == 4
    assert "All 2 lines: 3 conversations, 4 messages" in output


def test_line_given_as_its_number(fake_openphone):
    seed_history(fake_openphone, conversations=1, messages_per=1, calls_per=0)
    _run("--line", "(617) 555-0100")
    assert SyncCheckpoint.objects.get().line == DEFAULT_LINE_ID


def test_unknown_line_number_is_a_clear_error(fake_openphone):
    with pytest.raises(CommandError, match=r"no line with the number \+16175550111"):
        _run("--line", "+16175550111")


def test_history_stop_opts_the_homeowner_out_once(fake_openphone):
    phone = "+16172000001"
    fake_openphone.add_message(phone, direction="outgoing", text="Foundation repair offer", created_at=START)
    stop = fake_openphone.add_message(phone, direction="incoming", text="STOP", created_at=START + timedelta(hours=1))
    _run()
    contact = Contact.objects.get(phone=phone)
    assert contact.opted_out and contact.opted_out_at == START + timedelta(hours=1)
    event = OptOutEvent.objects.get(contact=contact)
    assert event.source == "openphone_sync" and event.activity.openphone_id == stop["id"]
    _run()  # a second run does not log the opt-out again
    assert OptOutEvent.objects.filter(contact=contact).count() == 1


def test_history_start_after_stop_leaves_the_homeowner_opted_in(fake_openphone):
    phone = "+16172000001"
    fake_openphone.add_message(phone, direction="incoming", text="stop", created_at=START)
    fake_openphone.add_message(phone, direction="incoming", text="START", created_at=START + timedelta(days=1))
    _run()
    assert Contact.objects.get(phone=phone).opted_out is False


def test_sync_queries_stay_bounded_per_item(fake_openphone, django_assert_max_num_queries):
    """One page of 20 texts: about 6 queries per new text (lookups, savepoint, insert, conversation) plus a fixed part."""
    seed_history(fake_openphone, conversations=1, messages_per=20, calls_per=0)
    with django_assert_max_num_queries(20 * 6 + 40):
        sync_line(line=DEFAULT_LINE_ID)


# --- resuming -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "failure",
    [
        {"path": "/v1/conversations", "page": 3},
        {"path": "/v1/messages", "page": 2},
        {"path": "/v1/calls", "page": 1},
    ],
    ids=["conversations-page-3", "messages-page-2", "calls-page-1"],
)
def test_resume_after_a_failure_ends_like_an_uninterrupted_run(fake_openphone, failure):
    seed_history(fake_openphone, conversations=7, messages_per=5, calls_per=2)
    # OpenPhone fails forever on the 3rd conversations page, or on one homeowner's texts or calls.
    target_phone = fake_openphone.conversations[3]["participants"][0]
    when = None if failure["path"] == "/v1/conversations" else (
        lambda r: target_phone in r.args.get("participants", []))
    fake_openphone.fail("server_error", path=failure["path"], page=failure["page"], when=when)

    with pytest.raises(CommandError, match="--resume"):
        _run("--page-size", "2")
    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.status == SyncStatus.FAILED and "HTTP 500" in checkpoint.last_error
    partial = Activity.objects.count()
    assert 0 <= partial < 7 * 7

    fake_openphone.clear_failures()  # OpenPhone recovers
    requests_before = len(fake_openphone.requests)
    _run("--page-size", "2", "--resume")
    resumed = _snapshot()
    resumed_counts = SyncCheckpoint.objects.get().counts
    assert SyncCheckpoint.objects.get().status == SyncStatus.COMPLETED
    # Resuming did not start over: the first conversations page was not fetched again.
    resumed_requests = fake_openphone.requests[requests_before:]
    if failure["path"] != "/v1/conversations":
        assert not any(r.path == "/v1/conversations" for r in resumed_requests)

    _wipe()
    _run("--page-size", "2")
    assert _snapshot() == resumed
    assert SyncCheckpoint.objects.get().counts == resumed_counts
    assert resumed_counts["messages"] == 35 and resumed_counts["messages_new"] == 35


def test_a_crash_in_the_middle_of_a_page_leaves_nothing_half_written(fake_openphone, monkeypatch):
    """A fault we cannot provoke through HTTP (the process dies mid-page) is simulated in the recorder."""
    from openphone import sync as sync_module

    seed_history(fake_openphone, conversations=3, messages_per=4, calls_per=0)
    real = sync_module.activity_record
    calls = {"n": 0}

    def dies_on_the_sixth(**kwargs):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        return real(**kwargs)

    monkeypatch.setattr(sync_module, "activity_record", dies_on_the_sixth)
    with pytest.raises(KeyboardInterrupt):
        sync_line(line=DEFAULT_LINE_ID, page_size=3)
    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.status == SyncStatus.FAILED
    # Pages are all-or-nothing: the first homeowner's 4 texts (pages of 3 + 1) are stored; of the
    # second homeowner's first page, whose 2nd text crashed, nothing is.
    assert Activity.objects.count() == 4
    assert checkpoint.counts["messages"] == 4
    # (OpenPhone lists the most recently active conversation first.)
    assert list(checkpoint.conversations.filter(done=True).values_list("participant", flat=True)) == [
        "+16172100002"
    ]

    monkeypatch.setattr(sync_module, "activity_record", real)
    resumed = sync_line(line=DEFAULT_LINE_ID, page_size=3, resume=True)
    assert resumed.pk == checkpoint.pk
    assert Activity.objects.count() == 12
    assert resumed.counts["messages"] == 12 and resumed.counts["messages_new"] == 12


def test_a_running_sync_blocks_a_second_fresh_one(fake_openphone):
    SyncCheckpoint.objects.create(line=DEFAULT_LINE_ID, status=SyncStatus.RUNNING)
    with pytest.raises(SyncError, match="--resume"):
        sync_line(line=DEFAULT_LINE_ID)


def test_resume_with_nothing_unfinished_starts_fresh(fake_openphone):
    seed_history(fake_openphone, conversations=1, messages_per=1, calls_per=0)
    checkpoint = sync_line(line=DEFAULT_LINE_ID, resume=True)
    assert checkpoint.status == SyncStatus.COMPLETED and Activity.objects.count() == 1


def test_a_fresh_run_abandons_an_older_failed_one(fake_openphone):
    old = SyncCheckpoint.objects.create(line=DEFAULT_LINE_ID, status=SyncStatus.FAILED)
    sync_line(line=DEFAULT_LINE_ID)
    old.refresh_from_db()
    assert old.status == SyncStatus.ABANDONED


def test_resume_refuses_a_different_since(fake_openphone):
    SyncCheckpoint.objects.create(line=DEFAULT_LINE_ID, status=SyncStatus.FAILED, since=START)
    with pytest.raises(SyncError, match="since"):
        sync_line(line=DEFAULT_LINE_ID, resume=True, since=START + timedelta(days=1))


def test_a_conversation_listed_twice_is_queued_once(fake_openphone):
    """New activity can move a conversation onto a later page while we page through them."""
    seed_history(fake_openphone, conversations=3, messages_per=1, calls_per=0)
    original = fake_openphone._list_conversations

    def moving(req):
        status, payload = original(req)
        if req.arg("pageToken"):  # on the second page, repeat the first page's last item
            first = original(type(req)(**{**req.__dict__, "args": {**req.args, "pageToken": []}}))[1]["data"]
            payload["data"] = [first[-1], *payload["data"]]
        return status, payload

    fake_openphone._list_conversations = moving
    checkpoint = sync_line(line=DEFAULT_LINE_ID, page_size=2)
    assert checkpoint.counts["conversations"] == 3
    assert SyncConversation.objects.filter(checkpoint=checkpoint).count() == 3


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise(fake_openphone):
    seed_history(fake_openphone, conversations=3, messages_per=1, calls_per=0)
    plain = _run("--page-size", "2")
    assert "PNtoDbDhuz: conversations page of 2; 2 queued" in plain
    assert "PNtoDbDhuz: messages page of 1; conversations 0/3" in plain
    assert "\r" not in plain

    terminal = _Terminal()
    call_command("sync_openphone", "--page-size", "2", stdout=terminal)
    shown = terminal.getvalue()
    assert "\r" in shown and "PNtoDbDhuz texts and calls" in shown and "3/3" in shown
    assert "conversations page of" not in shown
