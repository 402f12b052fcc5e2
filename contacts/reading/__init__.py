"""The one place that reads a homeowner's message: intent, opt-out certainty, addresses mentioned.

    from contacts.reading import read_message
    reading = read_message("Please take me off your list")
    reading.category, reading.opt_out, reading.rule, reading.addresses

`read_message` uses the reader named by settings.TEXT_READER (a dotted path, like SMS_BACKEND;
default the rule reader, offline and explainable). Every other reader falls back to the rules.
"""
from __future__ import annotations

from .addresses import MentionedAddress, find_addresses
from .base import Reading, get_reader, read_message
from .categories import OptOutCertainty, ReplyCategory
from .rules import RuleReader, read_with_rules

__all__ = [
    "MentionedAddress",
    "OptOutCertainty",
    "Reading",
    "ReplyCategory",
    "RuleReader",
    "find_addresses",
    "get_reader",
    "read_message",
    "read_with_rules",
]
