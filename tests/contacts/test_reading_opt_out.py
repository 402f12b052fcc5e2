"""Opt-out reading: every plain way of saying "stop texting me" is certain, false friends are not,
unclear ones are possible (the contact is held). One test per rule family of contacts.reading.rules."""
import pytest

from contacts.reading import read_message


def certain(text):
    reading = read_message(text)
    return reading.opt_out == "certain" and reading.category == "opt_out"


@pytest.mark.parametrize("text", ["STOP", "Stop.", "stop!!", "STOPALL", "UNSUBSCRIBE", "Cancel", "END", "quit",
                                  "Opt-out", "REVOKE", "STOP STOP", "Stop please", "No thanks. STOP"])
def test_carrier_keywords_as_the_whole_message_or_sentence(text):
    assert certain(text)
    assert read_message(text).rule == "opt_out.keyword"


@pytest.mark.parametrize("text", ["Please remove me from your list", "remove my number", "Delete my number pls",
                                  "take me off your list", "Take this number off your list", "delete me",
                                  "Remove us from the mailing list", "lose my number", "not my house, remove me"])
def test_remove_delete_take_off(text):
    assert certain(text)


@pytest.mark.parametrize("text", ["Dont text me", "do not text this number again", "never message me again",
                                  "Do not contact me", "don’t ever contact us again", "DO NOT TEXT ME",
                                  "i dont want these texts", "We do not wish to be contacted"])
def test_dont_text_message_contact(text):
    assert certain(text)


@pytest.mark.parametrize("text", ["Quit texting me", "cease messaging this number", "stop contacting me",
                                  "Stop sending me these messages", "stop bugging me", "please stop",
                                  "quit messaging me or I will report you"])
def test_quit_cease_stop_texting(text):
    assert certain(text)


@pytest.mark.parametrize("text", ["I revoke my consent", "I withdraw consent to receive texts",
                                  "revoking my permission for text messages"])
def test_revoke_or_withdraw_consent(text):
    assert certain(text)
    assert read_message(text).rule == "opt_out.revoke_consent"


@pytest.mark.parametrize("text", ["leave me alone", "LEAVE US ALONE!!", "no more texts", "No more messages please",
                                  "unsubscribe me", "opt me out", "Go away"])
def test_leave_alone_no_more_unsubscribe(text):
    assert certain(text)


@pytest.mark.parametrize("text", ["stop over whenever you like", "the leak never stops",
                                  "please cancel Thursday's visit and rebook", "end of next week is fine",
                                  "Can you stop by Tuesday?", "The crack won't stop growing",
                                  "How much does it cost to end the leak", "we can stop in at noon", "Start"])
def test_false_friends_are_not_opt_outs(text):
    assert read_message(text).opt_out == "none"


@pytest.mark.parametrize("text", ["only text after 6 please", "not this number, try my cell",
                                  "Please don't text during work hours", "this is spam", "wtf", "F off",
                                  "why do you keep texting me", "I never signed up for this", "call don't text",
                                  "STOP PLEASE no wait I'm interested? call me"])
def test_unclear_ones_are_possible(text):
    assert read_message(text).opt_out == "possible"


def test_a_condition_on_texting_is_not_read_as_a_buying_signal():
    reading = read_message("text me only on weekends")
    assert (reading.opt_out, reading.category) == ("possible", "other")


def test_asking_whether_we_are_a_scam_is_a_question_not_abuse():
    reading = read_message("Is this a scam?")
    assert (reading.category, reading.opt_out) == ("question", "none")


def test_a_retracted_stop_is_held_and_read_for_what_follows():
    reading = read_message("STOP PLEASE no wait I'm interested? call me")
    assert reading.rule.startswith("possible.retracted")
    assert reading.category == "interested"
