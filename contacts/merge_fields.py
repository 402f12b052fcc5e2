"""Message templates with merge fields (`{first_name|there}`) and SMS segment counting.

A template may use only the fields in MERGE_FIELDS; `{name|fallback}` prints the fallback
when the homeowner's value is empty. Segment counts follow GSM 03.38 (160/153 septets) and
UCS-2 (70/67 code units) as carriers bill them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
from django.core.exceptions import ValidationError

# Field name -> what it holds (shown in the admin's help text).
MERGE_FIELDS: dict[str, str] = {
    "first_name": "the homeowner's first name",
    "last_name": "the homeowner's last name",
    "property_address": "street address of their property",
    "city": "city of their property (else of their mailing address)",
}

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"^[a-z_]+$")

# Carrier segment sizes: a single segment holds more than each part of a concatenated one,
# because every part carries a 6-byte header (UDH).
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Placeholder:
    name: str
    fallback: str
    start: int


def parse_placeholders(template: str) -> list[Placeholder]:
    """The merge fields of `template`, or ValidationError naming every unknown or malformed one."""
    errors: list[str] = []
    found: list[Placeholder] = []
    for match in _PLACEHOLDER.finditer(template):
        inner = match.group(1)
        name, _, fallback = inner.partition("|")
        name = name.strip()
        if not _NAME.match(name):
            errors.append(f"“{{{inner}}}” at character {match.start() + 1} is not a merge field")
        elif name not in MERGE_FIELDS:
            errors.append(f"unknown merge field “{{{name}}}” at character {match.start() + 1}")
        else:
            found.append(Placeholder(name, fallback.strip(), match.start()))
    stray = _PLACEHOLDER.sub("", template)
    for brace in "{}":
        if brace in stray:
            errors.append(f"unmatched “{brace}” at character {_stray_position(template, brace) + 1}")
    if errors:
        joined = "; ".join(errors)
        raise ValidationError(
            "%(errors)s. Use only %(fields)s, optionally with a fallback like {first_name|there}.",
            code="merge_field",
            params={"errors": joined[:1].upper() + joined[1:], "fields": ", ".join(f"{{{f}}}" for f in MERGE_FIELDS)},
        )
    return found


def _stray_position(template: str, brace: str) -> int:
    spans = [m.span() for m in _PLACEHOLDER.finditer(template)]
    for index, char in enumerate(template):
        if char == brace and not any(start <= index < end for start, end in spans):
            return index
    return 0


def validate_template(template: str) -> None:
    """Raise ValidationError when the template uses unknown or malformed merge fields."""
    parse_placeholders(template or "")


def render_template(template: str, values: dict[str, str | None]) -> str:
    """The message for one homeowner: each field replaced by their value, else its fallback, else nothing."""

    def replace(match: re.Match) -> str:
        name, _, fallback = match.group(1).partition("|")
        value = (values.get(name.strip()) or "").strip()
        return value or fallback.strip() or _EMPTY

    text = _PLACEHOLDER.sub(replace, template)
    # A field left empty must not leave "Hi , we..." or a double space behind.
    text = _EMPTY_WITH_SPACE.sub("", text).replace(_EMPTY, "")
    return text.strip()


_EMPTY = "\x00"
_EMPTY_WITH_SPACE = re.compile(r"[ \t]*\x00(?=[ \t,.!?;:]|$)")


@dataclass(frozen=True)
class SegmentCount:
    """How a text is billed: encoding, length in that encoding's units, and number of segments."""

    encoding: str
    """"GSM-7" or "UCS-2"."""
    units: int
    """Septets for GSM-7 (extension characters such as € count twice), UTF-16 code units for UCS-2."""
    segments: int
    characters: int

    def __str__(self) -> str:
        plural = "" if self.segments == 1 else "s"
        return f"{self.characters} characters, {self.segments} segment{plural} ({self.encoding})"


def count_segments(text: str) -> SegmentCount:
    """Characters and SMS segments of `text` as a carrier would split it."""
    try:
        units = len(text.encode("gsm03.38"))
        encoding, single, part = "GSM-7", GSM_SINGLE, GSM_PART
    except UnicodeEncodeError:
        units = len(text.encode("utf-16-le")) // 2
        encoding, single, part = "UCS-2", UCS2_SINGLE, UCS2_PART
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = math.ceil(units / part)
    return SegmentCount(encoding=encoding, units=units, segments=segments, characters=len(text))
