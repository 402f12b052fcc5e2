"""Demo campaigns for `seed_demo`: a finished A/B test and a running campaign with weeks of history.

Built over the demo contacts already loaded, with texts on weekdays in business hours, a
ramp-up of daily volume, deliveries, replies and opt-outs, so results show on first run.
Replies go through membership_record_reply, so classification and lead statuses are real.
"""
from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.merge_fields import render_template
from campaigns.models import Campaign, CampaignMembership, CampaignStatus, MembershipStatus, Variant
from campaigns.reply_classifier import ReplyCategory
from campaigns.services import membership_record_reply, membership_variant
from contacts.models import Activity, ActivityKind, Contact, ContactSource, Conversation, Direction

FINISHED_NAME = "Spring foundation check (A/B)"
RUNNING_NAME = "Fall basement follow-up"

TEMPLATE_A = (
    "Hi {first_name|there}, this is Attack-a-Crack. We're inspecting foundations around {city|your area} "
    "this month. Want a free crack check at {property_address|your home}? Reply STOP to opt out."
)
TEMPLATE_B = (
    "{first_name|Hi}, noticed any cracks or water in the basement? Attack-a-Crack fixes them for good, "
    "free estimate this week. Reply YES to book, STOP to opt out."
)
TEMPLATE_RUNNING = (
    "Hi {first_name|there}, Attack-a-Crack here. Fall is the best time to seal foundation cracks before "
    "the freeze. Free inspection in {city|your town}? Reply STOP to opt out."
)

# Calendar days the running demo campaign has been sending, up to yesterday.
RUNNING_WINDOW_DAYS = 8
# Daily volume while a campaign warms up its line: carriers flag a new line that jumps to full speed.
RAMP_UP = (5, 10, 20, 35, 50, 70, 90, 110, 125)

REPLIES: dict[str, tuple[str, ...]] = {
    ReplyCategory.INTERESTED: (
        "Yes please, I have a crack in the basement wall", "Interested. How much for an inspection?",
        "Sure, call me after 5", "Yes! When can you come out?", "Sounds good, we get water every spring",
    ),
    ReplyCategory.NOT_INTERESTED: ("Not interested", "No thanks", "We already had it fixed last year", "Nope"),
    ReplyCategory.QUESTION: ("Who is this?", "Are you licensed and insured?", "Do you do chimneys too?"),
    ReplyCategory.WRONG_NUMBER: ("Wrong number", "I sold the house two years ago"),
    ReplyCategory.OPT_OUT: ("STOP", "Stop", "Please remove me from your list", "UNSUBSCRIBE"),
    ReplyCategory.OTHER: ("thx", "👍", "Maybe in the spring"),
}
# Share of replies per category (they sum to 1).
REPLY_MIX = {
    ReplyCategory.INTERESTED: 0.34, ReplyCategory.NOT_INTERESTED: 0.24, ReplyCategory.QUESTION: 0.14,
    ReplyCategory.WRONG_NUMBER: 0.08, ReplyCategory.OPT_OUT: 0.14, ReplyCategory.OTHER: 0.06,
}


def _business_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _send_moment(rng: random.Random, day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    """A moment between 10:00 and 17:45 local on `day` (inside every campaign's default window)."""
    minutes = rng.randrange(10 * 60, 17 * 60 + 45)
    return datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60), tzinfo=zone)


def _reply_deck(rng: random.Random) -> list[str]:
    """Reply categories in REPLY_MIX proportions, shuffled, an interested one first.

    Dealt in order rather than drawn at random, so even a campaign with a dozen replies shows the
    mix on the dashboard (a random draw left the running campaign without one "interested").
    """
    deck = [category for category, share in REPLY_MIX.items() for _ in range(round(share * 50))]
    rng.shuffle(deck)
    deck.remove(ReplyCategory.INTERESTED)
    return [ReplyCategory.INTERESTED, *deck]


def _schedule(count: int, days: list[datetime.date]) -> list[datetime.date]:
    """The send day of each of `count` texts, following the ramp-up; fewer if the days run out."""
    plan: list[datetime.date] = []
    for index, day in enumerate(days):
        quota = RAMP_UP[min(index, len(RAMP_UP) - 1)]
        plan.extend([day] * min(quota, count - len(plan)))
        if len(plan) >= count:
            break
    return plan


def _seed_one(
    *, rng: random.Random, name: str, line: str, contacts: list[Contact], status: str, days: list[datetime.date],
    send_share: float, reply_rates: dict[str, float], **fields,
) -> dict:
    zone = ZoneInfo(settings.TIME_ZONE)
    line = line or settings.OPENPHONE_PHONE_NUMBER_ID or "PNdemoLine"
    campaign = Campaign.objects.create(name=name, status=status, phone_number_id=line, **fields)
    memberships = CampaignMembership.objects.bulk_create(
        CampaignMembership(campaign=campaign, contact=c, variant=membership_variant(campaign=campaign, contact_id=c.pk))
        for c in contacts
    )
    plan = _schedule(round(len(memberships) * send_share), days)
    to_send = memberships[: len(plan)]
    conversations = {
        conv.contact_id: conv
        for conv in Conversation.objects.filter(contact__in=[m.contact_id for m in to_send], phone_number_id=line)
    }
    missing = [m.contact_id for m in to_send if m.contact_id not in conversations]
    for conv in Conversation.objects.bulk_create(Conversation(contact_id=cid, phone_number_id=line) for cid in missing):
        conversations[conv.contact_id] = conv
    by_id = {c.pk: c for c in contacts}
    places = _first_properties([m.contact_id for m in to_send])
    texts = []
    for membership, day in zip(to_send, plan, strict=True):
        at = _send_moment(rng, day, zone)
        roll = rng.random()
        delivery = "delivered" if roll < 0.95 else ("undelivered" if roll < 0.98 else "sent")
        texts.append(
            Activity(
                contact_id=membership.contact_id, conversation=conversations[membership.contact_id],
                kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING, status=delivery,
                body=_render(campaign, membership, by_id[membership.contact_id], places),
                openphone_id=f"ACdemo-{campaign.pk}-{membership.pk}", occurred_at=at,
            )
        )
    texts = Activity.objects.bulk_create(texts)
    for membership, text in zip(to_send, texts, strict=True):
        membership.activity = text
        membership.sent_at = text.occurred_at
        membership.attempts = 1
        membership.status = {
            "delivered": MembershipStatus.DELIVERED, "undelivered": MembershipStatus.FAILED,
        }.get(text.status, MembershipStatus.SENT)
        if membership.status == MembershipStatus.FAILED:
            membership.last_error = "OpenPhone reported the text undelivered."
    CampaignMembership.objects.bulk_update(to_send, ["activity", "sent_at", "attempts", "status", "last_error"])

    replies = 0
    now = timezone.now()
    deck = _reply_deck(rng)
    for membership, text in zip(to_send, texts, strict=True):
        if membership.status != MembershipStatus.DELIVERED or rng.random() >= reply_rates[membership.variant]:
            continue
        category = deck[replies % len(deck)]
        replied_at = min(text.occurred_at + datetime.timedelta(minutes=rng.randrange(3, 300)), now)
        inbound = Activity.objects.create(
            contact_id=membership.contact_id, conversation=conversations[membership.contact_id],
            kind=ActivityKind.MESSAGE, direction=Direction.INCOMING, status="received",
            body=rng.choice(REPLIES[category]), openphone_id=f"ACdemo-r-{membership.pk}", occurred_at=replied_at,
        )
        membership_record_reply(activity=inbound)
        replies += 1
    # Each touched conversation ends on its newest activity, whichever seeding wrote it.
    newest: dict[int, tuple] = {}
    for conversation_id, kind, direction, at, opted_out in (
        Activity.objects.filter(conversation__in=conversations.values())
        .order_by("conversation_id", "-occurred_at", "-pk")
        .values_list("conversation_id", "kind", "direction", "occurred_at", "contact__opted_out")
    ):
        newest.setdefault(conversation_id, (kind, direction, at, opted_out))
    touched = []
    for conversation in conversations.values():
        kind, direction, at, opted_out = newest[conversation.pk]
        conversation.last_activity_at = at
        conversation.waiting_for_reply = kind == ActivityKind.MESSAGE and direction == Direction.INCOMING and not opted_out
        touched.append(conversation)
    Conversation.objects.bulk_update(touched, ["last_activity_at", "waiting_for_reply"])
    return {"name": name, "members": len(memberships), "texts": len(texts), "replies": replies}


def _first_properties(contact_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(address, city) of each contact's first property, in one query."""
    from properties.models import PropertyContact

    places: dict[int, tuple[str, str]] = {}
    links = PropertyContact.objects.filter(contact_id__in=contact_ids).order_by("pk")
    for contact_id, address, city in links.values_list("contact_id", "property__address", "property__city"):
        places.setdefault(contact_id, (address, city))
    return places


def _render(campaign: Campaign, membership: CampaignMembership, contact: Contact, places: dict) -> str:
    template = campaign.template_b if membership.variant == Variant.B and campaign.template_b else campaign.template_a
    address, city = places.get(contact.pk, ("", ""))
    return render_template(
        template,
        {
            "first_name": contact.first_name, "last_name": contact.last_name,
            "property_address": address, "city": city or contact.mailing_city,
        },
    )


def seed_campaigns(rng: random.Random, *, contact_ids: list[int] | None = None, line: str = "") -> dict:
    """Create the two demo campaigns over the demo contacts; a campaign that exists (by name) is left as is.

    `contact_ids` picks the homeowners (default: contacts whose source is "demo"); `line` is the
    sending line (default: OPENPHONE_PHONE_NUMBER_ID).

    Returns what it did: {"created": [...], "existing": [...], "campaigns": [per-campaign counts]}.
    """
    result: dict = {"created": [], "existing": [], "campaigns": []}
    existing = set(Campaign.objects.filter(name__in=[FINISHED_NAME, RUNNING_NAME]).values_list("name", flat=True))
    result["existing"] = sorted(existing)
    chosen = Contact.objects.filter(pk__in=contact_ids) if contact_ids is not None else Contact.objects.filter(
        source=ContactSource.DEMO
    )
    contacts = list(chosen.filter(opted_out=False, phone__isnull=False).order_by("pk"))
    if not contacts or len(existing) == 2:
        return result
    rng.shuffle(contacts)
    split = round(len(contacts) * 0.6)
    today = timezone.localdate()
    with transaction.atomic():
        if FINISHED_NAME not in existing:
            days = _business_days(today - datetime.timedelta(days=42), today - datetime.timedelta(days=21))
            stats = _seed_one(
                rng=rng, name=FINISHED_NAME, line=line, contacts=contacts[:split], status=CampaignStatus.COMPLETED, days=days,
                send_share=1.0, reply_rates={Variant.A: 0.11, Variant.B: 0.21},
                template_a=TEMPLATE_A, template_b=TEMPLATE_B, ab_split=50, starts_on=days[0] if days else None,
            )
            result["created"].append(FINISHED_NAME)
            result["campaigns"].append(stats)
        if RUNNING_NAME not in existing:
            # The ramp-up sends the running campaign's texts over its last business days, so the
            # dashboard's 7-day figures have something to show.
            days = _business_days(today - datetime.timedelta(days=RUNNING_WINDOW_DAYS), today - datetime.timedelta(days=1))
            stats = _seed_one(
                rng=rng, name=RUNNING_NAME, line=line, contacts=contacts[split:], status=CampaignStatus.RUNNING, days=days,
                send_share=0.7, reply_rates={Variant.A: 0.14, Variant.B: 0.14},
                template_a=TEMPLATE_RUNNING, starts_on=days[0] if days else None,
                # The demo's days are small (a few dozen texts), so two STOPs on one day pass 5 %; a
                # manager would judge such a day by a wider margin. The running campaign stays running.
                max_opt_out_percent=10,
            )
            result["created"].append(RUNNING_NAME)
            result["campaigns"].append(stats)
    return result
