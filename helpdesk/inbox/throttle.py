"""Per-platform send throttles: VK ~20/s, Telegram ~30/s and ~1/s per chat, OK ~10/s, MAX ~30/s
and at most 2 a second into one dialog.

With Redis configured (several Celery workers and web processes send at once) the reservations
live in Redis, so the limits hold for the whole deployment; without it, per process (the
embedded default has one sending process). If Redis fails mid-way, the process falls back to
its own throttle rather than stop sending.
"""
import logging
import threading
import time

from flask import current_app

from helpdesk.util.redis_client import redis_client

log = logging.getLogger(__name__)

# kind -> (seconds between sends per channel, seconds between sends to one chat)
RATES = {"vk": (1 / 20, 0.0), "telegram": (1 / 30, 1.0), "ok": (1 / 10, 0.0),
         "max": (1 / 30, 0.5)}


class Throttle:
    """Spaces calls so that no key is used more often than its interval (in this process)."""

    def __init__(self, channel_interval: float, chat_interval: float) -> None:
        self.channel_interval, self.chat_interval = channel_interval, chat_interval
        self._next: dict = {}
        self._lock = threading.Lock()

    def _reserve(self, key, interval: float, now: float) -> float:
        start = max(now, self._next.get(key, 0.0))
        self._next[key] = start + interval
        return start

    def delay(self, channel_id: int, chat: str) -> float:
        """Reserve the next slot of this channel and chat; seconds to wait for it."""
        with self._lock:
            now = time.monotonic()
            start = self._reserve(("c", channel_id), self.channel_interval, now)
            if self.chat_interval:
                start = max(start, self._reserve(("p", channel_id, chat), self.chat_interval, now))
            if len(self._next) > 10000:
                self._next = {k: v for k, v in self._next.items() if v > now}
        return max(0.0, start - now)

    def wait(self, channel_id: int, chat: str) -> None:
        """Sleep until this channel and chat may send again."""
        pause = self.delay(channel_id, chat)
        if pause > 0:
            time.sleep(pause)


# One atomic reservation in Redis, on the server's clock: the same rule as Throttle._reserve.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local start = now
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[i])
  local slot = math.max(now, tonumber(redis.call('GET', key) or '0'))
  redis.call('SET', key, string.format('%d', slot + interval), 'PX', math.ceil(interval / 1000) + 60000)
  if slot > start then start = slot end
end
return start - now
"""


class RedisThrottle(Throttle):
    """The same reservations kept in Redis: shared by every process of the deployment."""

    def __init__(self, kind: str, url: str, channel_interval: float, chat_interval: float) -> None:
        super().__init__(channel_interval, chat_interval)
        self.kind = kind
        self.client = redis_client(url)
        self.script = self.client.register_script(_RESERVE)

    def delay(self, channel_id: int, chat: str) -> float:
        import redis

        keys = [f"helpdesk:throttle:{self.kind}:{channel_id}"]
        intervals = [int(self.channel_interval * 1_000_000)]
        if self.chat_interval:
            keys.append(f"helpdesk:throttle:{self.kind}:{channel_id}:{chat}")
            intervals.append(int(self.chat_interval * 1_000_000))
        try:
            return int(self.script(keys=keys, args=intervals)) / 1_000_000
        except redis.RedisError as exc:
            log.warning("throttle in Redis unavailable (%s): this process spaces its own sends",
                        exc.__class__.__name__)
            return super().delay(channel_id, chat)


_throttles: dict[tuple, Throttle] = {}
_lock = threading.Lock()


def throttle_for(kind: str) -> Throttle:
    """The throttle of a platform: shared through Redis when REDIS_URL is set."""
    url = current_app.config.get("REDIS_URL") or ""
    key = (kind, url)
    with _lock:
        if key not in _throttles:
            rates = RATES.get(kind, (0.1, 0.0))
            _throttles[key] = RedisThrottle(kind, url, *rates) if url else Throttle(*rates)
        return _throttles[key]
