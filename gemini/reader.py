"""GeminiReader: the language model reads the intent; the rules stay the floor for opt-outs.

- Only the message text is sent (no name, no number), with a fixed instruction.
- A timeout (GEMINI_TIMEOUT_SECONDS), tenacity retries (GEMINI_RETRIES attempts in all, short
  backoff), and a per-day call budget (GEMINI_DAILY_CALL_BUDGET, counted in the cache) bound the cost.
- Any failure — no key, budget spent, timeout, HTTP error, an answer that is not the expected JSON —
  falls back to the rule reading. Nothing is raised to the caller.
- Opt-outs never get weaker than the rules say: a certain opt-out by the rules stays certain; the
  model saying "opt_out" when the rules saw none makes it `possible` (a person decides).
- Addresses always come from the rules (usaddress), which find them offline.
"""
from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from contacts.reading import OptOutCertainty, Reading, ReplyCategory, RuleReader

logger = logging.getLogger(__name__)

INSTRUCTION = """You read one text message a homeowner sent to a foundation-crack repair company that
texted them. Answer with JSON only: {"category": C, "opt_out": O}.
C is one of: "interested" (any buying signal: questions about price, timing, the service or a visit,
a described problem such as cracks or water, an address given), "not_interested" (a refusal, including
"not now, maybe next year" and "we are selling anyway"), "opt_out" (asks us to stop texting),
"wrong_number" (wrong person, sold or never-owned house, tenant, business line, owner died),
"question" (only about us: who we are, how we got the number, whether this is real), "other"
(acknowledgement or deferral without refusal: "thanks", "let me think", "my wife decides").
O is "certain" (a request to stop texting), "possible" (may be one but unclear: a condition on
texting, another number, abuse without a request) or "none".
Message:
"""
_CATEGORIES = frozenset(ReplyCategory.values)
_OPT_OUTS = frozenset(OptOutCertainty.values)


class GeminiUnavailable(Exception):
    """No answer we can use: the caller falls back to the rules."""


def _budget_key() -> str:
    return f"gemini:calls:{timezone.localdate().isoformat()}"


def _take_from_budget() -> bool:
    """Count one call against today's budget; False once it is spent."""
    key = _budget_key()
    cache.add(key, 0, timeout=2 * 24 * 3600)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=2 * 24 * 3600)
        used = 1
    return used <= settings.GEMINI_DAILY_CALL_BUDGET


class GeminiReader:
    """A TEXT_READER that asks Gemini and falls back to the rules on any error."""

    name = "gemini"

    def __init__(self):
        self.rules = RuleReader()
        self._client = None

    def _get_client(self):
        if self._client is None:
            from google import genai
            from google.genai import types

            options = types.HttpOptions(
                timeout=int(settings.GEMINI_TIMEOUT_SECONDS * 1000),
                retry_options=types.HttpRetryOptions(attempts=1),  # tenacity retries, below
                **({"base_url": settings.GEMINI_BASE_URL} if settings.GEMINI_BASE_URL else {}),
            )
            self._client = genai.Client(api_key=settings.GEMINI_API_KEY, http_options=options)
        return self._client

    def _ask(self, text: str) -> dict:
        from google.genai import types

        @retry(
            stop=stop_after_attempt(max(1, settings.GEMINI_RETRIES)),
            wait=wait_exponential(multiplier=0.2, max=2),
            retry=retry_if_exception_type(Exception),
            reraise=True,
        )
        def call():
            if not _take_from_budget():
                raise GeminiUnavailable("today's call budget is spent")
            response = self._get_client().models.generate_content(
                model=settings.GEMINI_MODEL,
                contents=INSTRUCTION + text,
                config=types.GenerateContentConfig(temperature=0, response_mime_type="application/json"),
            )
            return response.text

        try:
            answer = json.loads(call() or "")
        except GeminiUnavailable:
            raise
        except Exception as exc:
            raise GeminiUnavailable(type(exc).__name__) from exc
        if (
            not isinstance(answer, dict)
            or answer.get("category") not in _CATEGORIES
            or answer.get("opt_out") not in _OPT_OUTS
        ):
            raise GeminiUnavailable("the answer is not the expected JSON")
        return answer

    def read(self, text: str) -> Reading:
        rules = self.rules.read(text)
        if not settings.GEMINI_API_KEY or not (text or "").strip():
            return rules
        if rules.opt_out == OptOutCertainty.CERTAIN:
            return rules  # never asked: nothing a model says may weaken a clear request to stop
        try:
            answer = self._ask(text)
        except GeminiUnavailable as exc:
            logger.warning("Gemini reading failed (%s); the rules decide", exc)
            return rules
        opt_out = rules.opt_out
        if answer["opt_out"] != OptOutCertainty.NONE or answer["category"] == ReplyCategory.OPT_OUT:
            opt_out = OptOutCertainty.POSSIBLE  # the model alone never opts anyone out: a person decides
        category = answer["category"]
        if category == ReplyCategory.OPT_OUT:
            category = rules.category if rules.category != ReplyCategory.OPT_OUT else ReplyCategory.OTHER
        return Reading(category=category, opt_out=opt_out, rule=f"gemini+{rules.rule}", addresses=rules.addresses)
