"""The legal texting window in the recipient's own zone; doubt means not now."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from contacts.send_window import RecipientLocale, allowed_window, is_within_window, recipient_locale

EASTERN = ZoneInfo("America/New_York")


def at_boston(hour, minute=0):
    return datetime.datetime(2026, 3, 10, hour, minute, tzinfo=EASTERN)


def test_617_number_is_massachusetts_eastern():
    locale = recipient_locale(phone="+16175550123")
    assert locale.state == "MA"
    assert locale.zones == ("America/New_York",)


def test_property_state_wins_over_phone():
    locale = recipient_locale(phone="+14155550123", property_state="ma")
    assert (locale.state, locale.basis) == ("MA", "property")


@pytest.mark.parametrize(("hour", "minute", "allowed"), [(7, 59, False), (8, 0, True), (19, 59, True), (20, 0, False), (20, 1, False)])
def test_boston_window_is_eight_to_eight(hour, minute, allowed):
    assert is_within_window(recipient_locale(phone="+16175550123"), at_boston(hour, minute)) is allowed


def test_california_is_evaluated_in_pacific_time():
    ca = recipient_locale(phone="+14155550123")
    assert ca.state == "CA"
    # 11:30 in Boston is 8:30 in San Francisco: allowed; 10:30 in Boston is 7:30 there: not.
    assert is_within_window(ca, at_boston(11, 30))
    assert not is_within_window(ca, at_boston(10, 30))
    # 23:30 in Boston is 20:30 in California: federal window still open there.
    assert is_within_window(ca, at_boston(23, 30))


def test_campaign_window_narrows_the_legal_one():
    ma = recipient_locale(phone="+16175550123")
    assert allowed_window(ma, (datetime.time(10), datetime.time(18))) == (datetime.time(10), datetime.time(18))
    assert not is_within_window(ma, at_boston(9, 30), (datetime.time(10), datetime.time(18)))


def test_ambiguous_zone_must_hold_everywhere():
    both = RecipientLocale("TX", ("America/Chicago", "America/Denver"), "property")
    # Texas starts at 9:00 (Tex. Bus. & Com. Code 301.051): 9:30 Chicago is 8:30 Denver, not yet.
    assert not is_within_window(both, datetime.datetime(2026, 3, 10, 9, 30, tzinfo=ZoneInfo("America/Chicago")))
    assert is_within_window(both, datetime.datetime(2026, 3, 10, 10, 30, tzinfo=ZoneInfo("America/Chicago")))


def test_unknown_location_is_never_inside_the_window():
    assert not is_within_window(recipient_locale(phone=None), at_boston(12))
