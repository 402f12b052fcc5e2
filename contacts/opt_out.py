"""What counts as "stop texting me" (and "start again"): the published phrase list, kept in one place.

Carrier keywords count only as the whole message (case and punctuation ignored: "Stop!" counts,
"stop by tomorrow" does not). Plain-language requests count anywhere in the message.
"""
from __future__ import annotations

import re

# Whole-message keywords (carrier standard plus common variants). "OPT OUT" is matched with or without the space.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "END", "CANCEL", "UNSUBSCRIBE", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})

# Clear requests in plain words, anywhere in the message.
OPT_OUT_PHRASES = (
    r"\bstop (?:texting|messaging|contacting|sending)\b",
    r"\b(?:please )?(?:remove|take) me (?:off|from|out of)\b",
    r"\b(?:do not|don'?t|dont|never) (?:text|message|contact|send|txt) (?:me|us|this number)\b",
    r"\bunsubscribe me\b",
    r"\bopt me out\b",
    r"\bno more (?:texts|messages|txts)\b",
    r"\blose (?:this|my) number\b",
)
_PHRASES = re.compile("|".join(OPT_OUT_PHRASES), re.IGNORECASE)
_NOT_LETTERS = re.compile(r"[^A-Z]+")


def _keyword(text: str) -> str:
    """The message reduced to its letters, upper case: "Stop!!" -> "STOP", "opt-out" -> "OPTOUT"."""
    return _NOT_LETTERS.sub("", (text or "").upper())


def is_opt_out(text: str) -> bool:
    """True when the message asks us to stop texting: a keyword alone, or a clear request in words."""
    if _keyword(text) in OPT_OUT_KEYWORDS:
        return True
    return bool(_PHRASES.search((text or "").replace("’", "'")))


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
