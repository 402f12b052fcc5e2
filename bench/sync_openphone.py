"""Benchmark the OpenPhone history sync against the local fake OpenPhone (never the real one).

    DATABASE_URL=postgres://... .venv/bin/python bench/sync_openphone.py [--conversations 200] [--no-call-details]

Creates a throwaway test database, seeds the fake with homeowners x texts x calls, and
prints: records per second the database side sustains (throttle lifted), queries per
record, the number of OpenPhone requests and what they cost at the real 10 requests/s,
and the time of an idempotent second run. Every call has a recording, summary and transcript,
which the sync fetches unless --no-call-details.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

from openphone.client import OpenPhoneClient, TokenBucket  # noqa: E402
from openphone.sync import sync_line  # noqa: E402
from tests.openphone.fake_openphone import DEFAULT_LINE_ID, FakeOpenPhone, seed_history  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10, help="texts per conversation")
    parser.add_argument("--calls", type=int, default=2, help="calls per conversation")
    parser.add_argument("--no-call-details", action="store_false", dest="call_details",
                        help="sync without calls' recordings, summaries and transcripts")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake server's access log
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        fake = FakeOpenPhone(server, api_key=settings.OPENPHONE_API_KEY).install()
        seed_history(fake, conversations=args.conversations, messages_per=args.messages, calls_per=args.calls,
                     call_details=True)
        records = args.conversations * (args.messages + args.calls)
        client = OpenPhoneClient(base_url=fake.url, throttle=TokenBucket(rate=100000))

        queries = []

        def count(execute, sql, params, many, context):
            queries.append(1)
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            checkpoint = sync_line(line=DEFAULT_LINE_ID, client=client, call_details=args.call_details)
        first = time.perf_counter() - started
        requests = len(fake.requests)

        fake.requests.clear()
        first_queries = len(queries)
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            again = sync_line(line=DEFAULT_LINE_ID, client=client, call_details=args.call_details)
        second = time.perf_counter() - started
        second_queries = len(queries) - first_queries
        second_requests = len(fake.requests)

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"database: {engine}; {args.conversations} conversations x ({args.messages} texts + {args.calls} calls)"
              f" = {records} records; call details {'fetched' if args.call_details else 'skipped'}")
        print(f"first run:  {first:.2f} s, {records / first:.0f} records/s (throttle lifted), "
              f"{first_queries / records:.1f} queries/record, {requests} OpenPhone requests")
        print(f"at OpenPhone's 10 requests/s those requests alone take {requests / 10:.0f} s "
              f"({records / (requests / 10):.0f} records/s): the API limit, not the database, bounds a real sync")
        print(f"second run: {second:.2f} s, {second_queries / records:.1f} queries/record, new: {again.counts['messages_new']} texts, {again.counts['calls_new']} "
              f"calls, {again.counts['contacts_created']} contacts (first run created "
              f"{checkpoint.counts['contacts_created']} contacts), {second_requests} OpenPhone requests")
    finally:
        server.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
