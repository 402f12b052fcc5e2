"""Our lines by name: filled from GET /v1/phone-numbers by sync_openphone and on first use, shown
everywhere as "Front office (+1 617-555-0100)" instead of their PN ids."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from contacts.models import Line
from contacts.selectors import line_label, line_labels
from contacts.services import lines_upsert
from openphone.lines import line_numbers, line_numbers_forget
from tests.openphone.fake_openphone import DEFAULT_LINE_ID

pytestmark = pytest.mark.django_db


def test_a_line_reads_as_its_name_and_number():
    line = Line(openphone_id="PNfront", number="+16175550100", name="Front office")
    assert str(line) == "Front office (+1 617-555-0100)"
    assert str(Line(openphone_id="PNx", number="+16175550100")) == "+1 617-555-0100"
    assert str(Line(openphone_id="PNx")) == "PNx"


def test_labels_fall_back_to_the_id_and_follow_renames(django_assert_num_queries):
    lines_upsert(lines=[{"id": "PNfront", "number": "(617) 555-0100", "name": "Front office"}])
    assert Line.objects.get().number == "+16175550100"
    assert line_label("PNfront") == "Front office (+1 617-555-0100)"
    assert line_label("PNunknown") == "PNunknown"
    with django_assert_num_queries(0):  # cached
        assert line_labels() == {"PNfront": "Front office (+1 617-555-0100)"}
    lines_upsert(lines=[{"id": "PNfront", "number": "+16175550100", "name": "Reception"}])
    assert line_label("PNfront") == "Reception (+1 617-555-0100)"
    # OpenPhone giving no name keeps the one we have; items without a PN id are skipped.
    assert lines_upsert(lines=[{"id": "PNfront", "number": "+16175550100", "name": ""}, {"id": "", "number": "1"}]) == 0
    assert line_label("PNfront") == "Reception (+1 617-555-0100)"


def test_sync_openphone_fills_the_lines(fake_openphone):
    fake_openphone.add_line("PNfield0001", "+16175550101", name="Field")
    call_command("sync_openphone", "--line", DEFAULT_LINE_ID, stdout=io.StringIO())
    assert dict(Line.objects.values_list("openphone_id", "name")) == {DEFAULT_LINE_ID: "Main line", "PNfield0001": "Field"}
    assert line_label("PNfield0001") == "Field (+1 617-555-0101)"


def test_the_first_lookup_for_a_call_fills_the_lines_too(fake_openphone):
    line_numbers_forget()
    assert line_numbers() == frozenset({"+16175550100"})
    assert Line.objects.get().openphone_id == DEFAULT_LINE_ID


def test_the_dashboard_and_campaign_list_show_line_names(client, settings):
    from django.contrib.auth.models import Group

    from contacts.roles import MANAGER
    from tests.factories import CampaignFactory, UserFactory

    lines_upsert(lines=[{"id": "PNfront", "number": "+16175550100", "name": "Front office"}])
    CampaignFactory(name="Spring", phone_number_id="PNfront", status="running")
    user = UserFactory()
    user.groups.add(Group.objects.get(name=MANAGER))
    client.force_login(user)
    campaigns = client.get("/admin/campaigns/campaign/").content.decode()
    assert "Front office (+1 617-555-0100)" in campaigns
    dashboard = client.get("/dashboard/").content.decode()
    assert "Front office (+1 617-555-0100)" in dashboard
    assert "<code>PNfront</code>" not in dashboard
