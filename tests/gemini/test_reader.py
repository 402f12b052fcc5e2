"""The Gemini reader against a local fake Gemini server (pytest-httpserver): answer, timeout, errors,
budget, and the fallback to the rules. The real service is never called."""
import json
import time

import pytest
from werkzeug import Response

from contacts.reading import read_message

PATH = "/v1beta/models/gemini-test:generateContent"


def gemini_answer(payload: dict) -> dict:
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": json.dumps(payload)}]},
                            "finishReason": "STOP"}]}


@pytest.fixture
def gemini(settings, httpserver):
    from django.core.cache import cache

    cache.clear()
    settings.TEXT_READER = "gemini.GeminiReader"
    settings.GEMINI_API_KEY = "test-key"
    settings.GEMINI_MODEL = "gemini-test"
    settings.GEMINI_BASE_URL = httpserver.url_for("/")
    settings.GEMINI_TIMEOUT_SECONDS = 1.0
    settings.GEMINI_RETRIES = 2
    settings.GEMINI_DAILY_CALL_BUDGET = 100
    from contacts.reading.base import _reader_for

    _reader_for.cache_clear()  # a fresh client for this server
    yield httpserver
    _reader_for.cache_clear()


def test_the_model_reads_the_intent_and_only_the_text_goes_out(gemini):
    gemini.expect_request(PATH, method="POST").respond_with_json(
        gemini_answer({"category": "interested", "opt_out": "none"})
    )
    reading = read_message("hmm my garage floor has a long line across it, 12 Oak St, Brockton")
    assert (reading.category, reading.opt_out) == ("interested", "none")
    assert reading.rule.startswith("gemini+")
    assert reading.addresses[0].line1 == "12 Oak St"  # addresses from the rules
    request, _ = gemini.log[0]
    assert request.headers["x-goog-api-key"] == "test-key"
    sent = json.dumps(request.get_json())
    assert "garage floor has a long line" in sent and "+1617" not in sent


def test_a_certain_opt_out_never_asks_the_model(gemini):
    assert read_message("Please remove me from your list").opt_out == "certain"
    assert gemini.log == []


def test_the_model_alone_never_opts_out_it_holds(gemini):
    gemini.expect_request(PATH, method="POST").respond_with_json(
        gemini_answer({"category": "opt_out", "opt_out": "certain"})
    )
    reading = read_message("I'd rather you didn't")
    assert reading.opt_out == "possible" and reading.category != "opt_out"


def test_a_timeout_falls_back_to_the_rules_after_the_retries(gemini):
    def slow(request):
        time.sleep(2)
        return Response(json.dumps(gemini_answer({"category": "other", "opt_out": "none"})),
                        content_type="application/json")

    gemini.expect_request(PATH, method="POST").respond_with_handler(slow)
    reading = read_message("How much for an estimate?")
    # The server does answer, after 2 s: only the 1 s timeout explains the rules deciding.
    assert reading.rule == "interested.visit_or_price"


@pytest.mark.parametrize("respond", [
    lambda server: server.expect_request(PATH).respond_with_data("overloaded", status=503),
    lambda server: server.expect_request(PATH).respond_with_json(gemini_answer({"category": "maybe"})),
    lambda server: server.expect_request(PATH).respond_with_data("not json", content_type="text/plain"),
])
def test_any_error_falls_back_to_the_rules(gemini, respond):
    respond(gemini)
    reading = read_message("We sold that house years ago")
    assert (reading.category, reading.rule) == ("wrong_number", "wrong_number.not_owner")


def test_an_error_then_a_success_is_retried(gemini):
    gemini.expect_ordered_request(PATH).respond_with_data("boom", status=500)
    gemini.expect_ordered_request(PATH).respond_with_json(gemini_answer({"category": "question", "opt_out": "none"}))
    assert read_message("what's this about").rule.startswith("gemini+")
    assert len(gemini.log) == 2


def test_the_daily_budget_stops_calls(gemini, settings):
    settings.GEMINI_DAILY_CALL_BUDGET = 1
    gemini.expect_request(PATH).respond_with_json(gemini_answer({"category": "other", "opt_out": "none"}))
    assert read_message("ok").rule.startswith("gemini+")
    assert not read_message("ok then").rule.startswith("gemini+")
    assert len(gemini.log) == 1


def test_without_a_key_the_rules_read(gemini, settings):
    settings.GEMINI_API_KEY = ""
    assert read_message("Wrong number").rule == "wrong_number.wrong_number"
    assert gemini.log == []
