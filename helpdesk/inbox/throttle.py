"""Per-platform send throttles (per process): VK ~20/s, Telegram ~30/s and ~1/s per chat."""
import threading
import time

# kind -> (seconds between sends per channel, seconds between sends to one chat)
RATES = {"vk": (1 / 20, 0.0), "telegram": (1 / 30, 1.0), "ok": (1 / 10, 0.0)}


class Throttle:
    """Spaces calls so that no key is used more often than its interval."""

    def __init__(self, channel_interval: float, chat_interval: float) -> None:
        self.channel_interval, self.chat_interval = channel_interval, chat_interval
        self._next: dict = {}
        self._lock = threading.Lock()

    def _reserve(self, key, interval: float, now: float) -> float:
        start = max(now, self._next.get(key, 0.0))
        self._next[key] = start + interval
        return start

    def wait(self, channel_id: int, chat: str) -> None:
        """Sleep until this channel and chat may send again."""
        with self._lock:
            now = time.monotonic()
            start = self._reserve(("c", channel_id), self.channel_interval, now)
            if self.chat_interval:
                start = max(start, self._reserve(("p", channel_id, chat), self.chat_interval, now))
            if len(self._next) > 10000:
                self._next = {k: v for k, v in self._next.items() if v > now}
        if start > now:
            time.sleep(start - now)


_throttles: dict[str, Throttle] = {}
_lock = threading.Lock()


def throttle_for(kind: str) -> Throttle:
    """The process-wide throttle of a platform."""
    with _lock:
        if kind not in _throttles:
            _throttles[kind] = Throttle(*RATES.get(kind, (0.1, 0.0)))
        return _throttles[kind]
