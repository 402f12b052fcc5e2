"""A small, hand-counted data set for the dashboard figures; every expected number is derived in comments.

The clock stands at Wednesday 2025-03-12 14:00 America/New_York (EDT, UTC-4; daylight saving began
on Sunday 2025-03-09, inside the 7-day window). Lines: PN1 (the default line) and PN2.

Outgoing texts                          Incoming texts / calls
  a1  Mar 12 10:00 PN1 delivered  m1      i1 Mar 12 11:00 PN1 (m1 replies, interested)
  a2  Mar 12 10:05 PN1 delivered  m2      i2 Mar 12 12:00 PN2 (n2 replies STOP)
  a3  Mar 12 10:10 PN1 sent       m3      i3 Mar 7  15:00 PN1 (m4 replies, interested)
  a4  Mar 12 13:00 PN1 delivered  staff   i4 Mar 4  10:30 PN1 (m5 replies STOP)
  a5  Mar 12 09:00 PN2 delivered  n1      i5 Feb 2  10:00 PN1 (m9 replies)
  a6  Mar 12 09:30 PN2 delivered  n2      c1 Mar 12 08:00 call missed
  a7  Mar 12 00:10 PN1 delivered  staff   c2 Mar 12 08:30 call completed (answered: not missed)
  a8  Mar 11 23:50 PN1 delivered  staff   c3 Mar 12 08:31 voicemail
  a9  Mar 4  10:00 PN1 delivered  m4      c4 Mar 11 16:00 call missed
  a10 Mar 4  10:01 PN1 undelivered m5     note Mar 12 (never counted)
  a11 Feb 1  10:00 PN1 delivered  m9                      i6 Mar 10 10:00 PN2 (a stranger: "Who is this?")

a8 is at 03:50 UTC on Mar 12 but belongs to Mar 11 in business time; a7 is at 04:10 UTC on Mar 12.
Campaign figures follow the campaigns app: delivered = status delivered/replied/opted out, replied = has
replied_at, opted out = status opted out, interested = reply_category "interested"; period rates follow
the members texted in the period.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from campaigns.models import CampaignStatus, MembershipStatus
from contacts.models import Activity, ActivityKind, Contact, Conversation, Direction, OptOutEvent
from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CampaignMembershipFactory,
    ContactFactory,
)

ET = ZoneInfo("America/New_York")
NOW = dt.datetime(2025, 3, 12, 14, 0, tzinfo=ET)
TODAY = NOW.date()
PN1 = "PNtoDbDhuz"
PN2 = "PNsecond01"
LONG_AGO = dt.datetime(2025, 1, 1, 12, 0, tzinfo=ET)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=ET)


# --- Expected figures (derived from the table above) --------------------------------------------
TODAY_EXPECTED = {
    "texts_sent": 7,  # a1..a7
    "texts_delivered": 6,  # a1 a2 a4 a5 a6 a7
    "texts_received": 2,  # i1 i2
    "missed_calls": 1,  # c1
    "voicemails": 1,  # c3
    "opt_outs": 1,  # n2's contact, by STOP at 12:00 (an opt-in today does not count)
}
# line -> (campaign texts, staff texts) today
LINES_EXPECTED = {PN1: (3, 2), PN2: (2, 0)}

LAST_7_EXPECTED = {  # Mar 6..12
    "texts_sent": 8,  # a1..a8
    "texts_delivered": 7,
    "texts_received": 4,  # i1 i2 i3 i6
    "missed_calls": 2,  # c1 c4
    "voicemails": 1,
    "campaign_sent": 5,  # m1 m2 m3 n1 n2
    "replied": 2,  # m1 n2
    "opted_out": 1,  # n2
    "interested": 1,  # m1 (m4 replied interested on Mar 7, but was texted on Mar 4: not in this cohort)
    "opt_outs": 1,
    "new_contacts": 3,  # two on Mar 12, one on Mar 8
}
LAST_30_EXPECTED = {  # Feb 11..Mar 12
    "texts_sent": 10,  # a1..a10
    "texts_delivered": 8,  # all but a3 and a10
    "texts_received": 5,  # i1..i4 i6
    "missed_calls": 2,
    "voicemails": 1,
    "campaign_sent": 7,  # m1 m2 m3 m4 m5 n1 n2
    "replied": 4,  # m1 m4 m5 n2
    "opted_out": 2,  # n2 and m5
    "interested": 2,  # m1 m4
    "opt_outs": 2,  # n2's and m5's contacts
    "new_contacts": 4,  # + Feb 20
}


def _conversation(contact: Contact, line: str, *, waiting: bool = False, last: dt.datetime | None = None):
    conversation, _ = Conversation.objects.get_or_create(contact=contact, phone_number_id=line)
    if last is not None:
        conversation.last_activity_at = last
        conversation.waiting_for_reply = waiting
        conversation.save()
    return conversation


def _text(contact, line, when, *, direction=Direction.OUTGOING, status="delivered", membership=None, body=None):
    activity = ActivityFactory(
        contact=contact,
        conversation=_conversation(contact, line),
        kind=ActivityKind.MESSAGE,
        direction=direction,
        status=status if direction == Direction.OUTGOING else "received",
        occurred_at=when,
        **({"body": body} if body else {}),
    )
    if membership is not None and direction == Direction.OUTGOING:
        membership.activity = activity
        membership.sent_at = when
        membership.save()
    return activity


def build() -> SimpleNamespace:
    c1 = CampaignFactory(name="Spring Worcester", status=CampaignStatus.RUNNING, daily_limit=100,
                         phone_number_id=PN1, template_b="Variant B text")
    c2 = CampaignFactory(name="Pittsfield", status=CampaignStatus.RUNNING, daily_limit=200, phone_number_id=PN2)
    c3 = CampaignFactory(name="Summer draft", status=CampaignStatus.DRAFT, phone_number_id=PN1)
    c4 = CampaignFactory(name="Paused list", status=CampaignStatus.PAUSED, phone_number_id=PN1)

    def member(campaign, variant, status=MembershipStatus.PENDING, **fields):
        return CampaignMembershipFactory(campaign=campaign, variant=variant, status=status, **fields)

    m1 = member(c1, "A", MembershipStatus.REPLIED, replied_at=at(3, 12, 11), reply_category="interested")
    m2 = member(c1, "A", MembershipStatus.DELIVERED)
    m3 = member(c1, "B", MembershipStatus.SENT)
    m4 = member(c1, "B", MembershipStatus.REPLIED, replied_at=at(3, 7, 15), reply_category="interested")
    m5 = member(c1, "A", MembershipStatus.OPTED_OUT, replied_at=at(3, 4, 10, 30), reply_category="opt_out")
    m6, m7 = member(c1, "A"), member(c1, "A")
    m8 = member(c1, "B")
    m9 = member(c1, "A", MembershipStatus.REPLIED, replied_at=at(2, 2, 10), reply_category="question")
    n1 = member(c2, "A", MembershipStatus.DELIVERED)
    n2 = member(c2, "A", MembershipStatus.OPTED_OUT, replied_at=at(3, 12, 12), reply_category="opt_out")
    member(c4, "A")

    _text(m1.contact, PN1, at(3, 12, 10, 0), membership=m1)  # a1
    _text(m2.contact, PN1, at(3, 12, 10, 5), membership=m2)  # a2
    _text(m3.contact, PN1, at(3, 12, 10, 10), status="sent", membership=m3)  # a3
    staff_1, staff_2, staff_3 = ContactFactory(), ContactFactory(), ContactFactory()
    _text(staff_1, PN1, at(3, 12, 13, 0))  # a4
    _text(n1.contact, PN2, at(3, 12, 9, 0), membership=n1)  # a5
    _text(n2.contact, PN2, at(3, 12, 9, 30), membership=n2)  # a6
    _text(staff_2, PN1, at(3, 12, 0, 10))  # a7
    _text(staff_3, PN1, at(3, 11, 23, 50))  # a8
    _text(m4.contact, PN1, at(3, 4, 10, 0), membership=m4)  # a9
    _text(m5.contact, PN1, at(3, 4, 10, 1), status="undelivered", membership=m5)  # a10
    _text(m9.contact, PN1, at(2, 1, 10, 0), membership=m9)  # a11

    stranger = ContactFactory(first_name="Walter", last_name="Inbound")
    incoming = Direction.INCOMING
    _text(m1.contact, PN1, at(3, 12, 11), direction=incoming, body="Yes please call me about the crack")  # i1
    _text(n2.contact, PN2, at(3, 12, 12), direction=incoming, body="STOP")  # i2
    _text(stranger, PN2, at(3, 10, 10), direction=incoming, body="Who is this?")  # i6
    _text(m4.contact, PN1, at(3, 7, 15), direction=incoming, body="Interested, what does it cost?")  # i3
    _text(m5.contact, PN1, at(3, 4, 10, 30), direction=incoming, body="STOP")  # i4
    _text(m9.contact, PN1, at(2, 2, 10), direction=incoming, body="Do you do basements?")  # i5

    caller = ContactFactory()
    for kind, status, when in [
        (ActivityKind.CALL, "missed", at(3, 12, 8, 0)),  # c1
        (ActivityKind.CALL, "completed", at(3, 12, 8, 30)),  # c2
        (ActivityKind.VOICEMAIL, "completed", at(3, 12, 8, 31)),  # c3
        (ActivityKind.CALL, "missed", at(3, 11, 16, 0)),  # c4
    ]:
        ActivityFactory(contact=caller, kind=kind, direction=incoming, status=status, occurred_at=when, body="")
    ActivityFactory(contact=caller, kind=ActivityKind.NOTE, direction="", status="", occurred_at=at(3, 12, 9))

    # Opt-outs: n2's contact today and m5's on Mar 4, both by STOP; an opt-in today does not count.
    Contact.objects.filter(pk=n2.contact_id).update(opted_out=True, opted_out_at=at(3, 12, 12), opted_out_reason="STOP")
    OptOutEvent.objects.create(contact=n2.contact, opted_out=True, reason="STOP", source="inbound_message",
                               occurred_at=at(3, 12, 12))
    Contact.objects.filter(pk=m5.contact_id).update(opted_out=True, opted_out_at=at(3, 4, 10, 30), opted_out_reason="STOP")
    OptOutEvent.objects.create(contact=m5.contact, opted_out=True, reason="STOP", source="inbound_message",
                               occurred_at=at(3, 4, 10, 30))
    OptOutEvent.objects.create(contact=caller, opted_out=False, reason="START", source="inbound_message",
                               occurred_at=at(3, 12, 9))

    # Who waits for us: oldest first is m4's (Mar 7), then the stranger's (Mar 10), then m1's (Mar 12 11:00).
    _conversation(m4.contact, PN1, waiting=True, last=at(3, 7, 15))
    _conversation(stranger, PN2, waiting=True, last=at(3, 10, 10))
    _conversation(m1.contact, PN1, waiting=True, last=at(3, 12, 11))
    _conversation(m9.contact, PN1, waiting=False, last=at(2, 2, 10))

    # New contacts: everyone so far is old; then two today, one on Mar 8, one on Feb 20, one on Feb 5.
    Contact.objects.update(created_at=LONG_AGO)
    for when in [at(3, 12, 9), at(3, 12, 13), at(3, 8, 10), at(2, 20, 10), at(2, 5, 10)]:
        Contact.objects.filter(pk=ContactFactory().pk).update(created_at=when)

    assert Activity.objects.count() == 22
    return SimpleNamespace(
        c1=c1, c2=c2, c3=c3, c4=c4, m1=m1, m4=m4, stranger=stranger,
        memberships={"m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5, "m6": m6, "m7": m7, "m8": m8, "m9": m9},
    )
