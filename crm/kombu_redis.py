"""Kombu's Redis transport, publishing through one reused redis-py client per channel.

Stock kombu (5.5) builds a new ``redis.Redis`` client for every publish (``Channel._create_client``),
and building one copies redis-py's table of ~160 response callbacks: about 0.15 ms of CPU per
enqueued task, measured with cProfile in the webhook receiver (bench/webhook.py). The client is only
a thin, thread-safe wrapper around the channel's connection pool, so one client per pool does the
same work. Selected by ``CELERY_BROKER_TRANSPORT`` (crm/settings/base.py) when Redis is the broker.
"""
from __future__ import annotations

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _sync_client = None
    _sync_client_pool = None

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        # A new pool (after the channel reconnects) gets a new client.
        if self._sync_client is None or self._sync_client_pool is not pool:
            self._sync_client = self.Client(connection_pool=pool)
            self._sync_client_pool = pool
        return self._sync_client


class Transport(kombu_redis.Transport):
    Channel = Channel
