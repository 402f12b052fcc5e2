"""Benchmark: one 125-text campaign batch for campaigns of 1,000 and 100,000 members on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm .venv/bin/python bench/campaign_batch.py

Works in a scratch database (`test_<name>`, created and dropped like the test suite's), with
the locmem SMS backend, at a fixed Tuesday noon in Boston. Prints, for each size, the time
and SQL query count of enrolling the members and of one dispatcher batch (wall clock and this process's CPU time: on a shared machine
the wall clock includes waiting for other processes). Target: each
batch under a second, with the same query count for both sizes.
"""
from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from campaigns.models import Campaign, CampaignStatus, MembershipStatus  # noqa: E402
from campaigns.services import campaign_dispatch, campaign_enroll_contacts  # noqa: E402
from contacts.models import Contact, ContactSource  # noqa: E402
from contacts.send_window import recipient_locale  # noqa: E402
from crm import sms  # noqa: E402

SIZES = (1_000, 100_000)
BATCH = 125
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))
FIRST_NAMES = ("Jane", "Mike", "Ana", "Tom", "Lisa", "Raj", "Kim", "Joe")


def build_contacts(start: int, count: int) -> list[int]:
    """`count` Massachusetts homeowners with valid 617 numbers, in 10,000-row inserts."""
    ids: list[int] = []
    for offset in range(0, count, 10_000):
        rows = [
            Contact(
                first_name=FIRST_NAMES[n % len(FIRST_NAMES)], last_name=f"Owner{n}", phone=f"+1617{2_000_000 + n:07d}",
                mailing_city="Worcester", mailing_state="MA", source=ContactSource.DEMO,
            )
            for n in range(start + offset, start + min(offset + 10_000, count))
        ]
        ids.extend(c.pk for c in Contact.objects.bulk_create(rows))
    return ids


def measure(func):
    """(result, wall seconds, this process's CPU seconds, SQL queries) of calling func."""
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        result = func()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return result, elapsed, cpu, len(queries)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark creates and drops test_<name>).")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        recipient_locale(phone="+16172000000")  # load phonenumbers' geocoder data outside the timings
        print(f"PostgreSQL {connection.pg_version // 10000}, one batch of {BATCH} texts, locmem backend")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'members':>9} | {'enroll s':>8} | {'enroll queries':>14} | {'batch s':>7} | {'batch CPU s':>11} | "
              f"{'batch queries':>13} | sent")
        start = 0
        with time_machine.travel(NOON, tick=True):
            for size in SIZES:
                contact_ids = build_contacts(start, size)
                start += size
                campaign = Campaign.objects.create(
                    name=f"Bench {size}", template_a="Hi {first_name|there}, free foundation check in {city}?",
                    daily_limit=BATCH, phone_number_id=f"PNbench{size}", status=CampaignStatus.RUNNING,
                )
                enrolled, enroll_s, _, enroll_q = measure(
                    lambda: campaign_enroll_contacts(campaign=campaign, contact_ids=contact_ids)  # noqa: B023
                )
                # Steady state before timing: statistics fresh, the bulk load's dirty pages written out.
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
                    cursor.execute("CHECKPOINT")
                sms.reset_outbox()
                report, batch_s, batch_cpu, batch_q = measure(
                    lambda: campaign_dispatch(campaign_id=campaign.pk)  # noqa: B023
                )
                sent = campaign.memberships.filter(status=MembershipStatus.SENT).count()
                assert enrolled.added == size and report.sent == BATCH == sent == len(sms.outbox), (report, sent)
                print(f"{size:>9,} | {enroll_s:>8.2f} | {enroll_q:>14} | {batch_s:>7.3f} | {batch_cpu:>11.3f} | "
                      f"{batch_q:>13} | {sent}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
