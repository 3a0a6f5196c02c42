"""One Redis client per URL for the whole process: its connection pool is shared by threads, and a
short timeout keeps a Redis that went away from holding a request (the callers fall back)."""
import threading

import redis

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def redis_client(url: str) -> redis.Redis:
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = _clients[url] = redis.Redis.from_url(
                url, socket_timeout=2, socket_connect_timeout=2)
    return client
