"""Reads for the office inbox: which conversations to show, in what order, and what each row says."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from ..models import Activity, ActivityKind, ActivityMedia, Contact, Conversation, SavedReply
from ..reading import ReplyCategory
from ..selectors import contacts_matching_phone, line_labels
from ..send_window import is_within_window

PAGE_SIZE = 50
PREVIEW_LENGTH = 120

VIEWS: dict[str, str] = {
    "needs_reply": "Needs reply",
    "mine": "Mine",
    "unassigned": "Unassigned",
    "snoozed": "Snoozed",
    "done": "Done",
    "all": "All",
}
DEFAULT_VIEW = "needs_reply"
# Bumped (in the shared cache) whenever the inbox's services change a row without a new message.
INBOX_VERSION_KEY = "contacts:inbox:version"
# How the homeowner's newest text was read (Conversation.reply_intent); "interested" goes first in "Needs reply".
INTERESTED = ReplyCategory.INTERESTED.value
INTENT_LABELS = dict(ReplyCategory.choices)


def needs_reply_q(now: datetime.datetime) -> Q:
    """Waiting for our answer and not snoozed (never snoozed, or the snooze has run out)."""
    return Q(waiting_for_reply=True) & (Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))


def inbox_needs_reply_count(*, now: datetime.datetime | None = None) -> int:
    """How many conversations need a reply: one query on the partial index conversation_needs_reply_idx."""
    return Conversation.objects.filter(needs_reply_q(now or timezone.now())).count()


def _last_campaign_name() -> Subquery:
    """The name of the campaign that texted the homeowner last: the one their reply answers (through
    the reverse relation, so contacts does not import campaigns)."""
    memberships = (
        Contact.objects.filter(pk=OuterRef("contact_id"), campaign_memberships__sent_at__isnull=False)
        .order_by(F("campaign_memberships__sent_at").desc())
        .values("campaign_memberships__campaign__name")[:1]
    )
    return Subquery(memberships)


def _search(queryset: QuerySet[Conversation], term: str) -> QuerySet[Conversation]:
    """Name, phone in any format, address, or words of the texts (full-text on PostgreSQL)."""
    term = " ".join((term or "").split())
    if not term:
        return queryset
    by_phone = contacts_matching_phone(term=term)
    if by_phone is not None:
        return queryset.filter(contact__in=by_phone.values("pk"))
    name = Q()
    for word in term.split():
        name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    people = Contact.objects.filter(
        name
        | Q(mailing_address__icontains=term)
        | Q(pk__in=Contact.objects.filter(property_links__property__address__icontains=term).values("pk"))
    ).values("pk")
    messages = Activity.objects.filter(conversation=OuterRef("pk"))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        # Matches the expression of the index activity_body_fts_idx (migration 0008).
        messages = messages.annotate(words=SearchVector("body", config="english")).filter(
            words=SearchQuery(term, config="english")
        )
    else:
        messages = messages.filter(body__icontains=term)
    return queryset.filter(Q(contact__in=people) | Exists(messages))


def inbox_conversations(
    *, view: str = DEFAULT_VIEW, user=None, line: str = "", search: str = "", now: datetime.datetime | None = None
) -> QuerySet[Conversation]:
    """The conversations of one inbox view, in its order (ids and sort keys only; see inbox_rows).

    "Needs reply", "Mine" and "Unassigned" put homeowners who answered a campaign with interest
    first (their newest text was read as interested), then the longest waiting.
    """
    now = now or timezone.now()
    qs = Conversation.objects.all()
    if line:
        qs = qs.filter(phone_number_id=line)
    qs = _search(qs, search)
    if view in ("needs_reply", "mine", "unassigned"):
        qs = qs.filter(needs_reply_q(now))
        if view == "mine":
            qs = qs.filter(assigned_to=user)
        elif view == "unassigned":
            qs = qs.filter(assigned_to__isnull=True)
        interested_first = Case(
            When(reply_intent=INTERESTED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return qs.order_by(interested_first, F("last_activity_at").asc(nulls_last=True), "id")
    if view == "snoozed":
        return qs.filter(waiting_for_reply=True, snoozed_until__gt=now).order_by("snoozed_until", "id")
    if view == "done":
        return qs.filter(done_at__isnull=False, waiting_for_reply=False).order_by("-done_at", "-id")
    return qs.order_by(F("last_activity_at").desc(nulls_last=True), "-id")


def _conversation_line_ids() -> set[str]:
    """Every line a conversation is on. On PostgreSQL a skip scan of conversation_line_idx (one probe
    per line, not a pass over every conversation)."""
    if connection.vendor != "postgresql":
        return set(Conversation.objects.order_by().values_list("phone_number_id", flat=True).distinct())
    table = Conversation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH RECURSIVE lines(id) AS (
                (SELECT phone_number_id FROM {table} ORDER BY phone_number_id LIMIT 1)
                UNION ALL
                SELECT (SELECT phone_number_id FROM {table} WHERE phone_number_id > lines.id
                        ORDER BY phone_number_id LIMIT 1)
                FROM lines WHERE lines.id IS NOT NULL
            )
            SELECT id FROM lines WHERE id IS NOT NULL
        """)  # noqa: S608 - the table name is ours
        return {row[0] for row in cursor.fetchall()}


def inbox_line_choices() -> list[tuple[str, str]]:
    """The lines the line filter offers: every known line plus any line a conversation is on."""
    labels = line_labels()
    return sorted(((i, labels.get(i) or i) for i in _conversation_line_ids() | set(labels)), key=lambda c: c[1])


@dataclass
class InboxRow:
    conversation: Conversation
    line: str
    preview: str
    has_media: bool
    last_from_them: bool
    intent: str
    intent_label: str
    campaign: str


def inbox_rows(conversation_ids: list[int]) -> list[InboxRow]:
    """What each row of a page shows, in the order of `conversation_ids`: a fixed number of queries."""
    if not conversation_ids:
        return []
    newest_text = Activity.objects.filter(conversation=OuterRef("pk"), kind=ActivityKind.MESSAGE).order_by(
        "-occurred_at", "-id"
    )
    conversations = {
        c.pk: c
        for c in Conversation.objects.filter(pk__in=conversation_ids)
        .select_related("contact", "assigned_to")
        .annotate(
            last_message_id=Subquery(newest_text.values("pk")[:1]),
            campaign_name=_last_campaign_name(),
        )
    }
    messages = Activity.objects.filter(pk__in=[c.last_message_id for c in conversations.values() if c.last_message_id])
    messages = messages.annotate(has_media=Exists(ActivityMedia.objects.filter(activity=OuterRef("pk"))))
    last = {m.pk: m for m in messages.only("id", "body", "direction")}
    labels = line_labels()
    rows = []
    for pk in conversation_ids:
        c = conversations.get(pk)
        if c is None:
            continue
        message = last.get(c.last_message_id)
        body = " ".join((message.body if message else "").split())
        rows.append(InboxRow(
            conversation=c,
            line=labels.get(c.phone_number_id) or c.phone_number_id,
            preview=body[:PREVIEW_LENGTH] + ("…" if len(body) > PREVIEW_LENGTH else ""),
            has_media=bool(message and getattr(message, "has_media", False)),
            last_from_them=bool(message and message.direction == "incoming"),
            intent=c.reply_intent,
            intent_label=INTENT_LABELS.get(c.reply_intent, c.reply_intent),
            campaign=c.campaign_name or "",
        ))
    return rows


def inbox_stamp() -> str:
    """Changes whenever a conversation gets a new entry, leaves or enters "Needs reply", or is marked
    done, snoozed or assigned by anyone (INBOX_VERSION_KEY, kept in the shared cache by the inbox's
    services): what the inbox's live refresh polls. Two index reads and a cache read."""
    from django.core.cache import cache
    from django.db.models import Max

    latest = Conversation.objects.aggregate(latest=Max("last_activity_at"))["latest"]
    version = cache.get(INBOX_VERSION_KEY, 0)
    return f"{latest.isoformat() if latest else ''}|{inbox_needs_reply_count()}|{version}"


# --- The thread -------------------------------------------------------------------------------


def thread_activities(*, conversation: Conversation) -> list[Activity]:
    """The whole conversation in reading order (oldest first), with who sent what and any photos."""
    qs = (
        Activity.objects.filter(conversation=conversation)
        .select_related("sent_by")
        .only(
            "id", "kind", "direction", "body", "status", "occurred_at", "duration_seconds", "recording_url",
            "transcript", "summary", "sent_by__first_name", "sent_by__last_name", "sent_by__username",
        )
        .order_by("occurred_at", "id")
    )
    return list(qs.prefetch_related("media"))


def thread_latest_activity_id(*, conversation_id: int) -> int:
    """Id of the newest entry, what an open thread polls to know it has something new (one query)."""
    return (
        Activity.objects.filter(conversation_id=conversation_id).order_by("-occurred_at", "-id")
        .values_list("pk", flat=True).first()
        or 0
    )


def contact_merge_values(*, contact: Contact) -> dict[str, str]:
    """The merge-field values for one homeowner: name, first property's address and city."""
    first = (
        Contact.objects.filter(pk=contact.pk, property_links__isnull=False)
        .order_by("property_links__id")
        .values("property_links__property__address", "property_links__property__city")
        .first()
        or {}
    )
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "property_address": first.get("property_links__property__address") or "",
        "city": first.get("property_links__property__city") or contact.mailing_city,
    }


def saved_replies_for(*, contact: Contact) -> list[tuple[SavedReply, str]]:
    """Every saved reply with its text filled in for this homeowner."""
    from ..merge_fields import render_template

    values = contact_merge_values(contact=contact)
    return [(reply, render_template(reply.body, values)) for reply in SavedReply.objects.order_by("title")]


def next_send_time(*, locale, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """The first moment, in quarter hours from now, inside the homeowner's send window (None if unknown)."""
    if not locale.zones:
        return None
    now = now or timezone.now()
    moment = now.replace(second=0, microsecond=0)
    moment += datetime.timedelta(minutes=15 - moment.minute % 15)
    for _ in range(4 * 24 * 3):
        if is_within_window(locale, moment):
            return moment
        moment += datetime.timedelta(minutes=15)
    return None


def reply_window(*, contact: Contact, now: datetime.datetime | None = None):
    """(the homeowner's locale, None) when they may be texted now, else (locale, the window's next opening)."""
    from .. import send_window
    from ..services import contact_locale

    now = now or timezone.now()
    locale = contact_locale(contact=contact)
    if is_within_window(locale, now):
        return locale, None
    opening = getattr(send_window, "next_window_opening", None)
    return locale, opening(locale, now) if opening else next_send_time(locale=locale, now=now)


def business_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def snooze_presets(*, now: datetime.datetime | None = None) -> dict[str, tuple[str, datetime.datetime]]:
    """The snooze buttons: key → (label, until), in the business's time zone."""
    now = (now or timezone.now()).astimezone(business_zone())
    tomorrow = (now + datetime.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    days_to_monday = (7 - now.weekday()) % 7 or 7
    monday = (now + datetime.timedelta(days=days_to_monday)).replace(hour=9, minute=0, second=0, microsecond=0)
    # replace() keeps the zone's rules but not a DST change in between; normalise through UTC.
    zone = business_zone()
    tomorrow = datetime.datetime.combine(tomorrow.date(), datetime.time(9), tzinfo=zone)
    monday = datetime.datetime.combine(monday.date(), datetime.time(9), tzinfo=zone)
    return {
        "2h": ("2 hours", now + datetime.timedelta(hours=2)),
        "tomorrow": ("Tomorrow 9:00", tomorrow),
        "monday": ("Next Monday 9:00", monday),
    }
