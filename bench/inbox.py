"""Benchmark: the office inbox over 100,000 conversations and 1,000,000 activities on PostgreSQL.

    .venv/bin/python bench/inbox.py              # builds crm_bench_inbox afresh, then times
    .venv/bin/python bench/inbox.py --reuse      # times again on the data already built

Creates its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/crm_bench_inbox),
migrates it and fills it with set-based SQL (INSERT ... SELECT generate_series): one conversation per
contact, 5% of them waiting for a reply (a tenth of those snoozed), 10 activities per conversation
and one conversation of 500 activities, a third of the homeowners in a campaign. Then, with Django's
test client as a member of the "Office staff" group (not a superuser), it times:

- the inbox's first page (/admin/inbox/, "Needs reply"): warm (median of repeated requests) and
  cold (each request on a new database connection with Django's cache cleared, so plans, catalog
  caches and the line labels are fetched again; PostgreSQL's shared buffers and the OS page cache
  stay warm: they cannot be dropped without restarting the server other work shares);
- the thread of the 500-activity conversation (/admin/inbox/<id>/), warm;
- the header count: its plan must read the partial index conversation_needs_reply_idx.

Targets: inbox warm < 150 ms, cold < 400 ms; thread < 100 ms; header count one indexed query.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import recreate_database, vacuum_analyze  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_inbox"
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

LINES = ("PNtoDbDhuz", "PNsecondLn")
FIRST_NAMES = ("Linda", "James", "Maria", "Robert", "Patricia", "Michael", "Susan", "David", "Karen", "Joseph")
TEXTS = (
    "Hi, is the estimate free?", "Here is a photo of the crack in the basement wall",
    "We had water in the basement after the rain", "Can someone come Thursday morning?",
    "How much does a crack repair usually cost?", "Thanks, talk soon", "Not interested, thank you",
    "Yes please call me after 5", "The crack runs along the foundation near the chimney",
    "Hi {name}, we fix foundation cracks near you. Reply STOP to opt out.",
)
THREAD_LENGTH = 500


def build_data(*, contacts: int, activities: int, analyze: bool = True) -> int:
    """Fill the database with set-based SQL; returns the id of the 500-activity conversation."""
    from django.db import connection, transaction
    from django.utils import timezone

    from campaigns.models import Campaign, CampaignStatus

    now = timezone.now()
    names = "ARRAY[" + ",".join(f"'{n}'" for n in FIRST_NAMES) + "]"
    texts = "ARRAY[" + ",".join("'" + t.replace("'", "''") + "'" for t in TEXTS) + "]"
    per_conversation = max(1, activities // contacts)
    params = {"now": now, "contacts": contacts, "line1": LINES[0], "line2": LINES[1],
              "per": per_conversation, "thread": THREAD_LENGTH}
    steps = [
        ("contacts", f"""
            INSERT INTO contacts_contact (first_name, last_name, phone, email, lead_status, source, notes,
                opted_out, opted_out_at, opted_out_reason, mailing_address, mailing_city, mailing_state,
                mailing_zip, openphone_contact_id, created_at, updated_at, texting_held)
            SELECT ({names})[1 + g %% 10], 'Owner' || g, '+1617' || lpad((2000000 + g)::text, 7, '0'), '', 'new',
                   'demo', '', false, NULL, '', g || ' Main St', 'Worcester', 'MA', '01608', '', %(now)s, %(now)s,
                   false
            FROM generate_series(1, %(contacts)s) AS g
        """),
        ("conversations", """
            INSERT INTO contacts_conversation (contact_id, phone_number_id, last_activity_at, waiting_for_reply,
                snoozed_until, assigned_to_id, done_at, done_by_id, created_at, reply_intent)
            SELECT id, CASE WHEN id %% 3 = 0 THEN %(line2)s ELSE %(line1)s END,
                   %(now)s - ((id::bigint * 104729) %% (60 * 24 * 60)) * interval '1 minute',
                   id %% 20 = 0,
                   CASE WHEN id %% 200 = 0 THEN %(now)s + interval '1 day' END,
                   NULL,
                   CASE WHEN id %% 20 = 1 THEN %(now)s - interval '1 day' END, NULL, %(now)s,
                   CASE WHEN id %% 60 = 0 THEN 'interested' WHEN id %% 7 = 0 THEN 'question' ELSE 'other' END
            FROM contacts_contact
        """),
        ("activities", f"""
            INSERT INTO contacts_activity (contact_id, conversation_id, kind, direction, body, status, occurred_at,
                recording_url, transcript, summary, created_at, updated_at, duration_seconds,
                reading_category, reading_opt_out, reading_rule, reading_addresses)
            SELECT c.contact_id, c.id, k.kind, k.direction, ({texts})[1 + (g * 7 + c.id) %% 10], k.status,
                   c.last_activity_at - (%(per)s - g) * interval '3 hours', '', '', '', %(now)s, %(now)s,
                   CASE WHEN k.kind = 'call' THEN 60 + g END,
                   CASE WHEN k.kind <> 'message' OR k.direction <> 'incoming' THEN ''
                        WHEN c.id %% 60 = 0 THEN 'interested' WHEN c.id %% 7 = 0 THEN 'question' ELSE 'other' END,
                   CASE WHEN k.kind = 'message' AND k.direction = 'incoming' THEN 'none' ELSE '' END, '', '[]'
            FROM contacts_conversation c
            CROSS JOIN generate_series(1, %(per)s) AS g
            CROSS JOIN LATERAL (SELECT
                CASE WHEN g %% 10 = 3 THEN 'call' WHEN g %% 10 = 7 THEN 'voicemail' ELSE 'message' END AS kind,
                CASE WHEN g = %(per)s OR g %% 2 = 1 THEN 'incoming' ELSE 'outgoing' END AS direction,
                CASE WHEN g %% 2 = 1 THEN 'received' ELSE 'delivered' END AS status) k
        """),
        ("long thread", f"""
            INSERT INTO contacts_activity (contact_id, conversation_id, kind, direction, body, status, occurred_at,
                recording_url, transcript, summary, created_at, updated_at,
                reading_category, reading_opt_out, reading_rule, reading_addresses)
            SELECT c.contact_id, c.id, 'message', CASE WHEN g %% 2 = 0 THEN 'incoming' ELSE 'outgoing' END,
                   ({texts})[1 + g %% 10], 'delivered', c.last_activity_at - (%(thread)s + g) * interval '1 hour',
                   '', '', '', %(now)s, %(now)s, CASE WHEN g %% 2 = 0 THEN 'other' ELSE '' END,
                   CASE WHEN g %% 2 = 0 THEN 'none' ELSE '' END, '', '[]'
            FROM contacts_conversation c CROSS JOIN generate_series(1, %(thread)s - %(per)s) AS g
            WHERE c.contact_id = (SELECT id FROM contacts_contact ORDER BY id OFFSET 19 LIMIT 1)
        """),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in steps:
            started = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  {label:<16} {cursor.rowcount:>9,} rows in {time.perf_counter() - started:5.1f} s")
        campaign = Campaign.objects.create(name="Bench spring outreach", status=CampaignStatus.RUNNING, daily_limit=125,
                                           phone_number_id=LINES[0], template_a="Hi {first_name|there}")
        started = time.perf_counter()
        cursor.execute("""
            INSERT INTO campaigns_campaignmembership (campaign_id, contact_id, variant, status, sent_at, replied_at,
                reply_category, attempts, last_error, created_at, updated_at)
            SELECT %(campaign)s, c.id, 'A', CASE WHEN c.id %% 20 = 0 THEN 'replied' ELSE 'delivered' END,
                   %(now)s - interval '10 days', CASE WHEN c.id %% 20 = 0 THEN %(now)s - interval '9 days' END,
                   CASE WHEN c.id %% 60 = 0 THEN 'interested' WHEN c.id %% 20 = 0 THEN 'question' ELSE '' END,
                   1, '', %(now)s, %(now)s
            FROM contacts_contact c WHERE c.id %% 3 <> 1
        """, {**params, "campaign": campaign.pk})
        print(f"  {'memberships':<16} {cursor.rowcount:>9,} rows in {time.perf_counter() - started:5.1f} s")
        cursor.execute("SELECT id FROM contacts_conversation ORDER BY contact_id OFFSET 19 LIMIT 1")
        thread_id = cursor.fetchone()[0]
    if analyze:  # not inside a transaction (tests)
        vacuum_analyze()
    return thread_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time the data already in the database")
    parser.add_argument("--runs", type=int, default=7, help="cold runs (warm runs are three times as many)")
    args = parser.parse_args()

    if not args.reuse:
        print(f"Building {BENCH_URL.rsplit('/', 1)[1]}: {args.contacts:,} conversations, ~{args.activities:,} activities")
        recreate_database(BENCH_URL)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from contacts.inbox.selectors import inbox_needs_reply_count, needs_reply_q
    from contacts.models import Activity, Conversation
    from contacts.roles import OFFICE_STAFF

    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs on PostgreSQL (BENCH_DATABASE_URL).")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not args.reuse:
        print(f"  {'migrate':<16} {'':>9}      in {time.perf_counter() - started:5.1f} s")
        thread_id = build_data(contacts=args.contacts, activities=args.activities)
    else:
        thread_id = Conversation.objects.order_by("contact_id")[19].pk  # as build_data picked it

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _ = get_user_model().objects.get_or_create(username="bench-office", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client = Client()
    client.force_login(user)

    cpu: dict[str, list[float]] = {}

    def timed(url: str, kind: str = "") -> float:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        if kind:
            cpu.setdefault(kind, []).append((time.process_time() - started_cpu) * 1000)
        return elapsed

    def queries(url: str) -> str:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        total = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        return f"{len(captured)} queries taking {total:.1f} ms in all"

    inbox, thread = "/admin/inbox/", f"/admin/inbox/{thread_id}/"
    print(f"PostgreSQL {connection.pg_version // 10000}; {Conversation.objects.count():,} conversations, "
          f"{Activity.objects.count():,} activities; {inbox_needs_reply_count():,} need a reply; "
          f"thread of {Activity.objects.filter(conversation_id=thread_id).count()} activities")
    first = timed(inbox)
    cold = []
    for _ in range(args.runs):
        connection.close()
        cache.clear()
        cold.append(timed(inbox, "cold"))
    warm = [timed(inbox, "warm") for _ in range(args.runs * 3)]
    timed(thread)
    thread_warm = [timed(thread, "thread") for _ in range(args.runs * 3)]

    with connection.cursor() as cursor:
        qs = Conversation.objects.filter(needs_reply_q(timezone.now())).order_by()
        sql, params = qs.query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT TEXT) SELECT COUNT(*) FROM ({sql}) AS q", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    with CaptureQueriesContext(connection) as captured:
        inbox_needs_reply_count()
    count_ms = float(captured.captured_queries[0]["time"]) * 1000

    print(f"inbox first request (new process):  {first:7.1f} ms")
    print(f"inbox cold (new connection, cache cleared): median {statistics.median(cold):7.1f} ms, best {min(cold):7.1f} ms"
          f"   (target < 400 ms); Python CPU median {statistics.median(cpu['cold']):.1f} ms")
    print(f"inbox warm: median {statistics.median(warm):7.1f} ms, best {min(warm):7.1f} ms, {queries(inbox)}"
          f"   (target < 150 ms); Python CPU median {statistics.median(cpu['warm']):.1f} ms")
    print(f"thread of 500, warm: median {statistics.median(thread_warm):7.1f} ms, best {min(thread_warm):7.1f} ms, "
          f"{queries(thread)}   (target < 100 ms); Python CPU median {statistics.median(cpu['thread']):.1f} ms")
    uses_index = "conversation_needs_reply_idx" in plan
    print(f"header count: 1 query, {count_ms:.1f} ms, uses conversation_needs_reply_idx: {uses_index}")
    print("  " + plan.replace("\n", "\n  "))
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs while measuring (other work inflates wall times)")


if __name__ == "__main__":
    # Only when run as the benchmark: tests import build_data into their own database.
    os.environ["DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    main()
