"""History sync from OpenPhone: idempotent, resumable after a crash, skipping what cannot be stored."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Activity, Contact, Conversation, OptOutEvent
from openphone.client import OpenPhoneClientError
from openphone.models import CallDetails, SyncCheckpoint, SyncConversation, SyncStatus
from openphone.sync import SyncError, sync_line
from tests.factories import ContactFactory
from tests.openphone.fake_openphone import DEFAULT_LINE_ID, seed_history, seeded_call_details

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
                                         "occurred_at", "duration_seconds", "conversation__openphone_conversation_id",
                                         "recording_url", "summary", "transcript")
        ),
        "call_details": sorted(
            CallDetails.objects.values_list("call_id", "activity__openphone_id", "recording_url", "summary",
                                            "transcript")
        ),
    }


def _wipe():
    CallDetails.objects.all().delete()
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
    """One page of 20 texts: about 7 queries per new text (lookups, savepoint, insert, conversation, the reading
    of an incoming one, on the text and on its conversation) plus a fixed part."""
    seed_history(fake_openphone, conversations=1, messages_per=20, calls_per=0)
    # (+50: the fixture's unclear replies each put a hold on their homeowner, a few queries apiece;
    # +10: each of the 10 incoming texts' reading also marks its conversation's reply_intent)
    with django_assert_max_num_queries(20 * 7 + 50 + 10):
        sync_line(line=DEFAULT_LINE_ID)


# --- calls' recordings, summaries, transcripts and voicemails ------------------------------------

DETAIL_PATHS = ("/v1/call-recordings/", "/v1/call-summaries/", "/v1/call-transcripts/", "/v1/call-voicemails/")


def _detail_requests(fake) -> list[str]:
    return [r.path for r in fake.requests if r.path.startswith(DETAIL_PATHS)]


def test_sync_brings_each_calls_recording_summary_and_transcript(fake_openphone):
    seeded = seed_history(fake_openphone, conversations=2, messages_per=1, calls_per=2, call_details=True)
    output = _run()
    for call in seeded.calls:
        short = call["id"][-6:]
        activity = Activity.objects.get(openphone_id=call["id"])
        assert (activity.kind, activity.status, activity.duration_seconds) == ("call", "completed", 45)
        assert activity.recording_url == seeded_call_details(call["id"])["recording_url"]
        assert activity.summary == (f"Homeowner on call {short} asks about a basement crack.\n\n"
                                    "Next steps:\n- Schedule an inspection visit.")
        assert activity.transcript == f"[0:01] Us: Hello about call {short}."
    assert "calls with a recording: 4, summary: 4, transcript: 4, voicemail: 0" in output


def test_sync_records_a_call_exactly_as_its_webhooks_do(fake_openphone, client, django_capture_on_commit_callbacks):
    """The four call webhooks of the fixtures, then the same call pulled by the sync: one and the same activity."""
    from tests.openphone.sender import deliver, load_event

    def recorded_call() -> tuple:
        a = Activity.objects.get(kind__in=["call", "voicemail"])
        return (a.openphone_id, a.contact.phone, a.kind, a.direction, a.status, a.occurred_at, a.duration_seconds,
                a.recording_url, a.summary, a.transcript, a.conversation.phone_number_id)

    events = {name: load_event(name) for name in (
        "call.completed", "call.recording.completed", "call.summary.completed", "call.transcript.completed")}
    for payload in events.values():
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, payload).status_code == 202
    via_webhooks = recorded_call()
    assert via_webhooks[7] and via_webhooks[8] and via_webhooks[9]  # all three details arrived

    _wipe()
    call = events["call.completed"]["data"]["object"]
    summary = events["call.summary.completed"]["data"]["object"]
    fake_openphone.add_call(
        "+16175550123", id=call["id"], duration=call["duration"], created_at=datetime(2026, 1, 2, 14, 0, tzinfo=UTC),
        recording_url=events["call.recording.completed"]["data"]["object"]["recordings"][0]["url"],
        summary=summary["summary"], next_steps=summary["nextSteps"],
        transcript=events["call.transcript.completed"]["data"]["object"]["dialogue"],
    )
    _run()
    assert recorded_call() == via_webhooks


def test_running_twice_duplicates_no_call_and_asks_for_no_detail_it_has(fake_openphone):
    seed_history(fake_openphone, conversations=3, messages_per=1, calls_per=2, call_details=True)
    _run("--page-size", "2")
    before = _snapshot()
    assert len(_detail_requests(fake_openphone)) == 6 * 3
    fake_openphone.requests.clear()
    output = _run("--page-size", "2")
    assert _snapshot() == before
    assert CallDetails.objects.count() == 6
    assert _detail_requests(fake_openphone) == []
    assert "6 calls (0 new)" in output and "calls with a recording: 6, summary: 6, transcript: 6" in output


def test_calls_without_ai_details_or_recording_are_synced_without_them(fake_openphone):
    phone = "+16172000001"
    # A plan without AI: no summary or transcript at all (404); an unrecorded call: no recording.
    recorded = fake_openphone.add_call(phone, created_at=START, recording_url="https://storage.example.com/rec/1.mp3")
    bare = fake_openphone.add_call(phone, created_at=START + timedelta(hours=1))
    # A summary still being written is not kept (the finished one is brought by webhook or a later run).
    pending = fake_openphone.add_call(phone, created_at=START + timedelta(hours=2), summary=["Half a summ"])
    fake_openphone.summaries[pending["id"]]["status"] = "in-progress"

    checkpoint = sync_line(line=DEFAULT_LINE_ID)
    assert checkpoint.status == SyncStatus.COMPLETED
    details = {a.openphone_id: (a.recording_url, a.summary, a.transcript) for a in Activity.objects.filter(kind="call")}
    assert details == {
        recorded["id"]: ("https://storage.example.com/rec/1.mp3", "", ""),
        bare["id"]: ("", "", ""),
        pending["id"]: ("", "", ""),
    }
    assert (checkpoint.counts["recordings"], checkpoint.counts["summaries"]) == (1, 0)


def test_a_plan_refused_summaries_and_transcripts_syncs_without_asking_again(fake_openphone, caplog):
    """OpenPhone's AI details are for some plans only; a 403 for them must not fail the whole sync,
    nor be asked for again on every call of it."""
    seeded = seed_history(fake_openphone, conversations=2, messages_per=1, calls_per=2, call_details=True)
    fake_openphone.fail("error", path=re.compile(r"/v1/call-(summaries|transcripts)/.*"), status=403,
                        code="0500403", message="Forbidden")

    checkpoint = sync_line(line=DEFAULT_LINE_ID)

    assert checkpoint.status == SyncStatus.COMPLETED
    assert checkpoint.counts["calls"] == 4 and checkpoint.counts["recordings"] == 4
    assert (checkpoint.counts["summaries"], checkpoint.counts["transcripts"]) == (0, 0)
    for call in seeded.calls:
        activity = Activity.objects.get(openphone_id=call["id"])
        assert activity.recording_url and not activity.summary and not activity.transcript
    asked = _detail_requests(fake_openphone)
    assert sum(p.startswith("/v1/call-summaries/") for p in asked) == 1  # refused once, then not asked again
    assert sum(p.startswith("/v1/call-transcripts/") for p in asked) == 1
    assert sum(p.startswith("/v1/call-recordings/") for p in asked) == 4
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2 and all("HTTP 403" in w and "code 0" in w for w in warnings)
    assert warnings[0].startswith("OpenPhone refuses call summaries to this API key (")
    assert warnings[1].startswith("OpenPhone refuses call transcripts to this API key (")


def test_other_refusals_of_a_detail_still_fail_the_sync(fake_openphone):
    seed_history(fake_openphone, conversations=1, messages_per=1, calls_per=1, call_details=True)
    fake_openphone.fail("error", path=re.compile(r"/v1/call-summaries/.*"), status=400, code="0500400",
                        message="Bad request")

    with pytest.raises(OpenPhoneClientError):
        sync_line(line=DEFAULT_LINE_ID)

    assert SyncCheckpoint.objects.get().status == SyncStatus.FAILED


def test_missed_call_with_a_voicemail_is_synced_as_a_voicemail(fake_openphone):
    phone = "+16172000001"
    voicemail = fake_openphone.add_call(
        phone, status="missed", created_at=START,
        voicemail={"recordingUrl": "https://storage.example.com/vm/9.mp3", "duration": 22,
                   "transcript": "Call me back about the crack."},
    )
    no_message = fake_openphone.add_call(phone, status="no-answer", created_at=START + timedelta(hours=1))
    outgoing = fake_openphone.add_call(phone, direction="outgoing", status="no-answer", created_at=START + timedelta(hours=2))

    output = _run()
    activity = Activity.objects.get(openphone_id=voicemail["id"])
    assert (activity.kind, activity.status, activity.duration_seconds, activity.recording_url, activity.transcript) == (
        "voicemail", "missed", 22, "https://storage.example.com/vm/9.mp3", "Call me back about the crack.",
    )
    assert Activity.objects.get(openphone_id=no_message["id"]).kind == "call"
    # Unanswered calls have no recording, summary or transcript to ask for; our own unanswered call no voicemail.
    assert sorted(_detail_requests(fake_openphone)) == sorted(
        f"/v1/call-voicemails/{c['id']}" for c in (voicemail, no_message)
    )
    assert outgoing["id"] not in " ".join(_detail_requests(fake_openphone))
    assert "voicemail: 1" in output


def test_no_call_details_skips_the_extra_requests(fake_openphone):
    seed_history(fake_openphone, conversations=2, messages_per=1, calls_per=2, call_details=True)
    output = _run("--no-call-details")
    assert _detail_requests(fake_openphone) == []
    assert Activity.objects.filter(kind="call").count() == 4
    assert not Activity.objects.exclude(recording_url="", summary="", transcript="").exists()
    assert "calls with a recording: 0, summary: 0, transcript: 0, voicemail: 0" in output


def test_call_detail_requests_keep_to_the_clients_throttle(fake_openphone, settings):
    # Below the 12 requests of this sync, so a burst would meet OpenPhone's own limiter (429, retried).
    rate = 8.0
    settings.OPENPHONE_RATE_LIMIT_PER_SECOND = rate
    fake_openphone.rate_limit_per_second = rate
    seed_history(fake_openphone, conversations=1, messages_per=1, calls_per=3, call_details=True)
    sync_line(line=DEFAULT_LINE_ID)
    assert len(_detail_requests(fake_openphone)) == 9
    arrivals = [r.at for r in fake_openphone.requests]
    assert len(arrivals) == 12  # conversations, messages, calls, 3 x 3 details: no 429, nothing retried
    # Spread over at least 11 intervals of 1/rate. The whole span, not each gap: a gap measured at the
    # server shrinks when the request before it was scheduled late on a busy machine; the span cannot
    # shrink by more than the first request's lateness.
    assert arrivals[-1] - arrivals[0] >= 11 / rate - 0.05


# --- resuming -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "failure",
    [
        {"path": "/v1/conversations", "page": 3},
        {"path": "/v1/messages", "page": 2},
        {"path": "/v1/calls", "page": 1},
        {"path": "/v1/call-recordings/{call}"},
        {"path": "/v1/call-summaries/{call}"},
        {"path": "/v1/call-transcripts/{call}"},
    ],
    ids=["conversations-page-3", "messages-page-2", "calls-page-1", "recording", "summary", "transcript"],
)
def test_resume_after_a_failure_ends_like_an_uninterrupted_run(fake_openphone, failure):
    seed_history(fake_openphone, conversations=7, messages_per=5, calls_per=2, call_details=True)
    # OpenPhone fails forever on the 3rd conversations page, or on one homeowner's texts or calls,
    # or on a detail of that homeowner's second call.
    target_phone = fake_openphone.conversations[3]["participants"][0]
    target_call = [c["id"] for c in fake_openphone.calls if target_phone in c["participants"]][1]
    path = failure["path"].format(call=target_call)
    when = None if path == "/v1/conversations" or "{call}" in failure["path"] else (
        lambda r: target_phone in r.args.get("participants", []))
    fake_openphone.fail("server_error", path=path, page=failure.get("page"), when=when)

    with pytest.raises(CommandError, match="--resume"):
        _run("--page-size", "2")
    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.status == SyncStatus.FAILED and "HTTP 500" in checkpoint.last_error
    partial = Activity.objects.count()
    assert 0 <= partial < 7 * 7
    if "{call}" in failure["path"]:
        # The failing call's page (both of the homeowner's calls) is not written, details and all.
        assert not Activity.objects.filter(contact__phone=target_phone, kind="call").exists()
        assert not CallDetails.objects.filter(call_id=target_call).exists()

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
    assert resumed_counts["calls"] == 14
    assert (resumed_counts["recordings"], resumed_counts["summaries"], resumed_counts["transcripts"]) == (14, 14, 14)
    assert Activity.objects.filter(kind="call").exclude(recording_url="").exclude(summary="").exclude(
        transcript="").count() == 14


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


def test_a_crash_in_the_middle_of_a_calls_page_leaves_neither_calls_nor_details_half_written(fake_openphone,
                                                                                             monkeypatch):
    from openphone import sync as sync_module

    seed_history(fake_openphone, conversations=2, messages_per=1, calls_per=3, call_details=True)
    real = sync_module.call_record_from_openphone
    calls = {"n": 0}

    def dies_on_the_fifth(**kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        return real(**kwargs)

    sync_line(line=DEFAULT_LINE_ID, page_size=2)
    uninterrupted = _snapshot()
    _wipe()

    monkeypatch.setattr(sync_module, "call_record_from_openphone", dies_on_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        sync_line(line=DEFAULT_LINE_ID, page_size=2)
    # First homeowner's 3 calls (pages of 2 + 1) are in with their details; of the second one's
    # first calls page, whose 2nd call crashed, nothing is: no activity, no held details.
    assert Activity.objects.filter(kind="call").count() == 3
    assert CallDetails.objects.count() == 3
    assert set(CallDetails.objects.values_list("activity__kind", flat=True)) == {"call"}

    monkeypatch.setattr(sync_module, "call_record_from_openphone", real)
    resumed = sync_line(line=DEFAULT_LINE_ID, page_size=2, resume=True)
    assert resumed.counts["calls"] == 6 and resumed.counts["summaries"] == 6
    assert _snapshot() == uninterrupted


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
