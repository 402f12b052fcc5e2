"""Intent by the labeling guide: one test per family of contacts.reading.rules, negations included."""
import pytest

from contacts.reading import ReplyCategory, read_message


def category(text):
    return read_message(text).category


@pytest.mark.parametrize("text", ["Yes please", "How much to fix a crack?", "Can someone come take a look?",
                                  "We have water coming in the corner", "basement floods every spring",
                                  "the crack got bigger", "is the inspection free?", "I'm free tomorrow after 3",
                                  "Do you guys do bulkhead leaks?", "Stop over whenever you like",
                                  "please cancel Thursday's visit and rebook", "End of next week is fine",
                                  "my address is 12 Oak St Brockton", "88 Prospect st, Taunton",
                                  "interested but not till after the holidays"])
def test_interested_buying_signals(text):
    assert category(text) == ReplyCategory.INTERESTED


@pytest.mark.parametrize("text", ["Not interested", "no thanks", "No", "Not now, maybe next year",
                                  "We are selling anyway", "we're all set", "already had it fixed",
                                  "already have a contractor", "no cracks here", "basement is dry, no need",
                                  "we don't have any problems with our foundation", "NOT INTERESTED",
                                  "I'm not interested in an estimate"])
def test_not_interested_refusals_and_negations(text):
    assert category(text) == ReplyCategory.NOT_INTERESTED


@pytest.mark.parametrize("text", ["Wrong number", "you have the wrong person", "I sold the house in 2019",
                                  "We sold that house years ago", "I don't own that property",
                                  "I'm a tenant, ask the landlord", "we rent", "This is a business line",
                                  "My father passed away last year", "the owner is deceased",
                                  "no one here by that name", "i dont live there anymore"])
def test_wrong_number_wrong_person_sold_tenant_business_deceased(text):
    assert category(text) == ReplyCategory.WRONG_NUMBER


@pytest.mark.parametrize("text", ["Yes but I rent out the downstairs, is that a problem?",
                                  "my tenants told me there's water in the basement"])
def test_an_owner_who_rents_the_house_out_is_not_a_tenant(text):
    assert category(text) == ReplyCategory.INTERESTED


@pytest.mark.parametrize("text", ["Who is this?", "How did you get my number?", "Is this legit",
                                  "what company is this", "Are you a real person", "Where are you located?"])
def test_questions_only_about_us(text):
    assert category(text) == ReplyCategory.QUESTION


@pytest.mark.parametrize("text", ["thanks", "ok", "let me think about it", "My wife decides on that",
                                  "I'll talk to my husband", "maybe in the spring", "👍", "Busy right now", ""])
def test_other_acknowledgements_and_deferrals(text):
    assert category(text) == ReplyCategory.OTHER


def test_spelling_case_and_emoji_do_not_change_the_reading():
    assert category("YES PLS!!! 🙏") == category("yes please")
    assert category("intrested, how much for an estimte") == ReplyCategory.INTERESTED
    assert read_message("unsubscibe").opt_out == "certain"


def test_the_rule_that_decided_is_named():
    assert read_message("Wrong number").rule == "wrong_number.wrong_number"
    assert read_message("We sold that house years ago").rule == "wrong_number.not_owner"
