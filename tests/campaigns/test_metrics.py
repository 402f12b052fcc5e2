"""Campaign results on a known data set, the A/B test, and the overview without N+1."""
import datetime
import math
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import MembershipStatus, Variant
from campaigns.reply_classifier import ReplyCategory
from campaigns.selectors import campaign_metrics, campaigns_overview, line_sends_today, two_proportion_z_test
from tests.factories import CampaignFactory, CampaignMembershipFactory

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))


def members(campaign, variant, n, **fields):
    return [CampaignMembershipFactory(campaign=campaign, variant=variant, **fields) for _ in range(n)]


def build_known_campaign():
    """A: 100 sent, 10 replied (4 interested, 2 opt-outs), 90 delivered. B: 100 sent, 25 replied. 5 pending in A."""
    campaign = CampaignFactory(template_b="B text {first_name|there}")
    sent = {"sent_at": NOON}
    members(campaign, Variant.A, 4, status=MembershipStatus.REPLIED, replied_at=NOON, reply_category=ReplyCategory.INTERESTED, **sent)
    members(campaign, Variant.A, 4, status=MembershipStatus.REPLIED, replied_at=NOON, reply_category=ReplyCategory.QUESTION, **sent)
    members(campaign, Variant.A, 2, status=MembershipStatus.OPTED_OUT, replied_at=NOON, reply_category=ReplyCategory.OPT_OUT, **sent)
    members(campaign, Variant.A, 80, status=MembershipStatus.DELIVERED, **sent)
    members(campaign, Variant.A, 7, status=MembershipStatus.FAILED, **sent)
    members(campaign, Variant.A, 3, status=MembershipStatus.SENT, **sent)
    members(campaign, Variant.A, 5, status=MembershipStatus.PENDING)
    members(campaign, Variant.B, 25, status=MembershipStatus.REPLIED, replied_at=NOON, reply_category=ReplyCategory.INTERESTED, **sent)
    members(campaign, Variant.B, 75, status=MembershipStatus.DELIVERED, **sent)
    return campaign


def test_metrics_per_variant_and_overall_on_a_known_data_set(django_assert_num_queries):
    campaign = build_known_campaign()
    with django_assert_num_queries(1):
        metrics = campaign_metrics(campaign=campaign)
    a, b = metrics.variants["A"], metrics.variants["B"]
    assert (a.enrolled, a.pending, a.sent, a.delivered, a.failed, a.replied, a.opted_out, a.interested) == (
        105, 5, 100, 90, 7, 10, 2, 4,
    )
    assert (a.response_rate, a.opt_out_rate, a.interested_rate) == (0.10, 0.02, 0.04)
    assert (b.sent, b.replied, b.response_rate, b.interested_rate) == (100, 25, 0.25, 0.25)
    assert metrics.overall.enrolled == 205 and metrics.overall.replied == 35 and metrics.overall.sent == 200
    test = metrics.ab_test
    # pooled p = 35/200; z = 0.15 / sqrt(p(1-p) * 2/100)
    pooled = 35 / 200
    assert test.z == pytest.approx(0.15 / math.sqrt(pooled * (1 - pooled) * 0.02))
    assert test.p_value == pytest.approx(0.0052, abs=5e-4)
    assert test.significant and test.leader == "B"


def test_small_difference_is_not_significant():
    test = two_proportion_z_test(10, 100, 12, 100)
    assert not test.significant and test.leader == "B" and test.p_value > 0.5
    assert two_proportion_z_test(0, 0, 3, 10) is None
    assert two_proportion_z_test(0, 10, 0, 10).leader is None


def test_single_variant_campaign_has_no_ab_test():
    campaign = CampaignFactory()
    members(campaign, Variant.A, 3, status=MembershipStatus.SENT, sent_at=NOON)
    metrics = campaign_metrics(campaign=campaign)
    assert metrics.ab_test is None and metrics.overall.sent == 3


def test_overview_counts_progress_in_one_query(django_assert_num_queries):
    first = build_known_campaign()
    second = CampaignFactory(phone_number_id="PNother")
    members(second, Variant.A, 2, status=MembershipStatus.SENT, sent_at=NOON - datetime.timedelta(days=1))
    members(second, Variant.A, 3)
    with django_assert_num_queries(1):
        rows = {c.pk: c for c in campaigns_overview(at=NOON)}
        assert all(c.created_by is None for c in rows.values())
    assert (rows[first.pk].enrolled_count, rows[first.pk].sent_count, rows[first.pk].sent_today) == (205, 200, 200)
    assert (rows[second.pk].enrolled_count, rows[second.pk].sent_count, rows[second.pk].sent_today) == (5, 2, 0)
    assert rows[second.pk].pending_count == 3
    assert line_sends_today(at=NOON) == {"PNtoDbDhuz": 200}
