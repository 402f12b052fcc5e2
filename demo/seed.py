"""Demo data for `make demo`: Massachusetts homeowners, their houses, and 45 days of texts and calls.

The builders are pure functions of a seeded `random.Random`, so one seed always plans the same
people. `seed_demo` writes the plan keyed by phone number, address key and `ACdemo...` ids, so
running it again adds nothing. Phone numbers are in the 555-0100..0199 range, reserved for
fiction: a demo database can never text a real person.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignMembership
from contacts.models import Activity, ActivityKind, Contact, ContactPhone, Conversation, Direction, SavedReply, Tag
from contacts.opt_out import opt_out_reason
from contacts.services import (
    activities_store_readings,
    activity_media_add,
    activity_media_store_copy,
    contact_opt_out,
    lines_upsert,
)
from demo.campaigns import seed_campaigns
from demo.jobs import seed_jobs
from properties.addresses import address_key
from properties.models import OwnerRole, Property, PropertyContact

DAYS = 45  # the demo timeline covers the last 45 days
RAMP_DAYS = 21  # activity grows over the last three weeks
DEMO_LINE_FALLBACK = "PNdemoLine1"
# Our demo lines by name (fictional 555-01xx numbers); a line already known (a real one) keeps its name.
DEMO_LINE_NAMES = [("Front office", "+14135550100"), ("Field (Kevin)", "+14135550101")]
DEMO_SECOND_LINE = "PNdemoField"
# Photos of cracks homeowners "texted" (small images made for the demo, shipped in demo/media/).
DEMO_PHOTOS = sorted((Path(__file__).resolve().parent / "media").glob("crack-*.png"))
# Conversations whose first text from the homeowner carries a photo: every PHOTO_EVERY-th one that
# has such a text, up to MAX_PHOTOS, so the inbox and contact pages show some without every row having one.
PHOTO_EVERY = 4
MAX_PHOTOS = 12
BATCH = 500  # rows per INSERT: well under SQLite's variable limit for these tables

# --- Massachusetts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    name: str
    zips: tuple[str, ...]
    lat: float
    lon: float
    area_codes: tuple[str, ...]
    median_value: int
    region: str
    weight: int = 3


TOWNS: tuple[Town, ...] = (
    Town("Boston", ("02124", "02130", "02131", "02132"), 42.3601, -71.0589, ("617", "857"), 740_000, "Boston", 6),
    Town("Quincy", ("02169", "02170"), 42.2529, -71.0023, ("617", "857"), 640_000, "Boston"),
    Town("Newton", ("02458", "02459", "02460"), 42.3370, -71.2092, ("617", "857"), 1_350_000, "Boston", 2),
    Town("Medford", ("02155",), 42.4184, -71.1062, ("781", "339"), 790_000, "Boston"),
    Town("Malden", ("02148",), 42.4251, -71.0662, ("781", "339"), 660_000, "Boston", 2),
    Town("Waltham", ("02451", "02453"), 42.3765, -71.2356, ("781", "339"), 760_000, "Boston", 2),
    Town("Woburn", ("01801",), 42.4793, -71.1523, ("781", "339"), 660_000, "Boston", 2),
    Town("Lexington", ("02420", "02421"), 42.4473, -71.2245, ("781", "339"), 1_400_000, "Boston", 1),
    Town("Lynn", ("01902", "01904", "01905"), 42.4668, -70.9495, ("781", "339"), 520_000, "North Shore"),
    Town("Peabody", ("01960",), 42.5279, -70.9287, ("978", "351"), 610_000, "North Shore", 2),
    Town("Lowell", ("01850", "01851", "01852", "01854"), 42.6334, -71.3162, ("978", "351"), 450_000,
         "Merrimack Valley", 4),
    Town("Lawrence", ("01841", "01843"), 42.7070, -71.1631, ("978", "351"), 430_000, "Merrimack Valley", 2),
    Town("Haverhill", ("01830", "01832", "01835"), 42.7762, -71.0773, ("978", "351"), 490_000,
         "Merrimack Valley", 3),
    Town("Chelmsford", ("01824",), 42.5998, -71.3673, ("978", "351"), 610_000, "Merrimack Valley", 2),
    Town("Andover", ("01810",), 42.6583, -71.1368, ("978", "351"), 870_000, "Merrimack Valley", 1),
    Town("Worcester", ("01602", "01603", "01604", "01605", "01606"), 42.2626, -71.8023, ("508", "774"), 410_000,
         "Worcester County", 6),
    Town("Shrewsbury", ("01545",), 42.2959, -71.7129, ("508", "774"), 610_000, "Worcester County", 2),
    Town("Framingham", ("01701", "01702"), 42.2793, -71.4162, ("508", "774"), 600_000, "Metro West", 3),
    Town("Brockton", ("02301", "02302"), 42.0834, -71.0184, ("508", "774"), 440_000, "South Shore", 3),
    Town("Braintree", ("02184",), 42.2079, -71.0040, ("781", "339"), 650_000, "South Shore", 2),
    Town("Weymouth", ("02188", "02189", "02190"), 42.2209, -70.9395, ("781", "339"), 560_000, "South Shore", 2),
    Town("Plymouth", ("02360",), 41.9584, -70.6673, ("508", "774"), 560_000, "South Shore", 2),
    Town("Taunton", ("02780",), 41.9001, -71.0898, ("508", "774"), 450_000, "South Coast", 2),
    Town("Fall River", ("02720", "02721"), 41.7015, -71.1550, ("508", "774"), 390_000, "South Coast", 2),
    Town("New Bedford", ("02740", "02745"), 41.6362, -70.9342, ("508", "774"), 380_000, "South Coast", 2),
    Town("Springfield", ("01104", "01108", "01109", "01118", "01119"), 42.1015, -72.5898, ("413",), 265_000,
         "Pioneer Valley", 3),
    Town("Chicopee", ("01020",), 42.1487, -72.6079, ("413",), 295_000, "Pioneer Valley", 1),
    Town("Westfield", ("01085",), 42.1251, -72.7495, ("413",), 335_000, "Pioneer Valley", 1),
    Town("Holyoke", ("01040",), 42.2043, -72.6162, ("413",), 285_000, "Pioneer Valley", 1),
    Town("Pittsfield", ("01201",), 42.4501, -73.2454, ("413",), 285_000, "Berkshires", 1),
)
MA_AREA_CODES = ("617", "857", "781", "339", "978", "351", "508", "774", "413")
# Each area code has 100 fictional numbers (555-0100 to 555-0199).
MAX_HOMEOWNERS = 100 * len(MA_AREA_CODES)

STREETS = (
    "Main St", "Elm St", "Pleasant St", "Maple Ave", "Oak St", "Washington St", "Summer St", "School St",
    "Highland Ave", "Chestnut St", "Park St", "Walnut St", "Prospect St", "Union St", "Church St", "Water St",
    "Spring St", "Cedar St", "Winter St", "Pine St", "Central St", "High St", "Franklin St", "Pearl St",
    "Lincoln St", "Grove St", "Hillside Ave", "Forest St", "Bay State Rd", "Adams St", "Hancock St", "Cottage St",
    "Mill St", "Cross St", "Lake St", "Beacon St", "Puritan Rd", "Brook St", "Lowell St", "Mystic Ave",
    "Salem St", "Sycamore Rd", "Bradford St", "Chadwick St", "Fairmount Ave", "Orchard St", "Whittier Rd",
    "Granite St", "Quarry Rd", "Birch Rd", "Linden St", "Hawthorne St", "Endicott St", "Revere St",
)
FIRST_NAMES_A = (
    "Michael", "John", "David", "James", "Robert", "Kevin", "Brian", "Paul", "Mark", "Steven", "Thomas", "Daniel",
    "Joseph", "Richard", "Christopher", "Patrick", "Sean", "Anthony", "Matthew", "Peter", "Jose", "Carlos",
    "Manuel", "Antonio", "Minh", "Tuan", "Dennis", "Francis", "Gerald", "Raymond",
)
FIRST_NAMES_B = (
    "Mary", "Linda", "Patricia", "Susan", "Karen", "Maureen", "Kathleen", "Elizabeth", "Donna", "Nancy", "Jennifer",
    "Lisa", "Michelle", "Christine", "Deborah", "Ann", "Joanne", "Maria", "Ana", "Fatima", "Lan", "Hoa",
    "Denise", "Theresa", "Colleen", "Eileen", "Diane", "Carol", "Sheila", "Rita",
)
LAST_NAMES = (
    "Sullivan", "Murphy", "Kelly", "O'Brien", "Walsh", "McCarthy", "Ryan", "Doherty", "Kennedy", "Lynch",
    "Flaherty", "Callahan", "Fitzgerald", "Driscoll", "Coughlin", "Rossi", "Russo", "DeLuca", "Marino", "Ferrara",
    "Santos", "Silva", "Medeiros", "Pereira", "Souza", "Rezendes", "Amaral", "Cabral", "Nguyen", "Tran", "Pham",
    "Le", "Cohen", "Levine", "Goldberg", "Johnson", "Smith", "Brown", "Anderson", "Peterson", "Lawson", "Chase",
    "Whitman", "Baker", "Cruz", "Rivera", "Ortiz", "Delgado", "Gagnon", "Pelletier", "Theriault", "Cote",
    "Nowak", "Kowalski", "Papadopoulos", "Costa", "Ahern", "Brennan", "Costello", "Mahoney",
)
REGION_TAG = "{region} list"
EXTRA_TAGS = ("Spring mailer", "Called back", "Estimate sent", "Bulkhead leak", "Referral", "Landlord")

# --- What people say ---------------------------------------------------------------------------

OPENERS = (
    "Hi {first}, this is Maria from Attack-a-Crack Foundation Repair. We're repairing foundation cracks in {town} "
    "this month. Any cracks or water in your basement we could take a look at? Free estimate. Reply STOP to opt out.",
    "Hi {first}! Attack-a-Crack here. Houses on {street} built around {year} often have cracks in the poured "
    "foundation walls. Want a free inspection while our crew is nearby? Reply STOP to opt out.",
    "Good morning {first}, Maria with Attack-a-Crack Foundation Repair. Spring rain means basement leaks: we seal "
    "wall cracks from the inside with a lifetime warranty. Interested in a free look? Reply STOP to opt out.",
)
FOLLOW_UPS = (
    "Hi {first}, just following up on our note about foundation cracks at {address}. Happy to answer questions!",
    "{first}, we have an estimator in {town} on Thursday if you'd like a free look at your basement walls.",
)
FIRST_TEXTS = (
    "Hi, got your postcard. Do you fix foundation cracks in {town}?",
    "Hello, my neighbor used you last year. We have a leaking crack in the basement, can you take a look?",
    "Is this Attack-a-Crack? Looking for a quote on a crack in our foundation wall.",
)
FIRST_TEXT_ANSWERS = (
    "Hi {first}, yes we do! We work all over {town}. Could you text a photo of the crack and tell us roughly how "
    "long it is?",
    "Thanks for reaching out, {first}. Yes, free estimates in {town}. What's a good day for Kevin to stop by?",
)
MORE_QUESTIONS = (
    ("Do you need to get inside or can you do it from outside?",
     "We work from inside the basement, no digging. Takes about 2-3 hours."),
    ("Will the crack come back after you fill it?",
     "The injection bonds the full depth of the wall; it's covered by a lifetime warranty."),
)
INTERESTED = (
    "Yes actually, there's a crack in the back wall that leaks when it rains hard. How much does that usually cost?",
    "We do have a couple of hairline cracks near the bulkhead. Can someone come look?",
    "How much for a crack about 4 feet long? It's been there since we bought the house.",
    "My husband noticed water by the oil tank after the storm. Is that something you fix?",
    "Possibly. What days do you have next week?",
)
PRICE_ANSWERS = (
    "Most single cracks run $600-$900 sealed with our injection method, lifetime transferable warranty. Kevin can "
    "stop by for a free estimate. Does Tuesday or Thursday afternoon work?",
    "Thanks {first}! Could you text a photo of the crack? It helps Kevin bring the right materials.",
)
BOOKING_REPLIES = (
    "Thursday after 3 works.",
    "Here's the one by the bulkhead, it's about 3 feet. Tuesday is good, anytime after 1.",
    "Monday morning would be best, I work from home.",
)
CONFIRMATIONS = (
    "You're booked, {first}. Kevin will text when he's on his way. Thanks!",
    "Great, see you then! Kevin will be in a white Attack-a-Crack van.",
)
CUSTOMER_WRAP_UPS = (
    ("Thanks for choosing Attack-a-Crack, {first}! Your repair is done; the warranty papers are in your email.",
     "Thank you! Kevin was great, the basement is finally dry."),
    ("All set at {address}. The injected crack needs 24 hours to cure, so keep boxes off that wall until tomorrow.",
     "Will do, thanks again."),
)
NOT_INTERESTED = (
    "No thanks, we're all set.",
    "We just had the basement waterproofed last year.",
    "Not interested.",
    "We're selling the house, not doing any more work on it.",
)
POLITE_CLOSE = "Understood, thanks for letting us know. Have a great day!"
QUESTIONS = (
    "Do you also do basement waterproofing or just the cracks?",
    "Is the estimate really free? And do you work Saturdays?",
    "We're selling in the spring. Would a repair warranty transfer to the buyer?",
    "Got your text. What's the warranty on the repair?",
    "How long does the repair take? We have a finished basement.",
)
STOPS = ("STOP", "Please remove me from your list", "Stop texting me")
WRONG_NUMBERS = ("Wrong number, I don't own a house on {street}.", "You have the wrong person.")
WRONG_NUMBER_REPLY = "Sorry about that, we've updated our records."
VOICEMAILS = (
    "Hi, this is {first} {last} at {address}. We got your flyer. There's a crack in our foundation that's getting "
    "wider, please call me back at this number. Thanks.",
    "Hi, it's {first}, calling about the basement. Water came in again last night by the back wall. Call me back "
    "when you can.",
)
CALL_SUMMARIES = (
    "Homeowner described a 5 ft vertical crack in the north wall with seepage after heavy rain. Booked a free "
    "estimate. Prefers texts.",
    "Asked about price for two cracks near the bulkhead. Explained injection repair and lifetime warranty. Will "
    "talk to spouse and text back.",
    "Caller has efflorescence and a damp corner behind the oil tank. Scheduled Kevin for an inspection.",
)
CALL_TRANSCRIPT = (
    "Maria: Attack-a-Crack Foundation Repair, this is Maria.\n{first}: Hi, you texted me about foundation cracks. "
    "We have one in the back wall that leaks.\nMaria: Sorry to hear that. How long is it, roughly?\n{first}: Maybe "
    "four or five feet, top to bottom.\nMaria: That's a common one for houses from the {year}s. Kevin can come out "
    "for a free estimate. Would Thursday afternoon work?\n{first}: Thursday after three is fine.\nMaria: Perfect, "
    "you're booked. We'll text you a reminder."
)
STAFF_NOTES = (
    "Crack in NE corner of poured wall, about 1/8 inch, some efflorescence.",
    "Prefers texts after 5pm, works nights.",
    "Spoke with the wife; husband handles the house.",
    "Estimate sent: 2 cracks, $1,450 total.",
    "Dog in the yard: call before going to the bulkhead.",
    "Bulkhead stairs leak too; quoted separately.",
)

# --- Plans ---------------------------------------------------------------------------------------


@dataclass
class PersonPlan:
    index: int
    first_name: str
    last_name: str
    phone: str
    email: str
    town: Town
    lead_status: str = "new"
    source: str = "propertyradar"
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    mailing_address: str = ""
    mailing_city: str = ""
    mailing_zip: str = ""
    import_batch: int = 0  # 0: the first PropertyRadar list, 1: the second


@dataclass
class PropertyPlan:
    address: str
    city: str
    zip_code: str
    facts: dict
    owners: list[tuple[int, str]]  # (person index, role)

    @property
    def key(self) -> str:
        return address_key(self.address, self.city, "MA", self.zip_code)


@dataclass
class EventPlan:
    key: str | None  # ACdemo... for texts and calls; notes have none
    kind: str
    direction: str
    at: dt.datetime
    body: str = ""
    status: str = ""
    duration_seconds: int | None = None
    recording_url: str = ""
    transcript: str = ""
    summary: str = ""
    sent_by: str = ""  # demo staff username


@dataclass
class ConversationPlan:
    person: int
    scenario: str
    events: list[EventPlan]
    waiting_for_reply: bool = False
    opt_out_event: int | None = None  # index of the message that opted them out


@dataclass
class DemoPlan:
    people: list[PersonPlan]
    properties: list[PropertyPlan]
    conversations: list[ConversationPlan]
    notes: list[tuple[int, EventPlan]]  # (person index, note)


# --- Builders (pure: a seeded Random in, a plan out) ---------------------------------------------


def demo_phone_pools(rng: random.Random) -> dict[str, list[str]]:
    """Every fictional 555-01xx number of each Massachusetts area code, shuffled."""
    pools = {}
    for code in MA_AREA_CODES:
        numbers = [f"+1{code}55501{n:02d}" for n in range(100)]
        for number in numbers:
            assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number  # noqa: S101
        rng.shuffle(numbers)
        pools[code] = numbers
    return pools


def _take_phone(rng: random.Random, pools: dict[str, list[str]], town: Town) -> str:
    # One in ten people kept a cell number from elsewhere in the state.
    codes = list(town.area_codes) if rng.random() > 0.1 else list(MA_AREA_CODES)
    rng.shuffle(codes)
    for code in codes + list(MA_AREA_CODES):
        if pools[code]:
            return pools[code].pop()
    raise ValueError(f"At most {MAX_HOMEOWNERS} demo homeowners have fictional numbers.")


def build_property_facts(rng: random.Random, town: Town, *, rental: bool) -> dict:
    """PropertyRadar-like facts for a house in `town`."""
    kind = rng.choices(["SFR", "Condo", "MFR 2-4"], weights=[50, 5, 45] if rental else [80, 8, 12])[0]
    year = rng.choices(
        [rng.randint(1860, 1899), rng.randint(1900, 1939), rng.randint(1940, 1969), rng.randint(1970, 1999),
         rng.randint(2000, 2018)],
        weights=[8, 30, 30, 22, 10],
    )[0]
    square_feet = int(rng.triangular(850, 3600, 1600) if kind != "MFR 2-4" else rng.triangular(1800, 4200, 2600))
    bedrooms = max(1, min(8, round(square_feet / 600) + rng.choice([-1, 0, 0, 1]))) if kind != "MFR 2-4" else \
        rng.randint(4, 8)
    bathrooms = max(1.0, min(4.5, round(bedrooms * rng.uniform(0.45, 0.75) * 2) / 2))
    value = int(town.median_value * (square_feet / 1700) ** 0.6 * rng.uniform(0.82, 1.22) / 1000) * 1000
    today = dt.date.today()
    years_owned = max(0, min(int(rng.triangular(0, 38, 5)), today.year - year))
    purchase_price = int(value / (1.048 ** years_owned) * rng.uniform(0.85, 1.08) / 500) * 500
    purchase_date = dt.date(today.year - years_owned, rng.randint(1, 12), rng.randint(1, 28))
    paid_off = rng.random() < 0.12  # drawn every time, so the stream of numbers never depends on the date
    if years_owned >= 28 or paid_off:
        balance = 0  # free and clear
    else:
        balance = int(purchase_price * rng.uniform(0.7, 0.9) * (1 - years_owned / 30) ** 0.7)
    equity = value - balance
    listed = rng.random() < 0.03
    return {
        "property_type": kind,
        "year_built": year,
        "square_feet": square_feet,
        "bedrooms": bedrooms,
        "bathrooms": bathrooms,
        "estimated_value": value,
        "estimated_equity": equity,
        "equity_percent": round(100 * equity / value),
        "purchase_date": purchase_date,
        "purchase_price": purchase_price,
        "owner_occupied": not rental,
        "listed_for_sale": listed,
        "listing_status": rng.choice(["Active", "Pending"]) if listed else "",
        "foreclosure": rng.random() < 0.01,
        "high_equity": equity >= value * 0.5,
        "apn": f"{rng.randint(1, 140):03d}-{rng.randint(1, 900):04d}-{rng.randint(1, 60):03d}",
        "latitude": round(town.lat + rng.uniform(-0.03, 0.03), 6),
        "longitude": round(town.lon + rng.uniform(-0.04, 0.04), 6),
    }


def build_households(rng: random.Random, homeowners: int) -> tuple[list[PersonPlan], list[PropertyPlan]]:
    """`homeowners` people in houses across Massachusetts; some houses have two owners, some owners two houses."""
    if homeowners > MAX_HOMEOWNERS:
        raise ValueError(f"At most {MAX_HOMEOWNERS} demo homeowners have fictional numbers.")
    pools = demo_phone_pools(rng)
    people: list[PersonPlan] = []
    properties: list[PropertyPlan] = []
    used_addresses: set[tuple[str, str]] = set()

    def new_address(town: Town) -> tuple[str, str]:
        while True:
            street = f"{rng.randint(1, 420)} {rng.choice(STREETS)}"
            if (street, town.name) not in used_addresses:
                used_addresses.add((street, town.name))
                return street, rng.choice(town.zips)

    def new_person(town: Town, *, first_names, last_name=None) -> PersonPlan:
        first = rng.choice(first_names)
        last = last_name or rng.choice(LAST_NAMES)
        person = PersonPlan(
            index=len(people), first_name=first, last_name=last, phone=_take_phone(rng, pools, town), email="",
            town=town, import_batch=0 if rng.random() < 0.6 else 1,
        )
        if rng.random() < 0.55:
            handle = f"{first}.{last}".lower().replace("'", "")
            person.email = f"{handle}{rng.choice(['', '', str(rng.randint(1, 99))])}@" + rng.choice(
                ["example.com", "example.net", "example.org"]
            )
        person.source = rng.choices(["propertyradar", "inbound", "manual"], weights=[82, 10, 8])[0]
        if person.source == "propertyradar" and rng.random() < 0.85:
            person.tags.append(REGION_TAG.format(region=town.region))
        if rng.random() < 0.25:
            person.tags.append(rng.choice(EXTRA_TAGS[:5]))
        people.append(person)
        return person

    weights = [t.weight for t in TOWNS]
    while len(people) < homeowners:
        town = rng.choices(TOWNS, weights=weights)[0]
        first_names, other_names = rng.choice([(FIRST_NAMES_A, FIRST_NAMES_B), (FIRST_NAMES_B, FIRST_NAMES_A)])
        primary = new_person(town, first_names=first_names)
        street, zip_code = new_address(town)
        facts = build_property_facts(rng, town, rental=False)
        if facts["property_type"] == "Condo":
            street = f"{street} Unit {rng.randint(1, 12)}"
        primary.mailing_address, primary.mailing_city, primary.mailing_zip = street, town.name, zip_code
        house = PropertyPlan(street, town.name, zip_code, facts, [(primary.index, OwnerRole.PRIMARY_OWNER)])
        properties.append(house)
        if len(people) < homeowners and rng.random() < 0.3:
            same_name = primary.last_name if rng.random() < 0.8 else None
            second = new_person(town, first_names=other_names, last_name=same_name)
            second.tags = list(primary.tags)
            second.mailing_address, second.mailing_city, second.mailing_zip = street, town.name, zip_code
            house.owners.append((second.index, OwnerRole.SECONDARY_OWNER))
        if rng.random() < 0.07:  # a landlord: a rental nearby as well
            rental_street, rental_zip = new_address(town)
            facts = build_property_facts(rng, town, rental=True)
            if facts["property_type"] == "Condo":
                rental_street = f"{rental_street} Unit {rng.randint(1, 12)}"
            properties.append(PropertyPlan(rental_street, town.name, rental_zip, facts,
                                           [(primary.index, OwnerRole.PRIMARY_OWNER)]))
            primary.tags.append("Landlord")
    return people, properties


class _Clock:
    """Places a conversation's events in business hours, weekdays much busier than weekends,
    more of them in the last three weeks; never in the future."""

    def __init__(self, rng: random.Random, now: dt.datetime):
        self.rng = rng
        self.now = now
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.today = now.astimezone(self.tz).date()

    def _day_weight(self, days_ago: int) -> float:
        day = self.today - dt.timedelta(days=days_ago)
        weekday = (1.0, 1.0, 1.0, 1.0, 0.9, 0.12, 0.04)[day.weekday()]
        ramp = 0.3 if days_ago > RAMP_DAYS else 0.45 + 0.75 * (RAMP_DAYS - days_ago) / RAMP_DAYS
        return weekday * ramp

    def _local(self, day: dt.date, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)

    def start(self, *, recent: bool = False) -> dt.datetime:
        days = list(range(0, 4)) if recent else list(range(1, DAYS))
        days_ago = self.rng.choices(days, weights=[self._day_weight(d) for d in days])[0]
        # Our first text goes out in business hours, busiest mid-morning and early afternoon.
        minute = int(self.rng.triangular(9 * 60, 17 * 60 + 30, 11 * 60))
        return self._local(self.today - dt.timedelta(days=days_ago), minute)

    def _business(self, moment: dt.datetime, *, ours: bool) -> dt.datetime:
        local = moment.astimezone(self.tz)
        late = (18 * 60) if ours else (20 * 60 + 30)
        minute = local.hour * 60 + local.minute
        day = local.date()
        if minute > late:
            day += dt.timedelta(days=1)
            minute = self.rng.randint(8 * 60 + 30, 10 * 60 + 30)
        elif minute < 8 * 60:
            minute = self.rng.randint(8 * 60 + 30, 10 * 60)
        # We work weekdays; homeowners answer on weekends too, less often.
        if day.weekday() >= 5:
            stays = not ours and self.rng.random() < (0.5 if day.weekday() == 5 else 0.3)
            if not stays:
                day += dt.timedelta(days=7 - day.weekday())
        return self._local(day, minute)

    def after(self, moment: dt.datetime, low: int, high: int, *, ours: bool) -> dt.datetime:
        return self._business(moment + dt.timedelta(minutes=self.rng.randint(low, high)), ours=ours)

    def days_later(self, moment: dt.datetime, low: int, high: int, *, ours: bool) -> dt.datetime:
        day = moment.astimezone(self.tz).date() + dt.timedelta(days=self.rng.randint(low, high))
        return self._business(self._local(day, self.rng.randint(9 * 60, 16 * 60)), ours=ours)

    def fit(self, events: list[EventPlan]) -> None:
        """Move a conversation that would run past now back by whole weeks (weekdays stay weekdays)."""
        latest = self.now - dt.timedelta(minutes=5)
        while events and events[-1].at > latest:
            for event in events:
                event.at -= dt.timedelta(days=7)


SCENARIOS = {
    # scenario: (share of conversations, lead status it leaves)
    "no_reply": (27, "contacted"),
    "interested": (18, "interested"),
    "appointment": (9, "appointment"),
    "customer": (5, "customer"),
    "not_interested": (13, "not_interested"),
    "question_waiting": (10, "contacted"),
    "inbound_caller": (9, "appointment"),
    "stop": (4, "dead"),
    "wrong_number": (3, "wrong_number"),
    "call_only": (2, "contacted"),
    "inbound_text": (7, "interested"),
}


def build_conversation(rng: random.Random, person: PersonPlan, house: PropertyPlan, *, now: dt.datetime,
                       scenario: str | None = None) -> ConversationPlan:
    """One homeowner's thread with us, from our first text to where it stands today."""
    scenario = scenario or rng.choices(list(SCENARIOS), weights=[w for w, _ in SCENARIOS.values()])[0]
    clock = _Clock(random.Random(rng.random()), now)  # its own stream: dates never shift the main one
    words = {"first": person.first_name, "last": person.last_name, "town": house.city, "address": house.address,
             "street": house.address.split(" ", 1)[1], "year": house.facts["year_built"] // 10 * 10}
    events: list[EventPlan] = []

    def key() -> str:
        # Keyed by the person's number, their identity across runs: ACdemo6175550142x03.
        return f"ACdemo{person.phone[2:]}x{len(events):02d}"

    def ours(text: str, at: dt.datetime, by: str = "") -> None:
        events.append(EventPlan(key(), ActivityKind.MESSAGE, Direction.OUTGOING, at, text.format(**words),
                                rng.choices(["delivered", "sent"], weights=[92, 8])[0], sent_by=by))

    def theirs(text: str, at: dt.datetime) -> None:
        events.append(EventPlan(key(), ActivityKind.MESSAGE, Direction.INCOMING, at, text.format(**words),
                                "received"))

    def call(direction: str, at: dt.datetime, *, answered: bool, detailed: bool = False, by: str = "",
             summary: str = "") -> None:
        event = EventPlan(key(), ActivityKind.CALL, direction, at, status="completed" if answered else "missed",
                          duration_seconds=rng.randint(95, 640) if answered else None, sent_by=by)
        if answered and (detailed or rng.random() < 0.5):
            event.summary = summary or rng.choice(CALL_SUMMARIES)
            if detailed or rng.random() < 0.5:
                event.transcript = CALL_TRANSCRIPT.format(**words)
        events.append(event)

    def voicemail(at: dt.datetime) -> None:
        event = EventPlan(key(), ActivityKind.VOICEMAIL, Direction.INCOMING, at, status="completed",
                          duration_seconds=rng.randint(14, 75))
        event.recording_url = f"https://recordings.example.com/demo/{event.key}.mp3"
        if rng.random() < 0.7:
            event.transcript = rng.choice(VOICEMAILS).format(**words)
        events.append(event)

    if scenario in ("inbound_caller", "inbound_text") and person.source == "manual":
        person.source = "inbound"  # they found us: staff entered them from the first call or text
    start = clock.start(recent=scenario == "question_waiting")
    if scenario == "inbound_caller":
        call(Direction.INCOMING, start, answered=False)
        voicemail(clock.after(start, 1, 1, ours=False))
        call(Direction.OUTGOING, clock.after(events[-1].at, 20, 150, ours=True), answered=True, detailed=True,
             by="maria", summary=rng.choice((CALL_SUMMARIES[0], CALL_SUMMARIES[2])))
        ours("Great talking with you, {first}! Confirming Kevin's free estimate at {address}. Reply here with any "
             "questions.", clock.after(events[-1].at, 5, 30, ours=True), by="maria")
    elif scenario == "inbound_text":
        theirs(rng.choice(FIRST_TEXTS), start)
        ours(rng.choice(FIRST_TEXT_ANSWERS), clock.after(start, 3, 75, ours=True), by="maria")
        theirs(rng.choice(BOOKING_REPLIES), clock.after(events[-1].at, 10, 400, ours=False))
        if rng.random() < 0.75:
            ours(rng.choice(CONFIRMATIONS), clock.after(events[-1].at, 2, 45, ours=True), by="maria")
    elif scenario == "call_only":
        call(Direction.OUTGOING, start, answered=rng.random() < 0.5, by="kevin")
    else:
        ours(rng.choice(OPENERS), start)
    if scenario == "no_reply" and rng.random() < 0.45:
        ours(rng.choice(FOLLOW_UPS), clock.days_later(start, 3, 6, ours=True), by="maria")
    elif scenario in ("interested", "appointment", "customer"):
        theirs(rng.choice(INTERESTED), clock.after(start, 4, 300, ours=False))
        ours(rng.choice(PRICE_ANSWERS), clock.after(events[-1].at, 3, 90, ours=True), by="maria")
        if rng.random() < 0.5:
            question, answer = rng.choice(MORE_QUESTIONS)
            theirs(question, clock.after(events[-1].at, 5, 240, ours=False))
            ours(answer, clock.after(events[-1].at, 3, 60, ours=True), by="maria")
        theirs(rng.choice(BOOKING_REPLIES), clock.after(events[-1].at, 10, 600, ours=False))
        if scenario == "interested" and rng.random() < 0.2:
            pass  # the last word is theirs: waiting for us
        else:
            ours(rng.choice(CONFIRMATIONS), clock.after(events[-1].at, 2, 45, ours=True), by="maria")
        if scenario in ("appointment", "customer") and rng.random() < 0.6:
            call(Direction.INCOMING, clock.days_later(events[-1].at, 0, 2, ours=False), answered=True, by="kevin")
        if scenario == "customer":
            wrap_up, thanks = rng.choice(CUSTOMER_WRAP_UPS)
            ours(wrap_up, clock.days_later(events[-1].at, 2, 6, ours=True), by="kevin")
            theirs(thanks, clock.after(events[-1].at, 15, 240, ours=False))
    elif scenario == "not_interested":
        theirs(rng.choice(NOT_INTERESTED), clock.after(start, 5, 400, ours=False))
        ours(POLITE_CLOSE, clock.after(events[-1].at, 3, 60, ours=True), by="maria")
    elif scenario == "question_waiting":
        theirs(rng.choice(QUESTIONS), clock.after(start, 5, 200, ours=False))
    elif scenario == "stop":
        theirs(rng.choice(STOPS), clock.after(start, 2, 180, ours=False))
    elif scenario == "wrong_number":
        theirs(rng.choice(WRONG_NUMBERS), clock.after(start, 5, 240, ours=False))
        ours(WRONG_NUMBER_REPLY, clock.after(events[-1].at, 3, 60, ours=True), by="maria")
    clock.fit(events)
    last = events[-1]
    plan = ConversationPlan(person.index, scenario, events)
    plan.waiting_for_reply = last.kind == ActivityKind.MESSAGE and last.direction == Direction.INCOMING and \
        scenario not in ("stop", "customer")
    if scenario == "stop":
        plan.opt_out_event = len(events) - 1
    person.lead_status = SCENARIOS[scenario][1]
    return plan


def build_plan(rng: random.Random, *, homeowners: int, now: dt.datetime) -> DemoPlan:
    """Everything the demo holds, decided up front from one seeded Random."""
    people, properties = build_households(rng, homeowners)
    home_of: dict[int, PropertyPlan] = {}
    for house in properties:
        for person_index, _ in house.owners:
            home_of.setdefault(person_index, house)
    conversations: list[ConversationPlan] = []
    notes: list[tuple[int, EventPlan]] = []
    note_clock = _Clock(random.Random(rng.random()), now)
    for person in people:
        is_primary = home_of[person.index].owners[0][0] == person.index
        if rng.random() < (0.72 if is_primary else 0.2):
            conversations.append(build_conversation(rng, person, home_of[person.index], now=now))
            if rng.random() < 0.3:
                at = note_clock.after(conversations[-1].events[-1].at, 10, 600, ours=True)
                note = EventPlan(None, ActivityKind.NOTE, "", at, rng.choice(STAFF_NOTES), sent_by="kevin")
                note_clock.fit([note])
                notes.append((person.index, note))
        elif rng.random() < 0.05:
            person.lead_status = "dead"
        if rng.random() < 0.08:
            person.notes = rng.choice(("Found on the PropertyRadar list for {town}.", "Neighbor of a past customer.",
                                       "Asked for a call after 6pm.")).format(town=person.town.name)
    return DemoPlan(people, properties, conversations, notes)


# --- Writing the plan ------------------------------------------------------------------------------

DEMO_STAFF = (
    ("maria", "Maria", "Santos", "Office staff"),
    ("kevin", "Kevin", "O'Neil", "Manager"),
)


@dataclass
class DemoSummary:
    created: Counter
    totals: dict

    def lines(self) -> list[str]:
        t = self.totals
        return [
            f"Homeowners:    {t['homeowners']:>5}  ({self.created['homeowners']} new), {t['opted_out']} opted out",
            f"Properties:    {t['properties']:>5}  ({self.created['properties']} new), "
            f"{t['two_owner_properties']} with two owners",
            f"Conversations: {t['conversations']:>5}  ({self.created['conversations']} new), "
            f"{t['waiting']} waiting for our reply",
            f"Timeline:      {t['activities']:>5}  ({self.created['activities']} new): {t['messages']} texts, "
            f"{t['calls']} calls, {t['voicemails']} voicemails, {t['notes']} notes",
            f"Tags:          {t['tags']:>5}",
            f"Campaigns:     {t['campaigns']:>5}  ({self.created['campaigns']} new), "
            f"{t['campaign_members']} members",
        ]


def _demo_staff() -> dict[str, object]:
    from django.contrib.auth.models import Group

    users = {}
    for username, first, last, group in DEMO_STAFF:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": True,
                      "email": f"{username}@attackacrack.example"},
        )
        if created:
            user.set_unusable_password()  # shown on the timeline; nobody logs in as them
            user.save(update_fields=["password"])
            group_row = Group.objects.filter(name=group).first()
            if group_row:
                user.groups.add(group_row)
        users[username] = user
    return users


def seed_demo(*, rng: random.Random, homeowners: int = 300, now: dt.datetime | None = None) -> DemoSummary:
    """Write the demo plan: new rows only, keyed so a second run changes nothing. One transaction."""
    now = now or timezone.now()
    plan = build_plan(rng, homeowners=homeowners, now=now)
    line = settings.OPENPHONE_PHONE_NUMBER_ID or DEMO_LINE_FALLBACK
    created: Counter = Counter()
    with transaction.atomic():
        staff = _demo_staff()

        tag_names = sorted({name for p in plan.people for name in p.tags})
        Tag.objects.bulk_create([Tag(name=name) for name in tag_names], ignore_conflicts=True)
        tags = {tag.name: tag for tag in Tag.objects.filter(name__in=tag_names)}

        # Homeowners, keyed by phone.
        phones = [p.phone for p in plan.people]
        existing = set(Contact.objects.filter(phone__in=phones).values_list("phone", flat=True))
        new_people = [p for p in plan.people if p.phone not in existing]
        Contact.objects.bulk_create(
            [Contact(first_name=p.first_name, last_name=p.last_name, phone=p.phone, email=p.email,
                     lead_status=p.lead_status, source=p.source, notes=p.notes, mailing_address=p.mailing_address,
                     mailing_city=p.mailing_city, mailing_state="MA", mailing_zip=p.mailing_zip)
             for p in new_people],
            batch_size=BATCH,
        )
        created["homeowners"] = len(new_people)
        contact_id = dict(Contact.objects.filter(phone__in=phones).values_list("phone", "id"))
        by_index = {p.index: contact_id[p.phone] for p in plan.people}
        # An import is a moment in the past: the lists were loaded before the texting began.
        for batch, days_ago in ((0, DAYS + 7), (1, RAMP_DAYS + 2)):
            Contact.objects.filter(pk__in=[contact_id[p.phone] for p in new_people if p.import_batch == batch]).update(
                created_at=now - dt.timedelta(days=days_ago, hours=batch * 3 + 2)
            )
        known_numbers = set(ContactPhone.objects.filter(phone__in=phones).values_list("phone", flat=True))
        ContactPhone.objects.bulk_create(
            [ContactPhone(contact_id=contact_id[p.phone], phone=p.phone, label="main")
             for p in plan.people if p.phone not in known_numbers],
            batch_size=BATCH,
        )
        Contact.tags.through.objects.bulk_create(
            [Contact.tags.through(contact_id=by_index[p.index], tag_id=tags[name].pk)
             for p in plan.people for name in p.tags],
            batch_size=BATCH, ignore_conflicts=True,
        )

        # Houses, keyed by normalized address.
        keys = {house.key: house for house in plan.properties}
        existing = set(Property.objects.filter(address_key__in=keys).values_list("address_key", flat=True))
        Property.objects.bulk_create(
            [Property(address=h.address, city=h.city, state="MA", zip_code=h.zip_code, address_key=key, **h.facts)
             for key, h in keys.items() if key not in existing],
            batch_size=BATCH,
        )
        created["properties"] = len(keys) - len(existing)
        property_id = dict(Property.objects.filter(address_key__in=keys).values_list("address_key", "id"))
        PropertyContact.objects.bulk_create(
            [PropertyContact(property_id=property_id[key], contact_id=by_index[person], role=role)
             for key, h in keys.items() for person, role in h.owners],
            batch_size=BATCH, ignore_conflicts=True,
        )

        # Conversations and their timelines, keyed by (contact, line) and ACdemo ids.
        conversation_of = dict(
            Conversation.objects.filter(phone_number_id=line, contact_id__in=by_index.values())
            .values_list("contact_id", "id")
        )
        new_conversations = [c for c in plan.conversations if by_index[c.person] not in conversation_of]
        Conversation.objects.bulk_create(
            [Conversation(contact_id=by_index[c.person], phone_number_id=line,
                          openphone_conversation_id=f"CNdemo{plan.people[c.person].phone[2:]}",
                          last_activity_at=c.events[-1].at, waiting_for_reply=c.waiting_for_reply)
             for c in new_conversations],
            batch_size=BATCH,
        )
        created["conversations"] = len(new_conversations)
        conversation_of = dict(
            Conversation.objects.filter(phone_number_id=line, contact_id__in=by_index.values())
            .values_list("contact_id", "id")
        )
        event_keys = [e.key for c in plan.conversations for e in c.events]
        known_events = set(Activity.objects.filter(openphone_id__in=event_keys).values_list("openphone_id", flat=True))
        activities = [
            _activity(e, contact_id=by_index[c.person], conversation_id=conversation_of[by_index[c.person]],
                      staff=staff)
            for c in plan.conversations for e in c.events if e.key not in known_events
        ]
        noted = set(Activity.objects.filter(kind=ActivityKind.NOTE, contact_id__in=by_index.values())
                    .values_list("contact_id", flat=True))
        activities += [_activity(note, contact_id=by_index[person], conversation_id=None, staff=staff)
                       for person, note in plan.notes if by_index[person] not in noted]
        Activity.objects.bulk_create(activities, batch_size=BATCH)
        created["activities"] = len(activities)

        # A few people replied STOP: opted out through the service, so the audit trail is real.
        for conversation in plan.conversations:
            if conversation.opt_out_event is None:
                continue
            contact = Contact.objects.get(pk=by_index[conversation.person])
            if contact.opted_out:
                continue
            stop = conversation.events[conversation.opt_out_event]
            contact_opt_out(contact=contact, reason=opt_out_reason(stop.body), source="inbound_message",
                            activity=Activity.objects.get(openphone_id=stop.key), at=stop.at)

        # Our lines by name, and photos of their crack from a few homeowners, copied like real ones.
        _name_demo_lines(line)
        created["photos"] = _attach_demo_photos(plan)
        created["saved_replies"] = _demo_saved_replies()

        # A finished A/B campaign and a running one over these homeowners, from the same Random.
        campaigns = seed_campaigns(rng, contact_ids=sorted(by_index.values()), line=line)
        created["campaigns"] = len(campaigns["created"])
        # Every homeowner's text read as the webhook path reads it: the inbox's intent badges.
        _read_demo_texts()
        # Visits, quotes and jobs after the replies, so the dashboard shows money per campaign.
        created["quotes"] = seed_jobs(rng, staff=staff, now=now)["quotes"]

    return DemoSummary(created=created, totals=demo_totals())


def _read_demo_texts() -> None:
    """Store the reading of each demo text from a homeowner not read yet, in bulk, and the conversations' intents."""
    activities_store_readings(activities=list(Activity.objects.filter(
        openphone_id__startswith="ACdemo", kind=ActivityKind.MESSAGE, direction=Direction.INCOMING, reading_rule="",
    )), batch_size=BATCH)


def _name_demo_lines(line: str) -> None:
    from contacts.models import Line

    known = set(Line.objects.values_list("openphone_id", flat=True))
    wanted = [(line, *DEMO_LINE_NAMES[0]), (DEMO_SECOND_LINE, *DEMO_LINE_NAMES[1])]
    lines_upsert(lines=[{"id": pn, "name": name, "number": number} for pn, name, number in wanted if pn not in known])


DEMO_SAVED_REPLIES = [
    ("Thanks for the photo", "Thanks for the photo, {first_name|there}! Kevin will look at it today and text you "
     "a price range for {property_address}."),
    ("Book the free estimate", "Hi {first_name|there}, Kevin can come by {property_address} for a free estimate. "
     "Which works better for you: a weekday morning or afternoon?"),
    ("Ask for a photo", "Could you text us a photo of the crack, {first_name|there}? A picture from a few feet away "
     "and one up close help us give you a price faster."),
]


def _demo_saved_replies() -> int:
    """A few saved replies for the inbox; returns how many were new."""
    return sum(SavedReply.objects.get_or_create(title=title, defaults={"body": body})[1]
               for title, body in DEMO_SAVED_REPLIES)


def _attach_demo_photos(plan: DemoPlan) -> int:
    """Attach a demo photo to the first text of some homeowners, stored as a copy made; returns how many were new."""
    if not DEMO_PHOTOS:
        return 0
    picked = []
    for conversation in plan.conversations:
        first_text = next((e for e in conversation.events
                           if e.kind == ActivityKind.MESSAGE and e.direction == Direction.INCOMING), None)
        if first_text is not None and conversation.scenario not in ("stop", "wrong_number"):
            picked.append(first_text.key)
    picked = picked[::PHOTO_EVERY][:MAX_PHOTOS]
    activities = {a.openphone_id: a for a in Activity.objects.filter(openphone_id__in=picked)}
    new = 0
    for n, key in enumerate(picked):
        photo = DEMO_PHOTOS[n % len(DEMO_PHOTOS)]
        url = f"https://media.openphone.example/demo/{key}/{photo.name}"
        for media_id in activity_media_add(activity=activities[key], items=[(url, "image/png")]):
            activity_media_store_copy(media_id=media_id, content=photo.read_bytes(), content_type="image/png")
            new += 1
    return new


def _activity(event: EventPlan, *, contact_id: int, conversation_id: int | None, staff: dict) -> Activity:
    return Activity(
        contact_id=contact_id, conversation_id=conversation_id, kind=event.kind, direction=event.direction,
        body=event.body, status=event.status, openphone_id=event.key, occurred_at=event.at,
        duration_seconds=event.duration_seconds, recording_url=event.recording_url, transcript=event.transcript,
        summary=event.summary, sent_by=staff.get(event.sent_by),
    )


def demo_totals() -> dict:
    """What the database holds now, for the summary (all rows, not only demo ones)."""
    from django.db.models import Count

    kinds = Counter(dict(Activity.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")))
    return {
        "homeowners": Contact.objects.count(),
        "opted_out": Contact.objects.filter(opted_out=True).count(),
        "properties": Property.objects.count(),
        "two_owner_properties": Property.objects.annotate(n=Count("contact_links")).filter(n__gte=2).count(),
        "conversations": Conversation.objects.count(),
        "campaigns": Campaign.objects.count(),
        "campaign_members": CampaignMembership.objects.count(),
        "waiting": Conversation.objects.filter(waiting_for_reply=True).count(),
        "activities": Activity.objects.count(),
        "messages": kinds[ActivityKind.MESSAGE],
        "calls": kinds[ActivityKind.CALL],
        "voicemails": kinds[ActivityKind.VOICEMAIL],
        "notes": kinds[ActivityKind.NOTE],
        "tags": Tag.objects.count(),
    }
