"""factory-boy factories for every model tests build; realistic Massachusetts data from Faker."""
from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from campaigns.models import Campaign, CampaignMembership
from contacts.models import Activity, ActivityKind, Contact, Conversation, Direction, Tag
from properties.addresses import address_key
from properties.models import Property, PropertyContact

# Valid, unassigned-looking Massachusetts mobile numbers: 617-2xx-xxxx passes phonenumbers' validation.
_phone_seq = factory.Sequence(lambda n: f"+1617{2000000 + n:07d}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@attackacrack.example")
    is_staff = True

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or "pw-for-tests-1")
        if create:
            user.save(update_fields=["password"])


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag {n}")


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = _phone_seq
    email = factory.LazyAttribute(lambda c: f"{c.first_name}.{c.last_name}@example.com".lower())
    mailing_city = "Boston"
    mailing_state = "MA"
    mailing_zip = "02114"


class PropertyFactory(DjangoModelFactory):
    class Meta:
        model = Property

    address = factory.Sequence(lambda n: f"{10 + n} Main St")
    city = "Worcester"
    state = "MA"
    zip_code = "01608"
    address_key = factory.LazyAttribute(lambda p: address_key(p.address, p.city, p.state, p.zip_code))
    year_built = 1950
    estimated_value = 450000
    estimated_equity = 200000
    equity_percent = 44
    owner_occupied = True


class PropertyContactFactory(DjangoModelFactory):
    class Meta:
        model = PropertyContact

    property = factory.SubFactory(PropertyFactory)
    contact = factory.SubFactory(ContactFactory)


class ConversationFactory(DjangoModelFactory):
    class Meta:
        model = Conversation

    contact = factory.SubFactory(ContactFactory)
    phone_number_id = "PNtoDbDhuz"
    last_activity_at = factory.LazyFunction(timezone.now)


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    contact = factory.SubFactory(ContactFactory)
    kind = ActivityKind.MESSAGE
    direction = Direction.OUTGOING
    body = factory.Faker("sentence")
    status = "delivered"
    occurred_at = factory.LazyFunction(timezone.now)


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Spring outreach {n}")
    template_a = "Hi {first_name|there}, we fix foundation cracks near {city}. Reply STOP to opt out."
    phone_number_id = "PNtoDbDhuz"


class CampaignMembershipFactory(DjangoModelFactory):
    class Meta:
        model = CampaignMembership

    campaign = factory.SubFactory(CampaignFactory)
    contact = factory.SubFactory(ContactFactory)


def group_member(role: str, username: str, **fields):
    """A staff user in the real permission group `role` (contacts.roles.OFFICE_STAFF or MANAGER),
    with the permissions roles_sync grants it: tests see what those people really may do."""
    from django.contrib.auth.models import Group

    from contacts.roles import roles_sync

    if not Group.objects.filter(name=role).exists():  # e.g. after a transactional test flushed the table
        roles_sync()
    user = UserFactory(username=username, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user
