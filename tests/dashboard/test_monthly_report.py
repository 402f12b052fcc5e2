"""The monthly report: page, CSV download, the task that stores it and the schedule that runs the task."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from dashboard.models import MonthlyReport
from dashboard.reports import BadMonth, parse_month, previous_month
from dashboard.tasks import monthly_report_generate

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:monthly_report")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_report_page_shows_the_months_figures(manager_client, known):
    response = manager_client.get(URL, {"month": "2025-03"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Monthly report: March 2025" in html
    assert 'data-figure="month-texts-sent">10<' in html
    assert "Spring Worcester" in html and "Pittsfield" in html
    assert "Month in progress" in html  # March is the current month on the frozen clock
    assert 'href="?month=2025-03&amp;format=csv"' in html


def test_report_defaults_to_the_month_that_ended(manager_client, known):
    html = manager_client.get(URL).content.decode()
    assert "Monthly report: February 2025" in html


def test_csv_download_has_overall_campaign_and_variant_rows(manager_client, known):
    response = manager_client.get(URL, {"month": "2025-03", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="attack-a-crack-report-2025-03.csv"' in response["Content-Disposition"]
    rows = _csv(response.content.decode())
    overall = rows[0]
    assert overall["scope"] == "overall"
    assert (overall["texts_sent"], overall["delivered"], overall["campaign_texts_sent"]) == ("10", "8", "7")
    assert (overall["replied"], overall["response_rate"], overall["opted_out"]) == ("4", "0.5714", "2")
    assert (overall["new_contacts"], overall["missed_calls"], overall["voicemails"]) == ("3", "2", "1")
    scopes = [(r["scope"], r["campaign"], r["variant"]) for r in rows[1:]]
    assert scopes == [
        ("campaign", "Pittsfield", ""),
        ("campaign", "Spring Worcester", ""),
        ("variant", "Spring Worcester", "A"),
        ("variant", "Spring Worcester", "B"),
        ("all_campaigns", "", ""),
        ("speed_month", "", ""),  # nobody answered a text in the known set: "answered" is 0
    ]
    worcester_b = rows[4]
    assert (worcester_b["texts_sent"], worcester_b["replied"], worcester_b["response_rate"]) == ("2", "1", "0.5000")
    total = rows[-2]
    assert (total["texts_sent"], total["delivered"], total["interested_replies"]) == ("7", "6", "2")
    worcester = rows[2]
    assert (worcester["ab_leader"], worcester["ab_significant"]) == ("A", "no")  # 2/3 against 1/2
    assert rows[1]["ab_p_value"] == ""  # Pittsfield has one variant


@pytest.mark.parametrize("month", ["2025-13", "March", "2025-3", "1999-12"])
def test_bad_month_is_explained(manager_client, month):
    response = manager_client.get(URL, {"month": month})
    assert response.status_code == 400
    assert "is not a month" in response.content.decode()


def test_task_stores_last_months_report_for_download(manager_client, known):
    assert monthly_report_generate.delay().get() == "2025-02"
    report = MonthlyReport.objects.get()
    assert report.month == dt.date(2025, 2, 1)
    rows = _csv(report.csv_content)
    assert rows[0]["texts_sent"] == "1" and rows[0]["replied"] == "1"
    page = manager_client.get(URL, {"month": "2025-03"}).content.decode()
    download_url = reverse("dashboard:monthly_report_download", args=["2025-02"])
    assert download_url in page
    download = manager_client.get(download_url)
    assert download.status_code == 200
    assert download.content.decode() == report.csv_content
    assert 'filename="attack-a-crack-report-2025-02.csv"' in download["Content-Disposition"]


def test_rerunning_the_task_replaces_the_stored_report(known):
    monthly_report_generate.delay(month="2025-03").get()
    from tests.factories import ActivityFactory

    ActivityFactory(occurred_at=dt.datetime(2025, 3, 5, 12, tzinfo=dt.UTC))
    monthly_report_generate.delay(month="2025-03").get()
    report = MonthlyReport.objects.get()
    assert _csv(report.csv_content)[0]["texts_sent"] == "11"


def test_missing_stored_report_is_404(manager_client):
    assert manager_client.get(reverse("dashboard:monthly_report_download", args=["2024-01"])).status_code == 404
    assert manager_client.get(reverse("dashboard:monthly_report_download", args=["nonsense"])).status_code == 404


def test_beat_schedule_runs_the_task_on_the_first_of_each_month():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Monthly manager report")
    assert task.task == "dashboard.tasks.monthly_report_generate"
    assert task.enabled
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "0", "5", "1", "*", "*",
    )
    assert str(crontab.timezone) == "America/New_York"
    from crm.celery import app

    assert task.task in app.tasks


@pytest.mark.parametrize(
    ("value", "expected"), [("2025-03", dt.date(2025, 3, 1)), (" 2024-12 ", dt.date(2024, 12, 1))]
)
def test_parse_month(value, expected):
    assert parse_month(value) == expected


def test_parse_month_rejects_nonsense():
    with pytest.raises(BadMonth, match="use YYYY-MM"):
        parse_month("03/2025")


def test_previous_month_crosses_the_year():
    assert previous_month(dt.date(2025, 1, 1)) == dt.date(2024, 12, 1)
    assert previous_month(dt.date(2025, 3, 31)) == dt.date(2025, 2, 1)
