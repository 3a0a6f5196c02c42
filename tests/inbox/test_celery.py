"""With Redis configured, the web process queues work for a real Celery worker process."""
import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import Message, OutboxItem
from helpdesk.models.message import Direction
from helpdesk.background.tasks import dispatch
from tests.conftest import make_test_app
from tests.fakes.live import LiveServer
from tests.inbox.conftest import make_platform

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"


@pytest.mark.slow
def test_webhook_work_runs_in_celery_worker(app, ctx, vk_fake, tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running")
    redis.Redis.from_url(REDIS_URL).delete("celery")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    web = make_test_app({"SQLALCHEMY_DATABASE_URI": uri, "REDIS_URL": REDIS_URL,
                         "CELERY_ENABLED": True})
    env = {**os.environ, "HELPDESK_ENV": "test", "TEST_DATABASE_URL": uri, "REDIS_URL": REDIS_URL}
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "helpdesk.background.celery_app",
                               "worker", "--pool", "solo", "--loglevel", "warning"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with LiveServer(web) as live:
            platform = make_platform("vk", vk_fake, live.url)
            assert platform.post(platform.event(10001, "Через Celery")).status_code == 200
            inbound = select(Message).where(Message.direction == Direction.INBOUND)
            message = _wait_for(lambda: db.session.scalar(inbound))
            assert message is not None, (tmp_path / "worker.log").read_text()[-2000:]
            # The worker runs with the test settings (it queues nothing itself): the web process
            # queues the routing, which the worker carries out, then acknowledges the message.
            with web.app_context():
                dispatch("tickets.route", message.ticket_id, message.id)
            acks = _wait_for(lambda: db.session.scalar(select(func.count()).select_from(
                OutboxItem)))
            assert acks == 1, (tmp_path / "worker.log").read_text()[-2000:]
            assert db.session.scalar(select(func.count()).select_from(Message).where(
                Message.direction == Direction.INBOUND)) == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        redis.Redis.from_url(REDIS_URL).delete("celery")


def _wait_for(read, seconds: float = 60):
    """The first truthy result of `read` within `seconds` (the last result otherwise)."""
    deadline = time.monotonic() + seconds
    while True:
        db.session.expire_all()
        value = read()
        db.session.rollback()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_pokes_of_a_batch_queue_one_message_until_a_worker_starts_it(app, ctx):
    """A thousand deliveries a second must not queue a thousand "process pending" messages in
    front of the routing tasks (they starved routing under a storm: issue 13's fuzz run)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running")
    from helpdesk.background.tasks import starting

    client.delete("celery", "helpdesk:queued:inbox.process_pending")
    web = make_test_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "REDIS_URL": REDIS_URL, "CELERY_ENABLED": True})
    try:
        with web.app_context():
            for event_id in range(200):
                dispatch("inbox.process_event", event_id)
            assert _queued(client, 1) == 1
            time.sleep(0.3)  # later pokes, while the message still waits in the queue
            dispatch("inbox.process_event", 201)
            assert _queued(client, 2) == 1
            starting(web, "inbox.process_pending")  # a worker took it: new work queues again
            dispatch("inbox.process_event", 202)
            assert _queued(client, 2) == 2
            starting(web, "tickets.route")  # not a batch task: claims nothing, releases nothing
            assert client.exists("helpdesk:queued:inbox.process_pending") == 1
    finally:
        client.delete("celery", "helpdesk:queued:inbox.process_pending")


def _queued(client, expected: int, seconds: float = 3.0) -> int:
    """Messages in Celery's queue once `expected` arrived or `seconds` passed (the batcher sends
    from its own thread), plus a moment for any unexpected extra one."""
    deadline = time.monotonic() + seconds
    while client.llen("celery") < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    return client.llen("celery")
