"""The OpenPhone client against a real loopback server: auth, errors, retries, throttle, pagination."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import time_machine

from openphone.client import (
    OpenPhoneAuthError,
    OpenPhoneClient,
    OpenPhoneClientError,
    OpenPhoneConnectionError,
    OpenPhoneNotFound,
    OpenPhoneRateLimited,
    OpenPhoneServerError,
    OpenPhoneTimeout,
    TokenBucket,
    _parse_retry_after,
    shared_throttle,
)
from tests.openphone.fake_openphone import DEFAULT_LINE_ID, DEFAULT_LINE_NUMBER

HOMEOWNER = "+16175550123"


class FakeClock:
    """A monotonic clock that only moves when slept on: throttle tests without wall-clock flakiness."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(fake_openphone, sleeps):
    """A client whose backoff waits are recorded instead of slept; a fast throttle of its own."""
    return OpenPhoneClient(
        sleep=sleeps.append, backoff_initial=0.5, backoff_max=8, max_attempts=4,
        # A 1 s read timeout: an answer on a busy CI machine may take a few hundred ms; the timeout
        # tests make the fake server wait 2 s.
        throttle=TokenBucket(rate=1000), timeout=(2, 1.0),
    )


def _calls_to(fake, method, path):
    return [r for r in fake.requests if r.method == method and r.path == path]


# --- auth and request shape ---------------------------------------------------------------

def test_sends_the_raw_api_key_without_bearer(client, fake_openphone):
    lines = client.list_phone_numbers()
    assert [line["id"] for line in lines] == [DEFAULT_LINE_ID]
    assert fake_openphone.requests[-1].headers["authorization"] == "test-api-key"


def test_wrong_key_is_a_typed_401_and_not_retried(fake_openphone, sleeps):
    client = OpenPhoneClient(api_key="Bearer test-api-key", sleep=sleeps.append, throttle=TokenBucket(rate=1000))
    with pytest.raises(OpenPhoneAuthError) as excinfo:
        client.list_phone_numbers()
    assert (excinfo.value.status, excinfo.value.code, excinfo.value.message) == (401, "0400401", "Unauthorized")
    assert excinfo.value.retryable is False
    assert len(fake_openphone.requests) == 1 and sleeps == []


def test_nested_error_body_shape_is_parsed(client, fake_openphone):
    fake_openphone.fail("unauthorized_nested", message="Invalid API key")
    with pytest.raises(OpenPhoneAuthError) as excinfo:
        client.list_phone_numbers()
    assert excinfo.value.message == "Invalid API key"
    assert excinfo.value.title == "Unauthorized"


def test_phone_numbers_in_queries_are_percent_encoded(client, fake_openphone):
    fake_openphone.add_message(HOMEOWNER, text="Hi")
    page = client.list_messages(phone_number_id=DEFAULT_LINE_ID, participants=[HOMEOWNER])
    assert len(page.items) == 1
    request = fake_openphone.requests[-1]
    assert "participants=%2B16175550123" in request.query_string
    assert request.arg("maxResults") == "100"


def test_datetimes_are_sent_as_utc_iso(client, fake_openphone):
    old = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    fake_openphone.add_message(HOMEOWNER, text="old", created_at=old)
    fake_openphone.add_message(HOMEOWNER, text="new", created_at=old + timedelta(hours=2))
    page = client.list_messages(
        phone_number_id=DEFAULT_LINE_ID, participants=[HOMEOWNER], created_after=old + timedelta(hours=1)
    )
    assert [m["text"] for m in page.items] == ["new"]
    assert fake_openphone.requests[-1].arg("createdAfter") == "2026-01-01T11:00:00.000Z"
    with pytest.raises(ValueError):
        client.list_messages(phone_number_id=DEFAULT_LINE_ID, participants=[HOMEOWNER],
                             created_after=datetime(2026, 1, 1))  # naive: refused, not guessed


# --- pagination ---------------------------------------------------------------------------

def test_iterates_every_page_until_the_token_is_null_ignoring_total_items(client, fake_openphone):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(25):
        fake_openphone.add_message(HOMEOWNER, text=f"m{n}", created_at=start + timedelta(minutes=n))
    fake_openphone.total_items_offset = -20  # OpenPhone says 5; there are 25

    texts = [m["text"] for m in client.iterate(
        client.list_messages, phone_number_id=DEFAULT_LINE_ID, participants=[HOMEOWNER], max_results=10)]

    assert texts == [f"m{n}" for n in range(25)]
    requests = _calls_to(fake_openphone, "GET", "/v1/messages")
    assert [r.arg("pageToken") is None for r in requests] == [True, False, False]


def test_pages_expose_tokens_for_resuming(client, fake_openphone):
    for n in range(3):
        fake_openphone.add_conversation(f"+161720000{n:02d}")
    pages = list(client.pages(client.list_conversations, phone_numbers=[DEFAULT_LINE_ID], max_results=2))
    assert [len(p.items) for p in pages] == [2, 1]
    assert pages[0].page_token is None and pages[1].page_token == pages[0].next_page_token
    assert pages[-1].next_page_token is None
    # Starting from a saved token continues from there.
    resumed = client.list_conversations(phone_numbers=[DEFAULT_LINE_ID], max_results=2,
                                        page_token=pages[0].next_page_token)
    assert resumed.items == pages[1].items


# --- retries ------------------------------------------------------------------------------

def test_429_waits_as_long_as_retry_after_says_then_succeeds(client, fake_openphone, sleeps):
    fake_openphone.fail("rate_limit", path="/v1/phone-numbers", retry_after=3, times=1)
    assert client.list_phone_numbers()
    assert sleeps == [3.0]
    assert len(_calls_to(fake_openphone, "GET", "/v1/phone-numbers")) == 2


def test_429_without_retry_after_backs_off_exponentially(client, fake_openphone, sleeps):
    fake_openphone.fail("rate_limit", path="/v1/phone-numbers", times=2)
    assert client.list_phone_numbers()
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.625 and 1.0 <= sleeps[1] <= 1.25


def test_retry_after_longer_than_the_cap_is_surfaced_instead_of_blocking(client, fake_openphone, sleeps, settings):
    settings.OPENPHONE_RETRY_AFTER_MAX = 10
    client = OpenPhoneClient(sleep=sleeps.append, throttle=TokenBucket(rate=1000))
    fake_openphone.fail("rate_limit", path="/v1/phone-numbers", retry_after=120)
    with pytest.raises(OpenPhoneRateLimited) as excinfo:
        client.list_phone_numbers()
    assert excinfo.value.retry_after == 120 and excinfo.value.retryable
    assert sleeps == [] and len(fake_openphone.requests) == 1


def test_retry_after_as_http_date():
    when = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= _parse_retry_after(format_datetime(when, usegmt=True)) <= 30
    assert _parse_retry_after("7") == 7.0
    assert _parse_retry_after("soon") is None


def test_500_then_success(client, fake_openphone, sleeps):
    call = fake_openphone.add_call(HOMEOWNER)
    fake_openphone.fail("server_error", path=f"/v1/calls/{call['id']}", times=2)
    assert client.get_call(call["id"])["id"] == call["id"]
    assert len(_calls_to(fake_openphone, "GET", f"/v1/calls/{call['id']}")) == 3
    assert len(sleeps) == 2 and sleeps[0] < sleeps[1]


def test_500_forever_gives_up_after_max_attempts_with_a_typed_error(client, fake_openphone, sleeps):
    fake_openphone.fail("server_error", path="/v1/phone-numbers")
    with pytest.raises(OpenPhoneServerError) as excinfo:
        client.list_phone_numbers()
    assert excinfo.value.status == 500 and excinfo.value.code == "0401500" and excinfo.value.retryable
    assert len(fake_openphone.requests) == 4 and len(sleeps) == 3


def test_backoff_is_capped(fake_openphone, sleeps):
    client = OpenPhoneClient(sleep=sleeps.append, backoff_initial=1, backoff_max=3, max_attempts=6,
                             throttle=TokenBucket(rate=1000))
    fake_openphone.fail("server_error", path="/v1/phone-numbers")
    with pytest.raises(OpenPhoneServerError):
        client.list_phone_numbers()
    assert max(sleeps) <= 3 and sleeps[-1] == 3


def test_html_gateway_error_is_a_server_error(client, fake_openphone):
    fake_openphone.fail("html_502")
    with pytest.raises(OpenPhoneServerError) as excinfo:
        client.list_phone_numbers()
    assert excinfo.value.status == 502 and "Bad Gateway" in excinfo.value.message


def test_400_is_not_retried_and_carries_openphones_code_and_message(client, fake_openphone, sleeps):
    fake_openphone.fail("a2p", method="POST", path="/v1/messages")
    with pytest.raises(OpenPhoneClientError) as excinfo:
        client.send_message(from_=DEFAULT_LINE_ID, to=HOMEOWNER, content="Hi")
    error = excinfo.value
    assert (error.status, error.code, error.message) == (400, "0206400", "A2P Registration Not Approved")
    assert "code 0206400" in str(error) and not error.retryable
    assert len(fake_openphone.requests) == 1 and sleeps == []


def test_validation_errors_are_listed(client, fake_openphone):
    with pytest.raises(OpenPhoneClientError) as excinfo:
        client.send_message(from_=DEFAULT_LINE_ID, to="617-555-0123", content="Hi")
    assert excinfo.value.errors[0]["path"] == "to/0"
    assert "to/0: Expected string to match pattern" in str(excinfo.value)


def test_timeout_is_retried_then_raised_as_typed_error(client, fake_openphone, sleeps):
    fake_openphone.fail("timeout", path="/v1/phone-numbers", delay=2.0)
    with pytest.raises(OpenPhoneTimeout) as excinfo:
        client.list_phone_numbers()
    assert excinfo.value.retryable and excinfo.value.request_sent and excinfo.value.status is None
    assert len(fake_openphone.requests) == 4 and len(sleeps) == 3


def test_timeout_once_then_success(client, fake_openphone, sleeps):
    fake_openphone.fail("timeout", path="/v1/phone-numbers", delay=2.0, times=1)
    assert client.list_phone_numbers()
    assert len(fake_openphone.requests) == 2 and len(sleeps) == 1


def test_send_is_not_repeated_after_a_timeout_because_it_may_have_gone_out(client, fake_openphone, sleeps):
    fake_openphone.fail("timeout", method="POST", path="/v1/messages", delay=1.5, times=1)
    with pytest.raises(OpenPhoneTimeout) as excinfo:
        client.send_message(from_=DEFAULT_LINE_ID, to=HOMEOWNER, content="Hi")
    assert excinfo.value.retryable and excinfo.value.request_sent
    assert len(_calls_to(fake_openphone, "POST", "/v1/messages")) == 1 and sleeps == []
    # ...and indeed OpenPhone went on to accept it: the caller must reconcile before resending.
    fake_openphone._stopping.wait(1.5)  # it answers 1.5 s after the request, 0.5 s after our timeout
    assert [m["to"] for m in fake_openphone.sent] == [[HOMEOWNER]]


def test_send_is_not_repeated_after_a_500(client, fake_openphone, sleeps):
    fake_openphone.fail("server_error", method="POST", path="/v1/messages", times=1)
    with pytest.raises(OpenPhoneServerError):
        client.send_message(from_=DEFAULT_LINE_ID, to=HOMEOWNER, content="Hi")
    assert len(_calls_to(fake_openphone, "POST", "/v1/messages")) == 1 and sleeps == []


def test_send_is_retried_after_a_429_because_it_was_refused(client, fake_openphone, sleeps):
    fake_openphone.fail("rate_limit", method="POST", path="/v1/messages", retry_after=1, times=1)
    message = client.send_message(from_=DEFAULT_LINE_ID, to=HOMEOWNER, content="Hi")
    assert message["id"].startswith("AC") and message["status"] == "queued"
    assert sleeps == [1.0] and len(fake_openphone.sent) == 1


def test_send_is_retried_when_the_connection_was_never_made(sleeps):
    client = OpenPhoneClient(base_url="http://127.0.0.1:1", api_key="k", sleep=sleeps.append,
                             max_attempts=3, throttle=TokenBucket(rate=1000))
    with pytest.raises(OpenPhoneConnectionError) as excinfo:
        client.send_message(from_=DEFAULT_LINE_ID, to=HOMEOWNER, content="Hi")
    assert excinfo.value.request_sent is False and excinfo.value.retryable
    assert len(sleeps) == 2


# --- throttle -----------------------------------------------------------------------------

def test_token_bucket_spaces_grants_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=10, capacity=1, clock=clock, sleep=clock.sleep)
    for _ in range(25):
        bucket.acquire()
    gaps = [b - a for a, b in zip(bucket.grants, bucket.grants[1:], strict=False)]
    assert all(gap == pytest.approx(0.1) for gap in gaps)
    assert bucket.grants[-1] - bucket.grants[0] == pytest.approx(2.4)


def test_token_bucket_allows_a_burst_then_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=10, capacity=5, clock=clock, sleep=clock.sleep)
    for _ in range(15):
        bucket.acquire()
    assert bucket.grants[:5] == [1000.0] * 5
    assert bucket.grants[-1] == pytest.approx(1001.0)


def test_token_bucket_is_thread_safe():
    bucket = TokenBucket(rate=400, capacity=1)
    threads = [threading.Thread(target=lambda: [bucket.acquire() for _ in range(10)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    grants = sorted(bucket.grants)
    assert len(grants) == 40
    # Each grant needs a full token, measured on the bucket's own clock: never two within 1/rate.
    assert min(b - a for a, b in zip(grants, grants[1:], strict=False)) >= 1 / 400 - 1e-9


def test_client_requests_go_through_the_throttle_at_ten_per_second(fake_openphone):
    clock = FakeClock()
    bucket = TokenBucket(rate=10, clock=clock, sleep=clock.sleep)
    client = OpenPhoneClient(throttle=bucket)
    for _ in range(12):
        client.list_phone_numbers()
    assert len(fake_openphone.requests) == 12
    assert len(bucket.grants) == 12
    # 12 requests at 10/s take 1.1 s of throttle time: never more than 10 in any second.
    assert bucket.grants[-1] - bucket.grants[0] == pytest.approx(1.1)
    assert all(
        sum(1 for g in bucket.grants if start <= g < start + 1.0) <= 10 for start in bucket.grants
    )


def test_throttle_is_shared_per_api_key(fake_openphone):
    assert OpenPhoneClient().throttle is OpenPhoneClient().throttle
    assert shared_throttle("other-key") is not OpenPhoneClient().throttle


# --- endpoints ----------------------------------------------------------------------------

def test_send_and_get_message(client, fake_openphone):
    sent = client.send_message(from_=DEFAULT_LINE_ID, to=HOMEOWNER, content="Hi Jane")
    assert fake_openphone.requests[-1].json == {"content": "Hi Jane", "from": DEFAULT_LINE_ID, "to": [HOMEOWNER]}
    fake_openphone.deliver(sent["id"])
    fetched = client.get_message(sent["id"])
    assert (fetched["status"], fetched["text"], fetched["from"]) == ("delivered", "Hi Jane", DEFAULT_LINE_NUMBER)


def test_calls_and_their_sub_resources(client, fake_openphone):
    call = fake_openphone.add_call(
        HOMEOWNER, recording_url="https://storage.example.com/rec/a.mp3", summary=["Wants an estimate"],
        transcript=[{"content": "Hi", "start": 0.5, "end": 1.0, "identifier": HOMEOWNER, "userId": None}],
        voicemail={"duration": 20, "transcript": "Call me back", "recordingUrl": "https://storage.example.com/vm.mp3"},
    )
    bare = fake_openphone.add_call(HOMEOWNER, status="missed")
    calls = list(client.iterate(client.list_calls, phone_number_id=DEFAULT_LINE_ID, participant=HOMEOWNER))
    assert [c["id"] for c in calls] == [call["id"], bare["id"]]
    assert client.get_call_recordings(call["id"])[0]["url"] == "https://storage.example.com/rec/a.mp3"
    assert client.get_call_summary(call["id"])["summary"] == ["Wants an estimate"]
    assert client.get_call_transcript(call["id"])["dialogue"][0]["content"] == "Hi"
    assert client.get_call_voicemail(call["id"])["transcript"] == "Call me back"
    assert client.get_call_recordings(bare["id"]) == []
    with pytest.raises(OpenPhoneNotFound) as excinfo:
        client.get_call_voicemail(bare["id"])
    assert excinfo.value.code == "1200404" and not excinfo.value.retryable


def test_contacts_crud_and_list(client, fake_openphone):
    created = client.create_contact(
        default_fields={"firstName": "Jane", "lastName": "Doe", "phoneNumbers": [{"name": "mobile", "value": HOMEOWNER}]},
        external_id="crm-1", source="attack-a-crack",
    )
    assert client.get_contact(created["id"])["defaultFields"]["firstName"] == "Jane"
    updated = client.update_contact(created["id"], defaultFields={"company": "Doe Homes"})
    assert updated["defaultFields"]["company"] == "Doe Homes"
    listed = list(client.iterate(client.list_contacts, external_ids=["crm-1"]))
    assert [c["id"] for c in listed] == [created["id"]]
    assert fake_openphone.requests[-1].arg("maxResults") == "50"
    client.delete_contact(created["id"])
    with pytest.raises(OpenPhoneNotFound):
        client.get_contact(created["id"])


def test_token_bucket_still_paces_when_the_clock_is_frozen():
    """time-machine's tick=False freezes time.monotonic; the bucket must neither hang nor burst."""
    slept: list[float] = []
    bucket = TokenBucket(rate=10, clock=lambda: 42.0, sleep=slept.append)
    for _ in range(5):
        bucket.acquire()
    assert len(bucket.grants) == 5
    assert slept == [pytest.approx(0.1)] * 4


@time_machine.travel(datetime(2026, 3, 10, 16, 0, tzinfo=UTC), tick=False)
def test_client_works_under_a_frozen_test_clock(fake_openphone):
    client = OpenPhoneClient(throttle=TokenBucket(rate=1000))
    for _ in range(5):
        assert client.list_phone_numbers()
    assert len(fake_openphone.requests) == 5
