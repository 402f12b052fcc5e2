"""Every phone number typed by staff or found in a file becomes E.164, or is refused with a reason."""
import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberType

from contacts.phone import format_phone, mask_phone, normalize_phone, number_type, try_normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(617) 555-0123", "+16175550123"),
        ("617.555.0123", "+16175550123"),
        ("+1 617 555 0123", "+16175550123"),
        ("16175550123", "+16175550123"),
        ("617-555-0123", "+16175550123"),
        ("  6175550123  ", "+16175550123"),
        ("+1-617-555-0123", "+16175550123"),
        ("1 (508) 581-1596", "+15085811596"),
        ("508 581 1596", "+15085811596"),
        ("(339) 657-5726", "+13396575726"),
        ("tel:+1-413-555-0199", "+14135550199"),
        ("617 555 0123 ext. 4", "+16175550123"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_valid_numbers_become_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "phone_empty"),
        ("   ", "phone_empty"),
        (None, "phone_empty"),
        ("+1 (617) 55", "phone_invalid"),
        ("555-0123", "phone_invalid"),
        ("+15555550123", "phone_invalid"),  # 555 is not a US area code
        ("not a phone", "phone_unparseable"),
        ("123", "phone_invalid"),
        ("617555012345678", "phone_invalid"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(raw)
    assert excinfo.value.code == code
    assert excinfo.value.messages[0]  # says what was wrong


def test_try_normalize_returns_none_instead_of_raising():
    assert try_normalize_phone("(617) 55") is None
    assert try_normalize_phone("617.555.0123") == "+16175550123"


def test_format_and_mask_for_display_and_logs():
    assert format_phone("+16175550123") == "(617) 555-0123"
    assert format_phone("+442079460958") == "+44 20 7946 0958"
    assert mask_phone("+16175550123") == "+1******0123"
    assert "555" not in mask_phone("+16175550123")


def _phonenumbers_type(e164: str) -> int:
    try:
        return phonenumbers.number_type(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return PhoneNumberType.UNKNOWN


def test_number_type_answers_what_phonenumbers_answers():
    """US numbers are typed from phonenumbers' own patterns without parsing: the answer must be
    phonenumbers' for every +1 number (US, other NANP countries, toll-free, premium, personal,
    invalid) and for numbers elsewhere."""
    rnd = random.Random(20261126)
    areas = ["617", "508", "781", "978", "413", "800", "833", "888", "900", "500", "533", "521", "305", "274",
             "472", "987", "456", "555", "700", "710", "416", "604", "787", "876", "242", "211", "911", "100"]
    numbers = [f"+1{rnd.choice(areas + [str(rnd.randint(200, 999))])}{rnd.randint(0, 9999999):07d}"
               for _ in range(20000)]
    numbers += ["+13052091234", "+18002345678", "+19002345678", "+16175550123", "+161755501234", "+1617555012",
                "+442071838750", "+33123456789", "+5215512345678", "", "+1", "+1abcdefghij"]
    kinds = {}
    for e164 in numbers:
        expected = _phonenumbers_type(e164)
        assert number_type(e164) == expected, e164
        kinds[expected] = kinds.get(expected, 0) + 1
    # Plenty of each answer was compared, not only refusals.
    assert kinds[PhoneNumberType.FIXED_LINE_OR_MOBILE] > 5000
    assert kinds[PhoneNumberType.UNKNOWN] > 500
    assert kinds[PhoneNumberType.TOLL_FREE] > 100 and kinds[PhoneNumberType.PREMIUM_RATE] > 100
    assert kinds[PhoneNumberType.PERSONAL_NUMBER] > 50 and kinds[PhoneNumberType.VOIP] >= 1
    assert number_type(None) == PhoneNumberType.UNKNOWN
