"""OpenPhone's rate shared by every process through Redis: two limiters (two processes) never exceed it together."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis
from django.conf import settings

from openphone.client import OpenPhoneClient, TokenBucket, shared_throttle
from openphone.rate_limit import RedisRateLimiter

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis: set REDIS_URL (CI does)")


@pytest.fixture
def api_key():
    """A key of this test's own, so parallel test processes never share its schedule."""
    key = f"test-key-{uuid.uuid4().hex}"
    yield key
    redis.Redis.from_url(settings.REDIS_URL).delete(RedisRateLimiter(_client(), api_key=key, rate=1).key)


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@needs_redis
def test_two_processes_share_one_rate(api_key):
    rate, per_process = 200.0, 30
    # Each "process" has its own Redis connection and its own limiter object, as separate workers would.
    limiters = [RedisRateLimiter(_client(), api_key=api_key, rate=rate) for _ in range(2)]
    grants: list[float] = []
    lock = threading.Lock()

    def worker(limiter: RedisRateLimiter) -> None:
        for _ in range(per_process):
            limiter.acquire()
            with lock:
                grants.append(time.perf_counter())

    threads = [threading.Thread(target=worker, args=(limiter,)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grants.sort()
    # 60 requests at 200/s cannot span less than 59 intervals (295 ms), whoever sent them. Two
    # separate per-process buckets would have let both go at full rate: about half that.
    assert len(grants) == 2 * per_process
    assert grants[-1] - grants[0] >= (2 * per_process - 1) / rate - 0.02


@needs_redis
def test_a_request_waits_only_while_the_shared_schedule_is_full(api_key):
    slept: list[float] = []
    limiter = RedisRateLimiter(_client(), api_key=api_key, rate=2, sleep=slept.append)
    assert limiter.acquire() == 0.0 and slept == []
    # The second request in the same instant must wait about half a second (rate 2/s); the
    # recorded sleep does not move Redis's clock, so the limiter keeps asking until time has passed.
    other = RedisRateLimiter(_client(), api_key=api_key, rate=2, sleep=lambda s: (slept.append(s), time.sleep(s)))
    waited = other.acquire()
    assert 0.3 < waited <= 0.55
    assert sum(slept) == pytest.approx(waited)


@needs_redis
def test_the_redis_key_never_holds_the_api_key(api_key):
    limiter = RedisRateLimiter(_client(), api_key=api_key, rate=10)
    limiter.acquire()
    keys = [key.decode() for key in _client().scan_iter(match="openphone:rate:*")]
    assert limiter.key in keys
    assert not any(api_key in key for key in keys)


@needs_redis
def test_clients_share_redis_schedule_when_configured(settings):
    settings.OPENPHONE_THROTTLE_ACROSS_PROCESSES = True
    assert isinstance(OpenPhoneClient().throttle, RedisRateLimiter)
    assert OpenPhoneClient().throttle.key == shared_throttle(settings.OPENPHONE_API_KEY).key


def test_without_redis_sharing_each_process_keeps_its_own_bucket(settings):
    settings.OPENPHONE_THROTTLE_ACROSS_PROCESSES = False
    assert isinstance(OpenPhoneClient().throttle, TokenBucket)
