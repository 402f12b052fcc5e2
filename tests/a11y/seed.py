"""Representative rows for the accessibility gate: the demo data (small) plus one fully furnished homeowner."""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils import timezone

from campaigns.models import Campaign
from contacts.models import ActivityKind, ContactPhone, Direction
from contacts.roles import MANAGER, OFFICE_STAFF, roles_sync
from demo.seed import seed_demo
from properties.models import ImportKind, ImportReject, ImportRun, ImportStatus, Property
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    ConversationFactory,
    PropertyContactFactory,
    TagFactory,
    UserFactory,
)

OFFICE_USER, MANAGER_USER = "olive.office", "mona.manager"


def seed() -> dict[str, int]:
    """Write the rows and return the ids the page list's placeholders need."""
    roles_sync()  # the groups exist after migrate; a transactional test's flush may have emptied them
    for username, group in ((OFFICE_USER, OFFICE_STAFF), (MANAGER_USER, MANAGER)):
        UserFactory(username=username, first_name=username.split(".")[0].title()).groups.add(
            Group.objects.get(name=group)
        )
    seed_demo(rng=random.Random(20), homeowners=40)

    # One homeowner with everything the contact page can show: two numbers, two houses, tags, and a
    # timeline of texts both ways, a call, a voicemail with transcript and a note; their last text waits.
    contact = ContactFactory(first_name="Maureen", last_name="O'Connell", phone="+16175550142",
                             notes="Prefers texts after 5 pm.")
    ContactPhone.objects.create(contact=contact, phone="+16175550143", label="landline")
    contact.tags.add(TagFactory(name="north shore"), TagFactory(name="spring 2026"))
    first = PropertyContactFactory(contact=contact, property__address="48 Chadwick St", property__city="Haverhill")
    PropertyContactFactory(contact=contact, property__address="12 Elm Ct", property__city="Lynn")
    now = timezone.now()
    ActivityFactory(contact=contact, body="Hi Maureen, we fix foundation cracks in Haverhill.",
                    occurred_at=now - dt.timedelta(days=2))
    ActivityFactory(contact=contact, kind=ActivityKind.CALL, direction=Direction.OUTGOING, body="", status="completed",
                    duration_seconds=185, occurred_at=now - dt.timedelta(days=1, hours=3))
    ActivityFactory(contact=contact, kind=ActivityKind.VOICEMAIL, direction=Direction.INCOMING, body="",
                    duration_seconds=42, recording_url="https://recordings.example.com/RE1.mp3",
                    summary="Asks about the bulkhead.", transcript="Hi, it's Maureen, about the bulkhead crack.",
                    occurred_at=now - dt.timedelta(days=1))
    ActivityFactory(contact=contact, kind=ActivityKind.NOTE, direction="", body="Call back Thursday.",
                    occurred_at=now - dt.timedelta(hours=5))
    # Her latest text waits for an answer in the inbox.
    conversation = ConversationFactory(contact=contact, waiting_for_reply=True, last_activity_at=now - dt.timedelta(hours=2))
    ActivityFactory(contact=contact, conversation=conversation, direction=Direction.INCOMING,
                    body="Can you look at our bulkhead crack?", occurred_at=now - dt.timedelta(hours=2))

    campaign = Campaign.objects.annotate(n=Count("memberships")).order_by("-n").first()
    run = ImportRun.objects.create(
        kind=ImportKind.PROPERTYRADAR, status=ImportStatus.COMPLETED, file_name="haverhill.csv",
        file_sha256="0" * 64, file_size=2048, header=["Address", "City", "Owner"], tag_name="haverhill",
        rows_total=3, rows_done=3, properties_created=2, contacts_created=2, links_created=2,
        started_at=now - dt.timedelta(minutes=3), finished_at=now - dt.timedelta(minutes=2),
    )
    ImportReject.objects.create(run=run, line=3, reason="Row 3, column City: empty.", values=["1 Main St", "", "X"])
    return {"contact": contact.pk, "conversation": conversation.pk, "property": first.property_id, "campaign": campaign.pk, "import_run": run.pk,
            "properties": Property.objects.count()}
