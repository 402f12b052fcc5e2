"""The keyword classifier of replies."""
import pytest

from campaigns.reply_classifier import ReplyCategory, classify_reply


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("STOP", ReplyCategory.OPT_OUT),
        ("Please remove me from your list", ReplyCategory.OPT_OUT),
        ("Yes! How much for an inspection?", ReplyCategory.INTERESTED),
        ("I'm interested, call me", ReplyCategory.INTERESTED),
        ("Not interested", ReplyCategory.NOT_INTERESTED),
        ("no thanks", ReplyCategory.NOT_INTERESTED),
        ("No", ReplyCategory.NOT_INTERESTED),
        ("We already had it fixed last year", ReplyCategory.NOT_INTERESTED),
        ("Wrong number", ReplyCategory.WRONG_NUMBER),
        ("I sold the house in 2019, not interested", ReplyCategory.WRONG_NUMBER),
        ("Who is this?", ReplyCategory.QUESTION),
        ("Are you licensed", ReplyCategory.QUESTION),
        ("thx", ReplyCategory.OTHER),
        ("", ReplyCategory.OTHER),
    ],
)
def test_classify_reply(text, category):
    assert classify_reply(text) == category
