"""Benchmark: the manager dashboard over 100,000 contacts and 1,000,000 activities on PostgreSQL.

    .venv/bin/python bench/dashboard.py                 # builds crm_bench_dashboard afresh, then times
    .venv/bin/python bench/dashboard.py --reuse         # times again on the data already built
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/dashboard.py --reuse   # cache in Redis

Creates its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/crm_bench_dashboard),
migrates it and fills it with set-based SQL (INSERT ... SELECT generate_series), then requests /dashboard/
with Django's test client as a manager. "Cold" means the figures cache is empty (cleared before each
request; the process and PostgreSQL are warm); "warm" means the cached period figures are served.
Prints the median and best wall time of several runs with the query count, this process's CPU time
(the part a busy machine does not inflate) and the load average. Targets: cold < 500 ms, warm < 30 ms.
With REDIS_URL set the cache is Redis and the benchmark CLEARS that Redis database: give it one of its own.
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_dashboard"
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

LINES = ("PNtoDbDhuz", "PNsecondLn")
FIRST_NAMES = ("Linda", "James", "Maria", "Robert", "Patricia", "Michael", "Susan", "David", "Karen", "Joseph")


def build_data(*, contacts: int, activities: int, analyze: bool = True) -> None:
    """Fill the database with set-based SQL; a few seconds per hundred thousand rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    from campaigns.models import Campaign, CampaignStatus
    from contacts.models import ContactSource

    now = timezone.now()
    names = "ARRAY[" + ",".join(f"'{n}'" for n in FIRST_NAMES) + "]"
    steps = [
        ("contacts", f"""
            INSERT INTO contacts_contact (first_name, last_name, phone, email, lead_status, source, notes,
                opted_out, opted_out_at, opted_out_reason, mailing_address, mailing_city, mailing_state,
                mailing_zip, openphone_contact_id, created_at, updated_at, texting_held)
            SELECT ({names})[1 + g %% 10], 'Owner' || g, '+1617' || lpad((2000000 + g)::text, 7, '0'), '', 'new',
                   '{ContactSource.DEMO}', '', g %% 50 = 0,
                   CASE WHEN g %% 50 = 0 THEN %(now)s - (g %% 365) * interval '1 day' END,
                   CASE WHEN g %% 50 = 0 THEN 'STOP' ELSE '' END, '', 'Worcester', 'MA', '01608', '',
                   %(now)s - ((g::bigint * 7919) %% (400 * 24)) * interval '1 hour', %(now)s, false
            FROM generate_series(1, %(contacts)s) AS g
        """),
        ("conversations", """
            INSERT INTO contacts_conversation (contact_id, phone_number_id, last_activity_at, waiting_for_reply, created_at,
                reply_intent)
            SELECT id, CASE WHEN id %% 3 = 0 THEN %(line2)s ELSE %(line1)s END,
                   %(now)s - ((id::bigint * 104729) %% (60 * 24 * 60)) * interval '1 minute', id %% 40 = 0, %(now)s,
                   CASE WHEN id %% 40 = 0 THEN 'question' ELSE '' END
            FROM contacts_contact
        """),
        ("opt-out events", """
            INSERT INTO contacts_optoutevent (contact_id, opted_out, reason, source, occurred_at)
            SELECT id, true, 'STOP', 'inbound_message', opted_out_at FROM contacts_contact WHERE opted_out
        """),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        params = {"now": now, "contacts": contacts, "line1": LINES[0], "line2": LINES[1]}
        for label, sql in steps:
            started = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  {label:<16} {cursor.rowcount:>9,} rows in {time.perf_counter() - started:5.1f} s")

        campaigns = [
            Campaign.objects.create(name=f"Bench campaign {i}", status=status, daily_limit=125,
                                    phone_number_id=LINES[i % 2], template_a="Hi {first_name|there}",
                                    template_b="Hello {first_name|there}" if i % 2 == 0 else "")
            for i, status in enumerate([CampaignStatus.RUNNING, CampaignStatus.RUNNING, CampaignStatus.RUNNING,
                                        CampaignStatus.PAUSED, CampaignStatus.COMPLETED, CampaignStatus.COMPLETED])
        ]
        ids = "ARRAY[" + ",".join(str(c.pk) for c in campaigns) + "]"
        started = time.perf_counter()
        # 60% of contacts are in one campaign: a quarter pending, the rest texted over 120 days.
        cursor.execute(f"""
            INSERT INTO campaigns_campaignmembership (campaign_id, contact_id, variant, status, sent_at, replied_at,
                reply_category, attempts, last_error, created_at, updated_at)
            SELECT ({ids})[1 + c.id %% 6], c.id, CASE WHEN (c.id / 6) %% 2 = 0 THEN 'A' ELSE 'B' END, s.status,
                   CASE WHEN s.status <> 'pending' THEN s.sent_at END,
                   CASE WHEN s.status IN ('replied', 'opted_out') THEN s.sent_at + interval '2 hours' END,
                   CASE WHEN s.status = 'replied' AND c.id %% 3 = 0 THEN 'interested'
                        WHEN s.status = 'replied' THEN 'question'
                        WHEN s.status = 'opted_out' THEN 'opt_out' ELSE '' END,
                   CASE WHEN s.status = 'pending' THEN 0 ELSE 1 END, '', %(now)s, %(now)s
            FROM contacts_contact c
            CROSS JOIN LATERAL (SELECT
                CASE WHEN c.id %% 100 < 25 THEN 'pending' WHEN c.id %% 100 < 35 THEN 'replied'
                     WHEN c.id %% 100 < 37 THEN 'opted_out' WHEN c.id %% 100 < 40 THEN 'failed'
                     WHEN c.id %% 100 < 90 THEN 'delivered' ELSE 'sent' END AS status,
                %(now)s - ((c.id::bigint * 7) %% (120 * 24)) * interval '1 hour' AS sent_at) s
            WHERE c.id %% 10 < 6
        """, params)
        print(f"  {'memberships':<16} {cursor.rowcount:>9,} rows in {time.perf_counter() - started:5.1f} s")

        started = time.perf_counter()
        cursor.execute("""
            CREATE TEMP TABLE bench_conv AS
            SELECT row_number() OVER (ORDER BY id) AS rn, id AS conversation_id, contact_id FROM contacts_conversation;
            CREATE UNIQUE INDEX ON bench_conv (rn);
        """)
        # 70% texts (4 in 5 outgoing), 15% calls (3 in 10 missed), 5% voicemails, 10% notes, over 365 days.
        cursor.execute("""
            INSERT INTO contacts_activity (contact_id, conversation_id, kind, direction, body, status, occurred_at,
                recording_url, transcript, summary, created_at, updated_at,
                reading_category, reading_opt_out, reading_rule, reading_addresses)
            SELECT m.contact_id, CASE WHEN k.kind = 'note' THEN NULL ELSE m.conversation_id END, k.kind, k.direction,
                   'Bench text', k.status,
                   %(now)s - ((g::bigint * 2654435761) %% (365 * 86400)) * interval '1 second',
                   '', '', '', %(now)s, %(now)s,
                   CASE WHEN k.kind = 'message' AND k.direction = 'incoming' THEN 'other' ELSE '' END,
                   CASE WHEN k.kind = 'message' AND k.direction = 'incoming' THEN 'none' ELSE '' END, '', '[]'
            FROM generate_series(1, %(activities)s) AS g
            JOIN bench_conv m ON m.rn = 1 + (g::bigint * 7919) %% %(contacts)s
            CROSS JOIN LATERAL (SELECT
                CASE WHEN g %% 20 < 14 THEN 'message' WHEN g %% 20 < 17 THEN 'call'
                     WHEN g %% 20 < 18 THEN 'voicemail' ELSE 'note' END AS kind,
                CASE WHEN g %% 20 < 14 AND (g / 20) %% 5 <> 0 THEN 'outgoing'
                     WHEN g %% 20 < 18 THEN 'incoming' ELSE '' END AS direction,
                CASE WHEN g %% 20 < 14 AND (g / 20) %% 5 <> 0 THEN
                          CASE WHEN g %% 97 < 92 THEN 'delivered' ELSE 'undelivered' END
                     WHEN g %% 20 < 14 THEN 'received'
                     WHEN g %% 20 < 17 THEN CASE WHEN g %% 10 < 3 THEN 'missed' ELSE 'completed' END
                     WHEN g %% 20 < 18 THEN 'completed' ELSE '' END AS status) k
        """, {**params, "activities": activities})
        print(f"  {'activities':<16} {cursor.rowcount:>9,} rows in {time.perf_counter() - started:5.1f} s")
        # A texted membership points at its campaign text (the per-line staff/campaign split needs it):
        # one outgoing text of the homeowner's each.
        started = time.perf_counter()
        cursor.execute("""
            UPDATE campaigns_campaignmembership cm SET activity_id = t.id
            FROM (SELECT DISTINCT ON (a.contact_id) a.contact_id, a.id FROM contacts_activity a
                  WHERE a.kind = 'message' AND a.direction = 'outgoing' AND a.id % 4 = 0
                  ORDER BY a.contact_id, a.id) t
            WHERE t.contact_id = cm.contact_id AND cm.sent_at IS NOT NULL
        """)
        print(f"  {'campaign links':<16} {cursor.rowcount:>9,} rows in {time.perf_counter() - started:5.1f} s")
    if analyze:  # not inside a transaction (tests)
        vacuum_analyze()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time the data already in the database")
    parser.add_argument("--runs", type=int, default=7, help="cold runs (warm runs are three times as many)")
    args = parser.parse_args()

    if not args.reuse:
        print(f"Building {BENCH_URL.rsplit('/', 1)[1]}: {args.contacts:,} contacts, {args.activities:,} activities")
        recreate_database(BENCH_URL)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from contacts.models import Activity, Contact

    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs on PostgreSQL (BENCH_DATABASE_URL).")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not args.reuse:
        print(f"  {'migrate':<16} {'':>9}      in {time.perf_counter() - started:5.1f} s")
        build_data(contacts=args.contacts, activities=args.activities)

    # The test client's host; setup_test_environment() is not used, as its template instrumentation
    # (copying every rendered context) would add its own cost to the timings.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _ = get_user_model().objects.get_or_create(username="bench-manager", defaults={"is_staff": True})
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    url = "/dashboard/"

    cpu: dict[str, list[float]] = {"cold": [], "warm": []}

    def request(kind: str = "") -> float:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        if kind:
            cpu[kind].append((time.process_time() - started_cpu) * 1000)
        return elapsed * 1000

    def count_queries(*, clear: bool) -> tuple[int, list[tuple[float, str]]]:
        if clear:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            request()
        slowest = sorted(((float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries), reverse=True)
        return len(queries), slowest

    backend = type(cache._cache if hasattr(cache, "_cache") else cache).__module__
    print(f"PostgreSQL {connection.pg_version // 10000}; {Contact.objects.count():,} contacts, "
          f"{Activity.objects.count():,} activities; cache: {'Redis' if 'redis' in backend else 'local memory'}")
    cache.clear()
    first = request()
    cold = []
    for _ in range(args.runs):
        cache.clear()
        cold.append(request("cold"))
    warm = [request("warm") for _ in range(args.runs * 3)]
    cold_queries, slowest = count_queries(clear=True)
    warm_queries, _ = count_queries(clear=False)
    print(f"first request (new process, empty cache): {first:7.1f} ms")
    print(f"cold (empty cache):  median {statistics.median(cold):7.1f} ms, best {min(cold):7.1f} ms, "
          f"{cold_queries} queries   (target < 500 ms); Python CPU median {statistics.median(cpu['cold']):.1f} ms")
    print(f"warm (cached):       median {statistics.median(warm):7.1f} ms, best {min(warm):7.1f} ms, "
          f"{warm_queries} queries   (target < 30 ms); Python CPU median {statistics.median(cpu['warm']):.1f} ms")
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs while measuring (other work inflates wall times)")
    print("slowest queries of a cold request:")
    for ms, sql in slowest[:5]:
        print(f"  {ms:7.1f} ms  {' '.join(sql.split())[:150]}")


if __name__ == "__main__":
    # Only when run as the benchmark: tests import build_data into their own database.
    os.environ["DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    main()
