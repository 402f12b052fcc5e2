"""The benchmarks' data builders still match the schema: each fills a small database with the SQL that fills
the big one, and the page it times answers the people who use it. (A builder that no longer runs is a
benchmark nobody can rerun.)"""
from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from contacts.models import Conversation
from contacts.roles import MANAGER, OFFICE_STAFF
from tests.dashboard.conftest import use_fresh_cache
from tests.factories import group_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the benchmarks' builders write PostgreSQL SQL")


def test_the_inbox_benchmark_builds_and_its_pages_answer(client):
    from bench import inbox as bench_inbox

    thread_id = bench_inbox.build_data(contacts=120, activities=1200, analyze=False)

    client.force_login(group_member(OFFICE_STAFF, "bench-office"))
    rows = client.get(reverse("inbox:index")).context["rows"]
    # Every 20th conversation waits (by id: the ids a test database hands out need not start at 1).
    waiting = Conversation.objects.filter(waiting_for_reply=True, snoozed_until__isnull=True)
    assert len(rows) == waiting.count() > 0
    intents = [row.intent for row in rows]
    assert intents == sorted(intents, key=lambda intent: intent != "interested")  # interested first
    response = client.get(reverse("inbox:thread", args=[thread_id]))
    assert response.status_code == 200 and len(response.context["activities"]) == bench_inbox.THREAD_LENGTH


def test_the_dashboard_benchmark_builds_and_the_dashboard_answers(client, settings):
    from bench import dashboard as bench_dashboard

    use_fresh_cache(settings)  # figures another test cached for today must not stand in for these

    bench_dashboard.build_data(contacts=600, activities=6000, analyze=False)

    client.force_login(group_member(MANAGER, "bench-manager"))
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert b"Bench campaign" in response.content
