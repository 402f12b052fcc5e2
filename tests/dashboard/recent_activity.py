"""Thirty days of outreach ending now, shaped like the real thing, for the browser test and visual checks.

Weekdays are busy and weekends quiet; the running A/B campaign ramps up from 20 to its 125-a-day limit;
a finished campaign sent in the first weeks. Everything is bulk-created: a few queries, a second or two.
"""
from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign, CampaignMembership, CampaignStatus, MembershipStatus
from contacts.models import Activity, ActivityKind, Contact, Conversation, Direction, OptOutEvent
from dashboard.selectors import business_zone

REPLY_TEXTS = {
    "interested": ["Yes please, there is a crack in the basement wall", "Interested, how much?", "Call me after 5"],
    "question": ["Who is this?", "Are you licensed?", "Do you do waterproofing?"],
    "not_interested": ["No thanks", "Not interested", "Already fixed it"],
    "opt_out": ["STOP", "Stop texting me"],
}
REPLY_MIX = (("interested", 0.35), ("question", 0.25), ("not_interested", 0.28), ("opt_out", 0.12))


def _moment(rng: random.Random, day: dt.date, now: dt.datetime, first_hour: int = 9, last_hour: int = 17):
    """A random moment in business hours on `day`, never after now (None if the day has no such moment yet)."""
    zone = business_zone()
    start = dt.datetime.combine(day, dt.time(first_hour), tzinfo=zone)
    end = min(dt.datetime.combine(day, dt.time(last_hour, 45), tzinfo=zone), now)
    if end <= start:
        return None
    return start + dt.timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def build(*, days: int = 30, seed: int = 7, now: dt.datetime | None = None) -> SimpleNamespace:
    rng = random.Random(seed)
    now = now or timezone.now()
    zone = business_zone()
    today = timezone.localtime(now, zone).date()
    line = settings.OPENPHONE_PHONE_NUMBER_ID or "PNtoDbDhuz"
    day_list = [today - dt.timedelta(days=days - 1 - i) for i in range(days)]

    running = Campaign.objects.create(
        name="Worcester spring check (A/B)", status=CampaignStatus.RUNNING, daily_limit=125, phone_number_id=line,
        template_a="Hi {first_name|there}, free foundation crack check this month? Reply STOP to opt out.",
        template_b="{first_name|Hi}, water in the basement? We fix cracks for good. Reply YES, STOP to opt out.",
    )
    finished = Campaign.objects.create(
        name="Pittsfield follow-up", status=CampaignStatus.COMPLETED, daily_limit=80, phone_number_id=line,
        template_a="Hi {first_name|there}, following up on your foundation estimate. Reply STOP to opt out.",
    )
    Campaign.objects.create(name="Summer mailing list", status=CampaignStatus.DRAFT, phone_number_id=line,
                            template_a="Hi {first_name|there}")

    # Who gets texted when: the running campaign ramps up on weekdays; the finished one sent in weeks 1-2.
    plan: list[tuple[Campaign, dt.date]] = []
    for index, day in enumerate(day_list):
        if day.weekday() >= 5:
            continue
        plan += [(running, day)] * min(125, 20 + index * 5)
        if index < 12:
            plan += [(finished, day)] * rng.randint(55, 75)
    pending_running = 700

    people = len(plan) + pending_running + 40
    first_names = ["Linda", "James", "Maria", "Robert", "Patricia", "Michael", "Susan", "David", "Karen", "Joseph"]
    last_names = ["Sullivan", "Murphy", "Costa", "Nguyen", "O'Brien", "Silva", "Walsh", "Pereira", "Kelly", "Ryan"]
    contacts = Contact.objects.bulk_create(
        Contact(
            first_name=rng.choice(first_names), last_name=rng.choice(last_names),
            phone=f"+1617{4000000 + seed * 100000 + i:07d}", mailing_state="MA", source="demo",
        )
        for i in range(people)
    )
    # Imports arrive on weekdays; the dashboard counts them as new contacts.
    created = {c.pk: dt.datetime.combine(today - dt.timedelta(days=rng.randrange(120)), dt.time(9), tzinfo=zone)
               for c in contacts}
    for contact in contacts[-300:]:
        day = rng.choice([d for d in day_list if d.weekday() < 5])
        created[contact.pk] = _moment(rng, day, now) or created[contact.pk]
    for contact in contacts:
        contact.created_at = created[contact.pk]
    Contact.objects.bulk_update(contacts, ["created_at"])

    conversations = Conversation.objects.bulk_create(Conversation(contact=c, phone_number_id=line) for c in contacts)
    memberships = []
    sends = []
    for (campaign, day), contact in zip(plan, contacts, strict=False):
        at = _moment(rng, day, now, first_hour=10)
        if at is None:
            continue
        memberships.append(CampaignMembership(
            campaign=campaign, contact=contact, variant=rng.choice("AB") if campaign is running else "A",
            status=MembershipStatus.DELIVERED if rng.random() < 0.96 else MembershipStatus.FAILED, sent_at=at,
        ))
        sends.append(at)
    offset = len(memberships)
    memberships += [
        CampaignMembership(campaign=running, contact=contact, variant=rng.choice("AB"))
        for contact in contacts[offset:offset + pending_running]
    ]
    memberships = CampaignMembership.objects.bulk_create(memberships)

    conv_by_contact = {c.contact_id: c for c in conversations}
    activities, replies, opt_outs, sent = [], [], [], []
    for membership in memberships:
        if membership.sent_at is None:
            continue
        conversation = conv_by_contact[membership.contact_id]
        sent.append(membership)
        activities.append(Activity(
            contact_id=membership.contact_id, conversation=conversation,
            kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING, body="Campaign text",
            status="delivered" if membership.status == MembershipStatus.DELIVERED else "undelivered",
            occurred_at=membership.sent_at,
        ))
        conversation.last_activity_at = membership.sent_at
        rate = 0.16 if membership.variant == "B" else 0.10
        if membership.status != MembershipStatus.DELIVERED or rng.random() >= rate:
            continue
        replied_at = membership.sent_at + dt.timedelta(minutes=rng.randrange(4, 600))
        if replied_at > now:
            continue
        category = rng.choices([c for c, _ in REPLY_MIX], [w for _, w in REPLY_MIX])[0]
        membership.replied_at, membership.reply_category = replied_at, category
        membership.status = MembershipStatus.OPTED_OUT if category == "opt_out" else MembershipStatus.REPLIED
        replies.append(membership)
        activities.append(Activity(
            contact_id=membership.contact_id, conversation=conversation, kind=ActivityKind.MESSAGE,
            direction=Direction.INCOMING, status="received", body=rng.choice(REPLY_TEXTS[category]),
            occurred_at=replied_at,
        ))
        conversation.last_activity_at = replied_at
        # Staff answer within a day or two; the most recent interested people and questions still wait.
        conversation.waiting_for_reply = category in ("interested", "question") and (now - replied_at).days < 3
        if category == "opt_out":
            opt_outs.append((membership.contact_id, replied_at))
    CampaignMembership.objects.bulk_update(replies, ["replied_at", "reply_category", "status"])

    # Staff texts and calls: busier on weekdays.
    callers = contacts[-40:]
    for day in day_list:
        weekday = day.weekday() < 5
        for _ in range(rng.randint(6, 14) if weekday else rng.randint(0, 2)):
            contact = rng.choice(contacts[: len(plan)] or callers)
            at = _moment(rng, day, now)
            if at:
                activities.append(Activity(
                    contact=contact, conversation=conv_by_contact[contact.pk], kind=ActivityKind.MESSAGE,
                    direction=Direction.OUTGOING, status="delivered", body="Following up", occurred_at=at,
                ))
        for kind, status, count in [
            (ActivityKind.CALL, "missed", rng.randint(1, 4) if weekday else rng.randint(0, 1)),
            (ActivityKind.CALL, "completed", rng.randint(3, 8) if weekday else 0),
            (ActivityKind.VOICEMAIL, "completed", rng.randint(0, 2)),
        ]:
            for _ in range(count):
                at = _moment(rng, day, now, first_hour=8, last_hour=19)
                if at:
                    activities.append(Activity(
                        contact=rng.choice(callers), kind=kind, direction=Direction.INCOMING, status=status,
                        occurred_at=at, duration_seconds=rng.randint(20, 400) if status == "completed" else None,
                    ))
    Activity.objects.bulk_create(activities)
    # Each sent membership's text is the first activity appended for it, in the same order.
    campaign_texts = iter(a for a in activities if a.body == "Campaign text")
    for membership in sent:
        membership.activity = next(campaign_texts)
    CampaignMembership.objects.bulk_update(sent, ["activity"])
    Conversation.objects.bulk_update(conversations, ["last_activity_at", "waiting_for_reply"])
    for contact_id, at in opt_outs:
        Contact.objects.filter(pk=contact_id).update(opted_out=True, opted_out_at=at, opted_out_reason="STOP")
    OptOutEvent.objects.bulk_create(
        OptOutEvent(contact_id=cid, opted_out=True, reason="STOP", source="inbound_message", occurred_at=at)
        for cid, at in opt_outs
    )
    return SimpleNamespace(running=running, finished=finished, today=today, line=line)
