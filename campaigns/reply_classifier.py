"""What a homeowner's reply to a campaign text means, by keywords: the one place these lists live.

Opt-outs come from contacts.opt_out (the published phrase list); the rest is checked in the
order below, so "not interested" is never read as "interested" and a wrong number wins over a no.
"""
from __future__ import annotations

import re

from django.db import models

from contacts.opt_out import is_opt_out


class ReplyCategory(models.TextChoices):
    INTERESTED = "interested", "Interested"
    NOT_INTERESTED = "not_interested", "Not interested"
    OPT_OUT = "opt_out", "Opt-out"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    QUESTION = "question", "Question"
    OTHER = "other", "Other"


def _words(*patterns: str) -> re.Pattern:
    return re.compile("|".join(rf"(?:{p})" for p in patterns), re.IGNORECASE)


WRONG_NUMBER = _words(
    r"\bwrong (?:number|person|#)\b",
    r"\b(?:not|isn'?t|no longer) (?:my|the) (?:house|home|property)\b",
    r"\bi (?:don'?t|do not|no longer) own\b",
    r"\bsold (?:it|the house|the home|that house|the property)\b",
    r"\bno one (?:here )?by that name\b",
    r"\bwho(?:'s| is) (?:this|that)\b.*\bdon'?t know\b",
    r"\bnever (?:lived|owned)\b",
    r"\bnew number\b",
)
NOT_INTERESTED = _words(
    r"\bnot (?:really |at all )?interested\b",
    r"\bno (?:thanks?|thank you|thx|need)\b",
    r"\bnot (?:now|at this time|right now|looking)\b",
    r"\b(?:don'?t|do not) need\b",
    r"\bno interest\b",
    r"\bpass\b",
    r"\balready (?:had (?:it|that|them) )?(?:fixed|repaired|done)\b",
    r"\balready (?:have|got|hired) (?:someone|a contractor|a guy)\b",
    r"^\s*(?:no|nope|nah|n)\s*[.!]*\s*$",
)
INTERESTED = _words(
    r"\binterested\b",
    r"^\s*(?:yes|yeah|yep|yup|sure|ok|okay|y)\b",
    r"\b(?:call|text) me\b",
    r"\b(?:estimate|quote|inspection|appointment|come (?:out|by|look))\b",
    r"\bhow much\b",
    r"\bsounds good\b",
    r"\bi (?:have|got|do have|noticed|see) (?:a |some )?(?:crack|cracks|leak|water)\b",
    r"\bplease (?:call|contact|come)\b",
    r"\bwhen can you\b",
)
QUESTION = _words(r"\?", r"^\s*(?:who|what|how|why|where|when|is this|are you)\b")


def classify_reply(text: str) -> ReplyCategory:
    """The category of a reply; OTHER when no keyword applies."""
    text = (text or "").replace("’", "'")
    if is_opt_out(text):
        return ReplyCategory.OPT_OUT
    if WRONG_NUMBER.search(text):
        return ReplyCategory.WRONG_NUMBER
    if NOT_INTERESTED.search(text):
        return ReplyCategory.NOT_INTERESTED
    if INTERESTED.search(text):
        return ReplyCategory.INTERESTED
    if QUESTION.search(text):
        return ReplyCategory.QUESTION
    return ReplyCategory.OTHER
