"""One process-wide synchronous Redis client, for the coalescing windows in `broadcast.py`."""

import os

import redis
from django.conf import settings

_clients: dict[int, redis.Redis] = {}


def get_redis() -> redis.Redis:
    # Per process: a Celery prefork child must not share its parent's sockets.
    pid = os.getpid()
    if pid not in _clients:
        _clients[pid] = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    return _clients[pid]
