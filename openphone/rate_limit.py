"""OpenPhone's request rate shared by every process through Redis (web workers, Celery workers, commands).

OpenPhone allows 10 requests per second per API key, however many processes use the key. The
in-process token bucket (openphone/client.py) keeps one process under that; this limiter keeps all
of them under it together. It is GCRA (the "generic cell rate algorithm"): Redis holds one
timestamp per key, the theoretical arrival time of the next request, and a Lua script advances it
atomically, reading Redis's own clock so the processes' clocks never need to agree.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import redis

# KEYS[1]: the key's theoretical arrival time (ms). ARGV[1]: ms between requests; ARGV[2]: ms of
# burst allowed. Returns "0" and books a slot, or the ms to wait before asking again.
_GCRA = """
local now_parts = redis.call('TIME')
local now = now_parts[1] * 1000 + now_parts[2] / 1000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - burst > now then
  return tostring(tat - burst - now)
end
local next_tat = tat + interval
redis.call('SET', KEYS[1], tostring(next_tat), 'PX', math.ceil(next_tat - now + burst + 1000))
return '0'
"""


class RedisRateLimiter:
    """`acquire()` blocks until this process may send one request under the rate shared by all processes."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        api_key: str,
        rate: float,
        capacity: float = 1,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be > 0 and capacity >= 1")
        self.client = client
        self.rate = float(rate)
        self.capacity = float(capacity)
        self.sleep = sleep
        # The key names a hash of the API key, never the key itself.
        self.key = "openphone:rate:" + hashlib.sha256(api_key.encode()).hexdigest()[:16]
        self._interval_ms = 1000 / self.rate
        self._burst_ms = (self.capacity - 1) * self._interval_ms
        self._script = client.register_script(_GCRA)

    def acquire(self) -> float:
        """Book the next slot, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            wait_ms = float(self._script(keys=[self.key], args=[self._interval_ms, self._burst_ms]))
            if wait_ms <= 0:
                return waited
            delay = wait_ms / 1000
            self.sleep(delay)
            waited += delay
