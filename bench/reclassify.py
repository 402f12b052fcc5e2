"""Benchmark: manage.py reclassify_replies over 1,000 and 10,000 stored incoming texts on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm .venv/bin/python bench/reclassify.py [SIZE ...]

Works in a scratch database (`test_<name>`, created and dropped like the test suite's). For each
size it builds homeowners with one conversation each and two incoming texts per conversation (bulk
inserts). Nine texts in ten already carry today's reading; the rest were stored before the reader
existed (no reading), among them requests to stop (holds) and texts naming a street address (some
of them our houses). Prints the time (wall clock and this process's CPU) and the SQL query count of
a dry run, of the run that applies the changes, and of a second run that finds nothing to change.
"""
from __future__ import annotations

import datetime
import os
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from contacts.models import Activity, ActivityKind, Contact, ContactSource, Conversation, Direction  # noqa: E402
from contacts.services import activities_store_readings  # noqa: E402
from properties.addresses import address_key  # noqa: E402
from properties.models import Property  # noqa: E402

SIZES = (1_000, 10_000)
START = datetime.datetime(2026, 1, 5, 14, 0, tzinfo=datetime.UTC)
BODIES = (
    "yes how much for an estimate",
    "Not interested, thanks",
    "what does a foundation inspection cost?",
    "who is this?",
    "ok sounds good, tuesday works",
    "only text after 6 please",
    "please take this number off your list",
    "the crack is at {n} Oak St, Brockton",
    "can you come look at {n} Maple Ave, Quincy MA 02169",
)


def build(size: int) -> None:
    """`size` incoming texts: two per homeowner, one conversation each; one in ten stored without a reading."""
    homeowners = size // 2
    contacts = Contact.objects.bulk_create(
        Contact(first_name="Pat", last_name=f"Owner{n}", phone=f"+1617{3_000_000 + n:07d}",
                mailing_city="Brockton", mailing_state="MA", source=ContactSource.DEMO)
        for n in range(homeowners)
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(contact=c, phone_number_id="PNbench", last_activity_at=START) for c in contacts
    )
    Property.objects.bulk_create(
        Property(address=f"{n} Oak Street", city="Brockton", zip_code="02301",
                 address_key=address_key(f"{n} Oak Street", "Brockton", "MA", "02301"))
        for n in range(0, homeowners, 7)
    )
    texts = []
    for n, (contact, conversation) in enumerate(zip(contacts, conversations, strict=True)):
        for k in range(2):
            texts.append(Activity(
                contact=contact, conversation=conversation, kind=ActivityKind.MESSAGE, direction=Direction.INCOMING,
                status="received", body=BODIES[(n * 2 + k) % len(BODIES)].format(n=n),
                occurred_at=START + datetime.timedelta(minutes=n * 2 + k),
            ))
    Activity.objects.bulk_create(texts, batch_size=5_000)
    activities_store_readings(activities=[t for i, t in enumerate(texts) if i % 10], batch_size=2_000)


def measure(*args: str) -> tuple[str, float, float, int]:
    """The command's output, wall and CPU seconds, and SQL statements sent (counted, not logged)."""
    out = StringIO()
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started, cpu = time.perf_counter(), time.process_time()
        call_command("reclassify_replies", *args, stdout=out, stderr=StringIO())
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return out.getvalue(), elapsed, cpu, statements


def summary(output: str) -> str:
    return next(line for line in output.splitlines() if "text(s) read" in line).split(" for a person")[0]


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark creates and drops test_<name>).")
    sizes = [int(arg) for arg in sys.argv[1:]] or SIZES
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"PostgreSQL {connection.pg_version // 10000}; load average before: {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs")
        print(f"{'texts':>7} | {'run':<7} | {'wall s':>7} | {'CPU s':>6} | {'queries':>7} | result")
        for size in sizes:
            Activity.objects.all().delete()
            Conversation.objects.all().delete()
            Contact.objects.all().delete()
            Property.objects.all().delete()
            build(size)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            for label, args in (("dry run", ("--dry-run",)), ("apply", ()), ("again", ())):
                output, wall, cpu, count = measure(*args)
                print(f"{size:>7,} | {label:<7} | {wall:>7.2f} | {cpu:>6.2f} | {count:>7} | {summary(output)}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
