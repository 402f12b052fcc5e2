"""Writes about homeowners: creating them, opting them out and in, tagging.

Each function is one transaction; callers pass keyword arguments only.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, JSONField, Max, OuterRef, Q, Subquery
from django.utils import timezone

from crm.history import audited_update

from .models import (
    Activity,
    ActivityKind,
    Contact,
    ContactPhone,
    Conversation,
    Direction,
    LeadStatus,
    OptOutEvent,
    Tag,
    duplicate_phone_error,
)
from .phone import normalize_phone

logger = logging.getLogger(__name__)


def _normalize_phone_field(phone: str | None) -> str | None:
    """E.164 for the `phone` field of a form or request, the error filed under "phone"."""
    if not phone:
        return None
    try:
        return normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.error_list}) from exc


def _tags_named(names: Iterable[str]) -> list[Tag]:
    """The tags with these names, created when new; blank names are ignored."""
    tags = []
    for raw in names:
        name = (raw or "").strip()
        if not name:
            continue
        if len(name) > Tag._meta.get_field("name").max_length:
            raise ValidationError({"tags": f"The tag name “{name[:20]}…” is too long (64 characters at most)."})
        tags.append(Tag.objects.get_or_create(name=name)[0])
    return tags


def contact_create(
    *, phone: str | None = None, source: str = "manual", tags: Iterable[str] | None = None, **fields
) -> Contact:
    """Create a homeowner; the phone is normalized to E.164 and must not belong to anyone else.

    `tags` are tag names, created when new.
    """
    e164 = _normalize_phone_field(phone)
    with transaction.atomic():
        if e164:
            existing = Contact.objects.owner_of(e164)
            if existing is not None:
                raise ValidationError({"phone": duplicate_phone_error(existing)})
        contact = Contact(phone=e164, source=source, **fields)
        contact.full_clean(exclude=["phone"])
        contact.save()
        if e164:
            ContactPhone.objects.create(contact=contact, phone=e164, label="main")
        if tags is not None:
            contact.tags.set(_tags_named(tags))
    return contact


def contact_keep_main_phone(*, contact: Contact) -> bool:
    """Record the contact's main number among all their numbers (old ones stay); True if it was new."""
    if not contact.phone:
        return False
    with transaction.atomic():
        _, created = ContactPhone.objects.get_or_create(
            phone=contact.phone, defaults={"contact": contact, "label": "main"}
        )
    return created


def _contact_replace_main_phone(*, contact: Contact, e164: str | None) -> None:
    """Make `e164` the main number (in memory; the caller saves) and keep the previous one."""
    previous = contact.phone
    if previous:
        audited_update(ContactPhone.objects.filter(contact=contact, phone=previous, label="main"),
                       reason="Number replaced", label="previous")
        if not ContactPhone.objects.filter(phone=previous).exists():
            ContactPhone.objects.create(contact=contact, phone=previous, label="previous")
    if e164:
        ContactPhone.objects.update_or_create(contact=contact, phone=e164, defaults={"label": "main"})
    contact.phone = e164


# Changed only by their own services: opt-out state by contact_opt_out / contact_opt_in
# (each leaves an OptOutEvent), bookkeeping by Django.
_CONTACT_UPDATE_REFUSED = frozenset(
    {"id", "pk", "opted_out", "opted_out_at", "opted_out_reason", "created_at", "updated_at"}
)


def contact_update(*, contact: Contact, tags: Iterable[str] | None = None, **fields) -> Contact:
    """Change a homeowner's details, with the same rules as creating one.

    A new `phone` is normalized to E.164 and refused if it belongs to someone else; the
    previous main number stays among the person's numbers (labelled "previous"). `tags`
    (names) replaces their tags when given. Opt-out state is not changed here: use
    contact_opt_out / contact_opt_in.
    """
    refused = _CONTACT_UPDATE_REFUSED & fields.keys()
    if refused:
        raise TypeError(f"contact_update() does not change {', '.join(sorted(refused))}")
    unknown = fields.keys() - {f.name for f in Contact._meta.concrete_fields}
    if unknown:
        raise TypeError(f"contact_update() got unknown fields: {', '.join(sorted(unknown))}")
    phone_given = "phone" in fields
    e164 = _normalize_phone_field(fields.pop("phone", None))
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.full_clean(exclude=["phone"])
        if phone_given and e164 != locked.phone:
            if e164:
                existing = Contact.objects.owner_of(e164)
                if existing is not None and existing.pk != locked.pk:
                    raise ValidationError({"phone": duplicate_phone_error(existing)})
        try:
            with transaction.atomic():
                if phone_given and e164 != locked.phone:
                    _contact_replace_main_phone(contact=locked, e164=e164)
                locked.save()
        except IntegrityError:
            # Someone took the number between our check and our write.
            existing = Contact.objects.owner_of(e164) if e164 else None
            if existing is None or existing.pk == locked.pk:
                raise
            raise ValidationError({"phone": duplicate_phone_error(existing)}) from None
        if tags is not None:
            locked.tags.set(_tags_named(tags))
    for field in locked._meta.concrete_fields:
        setattr(contact, field.attname, getattr(locked, field.attname))
    return contact


def note_create(*, contact: Contact, body: str, by_user=None, at: datetime | None = None) -> Activity:
    """Put a staff note on the homeowner's timeline."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ValidationError("A note needs some text.", code="note_empty")})
    return Activity.objects.create(
        contact=contact,
        kind=ActivityKind.NOTE,
        body=body,
        occurred_at=at or timezone.now(),
        sent_by=by_user,
    )


def contact_opt_out(
    *,
    contact: Contact,
    reason: str,
    source: str,
    by_user=None,
    activity=None,
    at: datetime | None = None,
) -> bool:
    """Mark the contact as never to be texted; returns False if they were already opted out.

    Every call leaves an OptOutEvent, so the audit trail shows repeated requests too.
    """
    at = at or timezone.now()
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changed = not locked.opted_out
        if changed:
            locked.opted_out = True
            locked.opted_out_at = at
            locked.opted_out_reason = reason[:255]
            locked.save(update_fields=["opted_out", "opted_out_at", "opted_out_reason", "updated_at"])
        OptOutEvent.objects.create(
            contact=locked, opted_out=True, reason=reason[:255], source=source,
            by_user=by_user, activity=activity, occurred_at=at,
        )
    contact.refresh_from_db(fields=["opted_out", "opted_out_at", "opted_out_reason"])
    return changed


def contact_opt_in(
    *, contact: Contact, reason: str, source: str, by_user=None, activity=None, at: datetime | None = None
) -> bool:
    """Allow texting the contact again (they replied START); returns False if they were not opted out."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changed = locked.opted_out
        if changed:
            locked.opted_out = False
            locked.opted_out_at = None
            locked.opted_out_reason = ""
            locked.save(update_fields=["opted_out", "opted_out_at", "opted_out_reason", "updated_at"])
        OptOutEvent.objects.create(
            contact=locked, opted_out=False, reason=reason[:255], source=source,
            by_user=by_user, activity=activity, occurred_at=at,
        )
        if locked.texting_held:  # they asked to be texted: that settles any open hold
            _holds_close(contact=locked, decision="opted_in", by_user=by_user, at=at)
    contact.refresh_from_db(fields=["opted_out", "opted_out_at", "opted_out_reason", "texting_held"])
    return changed


def contact_bulk_opt_out(*, contacts: Iterable[Contact], reason: str, by_user=None) -> int:
    """Opt out each contact (staff action); returns how many were newly opted out."""
    with transaction.atomic():
        return sum(
            contact_opt_out(contact=c, reason=reason, source="staff", by_user=by_user) for c in contacts
        )


def contact_apply_reply_keywords(*, activity: Activity, source: str = "inbound_message") -> str:
    """Read a homeowner's text (contacts.reading), store the reading on it and act on it.

    A certain request to stop opts the contact out; START/UNSTOP opts them back in (both leave an
    OptOutEvent pointing at the message); a possible one holds the contact (no text goes out)
    until a person decides. HELP changes nothing here: the conversation waits for a person.
    Returns "opted_out", "opted_in", "held", "help", "superseded" (a later opt-out or opt-in
    already decided) or "". Safe to call twice for the same message: an OptOutEvent or hold
    already linked to it means it was handled. `source` names what brought the message in
    ("inbound_message" for webhooks, "openphone_sync").
    """
    from .models import Direction, TextingHold
    from .opt_out import is_help, is_opt_in, opt_out_reason
    from .reading import OptOutCertainty, read_message

    text = activity.body
    reading = read_message(text) if activity.direction == Direction.INCOMING else None
    if reading is not None:
        activity_store_reading(activity=activity, reading=reading)
    if reading is not None and reading.opt_out == OptOutCertainty.CERTAIN:
        outcome, apply = "opted_out", contact_opt_out
    elif is_opt_in(text):
        outcome, apply = "opted_in", contact_opt_in
    elif is_help(text):
        return "help"
    elif reading is not None and reading.opt_out == OptOutCertainty.POSSIBLE:
        with transaction.atomic():
            if OptOutEvent.objects.filter(contact_id=activity.contact_id, occurred_at__gt=activity.occurred_at).exists():
                return "superseded"
            if not TextingHold.objects.filter(activity=activity).exists():
                contact_hold(contact=activity.contact, reason=opt_out_reason(text), source=source, activity=activity,
                             at=activity.occurred_at)
        return "held"
    else:
        return ""
    with transaction.atomic():
        events = OptOutEvent.objects.filter(contact_id=activity.contact_id)
        if events.filter(occurred_at__gt=activity.occurred_at).exists():
            # A later opt-out or opt-in already decided (texts can be processed out of order).
            return "superseded"
        if not events.filter(activity=activity).exists():
            reason = opt_out_reason(text) if outcome == "opted_out" else f"Replied “{' '.join(text.split())[:20]}”"
            apply(contact=activity.contact, reason=reason, source=source, activity=activity,
                  at=activity.occurred_at)
    return outcome


_READING_FIELDS = ("reading_category", "reading_opt_out", "reading_rule", "reading_addresses")


def _set_reading(activity: Activity, reading) -> None:
    """Put the reading on the text (in memory). Addresses already matched to a house keep their
    `property_id` when the reading is stored again."""
    known = {
        (a.get("line1"), a.get("city"), a.get("state"), a.get("zip")): a.get("property_id")
        for a in (activity.reading_addresses or [])
    }
    addresses = []
    for address in reading.addresses_as_json():
        address["property_id"] = known.get(
            (address["line1"], address["city"], address["state"], address["zip"])
        )
        addresses.append(address)
    activity.reading_category = str(reading.category)
    activity.reading_opt_out = str(reading.opt_out)
    activity.reading_rule = reading.rule[:120]
    activity.reading_addresses = addresses


def activity_store_reading(*, activity: Activity, reading) -> None:
    """Keep how an incoming text was read (intent, opt-out certainty, rule, addresses) on the text,
    and on its conversation when it is the homeowner's newest text there."""
    _set_reading(activity, reading)
    with transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(**{name: getattr(activity, name) for name in _READING_FIELDS})
        if activity.conversation_id and activity.direction == Direction.INCOMING:
            # The conversation shows how its newest text from the homeowner was read (an older text
            # read again, e.g. by reclassify_replies, does not replace a newer one's reading).
            newer = Activity.objects.filter(
                conversation_id=activity.conversation_id, kind=ActivityKind.MESSAGE, direction=Direction.INCOMING,
            ).filter(Q(occurred_at__gt=activity.occurred_at) | Q(occurred_at=activity.occurred_at, pk__gt=activity.pk))
            Conversation.objects.filter(pk=activity.conversation_id).exclude(Exists(newer)).update(
                reply_intent=activity.reading_category
            )


# Rows written by one UPDATE when the database is not PostgreSQL (SQLite caps a statement's parameters).
_BULK_UPDATE_BATCH = 500


def _rows_update(model, objs: list, fields: Sequence[str]) -> None:
    """Write `fields` of these rows as they are in memory, nothing else (no `updated_at`): one
    UPDATE ... FROM unnest(...) on PostgreSQL, bulk_update in batches elsewhere."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=_BULK_UPDATE_BATCH)
        return
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    assignments = ", ".join(
        f"{qn(f.column)} = v.{qn(f.column)}{'::jsonb' if isinstance(f, JSONField) else ''}" for f in columns
    )
    arrays = ", ".join(["%s::bigint[]", *[f"%s::{'text' if isinstance(f, JSONField) else f.db_type(connection)}[]"
                                          for f in columns]])
    sql = (
        f"UPDATE {qn(model._meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model, values as parameters
        f"FROM unnest({arrays}) AS v(id, {', '.join(qn(f.column) for f in columns)}) WHERE t.id = v.id"
    )
    params = [[obj.pk for obj in objs]]
    for f in columns:
        values = [getattr(obj, f.attname) for obj in objs]
        params.append([json.dumps(v, cls=f.encoder) for v in values] if isinstance(f, JSONField) else values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def activities_store_readings(
    *, activities: list[Activity], readings: list | None = None, batch_size: int = _BULK_UPDATE_BATCH
) -> list[Activity]:
    """activity_store_reading for many incoming texts at once (the demo, reclassify_replies), with a
    fixed number of queries: each text gets its reading (`readings`, in the same order, or read now),
    only the texts whose stored reading changes are written, and each conversation whose newest
    text from the homeowner is among them shows that text's intent. Returns the texts written.

    The texts need only their id, conversation, body and reading fields. Reading a text acts on
    nothing (no opt-out, no hold): contact_apply_reply_keywords and activities_reread do that."""
    from .reading import read_message

    if readings is None:
        readings = [read_message(activity.body) for activity in activities]
    changed = []
    for activity, reading in zip(activities, readings, strict=True):
        before = [getattr(activity, name) for name in _READING_FIELDS]
        _set_reading(activity, reading)
        if [getattr(activity, name) for name in _READING_FIELDS] != before:
            changed.append(activity)
    with transaction.atomic():
        for start in range(0, len(changed), batch_size):
            _rows_update(Activity, changed[start:start + batch_size], _READING_FIELDS)
        _conversations_show_newest_reading(activities=activities)
    return changed


def _conversations_show_newest_reading(*, activities: list[Activity]) -> int:
    """Give each conversation whose newest incoming text is one of `activities` that text's intent
    (reply_intent), as activity_store_reading does one text at a time; conversations already
    showing it are not written. Returns how many were updated."""
    by_id = {activity.pk: activity for activity in activities}
    conversation_ids = {activity.conversation_id for activity in activities if activity.conversation_id}
    if not conversation_ids:
        return 0
    newest = (
        Activity.objects.filter(conversation_id=OuterRef("pk"), kind=ActivityKind.MESSAGE, direction=Direction.INCOMING)
        .order_by("-occurred_at", "-id")
        .values("pk")[:1]
    )
    stale = []
    for pk, intent, newest_id in (
        Conversation.objects.filter(pk__in=conversation_ids).annotate(newest_id=Subquery(newest))
        .values_list("pk", "reply_intent", "newest_id").order_by()
    ):
        text = by_id.get(newest_id)
        if text is not None and text.reading_category != intent:
            stale.append(Conversation(pk=pk, reply_intent=text.reading_category))
    _rows_update(Conversation, stale, ["reply_intent"])
    return len(stale)


def contact_fill_from_openphone(
    *, contact: Contact, openphone_contact_id: str = "", first_name: str = "", last_name: str = "", email: str = ""
) -> list[str]:
    """Bring in what OpenPhone knows about a person without overwriting what staff typed.

    Only empty fields are filled; an invalid email is skipped; the OpenPhone id is taken only if
    no other contact already carries it. Returns the names of the fields that changed.
    """
    from django.core.validators import validate_email

    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            email = ""
    wanted = {
        "first_name": (first_name or "").strip()[:100],
        "last_name": (last_name or "").strip()[:100],
        "email": email,
        "openphone_contact_id": (openphone_contact_id or "").strip()[:64],
    }
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changed = [name for name, value in wanted.items() if value and not getattr(locked, name)]
        if "openphone_contact_id" in changed and Contact.objects.filter(
            openphone_contact_id=wanted["openphone_contact_id"]
        ).exclude(pk=locked.pk).exists():
            changed.remove("openphone_contact_id")
        for name in changed:
            setattr(locked, name, wanted[name])
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
    for name in changed:
        setattr(contact, name, wanted[name])
    return changed


def contacts_forget_openphone_contact(*, openphone_contact_id: str) -> int:
    """OpenPhone deleted its contact: forget its id on ours (our contact and their history stay)."""
    if not openphone_contact_id:
        return 0
    return audited_update(
        Contact.objects.filter(openphone_contact_id=openphone_contact_id),
        reason="Contact deleted in OpenPhone", openphone_contact_id="", updated_at=timezone.now(),
    )


def contacts_add_tag(*, contact_ids: Iterable[int], tag_name: str) -> int:
    """Put the tag (created if new) on the contacts; returns how many newly got it."""
    name = tag_name.strip()
    if not name:
        raise ValidationError("A tag needs a name.")
    with transaction.atomic():
        tag, _ = Tag.objects.get_or_create(name=name)
        through = Contact.tags.through
        ids = set(contact_ids)
        already = set(through.objects.filter(tag=tag, contact_id__in=ids).values_list("contact_id", flat=True))
        through.objects.bulk_create([through(contact_id=cid, tag=tag) for cid in ids - already])
        # A tag is part of the contact: API clients syncing by `updated_since` must see it.
        Contact.objects.filter(pk__in=ids - already).update(updated_at=timezone.now())
    return len(ids - already)


class TextRefused(ValidationError):
    """A text we will not send; `code` says why (opted_out, no_phone, undeliverable, outside_window,
    frequency_cap, empty_body, too_long)."""


# OpenPhone refuses longer bodies (contract section 7.1).
MAX_TEXT_LENGTH = 1600


def contact_locale(*, contact: Contact):
    """Where the contact is, for the send window: their property's state, mailing state, or phone."""
    from .send_window import recipient_locale

    property_state = (
        contact.property_links.order_by("id").values_list("property__state", flat=True).first() or ""
    )
    return recipient_locale(phone=contact.phone, property_state=property_state, mailing_state=contact.mailing_state)


def message_send(
    *,
    contact: Contact,
    body: str,
    from_line: str = "",
    sent_by=None,
    on_recorded: Callable[[Activity], object] | None = None,
    campaign_window=None,
    locale=None,
):
    """Text a homeowner and record the outgoing message on their timeline.

    The one path every outgoing text takes, from staff or a campaign: refuses opted-out
    contacts (re-read from the database now, not trusted from the caller), contacts with no
    valid number, and any moment outside the recipient's local send window. Provider
    failures surface as crm.sms.SmsSendError and record nothing. Given `locale` (the
    campaign batch passes it), a text costs one read before sending and one transaction after.
    `on_recorded` is called with the recorded Activity inside the transaction that records it (the
    campaign batch links its membership there, so no sent text is left unlinked by a crash).
    """
    from django.db.models import Exists, OuterRef, Q, Subquery

    from crm.sms import SmsMessage, get_backend

    from .models import Activity, ActivityKind, Conversation, Direction
    from .send_window import per_day_cap, why_not_now

    body = (body or "").strip()
    if not body:
        raise TextRefused("The message is empty.", code="empty_body")
    if len(body) > MAX_TEXT_LENGTH:
        raise TextRefused(
            f"The message is {len(body)} characters; OpenPhone accepts at most {MAX_TEXT_LENGTH}.", code="too_long"
        )
    line = from_line or settings.OPENPHONE_PHONE_NUMBER_ID
    # The opt-out and number, read from the database now (one indexed query), with the id of the
    # conversation the text will be recorded in, so recording needs no further read.
    fresh = (
        Contact.objects.filter(pk=contact.pk)
        .values("opted_out", "texting_held", "phone")
        .annotate(
            conversation_id=Subquery(
                Conversation.objects.filter(contact_id=OuterRef("pk"), phone_number_id=line).values("pk")[:1]
            ),
            undeliverable=Exists(
                ContactPhone.objects.filter(phone=OuterRef("phone"), undeliverable_since__isnull=False)
            ),
        )
        .get()
    )
    if fresh["opted_out"]:
        raise TextRefused(f"{contact} has opted out of texts.", code="opted_out")
    if fresh["texting_held"]:
        raise TextRefused(
            f"{contact} is on hold: a reply may have asked us to stop. Decide on their contact page first "
            "(Keep texting or Opt out).",
            code="held",
        )
    if not fresh["phone"]:
        raise TextRefused(f"{contact} has no valid mobile number.", code="no_phone")
    if fresh["undeliverable"]:
        raise TextRefused(
            f"{contact}'s number is marked undeliverable after repeated failed texts.", code="undeliverable"
        )
    now = timezone.now()
    locale = locale or contact_locale(contact=contact)
    why_not = why_not_now(locale, now, campaign_window)
    if why_not:
        raise TextRefused(
            f"It is outside {contact}'s local send window: {why_not} (their location from {locale.basis}).",
            code="outside_window",
        )
    cap = per_day_cap(locale)
    if cap is not None:
        texts_today = Activity.objects.filter(
            contact_id=contact.pk, kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING,
            occurred_at__gt=now - timedelta(hours=24),
        ).count()
        if texts_today >= cap[0]:
            raise TextRefused(
                f"{contact} has had {texts_today} texts in the last 24 hours; the law of their state allows "
                f"{cap[0]} ({cap[1]}).",
                code="frequency_cap",
            )
    sent = get_backend().send(SmsMessage(to=fresh["phone"], body=body, from_line=line))
    try:
        # One transaction: the text and its conversation's move forward. A brand-new provider id
        # is inserted straight away (no read first); the unique openphone_id catches the rare case
        # where OpenPhone's delivery webhook outran this send response and recorded it already.
        with transaction.atomic():
            conversation_id = fresh["conversation_id"]
            if conversation_id is None:
                conversation_id = Conversation.objects.get_or_create(contact_id=contact.pk, phone_number_id=line)[0].pk
            activity = Activity.objects.create(
                contact_id=contact.pk, conversation_id=conversation_id, kind=ActivityKind.MESSAGE,
                direction=Direction.OUTGOING, body=body, status=sent.status or "",
                openphone_id=sent.provider_id or None, occurred_at=now, sent_by=sent_by,
            )
            Conversation.objects.filter(pk=conversation_id).filter(
                Q(last_activity_at__isnull=True) | Q(last_activity_at__lte=now)
            ).update(last_activity_at=now, waiting_for_reply=False)
            if on_recorded is not None:
                on_recorded(activity)
    except IntegrityError:
        if not sent.provider_id:
            raise
        # Already recorded by the webhook: activity_record keeps one activity per OpenPhone id,
        # fills in what this send knows (the sender) and never moves its status back.
        with transaction.atomic():
            activity, _ = activity_record(
                contact=contact, kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING,
                openphone_id=sent.provider_id, occurred_at=now, phone_number_id=line, body=body, status=sent.status,
                sent_by=sent_by,
            )
            if on_recorded is not None:
                on_recorded(activity)
    return activity


# --- OpenPhone activity, shared by the webhook handlers and the history sync ------------------

def contact_get_or_create_by_phone(*, phone: str, source: str) -> tuple[Contact, bool]:
    """The contact whose main or further number is `phone`, or a new one with that number.

    `phone` may be in any format; an invalid number raises ValidationError (callers that
    read numbers from OpenPhone skip and count those). Safe against a concurrent creation
    of the same number (webhook and sync racing): the loser reads the winner's row.
    """
    from django.db import IntegrityError

    e164 = normalize_phone(phone)

    def existing() -> Contact | None:
        return Contact.objects.owner_of(e164)

    with transaction.atomic():
        found = existing()
        if found is not None:
            return found, False
        try:
            with transaction.atomic():
                contact = Contact.objects.create(phone=e164, source=source)
                ContactPhone.objects.create(contact=contact, phone=e164, label="main")
        except IntegrityError:
            found = existing()
            if found is None:
                raise
            return found, False
    return contact, True


# How far along a provider status is; a late, older report (a "sent" arriving after
# "delivered") must not overwrite a later one. Unknown statuses rank just above "queued".
_STATUS_PROGRESS = {
    "queued": 0,
    "initiated": 1, "ringing": 1,
    "sent": 2, "in-progress": 2, "answered": 2,
    "delivered": 3, "undelivered": 3, "failed": 3, "received": 3, "completed": 3, "busy": 3,
    "no-answer": 3, "canceled": 3, "missed": 3, "forwarded": 3, "abandoned": 3,
}
_UNKNOWN_STATUS_PROGRESS = 1
# Activity fields `activity_record` accepts through **extra.
_ACTIVITY_RECORD_EXTRA_FIELDS = frozenset({"recording_url", "transcript", "summary", "sent_by"})


def _status_progress(status: str) -> int:
    return _STATUS_PROGRESS.get(status, _UNKNOWN_STATUS_PROGRESS)


def activity_record(
    *,
    contact: Contact,
    kind: str,
    direction: str,
    openphone_id: str,
    occurred_at: datetime,
    phone_number_id: str,
    body: str = "",
    status: str = "",
    duration_seconds: int | None = None,
    openphone_conversation_id: str | None = None,
    **extra,
) -> tuple[Activity, bool]:
    """Record an OpenPhone message or call on the contact's timeline, once per OpenPhone id.

    Returns (activity, created). Recording the same id again creates nothing; it only
    brings in newer information: a status further along (never back from "delivered" to
    "sent"), a duration, a body, a recording, transcript or summary that was missing.
    The conversation (contact + line) is created if needed, gets the OpenPhone
    conversation id if it had none, and its `last_activity_at` moves forward. Only when
    this is the newest activity of the conversation does a message set
    `waiting_for_reply` (incoming: True, outgoing: False). `extra` may hold
    recording_url, transcript, summary, sent_by, membership.
    """
    from django.db import IntegrityError
    from django.db.models import Q

    from .models import ActivityKind, Conversation, Direction

    unknown = set(extra) - _ACTIVITY_RECORD_EXTRA_FIELDS
    if unknown:
        raise TypeError(f"activity_record() got unexpected fields: {', '.join(sorted(unknown))}")
    if not openphone_id:
        raise ValueError("activity_record() needs the OpenPhone id (AC...) to stay idempotent.")
    if not phone_number_id:
        raise ValueError("activity_record() needs the OpenPhone line (PN...).")

    # No savepoint of its own: inside a caller's transaction (a sync page, a webhook event) a
    # failure here must undo the caller's whole unit anyway, and two fewer queries per record
    # add up over a history of thousands of texts.
    with transaction.atomic(savepoint=False):
        conversation, _ = Conversation.objects.get_or_create(contact=contact, phone_number_id=phone_number_id)
        if (
            openphone_conversation_id
            and not conversation.openphone_conversation_id
            and not Conversation.objects.filter(openphone_conversation_id=openphone_conversation_id).exists()
        ):
            conversation.openphone_conversation_id = openphone_conversation_id
            conversation.save(update_fields=["openphone_conversation_id"])

        activity = Activity.objects.select_for_update().filter(openphone_id=openphone_id).first()
        created = False
        if activity is None:
            try:
                with transaction.atomic():
                    activity = Activity.objects.create(
                        contact=contact,
                        conversation=conversation,
                        kind=kind,
                        direction=direction,
                        body=body or "",
                        status=status or "",
                        openphone_id=openphone_id,
                        occurred_at=occurred_at,
                        duration_seconds=duration_seconds,
                        **{k: v for k, v in extra.items() if v is not None},
                    )
                created = True
            except IntegrityError:
                # Another worker recorded the same id between our read and our insert.
                activity = Activity.objects.select_for_update().get(openphone_id=openphone_id)

        if not created:
            changed: list[str] = []
            if status and status != activity.status and (
                not activity.status or _status_progress(status) >= _status_progress(activity.status)
            ):
                activity.status = status
                changed.append("status")
            if duration_seconds is not None and duration_seconds != activity.duration_seconds:
                activity.duration_seconds = duration_seconds
                changed.append("duration_seconds")
            if body and not activity.body:
                activity.body = body
                changed.append("body")
            for name, value in extra.items():
                # Fill what is missing; never overwrite what staff or an earlier event recorded.
                current = getattr(activity, f"{name}_id" if name == "sent_by" else name)
                if value not in (None, "") and current in (None, ""):
                    setattr(activity, name, value)
                    changed.append(name)
            if activity.conversation_id is None and activity.contact_id == contact.pk:
                activity.conversation = conversation
                changed.append("conversation")
            if changed:
                activity.save(update_fields=[*changed, "updated_at"])

        # Move the conversation forward only if this activity is its newest; one conditional
        # UPDATE, so a concurrent older event cannot move it back. Skipped when the row we just
        # read already shows this (a replay) or something newer.
        fields: dict = {"last_activity_at": activity.occurred_at}
        if activity.kind == ActivityKind.MESSAGE:
            fields["waiting_for_reply"] = activity.direction == Direction.INCOMING
            if activity.direction == Direction.INCOMING:
                # The homeowner wrote again: back into the inbox's "Needs reply", snoozed or done.
                fields.update(snoozed_until=None, done_at=None, done_by_id=None)
        last = conversation.last_activity_at
        already = last is not None and (
            last > activity.occurred_at
            or (last == activity.occurred_at and all(getattr(conversation, k) == v for k, v in fields.items()))
        )
        if not already:
            Conversation.objects.filter(pk=conversation.pk).filter(
                Q(last_activity_at__isnull=True) | Q(last_activity_at__lte=activity.occurred_at)
            ).update(**fields)
    return activity, created


# --- Lines, texted media, scheduled texts, logged calls (the office inbox) --------------------------

def lines_upsert(*, lines: Iterable[dict]) -> int:
    """Record our OpenPhone lines as OpenPhone lists them: dicts with `id`, `number` and `name`.

    A new line is created; a known one gets OpenPhone's number, and its name unless OpenPhone
    gives none. Items without a PN id are skipped. Returns how many rows were created or changed.
    """
    from .models import Line
    from .phone import try_normalize_phone
    from .selectors import line_labels_forget

    changed = 0
    with transaction.atomic():
        known = {line.openphone_id: line for line in Line.objects.select_for_update()}
        for item in lines:
            pn = str(item.get("id") or "").strip()
            if not pn.startswith("PN") or len(pn) > 64:
                continue
            number = try_normalize_phone(item.get("number") if isinstance(item.get("number"), str) else None) or ""
            name = str(item.get("name") or "").strip()[:100]
            line = known.get(pn)
            if line is None:
                known[pn] = Line.objects.create(openphone_id=pn, number=number, name=name)
                changed += 1
                continue
            wanted = {"number": number or line.number, "name": name or line.name}
            if any(getattr(line, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(line, k, v)
                line.save(update_fields=[*wanted, "updated_at"])
                changed += 1
        if changed:
            line_labels_forget()
            # Again after commit: a reader between the two may have cached the rows before ours.
            transaction.on_commit(line_labels_forget)
    return changed


# The kinds of file we keep a copy of: photos of the crack, voice notes, short videos.
MEDIA_ALLOWED_TYPE_PREFIXES = ("image/", "audio/", "video/")
# Largest file we copy: OpenPhone's own MMS limit is far below this; bigger means something is wrong.
MEDIA_MAX_BYTES = 10 * 1024 * 1024


def activity_media_add(*, activity: Activity, items: Iterable[tuple[str, str]]) -> list[int]:
    """Attach the media of a text, as (url, announced content type) pairs; returns the ids of new rows.

    Idempotent: a url already attached to the activity is skipped (replayed webhooks, a sync after
    the webhook). The caller queues the copy of each returned id once this transaction commits.
    """
    from .models import ActivityMedia

    items = list(items)
    if not items:
        return []  # most texts carry none: no query for them
    created: list[int] = []
    with transaction.atomic():
        known = set(ActivityMedia.objects.filter(activity=activity).values_list("source_url", flat=True))
        for url, content_type in items:
            url = (url or "").strip()
            if not url or url in known or len(url) > 2000:
                continue
            known.add(url)
            media = ActivityMedia.objects.create(
                activity=activity, source_url=url, content_type=(content_type or "").strip().lower()[:100]
            )
            created.append(media.pk)
    return created


def activity_media_store_copy(*, media_id: int, content: bytes, content_type: str) -> bool:
    """Keep our copy of a media file; False (nothing written) if it was already copied.

    The type must be an image, audio or video type and the size within MEDIA_MAX_BYTES: the
    fetcher checks both while downloading, and this checks them again so no caller can skip them.
    """
    from django.core.files.base import ContentFile

    from .models import ActivityMedia, MediaStatus

    content_type = (content_type or "").split(";")[0].strip().lower()
    if not content_type.startswith(MEDIA_ALLOWED_TYPE_PREFIXES):
        return activity_media_refuse(media_id=media_id, error=f"Not a photo, audio or video file ({content_type}).")
    if len(content) > MEDIA_MAX_BYTES:
        return activity_media_refuse(media_id=media_id, error="Larger than 10 MB.")
    extension = _MEDIA_EXTENSIONS.get(content_type, "")
    with transaction.atomic():
        media = ActivityMedia.objects.select_for_update().get(pk=media_id)
        if media.status == MediaStatus.COPIED:
            return False
        media.file.save(f"{media.activity_id}-{media.pk}{extension}", ContentFile(content), save=False)
        media.content_type = content_type[:100]
        media.size = len(content)
        media.status = MediaStatus.COPIED
        media.error = ""
        media.copied_at = timezone.now()
        media.save(update_fields=["file", "content_type", "size", "status", "error", "copied_at"])
    return True


_MEDIA_EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp", "image/heic": ".heic",
    "audio/mpeg": ".mp3", "audio/amr": ".amr", "audio/mp4": ".m4a", "audio/wav": ".wav", "video/mp4": ".mp4",
    "video/3gpp": ".3gp", "video/quicktime": ".mov",
}


def activity_media_refuse(*, media_id: int, error: str, failed: bool = False) -> bool:
    """Record why a media file was not copied: refused (unsafe, too large, wrong type) or failed (fetch).

    A copy already made stays; returns False then.
    """
    from .models import ActivityMedia, MediaStatus

    with transaction.atomic():
        media = ActivityMedia.objects.select_for_update().get(pk=media_id)
        if media.status == MediaStatus.COPIED:
            return False
        media.status = MediaStatus.FAILED if failed else MediaStatus.REFUSED
        media.error = error[:255]
        media.attempts += 1
        media.save(update_fields=["status", "error", "attempts"])
    return True


def activity_media_attempt(*, media_id: int) -> int:
    """Count one more copy attempt (before a retry); returns the count."""
    from django.db.models import F

    from .models import ActivityMedia

    ActivityMedia.objects.filter(pk=media_id).update(attempts=F("attempts") + 1)
    return ActivityMedia.objects.values_list("attempts", flat=True).get(pk=media_id)


def _contact_hold_reason(contact: Contact) -> str:
    """Why texts to the homeowner are paused by an unclear reply waiting for a person's decision."""
    if not contact.texting_held:
        return ""
    from .models import TextingHold

    hold = TextingHold.objects.filter(contact=contact, decision="").order_by("-held_at", "-id").first()
    since = f" since {timezone.localtime(hold.held_at):%b %-d, %Y}" if hold else ""
    return (
        f"{contact} is on hold{since}: their reply may have asked us to stop. Decide on it on their page "
        "(Keep texting / Opt out) before texting them."
    )


def contact_texting_blocked(*, contact: Contact) -> str:
    """Why staff cannot text this homeowner now (opted out, held, no number), or "" when they can."""
    if contact.opted_out:
        since = f" on {timezone.localtime(contact.opted_out_at):%b %-d, %Y}" if contact.opted_out_at else ""
        reason = f" ({contact.opted_out_reason})" if contact.opted_out_reason else ""
        return f"This homeowner opted out of texts{since}{reason}: texts to them are refused."
    hold = _contact_hold_reason(contact)
    if hold:
        return hold
    if not contact.phone:
        return "This contact has no mobile number to text."
    return ""


def scheduled_text_create(*, conversation, body: str, by_user, send_at: datetime | None = None):
    """Keep a text to send later from the conversation's line; `send_at` None means the next opening
    of the homeowner's send window (8:00 AM their time in most states).

    Refuses an empty or too long text, an opted-out homeowner and a time in the past; the send
    itself goes through message_send, which checks opt-out, hold and window again then.
    """
    from .models import ScheduledText
    from .send_window import next_window_opening

    body = (body or "").strip()
    if not body:
        raise TextRefused("The message is empty.", code="empty_body")
    if len(body) > MAX_TEXT_LENGTH:
        raise TextRefused(
            f"The message is {len(body)} characters; OpenPhone accepts at most {MAX_TEXT_LENGTH}.", code="too_long"
        )
    contact = conversation.contact
    blocked = contact_texting_blocked(contact=Contact.objects.get(pk=contact.pk))
    if blocked:
        raise TextRefused(blocked, code="opted_out")
    now = timezone.now()
    if send_at is None:
        send_at = next_window_opening(contact_locale(contact=contact), now)
        if send_at is None:
            raise TextRefused(
                f"We cannot tell {contact}'s local time, so there is no send window to wait for.",
                code="outside_window",
            )
    elif send_at < now - timedelta(minutes=1):
        raise ValidationError({"send_at": "The time to send is in the past."}, code="send_at_past")
    with transaction.atomic():
        return ScheduledText.objects.create(conversation=conversation, body=body, send_at=send_at, created_by=by_user)


def scheduled_text_cancel(*, scheduled_text, by_user):
    """Cancel a text not sent yet; one already sent, sending or refused cannot be cancelled."""
    from .models import ScheduledText, ScheduledTextStatus

    with transaction.atomic():
        locked = ScheduledText.objects.select_for_update().get(pk=scheduled_text.pk)
        if locked.status != ScheduledTextStatus.SCHEDULED:
            raise ValidationError(
                f"This text is {locked.get_status_display().lower()}; it can no longer be cancelled.",
                code="not_scheduled",
            )
        locked.status = ScheduledTextStatus.CANCELLED
        locked.cancelled_by = by_user
        locked.save(update_fields=["status", "cancelled_by", "updated_at"])
    scheduled_text.status = locked.status
    scheduled_text.cancelled_by = by_user
    return scheduled_text


# Scheduled texts claimed per run: the task runs every minute and OpenPhone takes 10 texts a
# second, so 100 finish well within the minute.
SCHEDULED_TEXTS_BATCH = 100


def scheduled_texts_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Send every scheduled text whose time has come, each at most once; returns counts by outcome.

    Rows are claimed (status `sending`) under `select_for_update(skip_locked=True)` and that
    claim commits before anything is sent, so two concurrent runs never send the same text and a
    crash mid-send leaves the text `sending` (shown to staff) rather than sending it again.
    Refusals by message_send (opted out, held, outside the window) are recorded with the reason.
    """
    from crm.sms import SmsSendError

    from .models import ScheduledText, ScheduledTextStatus

    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(
            ScheduledText.objects.select_for_update(skip_locked=True)
            .filter(status=ScheduledTextStatus.SCHEDULED, send_at__lte=now)
            .order_by("send_at", "id")[:SCHEDULED_TEXTS_BATCH]
        )
        ScheduledText.objects.filter(pk__in=[s.pk for s in claimed]).update(
            status=ScheduledTextStatus.SENDING, updated_at=now
        )
    outcomes = {"sent": 0, "refused": 0}
    for scheduled in ScheduledText.objects.filter(pk__in=[s.pk for s in claimed]).select_related(
        "conversation__contact", "created_by"
    ).order_by("send_at", "id"):
        conversation = scheduled.conversation
        error = _contact_hold_reason(conversation.contact)
        activity = None
        if not error:
            try:
                activity = message_send(
                    contact=conversation.contact, body=scheduled.body, from_line=conversation.phone_number_id,
                    sent_by=scheduled.created_by,
                )
            except TextRefused as exc:
                error = " ".join(exc.messages)
            except SmsSendError as exc:
                error = f"OpenPhone did not take the text: {exc}"
        if activity is not None:
            ScheduledText.objects.filter(pk=scheduled.pk).update(
                status=ScheduledTextStatus.SENT, activity=activity, error="", updated_at=timezone.now()
            )
            outcomes["sent"] += 1
        else:
            ScheduledText.objects.filter(pk=scheduled.pk).update(
                status=ScheduledTextStatus.REFUSED, error=error[:255], updated_at=timezone.now()
            )
            outcomes["refused"] += 1
    return outcomes


class CallOutcome:
    """What came of a call staff made or took, as logged from the contact page or a thread."""

    REACHED = "reached"
    NO_ANSWER = "no-answer"
    VOICEMAIL = "left-voicemail"
    WRONG_NUMBER = "wrong-number"
    CHOICES = [
        (REACHED, "Talked to them"),
        (VOICEMAIL, "Left a voicemail"),
        (NO_ANSWER, "No answer"),
        (WRONG_NUMBER, "Wrong number"),
    ]
    # A call that reached the person answers their conversation: it stops waiting for our reply.
    ANSWERS = frozenset({REACHED, WRONG_NUMBER})


def call_log_create(
    *, contact: Contact, outcome: str, note: str = "", by_user=None, conversation=None, at: datetime | None = None,
    minutes: int | None = None,
) -> Activity:
    """Put a call staff made outside OpenPhone's records on the timeline, with its outcome, length and a note.

    A call that reached them (or found a wrong number) answers `conversation`: it stops waiting and any
    snooze ends.
    """
    labels = dict(CallOutcome.CHOICES)
    if outcome not in labels:
        raise ValidationError({"outcome": f"Choose what came of the call ({', '.join(labels.values())})."},
                              code="call_outcome")
    if minutes is not None and not 0 <= minutes <= 600:
        raise ValidationError({"minutes": "A call lasts between 0 and 600 minutes."}, code="call_minutes")
    with transaction.atomic():
        activity = Activity.objects.create(
            contact=contact, conversation=conversation, kind=ActivityKind.CALL, direction=Direction.OUTGOING,
            status=outcome, summary=labels[outcome], body=(note or "").strip(), occurred_at=at or timezone.now(),
            duration_seconds=minutes * 60 if minutes is not None else None, sent_by=by_user,
        )
        if conversation is not None and outcome in CallOutcome.ANSWERS:
            Conversation.objects.filter(pk=conversation.pk).update(waiting_for_reply=False, snoozed_until=None)
    return activity


# --- Holds: a reply that may have asked us to stop --------------------------------------------

def contact_hold(
    *, contact: Contact, reason: str, source: str, activity: Activity | None = None, at: datetime | None = None
) -> bool:
    """Stop all texts to the contact until a person decides; returns False if they were already held.

    Every call leaves a TextingHold (what put it on: `source` and the message; when; why).
    A contact already opted out is not held: they get no texts anyway.
    """
    from .models import TextingHold

    at = at or timezone.now()
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.opted_out:
            return False
        changed = not locked.texting_held
        if changed:
            locked.texting_held = True
            locked.save(update_fields=["texting_held", "updated_at"])
        TextingHold.objects.create(
            contact=locked, activity=activity, reason=reason[:255], source=source, held_at=at
        )
    contact.texting_held = True
    return changed


def _holds_close(*, contact: Contact, decision: str, by_user, at: datetime) -> int:
    from .models import TextingHold

    audited_update(Contact.objects.filter(pk=contact.pk), by=by_user, reason=f"Hold decided: {decision}",
                   texting_held=False, updated_at=at)
    return TextingHold.objects.filter(contact=contact, decision="").update(
        decision=decision, decided_by=by_user, decided_at=at
    )


def contact_hold_decide(*, contact: Contact, decision: str, by_user, reason: str = "") -> str:
    """A person decided on a held contact: "keep_texting" lifts the hold, "opt_out" opts them out.

    Closes every open hold with the decision, who and when. Refuses a contact that is not held.
    """
    from .models import HoldDecision

    if decision not in (HoldDecision.KEEP_TEXTING, HoldDecision.OPT_OUT):
        raise ValidationError(f"Unknown decision “{decision}”: choose Keep texting or Opt out.")
    at = timezone.now()
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if not locked.texting_held:
            raise ValidationError(f"{locked} is not on hold; nothing to decide.", code="not_held")
        if decision == HoldDecision.OPT_OUT:
            contact_opt_out(
                contact=locked, reason=reason or "Staff decided after an unclear reply", source="staff",
                by_user=by_user, at=at,
            )
        _holds_close(contact=locked, decision=decision, by_user=by_user, at=at)
    contact.refresh_from_db(fields=["opted_out", "opted_out_at", "opted_out_reason", "texting_held"])
    return decision


def _addresses_matched(activity: Activity, property_ids: list) -> list[dict]:
    """The text's mentioned addresses, each with the house (id, or None) it was matched to."""
    addresses = [dict(a) for a in (activity.reading_addresses or [])]
    for address, property_id in zip(addresses, property_ids, strict=False):
        address["property_id"] = property_id
    return addresses


def activity_set_address_matches(*, activity: Activity, property_ids: list) -> None:
    """Store which house (id, or None) each address mentioned in the text is; the rest of the reading stays."""
    addresses = activity.reading_addresses = _addresses_matched(activity, property_ids)
    with transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(reading_addresses=addresses)


def activities_set_address_matches(*, activities: list[Activity], property_ids: list[list]) -> list[Activity]:
    """activity_set_address_matches for many texts (`property_ids` in the same order): only the
    texts whose stored matches change are written, in bulk. Returns those texts."""
    changed = []
    for activity, ids in zip(activities, property_ids, strict=True):
        addresses = _addresses_matched(activity, ids)
        if addresses != (activity.reading_addresses or []):
            activity.reading_addresses = addresses
            changed.append(activity)
    with transaction.atomic():
        _rows_update(Activity, changed, ["reading_addresses"])
    return changed


@dataclass
class Reread:
    """What reading a stored text again changed (or would change)."""

    activity_id: int
    contact_id: int
    occurred_at: datetime
    old: tuple[str, str, str]  # category, opt-out, rule
    new: tuple[str, str, str]
    action: str = ""  # "hold" when the contact is (or would be) held for a person to decide

    @property
    def changed(self) -> bool:
        return self.old[:2] != self.new[:2] or bool(self.action)


def activities_reread(*, activities: list[Activity], apply: bool, source: str = "reclassify") -> list[Reread]:
    """Read stored incoming texts again with today's reader, oldest first; with `apply`, store the
    readings (activities_store_readings) and act, all in one transaction. Returns what changed, text by text.

    A past message newly read as an opt-out (certain or possible) HOLDS the contact rather than
    opting them out silently: a person confirms it on the contact page. Nothing is done when the
    contact is already opted out or held (by an earlier text of this call too, when applied), a
    later opt-out/opt-in of theirs already decided, or an opt-out or hold already points at the text.
    The queries do not grow with the number of texts (holds, which are rare, are one each). The
    texts need only id, contact, conversation, occurred_at, body and the reading fields.
    """
    from .models import TextingHold
    from .opt_out import opt_out_reason
    from .reading import OptOutCertainty, read_message

    asks_to_stop = (OptOutCertainty.CERTAIN, OptOutCertainty.POSSIBLE)
    readings = [read_message(activity.body) for activity in activities]
    changes = [
        Reread(
            activity_id=activity.pk, contact_id=activity.contact_id, occurred_at=activity.occurred_at,
            old=(activity.reading_category, activity.reading_opt_out, activity.reading_rule),
            new=(str(reading.category), str(reading.opt_out), reading.rule),
        )
        for activity, reading in zip(activities, readings, strict=True)
    ]
    newly_stop = [
        (activity, change) for activity, reading, change in zip(activities, readings, changes, strict=True)
        if reading.opt_out in asks_to_stop and activity.reading_opt_out not in asks_to_stop
    ]
    contacts: dict[int, Contact] = {}
    if newly_stop:
        contact_ids = {activity.contact_id for activity, _ in newly_stop}
        activity_ids = [activity.pk for activity, _ in newly_stop]
        contacts = Contact.objects.only("pk", "opted_out", "texting_held").in_bulk(contact_ids)
        last_decided = dict(
            OptOutEvent.objects.filter(contact_id__in=contact_ids).order_by().values("contact_id")
            .annotate(last=Max("occurred_at")).values_list("contact_id", "last")
        )
        handled = set(
            OptOutEvent.objects.filter(activity_id__in=activity_ids).order_by().values_list("activity_id", flat=True)
            .union(TextingHold.objects.filter(activity_id__in=activity_ids).order_by().values_list("activity_id", flat=True))
        )
        for activity, change in newly_stop:
            contact = contacts[activity.contact_id]
            last = last_decided.get(contact.pk)
            decided_later = last is not None and last > activity.occurred_at
            if not (contact.opted_out or contact.texting_held or decided_later or activity.pk in handled):
                change.action = "hold"
                if apply:
                    contact.texting_held = True  # the contact's later texts in this call see the hold
    if apply:
        with transaction.atomic():
            activities_store_readings(activities=activities, readings=readings)
            for activity, change in newly_stop:
                if change.action == "hold":
                    contact_hold(
                        contact=contacts[activity.contact_id], reason=f"Re-read: {opt_out_reason(activity.body)}"[:255],
                        source=source, activity=activity, at=activity.occurred_at,
                    )
    return changes


# --- Numbers OpenPhone cannot deliver to ------------------------------------------------------

# A number whose texts OpenPhone reported failed this many times in a row is not texted again
# until staff clear it ("Text these numbers again" on the contact list).
UNDELIVERABLE_AFTER_FAILURES = 2


def contact_phone_record_delivery(*, contact_id: int, phone: str, delivered: bool, at: datetime | None = None) -> bool:
    """Count a text to `phone` OpenPhone reported failed (or clear the count on a delivery).

    The second failure in a row marks the number undeliverable. Returns True when this call
    marked it. Call once per text (the caller's state change makes a replayed webhook a no-op).
    """
    if delivered:
        audited_update(ContactPhone.objects.filter(phone=phone, delivery_failures__gt=0, undeliverable_since__isnull=True),
                       reason="A text was delivered", delivery_failures=0)
        return False
    at = at or timezone.now()
    with transaction.atomic():
        number = ContactPhone.objects.select_for_update().filter(phone=phone).first()
        if number is None:
            number = ContactPhone.objects.create(contact_id=contact_id, phone=phone, label="main")
        number.delivery_failures += 1
        marked = number.undeliverable_since is None and number.delivery_failures >= UNDELIVERABLE_AFTER_FAILURES
        if marked:
            number.undeliverable_since = at
        number.save(update_fields=["delivery_failures", "undeliverable_since"])
    if marked:
        logger.info("Contact %s: number marked undeliverable after %d failed texts", contact_id,
                    number.delivery_failures)
    return marked


def contact_phones_mark_deliverable(*, contacts: Iterable[Contact], by_user=None) -> int:
    """Staff's undo: the contacts' numbers may be texted again. Returns how many numbers were cleared."""
    with transaction.atomic():
        return audited_update(
            ContactPhone.objects.filter(contact__in=list(contacts), undeliverable_since__isnull=False),
            by=by_user, reason="Marked deliverable again", undeliverable_since=None, delivery_failures=0,
        )


# How far along the way to a customer each lead status is; a status only ever moves forward.
LEAD_STATUS_PROGRESS = {
    LeadStatus.NEW: 0, LeadStatus.CONTACTED: 1, LeadStatus.NOT_INTERESTED: 1, LeadStatus.WRONG_NUMBER: 1,
    LeadStatus.DEAD: 1, LeadStatus.INTERESTED: 2, LeadStatus.APPOINTMENT: 3, LeadStatus.CUSTOMER: 4,
}


def contact_lead_status_advance(*, contact: Contact, to: str, by_user=None, reason: str = "") -> bool:
    """Move the homeowner's lead status to `to` if that is further along; never back. True if it moved."""
    behind = [status for status, rank in LEAD_STATUS_PROGRESS.items() if rank < LEAD_STATUS_PROGRESS[to]]
    with transaction.atomic():
        moved = audited_update(Contact.objects.filter(pk=contact.pk, lead_status__in=behind),
                               by=by_user, reason=reason or f"Lead status moved to {to}",
                               lead_status=to, updated_at=timezone.now())
    if moved:
        contact.lead_status = to
    return bool(moved)
