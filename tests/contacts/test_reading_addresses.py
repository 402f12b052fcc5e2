"""Street addresses in texts: found with usaddress after a cheap prefilter; none invented."""
import pytest

from contacts.reading import MentionedAddress, find_addresses, read_message


@pytest.mark.parametrize(("text", "expected"), [
    ("12 Oak St, Brockton", MentionedAddress("12 Oak St", "Brockton")),
    ("yes the house is 45 Elm Street in Quincy MA 02169 come by", MentionedAddress("45 Elm Street", "Quincy", "MA", "02169")),
    ("Its 1203 N Main st apt 2 Fall River, MA", MentionedAddress("1203 N Main st apt 2", "Fall River", "MA")),
    ("12 oak st brockton ma", MentionedAddress("12 oak st", "Brockton", "MA")),
    ("we are at 77 Pleasant Ave. the crack is big", MentionedAddress("77 Pleasant Ave")),
])
def test_addresses_are_found_with_their_parts(text, expected):
    assert find_addresses(text) == (expected,)


@pytest.mark.parametrize("text", ["I have 2 cracks on the wall", "call me at 508 555 1212",
                                  "3 kids and 2 dogs way too busy", "we have lived here 20 years", ""])
def test_numbers_that_are_not_addresses(text):
    assert find_addresses(text) == ()


def test_a_city_is_only_taken_when_written_like_one():
    assert find_addresses("we sold 14 maple ave last year") == (MentionedAddress("14 maple ave"),)


def test_reading_carries_the_addresses():
    reading = read_message("sure thing. 88 Prospect st, Taunton")
    assert reading.addresses_as_json() == [{"line1": "88 Prospect st", "city": "Taunton", "state": "", "zip": ""}]
