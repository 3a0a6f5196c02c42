"""Send throttles: spacing per channel and per chat; shared through Redis between processes."""
import os
import secrets
import time

import pytest
import redis

from helpdesk.inbox.throttle import RedisThrottle, Throttle, throttle_for

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def spaced(delay: float, interval: float, since: float) -> bool:
    """The wait is the interval less the time that has passed since the first call (a loaded
    machine may pass some of it between the calls)."""
    return interval - (time.monotonic() - since) - 0.01 <= delay <= interval + 1e-6


def test_local_throttle_spaces_channel_and_chat():
    throttle = Throttle(0.05, 1.0)
    start = time.monotonic()
    assert throttle.delay(1, "a") == 0
    assert spaced(throttle.delay(1, "b"), 0.05, start)  # the same channel, another chat
    assert spaced(throttle.delay(1, "a"), 1.0, start)   # the same chat: one second apart
    assert throttle.delay(2, "a") == 0                  # another channel is independent


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    return REDIS_URL


def test_redis_throttle_is_shared_by_processes(redis_url):
    kind = "test-" + secrets.token_hex(4)  # keys of this run only
    first, second = (RedisThrottle(kind, redis_url, 0.05, 1.0) for _ in range(2))
    start = time.monotonic()
    assert first.delay(7, "chat") == 0
    # another process (its own instance) sees the reservation made by the first one
    assert spaced(second.delay(7, "chat"), 1.0, start)
    assert spaced(second.delay(7, "other"), 0.1, start)  # the channel's third slot
    assert first.delay(8, "chat") == 0


def test_redis_down_falls_back_to_the_process_throttle():
    throttle = RedisThrottle("vk", "redis://127.0.0.1:1/0", 0.05, 0.0)  # nothing listens there
    start = time.monotonic()
    assert throttle.delay(1, "a") == 0
    assert spaced(throttle.delay(1, "a"), 0.05, start)


def test_throttle_for_uses_redis_only_when_configured(app, redis_url):
    original = app.config.get("REDIS_URL")
    with app.app_context():
        app.config["REDIS_URL"] = ""
        assert type(throttle_for("vk")) is Throttle
        app.config["REDIS_URL"] = redis_url
        try:
            assert isinstance(throttle_for("vk"), RedisThrottle)
        finally:
            app.config["REDIS_URL"] = original
