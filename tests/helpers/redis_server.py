"""The project machines' Redis (127.0.0.1:6379), shared with everyone: tests keep to key
prefixes of their own and skip, saying why, where there is no Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
SKIP_REASON = f"Redis is not reachable at {REDIS_URL}"


def reachable() -> bool:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        return False
    finally:
        client.close()


@contextmanager
def throwaway_prefix(label: str) -> Iterator[str | None]:
    """A key prefix of one's own (None when Redis is unreachable); its keys go afterwards."""
    if not reachable():
        yield None
        return
    name = f"{label}-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()
