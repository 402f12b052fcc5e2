"""What a homeowner's reply to a campaign text means: read by contacts.reading (the one place).

Kept for existing imports: `ReplyCategory` lives in contacts.reading, and `classify_reply` is
the category of `contacts.reading.read_message`.
"""
from __future__ import annotations

from contacts.reading import ReplyCategory, read_message

__all__ = ["ReplyCategory", "classify_reply"]


def classify_reply(text: str) -> ReplyCategory:
    """The category of a reply (OTHER when nothing in it says more)."""
    return ReplyCategory(read_message(text).category)
