"""Who has a ticket open, and who is typing in it: kept for a few seconds after each poll.

In one process a dictionary; with REDIS_URL a Redis hash per ticket (every web process sees the
others' desks). Presence is a courtesy, not a state: when Redis cannot be reached nobody is shown.
"""
import json
import logging
import threading
import time

from flask import Flask

from helpdesk.util.redis_client import redis_client

log = logging.getLogger(__name__)

TTL = 8.0  # seconds a desk stays shown after its last poll (it polls every second or so)


class MemoryPresence:
    def __init__(self) -> None:
        self.tickets: dict[int, dict[int, tuple[float, str, bool]]] = {}
        self.lock = threading.Lock()

    def touch(self, ticket_id: int, user_id: int, name: str, typing: bool) -> None:
        with self.lock:
            self.tickets.setdefault(ticket_id, {})[user_id] = (time.monotonic() + TTL, name, typing)

    def leave(self, ticket_id: int, user_id: int) -> None:
        with self.lock:
            self.tickets.get(ticket_id, {}).pop(user_id, None)

    def others(self, ticket_id: int, user_id: int) -> list[dict]:
        now = time.monotonic()
        with self.lock:
            present = self.tickets.get(ticket_id, {})
            for gone in [uid for uid, (until, _, _) in present.items() if until < now]:
                del present[gone]
            if not present:
                self.tickets.pop(ticket_id, None)
            return [{"name": name, "typing": typing} for uid, (_, name, typing)
                    in sorted(present.items()) if uid != user_id]


class RedisPresence:
    def __init__(self, url: str) -> None:
        self.client = redis_client(url)

    @staticmethod
    def _key(ticket_id: int) -> str:
        return f"helpdesk:desk:presence:{ticket_id}"

    def touch(self, ticket_id: int, user_id: int, name: str, typing: bool) -> None:
        value = json.dumps({"x": time.time() + TTL, "n": name, "t": typing})
        try:
            with self.client.pipeline() as pipe:
                pipe.hset(self._key(ticket_id), str(user_id), value)
                pipe.expire(self._key(ticket_id), int(TTL) + 2)
                pipe.execute()
        except Exception:
            log.warning("presence: Redis unavailable", exc_info=True)

    def leave(self, ticket_id: int, user_id: int) -> None:
        try:
            self.client.hdel(self._key(ticket_id), str(user_id))
        except Exception:
            log.warning("presence: Redis unavailable", exc_info=True)

    def others(self, ticket_id: int, user_id: int) -> list[dict]:
        try:
            present = self.client.hgetall(self._key(ticket_id))
        except Exception:
            log.warning("presence: Redis unavailable", exc_info=True)
            return []
        now, shown = time.time(), []
        for uid, raw in sorted(present.items()):
            value = json.loads(raw)
            if int(uid) != user_id and value["x"] >= now:
                shown.append({"name": value["n"], "typing": bool(value["t"])})
        return shown


_stores: dict[int, object] = {}
_lock = threading.Lock()


def presence_for(app: Flask):
    """The app's presence store (Redis when the app's change bus is Redis)."""
    store = _stores.get(id(app))
    if store is None:
        with _lock:
            store = _stores.get(id(app))
            if store is None:
                url = app.config.get("REDIS_URL") or ""
                use_redis = url and app.config.get("LIVE_BUS", "redis") == "redis"
                store = _stores[id(app)] = RedisPresence(url) if use_redis else MemoryPresence()
    return store
