"""A worker process killed (SIGKILL) in the middle of a send: after a restart every item is
delivered, and VK (random_id from the outbox id) and MAX (the dialog looked up before a retry)
show no duplicate."""
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.outbox import send_reply
from helpdesk.models import OutboxItem, Ticket
from tests.fakes.base_faults import Fault
from tests.helpers import make_user
from tests.inbox.conftest import route_new_tickets

WORKER = """
import sys
from helpdesk import create_app
from helpdesk.inbox.cli import _stop_on_signals
from helpdesk.inbox.jobs import work
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "INBOX_SEND_LEASE_SECONDS": 2,
                  "INBOX_LOCAL_HOSTS": {"127.0.0.1"}})
with app.app_context():
    work(_stop_on_signals(), 0.1)
"""
REPLIES = 4


def start_worker(url: str, log_path) -> subprocess.Popen:
    env = {**os.environ, "HELPDESK_ENV": "test"}
    return subprocess.Popen([sys.executable, "-c", WORKER, url], env=env,
                            stdout=open(log_path, "ab"), stderr=subprocess.STDOUT)


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_worker_killed_mid_send(platform, app, tmp_path):
    platform.post(platform.event(60001, "Прошу помочь с ремонтом дороги в Зеленодольске"))
    process_pending()
    route_new_tickets()
    ticket = db.session.scalar(select(Ticket))
    staff = make_user("spec", "press")
    for i in range(REPLIES):
        send_reply(ticket, staff, f"Ответ {i}")
    db.session.commit()
    items = db.session.scalar(select(func.count()).select_from(OutboxItem))
    assert items == REPLIES + 1  # with the acknowledgement
    op = {"vk": "messages.send", "telegram": "sendMessage", "ok": "messages",
          "max": "messages"}[platform.kind]
    # the first send reaches the platform, which answers only after 30 s: the worker dies waiting
    platform.fake.inject(op, Fault("slow_after", 30))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    log_path = tmp_path / "worker.log"
    worker = start_worker(url, log_path)
    try:
        assert wait_for(lambda: platform.fake.count(op) >= 1), log_path.read_text()
        time.sleep(0.2)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        delivered_before = len(platform.sent_to(60001))
        assert delivered_before == 1  # recorded by the platform, not by us
        worker = start_worker(url, log_path)

        def all_sent():
            db.session.expire_all()
            statuses = db.session.scalars(select(OutboxItem.status)).all()
            db.session.rollback()
            return statuses and all(s == "sent" for s in statuses)

        assert wait_for(all_sent, 60), log_path.read_text()[-3000:]
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
    texts = platform.sent_to(60001)
    expected = {f"Ответ {i}" for i in range(REPLIES)}
    assert expected <= set(texts)
    if platform.kind == "vk":
        assert len(texts) == REPLIES + 1  # the resend of the interrupted item was deduplicated
        assert len(platform.fake.send_attempts) == REPLIES + 2
        assert platform.fake.duplicates() == 0
    elif platform.kind == "max":  # the retry found the interrupted reply in the dialog
        assert len(texts) == REPLIES + 1 and len(set(texts)) == REPLIES + 1
        assert platform.fake.count("messages") == REPLIES + 1
        assert platform.fake.count("messages.list") >= 1
    else:  # no idempotency key exists: at most the one interrupted send is doubled
        assert REPLIES + 1 <= len(texts) <= REPLIES + 2
