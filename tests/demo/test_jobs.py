"""The demo's follow-ups, visits, quotes and jobs: enough for "My day" and revenue per campaign."""
from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from dashboard.selectors import Period, campaign_money_rows
from jobs.models import Appointment, AppointmentState, FollowUpTask, Job, Quote, QuoteState
from jobs.selectors import my_day

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 18, 16, 30, tzinfo=ZoneInfo("America/New_York"))


def _seed():
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_has_quotes_in_every_state_jobs_done_and_paid_and_a_full_day():
    _seed()
    assert set(Quote.objects.values_list("state", flat=True)) == set(QuoteState.values)
    assert Job.objects.filter(done_on__isnull=False, paid_on__isnull=False).exists()
    assert Job.objects.filter(done_on__isnull=True, scheduled_on__gt=NOW.date()).exists()
    with time_machine.travel(NOW, tick=False):
        day = my_day()
        week_end = NOW + dt.timedelta(days=7)
        assert Appointment.objects.filter(starts_at__gte=NOW, starts_at__lt=week_end,
                                          state=AppointmentState.SCHEDULED).exists()
    assert any(t.due_at < NOW for t in day.tasks) and any(t.due_at.date() == NOW.date() for t in day.tasks)
    assert day.money_waiting
    rows = campaign_money_rows(period=Period(NOW.date() - dt.timedelta(days=89), NOW.date()))
    earning = [row for row in rows if row.total.revenue_won > 0]
    assert len(earning) == 2  # both demo campaigns brought in money


def test_seeding_twice_adds_no_jobs_data():
    _seed()
    counts = [m.objects.count() for m in (Quote, Job, Appointment, FollowUpTask)]
    _seed()
    assert [m.objects.count() for m in (Quote, Job, Appointment, FollowUpTask)] == counts
