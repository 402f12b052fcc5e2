"""Templates: merge fields with fallbacks, unknown fields refused, segment counts as carriers bill them."""
import pytest
from django.core.exceptions import ValidationError

from campaigns.merge_fields import count_segments, render_template, validate_template

VALUES = {"first_name": "Jane", "last_name": "Doe", "property_address": "12 Elm St", "city": "Worcester"}


def test_render_fills_fields_and_fallbacks():
    template = "Hi {first_name|there}, about {property_address} in {city|your town}: reply STOP to opt out."
    assert render_template(template, VALUES) == "Hi Jane, about 12 Elm St in Worcester: reply STOP to opt out."
    assert render_template(template, {"first_name": "  "}) == "Hi there, about in your town: reply STOP to opt out."


def test_empty_field_without_fallback_leaves_no_stray_space():
    assert render_template("Hi {first_name}, cracks fixed.", {}) == "Hi, cracks fixed."
    assert render_template("Dear {first_name} {last_name} homeowner", {"last_name": "Doe"}) == "Dear Doe homeowner"


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("Hi {firstname}", "Unknown merge field “{firstname}” at character 4"),
        ("Hi {first name}", "“{first name}” at character 4 is not a merge field"),
        ("Hi {first_name", "Unmatched “{” at character 4"),
        ("Hi first_name}", "Unmatched “}” at character 14"),
    ],
)
def test_unknown_or_malformed_fields_are_refused_with_their_position(template, fragment):
    with pytest.raises(ValidationError) as excinfo:
        validate_template(template)
    assert fragment in excinfo.value.messages[0]
    assert "{first_name|there}" in excinfo.value.messages[0]


def test_known_fields_pass():
    validate_template("Hi {first_name|there} {last_name} at {property_address}, {city}")


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters take two septets
        ("é" * 160, "GSM-7", 160, 1),  # é is in the GSM default alphabet
        ("a" * 69 + "ç", "UCS-2", 70, 1),
        ("a" * 70 + "😀", "UCS-2", 72, 2),  # an emoji is two UTF-16 code units
        ("", "GSM-7", 0, 0),
    ],
)
def test_segments_follow_gsm7_and_ucs2_rules(text, encoding, units, segments):
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)
