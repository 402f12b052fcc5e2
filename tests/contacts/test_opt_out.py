"""The opt-out phrase list: keywords alone, plain-language requests anywhere, no false alarms."""
import pytest

from contacts.opt_out import is_help, is_opt_in, is_opt_out


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", "Stop!", " stop. ", "STOPALL", "End", "cancel", "UNSUBSCRIBE", "quit", "REVOKE", "OPTOUT",
     "opt out", "Opt-Out", "Please stop texting me", "remove me from your list", "Take me off this list please",
     "do not text me again", "Don’t text me", "no more texts", "unsubscribe me"],
)
def test_opt_out_requests(text):
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    ["Can you stop by Tuesday?", "yes please call me", "STOP PLEASE no wait I'm interested? call me",
     "How much does it cost to end the leak", "", "Start", "The crack won't stop growing"],
)
def test_not_opt_out(text):
    # "STOP PLEASE ..." is not a lone keyword and not a request to stop texting.
    assert not is_opt_out(text)


def test_opt_in_and_help():
    assert is_opt_in("START") and is_opt_in("unstop") and is_opt_in("Start.")
    assert not is_opt_in("start the job monday")
    assert is_help("HELP") and is_help("help?")
    assert not is_help("can you help me with my basement")
