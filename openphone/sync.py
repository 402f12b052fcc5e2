"""Pull OpenPhone history (conversations, then each one's messages and calls) into contacts and activities.

Resumable: every page is written together with its SyncCheckpoint in one transaction, and
activities are keyed by OpenPhone id, so running again or resuming never duplicates. Calls come
with their recording, AI summary, transcript or voicemail, recorded by the webhooks' own code.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Activity, ActivityKind, ContactSource, Direction
from contacts.phone import mask_phone, normalize_phone
from contacts.services import (
    activity_media_add,
    activity_record,
    contact_apply_reply_keywords,
    contact_get_or_create_by_phone,
)
from properties.services import activity_match_mentions

from . import calls
from .client import MAX_PAGE_SIZE, OpenPhoneClient, OpenPhoneClientError, OpenPhoneNotFound, Page, parse_timestamp
from .handlers import call_record_from_openphone
from .media import media_copies_queue, media_items
from .models import SyncCheckpoint, SyncConversation, SyncKind, SyncStage, SyncStatus
from .payloads import call_direction, call_recording_url, call_was_answered, summary_text, transcript_text

logger = logging.getLogger(__name__)

# OpenPhone's largest page for conversations, messages and calls: fewest requests under the
# 10 requests/second limit.
DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE

COUNT_KEYS = (
    "conversations", "messages", "messages_new", "calls", "calls_new", "contacts_created",
    "skipped_invalid_numbers", "skipped_group_conversations", "opt_outs", "opt_ins",
    # Calls carrying each detail once their page is written (so a second run reports the same).
    "recordings", "summaries", "transcripts", "voicemails",
)

# progress(checkpoint, event, info): event is "conversations_page", "history_page" or "done".
Progress = Callable[[SyncCheckpoint, str, dict], None]


class SyncError(Exception):
    """A sync that cannot start as asked (nothing to resume with other options, one already running)."""


def skipped_total(counts: dict) -> int:
    return counts.get("skipped_invalid_numbers", 0) + counts.get("skipped_group_conversations", 0)


# --- lines ------------------------------------------------------------------------------------

def lines_resolve(*, client: OpenPhoneClient, lines: list[str]) -> list[str]:
    """PN ids for what the operator typed: PN ids as they are, "all" for every line, E.164 numbers looked up."""
    if not lines:
        raise SyncError("No line to sync: pass --line or set OPENPHONE_PHONE_NUMBER_ID.")
    if any(x.lower() == "all" for x in lines):
        if len(lines) > 1:
            raise SyncError("--line all cannot be combined with other lines.")
        return [number["id"] for number in client.list_phone_numbers()]
    resolved: list[str] = []
    numbers: list[dict] | None = None
    for line in lines:
        if line.startswith("PN"):
            resolved.append(line)
            continue
        if numbers is None:
            numbers = client.list_phone_numbers()
        try:
            e164 = normalize_phone(line)
        except ValidationError as exc:
            raise SyncError(f"{line!r} is neither a line id (PN...) nor a phone number.") from exc
        match = next((n["id"] for n in numbers if n.get("number") == e164), None)
        if match is None:
            raise SyncError(f"OpenPhone has no line with the number {e164}.")
        resolved.append(match)
    return list(dict.fromkeys(resolved))


# --- checkpoints ------------------------------------------------------------------------------

def sync_checkpoint_start(*, line: str, since: datetime | None = None, resume: bool = False) -> tuple[SyncCheckpoint, bool]:
    """The checkpoint to run: the line's unfinished one when resuming, else a new one.

    Returns (checkpoint, resumed). Resuming with no unfinished sync starts a new one.
    Starting fresh while one is marked running refuses (it may be alive, or crashed: resume it).
    """
    with transaction.atomic():
        unfinished = (
            SyncCheckpoint.objects.select_for_update()
            .filter(line=line, status__in=[SyncStatus.RUNNING, SyncStatus.FAILED])
            .order_by("-started_at", "-id")
        )
        if resume:
            checkpoint = unfinished.first()
            if checkpoint is not None:
                if since is not None and checkpoint.since != since:
                    raise SyncError(
                        f"The unfinished sync of {line} was started with since={checkpoint.since}; "
                        "resume it without --since, or start over without --resume."
                    )
                checkpoint.status = SyncStatus.RUNNING
                checkpoint.last_error = ""
                checkpoint.save(update_fields=["status", "last_error", "updated_at"])
                return checkpoint, True
        elif unfinished.filter(status=SyncStatus.RUNNING).exists():
            raise SyncError(
                f"A sync of {line} is marked running (another process, or one that crashed). "
                "If none is running, continue it with --resume."
            )
        unfinished.update(status=SyncStatus.ABANDONED, updated_at=timezone.now())
        try:
            checkpoint = SyncCheckpoint.objects.create(
                line=line, since=since, counts=dict.fromkeys(COUNT_KEYS, 0)
            )
        except IntegrityError as exc:  # another process started the same line a moment ago
            raise SyncError(f"A sync of {line} has just been started by another process.") from exc
    return checkpoint, False


def _fail(checkpoint: SyncCheckpoint, exc: BaseException) -> None:
    SyncCheckpoint.objects.filter(pk=checkpoint.pk).update(
        status=SyncStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:5000], updated_at=timezone.now()
    )
    checkpoint.refresh_from_db()


# --- the sync ---------------------------------------------------------------------------------

def sync_line(
    *,
    line: str,
    since: datetime | None = None,
    resume: bool = False,
    client: OpenPhoneClient | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
    call_details: bool = True,
) -> SyncCheckpoint:
    """Pull one line's history; returns its completed checkpoint (counts in `.counts`).

    `call_details` also fetches each call's recording, summary and transcript (answered calls)
    or voicemail (unanswered incoming calls): up to three more requests per call.
    On any error the checkpoint is marked failed with the error and the error is raised;
    everything up to the last finished page is kept.
    """
    client = client or OpenPhoneClient()
    checkpoint, resumed = sync_checkpoint_start(line=line, since=since, resume=resume)
    logger.info("OpenPhone sync of %s %s (checkpoint %s)", line, "resumed" if resumed else "started", checkpoint.pk)
    try:
        if checkpoint.stage == SyncStage.CONVERSATIONS:
            _pull_conversations(checkpoint, client, page_size, progress)
        if checkpoint.stage == SyncStage.HISTORY:
            _pull_history(checkpoint, client, page_size, progress, call_details)
    except BaseException as exc:
        _fail(checkpoint, exc)
        raise
    checkpoint.stage = SyncStage.DONE
    checkpoint.status = SyncStatus.COMPLETED
    checkpoint.finished_at = timezone.now()
    checkpoint.save(update_fields=["stage", "status", "finished_at", "updated_at"])
    if progress:
        progress(checkpoint, "done", {})
    logger.info("OpenPhone sync of %s completed: %s", line, checkpoint.counts)
    return checkpoint


def _pull_conversations(checkpoint: SyncCheckpoint, client: OpenPhoneClient, page_size: int,
                        progress: Progress | None) -> None:
    """Stage 1: queue every conversation of the line (and make contacts for new numbers)."""
    while checkpoint.stage == SyncStage.CONVERSATIONS:
        page = client.list_conversations(
            phone_numbers=[checkpoint.line], updated_after=checkpoint.since, max_results=page_size,
            page_token=checkpoint.conversations_page_token or None,
        )
        with transaction.atomic():
            counts = dict(checkpoint.counts)
            for conversation in page.items:
                _queue_conversation(checkpoint, conversation, counts)
            checkpoint.counts = counts
            checkpoint.conversations_page_token = page.next_page_token or ""
            if not page.next_page_token:
                checkpoint.stage = SyncStage.HISTORY
            checkpoint.save(update_fields=["counts", "conversations_page_token", "stage", "updated_at"])
        if progress:
            progress(checkpoint, "conversations_page", {"items": len(page.items)})


def _queue_conversation(checkpoint: SyncCheckpoint, conversation: dict, counts: dict) -> None:
    participants = conversation.get("participants") or []
    if len(participants) != 1:
        # Group threads: OpenPhone lists their messages per participant set, and an activity
        # belongs to one homeowner; they are counted and left to the OpenPhone app.
        counts["skipped_group_conversations"] += 1
        return
    try:
        phone = normalize_phone(participants[0])
    except ValidationError:
        counts["skipped_invalid_numbers"] += 1
        logger.info("OpenPhone sync skips conversation %s: invalid number %s",
                    conversation.get("id"), mask_phone(str(participants[0])))
        return
    _, queued = SyncConversation.objects.get_or_create(
        checkpoint=checkpoint, openphone_conversation_id=conversation["id"],
        defaults={"participant": phone},
    )
    if not queued:
        return  # listed twice: new activity moved it while we paged
    contact, created = contact_get_or_create_by_phone(phone=phone, source=ContactSource.OPENPHONE)
    SyncConversation.objects.filter(checkpoint=checkpoint, openphone_conversation_id=conversation["id"]).update(
        contact=contact
    )
    counts["conversations"] += 1
    counts["contacts_created"] += int(created)


def _pull_history(checkpoint: SyncCheckpoint, client: OpenPhoneClient, page_size: int,
                  progress: Progress | None, call_details: bool = True) -> None:
    """Stage 2: for each queued conversation, its messages then its calls, page by page.

    A calls page's details are fetched before its transaction opens (no transaction waits on
    OpenPhone) and written with the page, so a crash in between leaves nothing half done.
    """
    remaining = checkpoint.conversations.filter(done=False)
    refused: set[str] = set()  # kinds of call detail OpenPhone refused (403) during this sync
    while True:
        item = checkpoint.current_conversation
        if item is None or item.done:
            item = remaining.order_by("id").select_related("contact").first()
            if item is None:
                return
            checkpoint.current_conversation = item
            checkpoint.current_kind = SyncKind.MESSAGES
            checkpoint.page_token = ""
        if item.contact_id is None:  # the contact was deleted since it was queued
            item.contact, _ = contact_get_or_create_by_phone(phone=item.participant, source=ContactSource.OPENPHONE)
            item.save(update_fields=["contact"])
        kind = checkpoint.current_kind or SyncKind.MESSAGES
        page = _fetch_history_page(client, checkpoint, item, kind, page_size)
        details = _fetch_call_details(client, page.items, refused) if kind == SyncKind.CALLS and call_details else {}
        with transaction.atomic():
            counts = dict(checkpoint.counts)
            for obj in sorted(page.items, key=lambda o: o.get("createdAt") or ""):
                if kind == SyncKind.MESSAGES:
                    _record_message(checkpoint, item, obj, counts)
                else:
                    _record_call(checkpoint, item, obj, counts, details.get(obj.get("id")))
            checkpoint.counts = counts
            if page.next_page_token:
                checkpoint.current_kind = kind
                checkpoint.page_token = page.next_page_token
            elif kind == SyncKind.MESSAGES:
                checkpoint.current_kind = SyncKind.CALLS
                checkpoint.page_token = ""
            else:
                item.done = True
                item.save(update_fields=["done"])
                checkpoint.current_conversation = None
                checkpoint.current_kind = ""
                checkpoint.page_token = ""
            checkpoint.save(update_fields=["counts", "current_conversation", "current_kind", "page_token", "updated_at"])
        if progress:
            progress(checkpoint, "history_page", {"kind": kind, "items": len(page.items), "conversation_done": item.done})


def _fetch_history_page(client: OpenPhoneClient, checkpoint: SyncCheckpoint, item: SyncConversation, kind: str,
                        page_size: int) -> Page:
    token = checkpoint.page_token or None
    if kind == SyncKind.MESSAGES:
        return client.list_messages(
            phone_number_id=checkpoint.line, participants=[item.participant], created_after=checkpoint.since,
            max_results=page_size, page_token=token,
        )
    return client.list_calls(
        phone_number_id=checkpoint.line, participant=item.participant, created_after=checkpoint.since,
        max_results=page_size, page_token=token,
    )


# What contact_apply_reply_keywords did -> the summary's counter.
_OUTCOME_COUNTS = {"opted_out": "opt_outs", "opted_in": "opt_ins"}  # holds are counted on the dashboard


def _record_message(checkpoint: SyncCheckpoint, item: SyncConversation, message: dict, counts: dict) -> None:
    occurred_at = parse_timestamp(message.get("createdAt")) or timezone.now()
    direction = message.get("direction") or ""
    body = message.get("text") or ""
    activity, created = activity_record(
        contact=item.contact, kind=ActivityKind.MESSAGE, direction=direction, openphone_id=message["id"],
        occurred_at=occurred_at, phone_number_id=checkpoint.line, body=body,
        status=message.get("status") or "", openphone_conversation_id=item.openphone_conversation_id,
    )
    counts["messages"] += 1
    counts["messages_new"] += int(created)
    if direction == "incoming":
        media_copies_queue(activity_media_add(activity=activity, items=media_items(message.get("media"))))
    if created and direction == "incoming":
        # The same rule as for webhooks: a STOP or START we never saw counts unless a later one decided.
        outcome = contact_apply_reply_keywords(activity=activity, source="openphone_sync")
        activity_match_mentions(activity=activity)
        if outcome in _OUTCOME_COUNTS:
            counts[_OUTCOME_COUNTS[outcome]] += 1


@dataclass
class FetchedCallDetails:
    """What OpenPhone holds for one call beyond the call itself, as the webhooks would record it."""

    recording_url: str = ""
    summary: str = ""
    transcript: str = ""
    voicemail: dict | None = None
    """The REST voicemail object (`recordingUrl`, `duration`, `transcript`) when one was left."""


def _call_detail(fetch: Callable[[str], object], call_id: str, kind: str, refused: set[str]):
    """The detail, or None when OpenPhone has none (404: no AI on the plan, nothing recorded).

    A 403 says this plan or API key may not read that kind of detail at all (summaries and
    transcripts are for some plans only): it is not asked for again during this sync, which goes
    on without it instead of failing on the first call."""
    if kind in refused:
        return None
    try:
        return fetch(call_id)
    except OpenPhoneNotFound:
        return None
    except OpenPhoneClientError as exc:
        if exc.status != 403:
            raise
        refused.add(kind)
        logger.warning("OpenPhone refuses call %s to this API key (%s); the sync goes on without them", kind, exc)
        return None


def _finished(obj) -> bool:
    """A summary, transcript or voicemail that is final (`in-progress` or `absent` ones are not kept)."""
    return isinstance(obj, dict) and obj.get("status") in (None, "completed")


def _fetch_call_details(client: OpenPhoneClient, calls: list[dict], refused: set[str]) -> dict[str, FetchedCallDetails]:
    """Recording, summary, transcript (answered calls) or voicemail (unanswered incoming) by call id.

    What an earlier run or a webhook already put on the call is not asked for again. Requests go
    through the client, so its throttle and retries apply; errors other than 404 and 403 (see
    _call_detail; `refused` collects the kinds refused so far) are raised.
    """
    ids = [call["id"] for call in calls if isinstance(call.get("id"), str)]
    recorded = {
        row["openphone_id"]: row
        for row in Activity.objects.filter(openphone_id__in=ids).values(
            "openphone_id", "kind", "recording_url", "summary", "transcript"
        )
    }
    fetched: dict[str, FetchedCallDetails] = {}
    for call in calls:
        call_id = call.get("id")
        if not isinstance(call_id, str):
            continue
        have = recorded.get(call_id, {})
        details = FetchedCallDetails()
        if call_was_answered(call):
            if not have.get("recording_url"):
                recordings = _call_detail(client.get_call_recordings, call_id, "recordings", refused) or []
                details.recording_url = call_recording_url({"recordings": recordings})
            if not have.get("summary"):
                summary = _call_detail(client.get_call_summary, call_id, "summaries", refused)
                details.summary = summary_text(summary) if _finished(summary) else ""
            if not have.get("transcript"):
                transcript = _call_detail(client.get_call_transcript, call_id, "transcripts", refused)
                details.transcript = transcript_text(transcript) if _finished(transcript) else ""
        elif call_direction(call) == Direction.INCOMING and have.get("kind") != ActivityKind.VOICEMAIL:
            voicemail = _call_detail(client.get_call_voicemail, call_id, "voicemails", refused)
            if _finished(voicemail) and voicemail.get("recordingUrl"):
                details.voicemail = voicemail
                details.transcript = str(voicemail.get("transcript") or "").strip()
        fetched[call_id] = details
    return fetched


def _record_call(checkpoint: SyncCheckpoint, item: SyncConversation, call: dict, counts: dict,
                 details: FetchedCallDetails | None = None) -> None:
    """The call through the webhooks' own code: same status, kind and details as call.completed gives."""
    details = details or FetchedCallDetails()
    if details.recording_url or details.summary or details.transcript:
        # Held on the call's CallDetails row first, so the call is created with them in one write.
        calls.call_details_attach(
            call_id=call["id"], recording_url=details.recording_url, summary=details.summary,
            transcript=details.transcript,
        )
    activity, created = call_record_from_openphone(
        call=call, contact=item.contact, occurred_at=parse_timestamp(call.get("createdAt")) or timezone.now(),
        phone_number_id=checkpoint.line, voicemail=details.voicemail,
        openphone_conversation_id=item.openphone_conversation_id,
    )
    counts["calls"] += 1
    counts["calls_new"] += int(created)
    for key, present in (
        ("recordings", activity.recording_url and activity.kind == ActivityKind.CALL),
        ("voicemails", activity.kind == ActivityKind.VOICEMAIL),
        ("summaries", activity.summary),
        ("transcripts", activity.transcript),
    ):
        # .get: a checkpoint started before these counters existed can still be resumed.
        counts[key] = counts.get(key, 0) + int(bool(present))
