"""Opting back in (START/UNSTOP), HELP, and the reason recorded for an opt-out.

Whether a message asks us to stop is read by contacts.reading; `is_opt_out` asks it.
"""
from __future__ import annotations

import re

# Whole-message keywords for opting back in and for help. What counts as a request to stop is
# read by contacts.reading (the one place): carrier keywords and plain-language requests alike.
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
_NOT_LETTERS = re.compile(r"[^A-Z]+")


def _keyword(text: str) -> str:
    """The message reduced to its letters, upper case: "Start!!" -> "START"."""
    return _NOT_LETTERS.sub("", (text or "").upper())


def is_opt_out(text: str) -> bool:
    """True when the message certainly asks us to stop texting (contacts.reading says `certain`)."""
    from .reading import OptOutCertainty, read_message

    return read_message(text).opt_out == OptOutCertainty.CERTAIN


def is_opt_in(text: str) -> bool:
    """True when the whole message is START or UNSTOP."""
    return _keyword(text) in OPT_IN_KEYWORDS


def is_help(text: str) -> bool:
    """True when the whole message is HELP (or INFO)."""
    return _keyword(text) in HELP_KEYWORDS


def opt_out_reason(text: str) -> str:
    """The reason recorded on the contact for an opt-out message (the words they used, shortened)."""
    words = " ".join((text or "").split())
    return f"Replied “{words[:80]}”" if words else "Opt-out request"
