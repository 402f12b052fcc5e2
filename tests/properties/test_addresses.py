"""One normalized key per house, so the same address written two ways is one property."""
import pytest

from properties.addresses import address_key, zip5


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("12 Main Street", "Boston", "MA", "02114"), ("12 MAIN ST", "boston", "ma", "02114")),
        (("12 Main Street", "Boston", "MA", "02114"), ("12 main st.", "Boston", "MA", "2114")),
        (("45 Hancock Avenue", "Quincy", "MA", "02171"), ("45 Hancock Ave", "QUINCY", "MA", "02171-1234")),
        (("7 Elm Road Apt 2", "Lowell", "MA", "01852"), ("7 ELM RD APT 2", "Lowell", "MA", "01852")),
    ],
)
def test_same_house_written_two_ways_has_one_key(a, b):
    assert address_key(*a) == address_key(*b)


def test_different_houses_have_different_keys():
    assert address_key("12 Main St", "Boston", "MA", "02114") != address_key("14 Main St", "Boston", "MA", "02114")
    assert address_key("12 Main St", "Boston", "MA", "02114") != address_key("12 Main St", "Salem", "MA", "01970")


def test_key_reads_as_usps_form():
    assert address_key("12 Main Street", "Boston", "MA", "02114") == "12 MAIN ST|BOSTON|MA|02114"


def test_unparseable_address_keeps_a_fallback_key():
    key = address_key("PO Box 12", "Boston", "MA", "02114")
    assert key.startswith("~")
    assert "PO BOX 12" in key
    assert address_key("P.O. Box 12", "boston", "MA", "02114") == key


def test_address_is_required():
    with pytest.raises(ValueError):
        address_key("", "Boston", "MA", "02114")


@pytest.mark.parametrize(("raw", "expected"), [("02114", "02114"), ("2114", "02114"), ("02114-1234", "02114"),
                                               ("021141234", "02114"), ("", ""), (None, "")])
def test_zip5(raw, expected):
    assert zip5(raw) == expected
