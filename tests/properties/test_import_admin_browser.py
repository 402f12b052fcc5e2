"""Office staff import a PropertyRadar export from the admin in Chromium: upload, the run's page, the
rejects download. Without a worker the task runs eagerly, as in `make demo`; a screenshot is kept."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from contacts.models import Tag
from contacts.roles import OFFICE_STAFF
from properties.models import ImportRun, ImportStatus
from tests.browser import admin_log_in
from tests.factories import group_member

from .conftest import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"


@pytest.fixture
def office_user(settings, tmp_path):
    """Created before Playwright starts (see tests/campaigns/test_admin_browser.py)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    Tag.objects.create(name="Spring list")  # offered in the tag field's suggestions
    return group_member(OFFICE_STAFF, "office")


def test_staff_upload_a_file_read_the_run_and_download_its_rejects(office_user, live_server, page):
    admin_log_in(page, live_server, "office")
    page.goto(live_server.url + reverse("admin:properties_importrun_changelist"))

    page.click("text=Import a CSV file")
    page.wait_for_selector("#import-tags option[value='Spring list']", state="attached")
    assert page.locator("#import-tags option[value='Spring list']").count() == 1
    page.set_input_files("#id_file", str(FIXTURES / "import" / "propertyradar_messy.csv"))
    page.check("input[name=kind][value=propertyradar]")
    page.fill("#id_tag", "Spring list")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-upload.png"), full_page=True)
    page.click("input[type=submit][value=Import]")

    page.wait_for_url("**/admin/properties/importrun/*/change/")
    assert page.locator(".messagelist").inner_text().strip() == (
        "“propertyradar_messy.csv” was imported: 12 rows, 3 rejected (see below)."
    )
    assert "12 / 12 rows (100%)" in page.locator(".field-progress_bar").inner_text()
    assert page.locator(".field-properties_created .readonly").inner_text() == "8"
    assert page.locator(".field-contacts_created .readonly").inner_text() == "9"
    assert page.locator(".field-links_created .readonly").inner_text() == "10"
    assert page.locator("meta[http-equiv=refresh]").count() == 0  # finished: the page stops refreshing
    page.screenshot(path=str(ARTIFACTS / "import-run.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("text=Download the 3 rejected rows (CSV)")
    download = download_info.value
    assert download.suggested_filename == "propertyradar_messy.rejects.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["line", "reason", "Type", "Address"]
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("10", "Purchase Date “13/45/2020” is not a date (YYYY-MM-DD or MM/DD/YYYY)"),
        ("11", "Sq Ft “12a4” is not a number"),
        ("12", "no property address (the crew needs the house's address)"),
    ]

    run = ImportRun.objects.get()
    assert run.status == ImportStatus.COMPLETED and run.created_by == office_user and run.tag_name == "Spring list"

    # From the run to the people it tagged, to text them or enroll them in a campaign.
    tagged = Tag.objects.get(name="Spring list").contacts.count()
    assert tagged == run.contacts_created == 9
    page.click("text=the homeowners with this tag")
    page.wait_for_url("**/admin/contacts/contact/?tags__id__exact=*")
    assert page.locator(".paginator").inner_text().startswith(f"{tagged} homeowners")
    assert page.locator("#result_list tbody tr").count() == tagged
