"""Demo follow-ups, visits, quotes and jobs over the homeowners who replied to the demo campaigns.

Tasks due today and overdue, estimate visits this week, quotes in every state and jobs done and
paid, so "My day" and the dashboard's revenue per campaign look like a real month. Written through
jobs.services (attribution, lead status), once: a second run finds the quotes and adds nothing.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from campaigns.models import CampaignMembership
from jobs import services
from jobs.models import AppointmentKind, AppointmentState, Quote, QuoteState
from properties.models import Property

# How quotes end up, in turn: four in ten accepted, every state present even in a small demo.
QUOTE_STATES = (
    QuoteState.ACCEPTED, QuoteState.SENT, QuoteState.ACCEPTED, QuoteState.DECLINED, QuoteState.ACCEPTED,
    QuoteState.EXPIRED, QuoteState.SENT, QuoteState.ACCEPTED, QuoteState.DRAFT, QuoteState.SENT,
)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), timezone.get_current_timezone())


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(1800, 14000, 50))


def seed_jobs(rng: random.Random, *, staff: dict, now: dt.datetime | None = None) -> dict:
    """Create the demo's follow-ups, visits, quotes and jobs; nothing if the homeowners already have quotes."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    replied = list(
        CampaignMembership.objects.filter(replied_at__isnull=False, contact__opted_out=False)
        .select_related("contact").order_by("replied_at", "id")
    )
    contacts = list({m.contact_id: m.contact for m in replied}.values())
    if not contacts or Quote.objects.filter(contact__in=contacts).exists():
        return {"quotes": 0}
    rng.shuffle(contacts)  # both campaigns' repliers, not only the earliest campaign's
    office, manager = staff.get("maria"), staff.get("kevin")
    quoted = contacts[: max(1, len(contacts) * 3 // 5)]
    upcoming = contacts[len(quoted): len(quoted) + 6]
    created = {"quotes": 0, "jobs": 0, "visits": 0, "tasks": 0}

    for i, contact in enumerate(quoted):
        house = contact.property_links.order_by("id").values_list("property_id", flat=True).first()
        visit_day = today - dt.timedelta(days=rng.randint(4, 30))
        hour = rng.choice([9, 11, 14])
        visit = services.appointment_create(
            contact=contact, property=_property(house), starts_at=_at(visit_day, hour),
            ends_at=_at(visit_day, hour + 1), assignee=manager, send_reminder=False,
        )
        services.appointment_update(appointment=visit, state=AppointmentState.DONE)
        created["visits"] += 1
        state = QUOTE_STATES[i % len(QUOTE_STATES)]
        sent_on = None if state == QuoteState.DRAFT else visit_day + dt.timedelta(days=rng.randint(1, 3))
        amount = _amount(rng)
        quote = services.quote_create(
            contact=contact, property=_property(house), amount=amount, state=state, sent_on=sent_on,
            created_by=office, line_items=[
                {"description": "Crack injection (polyurethane)", "amount": str((amount * Decimal("0.7")).quantize(Decimal("0.01")))},
                {"description": "Carbon-fiber staples and warranty", "amount": str((amount * Decimal("0.3")).quantize(Decimal("0.01")))},
            ],
        )
        created["quotes"] += 1
        if state != QuoteState.ACCEPTED:
            continue
        kind = i % 3  # done and paid, scheduled, accepted but not yet booked ("money waiting")
        if kind == 0:
            done_on = sent_on + dt.timedelta(days=rng.randint(3, 10))
            services.job_create(quote=quote, scheduled_on=done_on, done_on=done_on, amount_invoiced=amount,
                                paid_on=done_on + dt.timedelta(days=rng.randint(0, 7)) if i % 2 == 0 else None)
            created["jobs"] += 1
        elif kind == 1:
            job_day = today + dt.timedelta(days=rng.randint(2, 12))
            services.job_create(quote=quote, scheduled_on=job_day)
            services.appointment_create(contact=contact, property=_property(house), kind=AppointmentKind.JOB,
                                        starts_at=_at(job_day, 8), ends_at=_at(job_day, 15), assignee=manager)
            created["jobs"] += 1

    # Estimate visits this week and next, for those who said yes lately.
    for i, contact in enumerate(upcoming):
        day = today + dt.timedelta(days=i % 5 + (0 if i < 3 else 1))
        services.appointment_create(
            contact=contact, property=_property(contact.property_links.values_list("property_id", flat=True).first()),
            starts_at=_at(day, 9 + 2 * (i % 4)), ends_at=_at(day, 10 + 2 * (i % 4)), assignee=manager,
        )
        created["visits"] += 1

    # Call-backs by hand: two overdue, three today.
    for i, contact in enumerate(upcoming[:5]):
        due = now - dt.timedelta(days=1 + i) if i < 2 else _at(today, 15 + i)
        services.task_create(contact=contact, title=rng.choice(
            ["Call back about a good day for the estimate", "Send photos of similar repairs", "Confirm access to the basement"]
        ), due_at=due, assignee=office)
        created["tasks"] += 1

    result = services.follow_up_rules_run(now=now)
    created["tasks"] += sum(result.created.values())
    return created


def _property(property_id):
    return Property.objects.filter(pk=property_id).first() if property_id else None
