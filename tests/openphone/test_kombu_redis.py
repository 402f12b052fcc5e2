"""crm.kombu_redis: the broker transport publishes through one reused redis-py client."""
from __future__ import annotations

import uuid

import pytest
import redis
from django.conf import settings
from kombu import Connection

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL.startswith("redis://"), reason="needs Redis as the broker: set REDIS_URL (CI does)"
)


def test_publishes_reach_the_queue_through_one_reused_client():
    queue = f"test-kombu-redis-{uuid.uuid4().hex}"
    store = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with Connection(settings.REDIS_URL, transport=settings.CELERY_BROKER_TRANSPORT) as conn:
            producer = conn.Producer()
            channel = producer.channel
            clients = []
            for n in range(3):
                producer.publish({"n": n}, exchange="", routing_key=queue, retry=False)
                clients.append(channel._create_client())  # kept alive, so a new client cannot reuse an id
            assert all(client is clients[0] for client in clients)
            assert store.llen(queue) == 3

            # After the channel drops its pool (as on reconnect), a new client is built for the new pool.
            old_client = channel._create_client()
            channel._disconnect_pools()
            assert channel._create_client() is not old_client
            producer.publish({"n": 3}, exchange="", routing_key=queue, retry=False)
            assert store.llen(queue) == 4
    finally:
        store.delete(queue)


def test_celery_uses_the_transport_when_redis_is_the_broker():
    from crm.celery import app

    with app.connection_for_write() as conn:
        assert type(conn.transport).__module__ == "crm.kombu_redis"
