"""Every phone number typed by staff or found in a file becomes E.164, or is refused with a reason."""
import pytest
from django.core.exceptions import ValidationError

from contacts.phone import format_phone, mask_phone, normalize_phone, try_normalize_phone


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
