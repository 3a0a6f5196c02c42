"""The database goes away during intake: 503 (with Retry-After), then after it returns 0 lost, 0 doubled.

PostgreSQL: the app reaches the shared server through a TCP proxy that the test stops and starts.
SQLite: the app's own database file is moved away (opened with mode=rw, so it is not recreated)
and brought back.
"""
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from helpdesk.extensions import db
from helpdesk.inbox.events import process_pending
from helpdesk.models import InboundEvent, Message
from helpdesk.models.message import Direction
from tests.conftest import make_test_app
from tests.fakes.live import LiveServer, TcpProxy
from tests.inbox.conftest import FAKES, PLATFORMS, make_platform

N = 60


class Outage:
    """Cut the database off and bring it back, for either backend."""

    def __init__(self, app, tmp_path: Path) -> None:
        self.session_url = app.config["SQLALCHEMY_DATABASE_URI"]
        self.proxy = None
        if self.session_url.startswith("postgresql"):
            url = make_url(self.session_url)
            self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
            self.url = str(url.set(host="127.0.0.1", port=self.proxy.port)
                           .render_as_string(hide_password=False))
            self.options = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}}
        else:
            self.path = tmp_path / "outage.db"
            # mode=rw: a missing file is an error instead of a new empty database
            self.url = f"sqlite:///file:{self.path}?mode=rw&uri=true"
            self.options = {"poolclass": NullPool}

    def stop(self) -> None:
        if self.proxy:
            self.proxy.stop()
            return
        os.rename(self.path, f"{self.path}.away")  # opening the database now fails

    def start(self) -> None:
        if self.proxy:
            self.proxy.start()
            return
        os.rename(f"{self.path}.away", self.path)


@pytest.mark.parametrize("kind", PLATFORMS)
def test_database_outage_during_intake(app, tmp_path, kind, request):
    outage = Outage(app, tmp_path)
    app2 = make_test_app({"SQLALCHEMY_DATABASE_URI": outage.url,
                          "SQLALCHEMY_ENGINE_OPTIONS": outage.options})
    fake = request.getfixturevalue(FAKES[kind])
    if outage.proxy is None:
        import sqlite3

        sqlite3.connect(outage.path).close()  # the file must exist for mode=rw
    with app2.app_context():
        if outage.proxy is None:
            db.create_all()
        with LiveServer(app2) as live:
            platform = make_platform(kind, fake, live.url)
            payloads = [platform.event(90000 + i % 7, f"Обращение {i}") for i in range(N)]
            db.session.remove()  # the test holds no connection across the outage
            answers: list[tuple[int, str | None]] = []
            lock = threading.Lock()
            ok_count = [0]

            def sender(chunk):
                for payload in chunk:
                    for _ in range(400):  # the platform keeps retrying until it gets 200
                        try:
                            response = platform.post(payload, timeout=10)
                            status = response.status_code
                            retry_after = response.headers.get("Retry-After")
                        except Exception:
                            status, retry_after = 0, None
                        with lock:
                            answers.append((status, retry_after))
                            if status == 200:
                                ok_count[0] += 1
                        if status == 200:
                            break
                        time.sleep(0.05)

            threads = [threading.Thread(target=sender, args=(payloads[i::4],)) for i in range(4)]
            for t in threads:
                t.start()
            while ok_count[0] < N // 3:
                time.sleep(0.01)
            outage.stop()
            try:
                deadline = time.monotonic() + 10
                while sum(1 for s, _ in answers if s == 503) < 8 and time.monotonic() < deadline:
                    time.sleep(0.05)
                # every resend keeps getting 503 while the database is away
            finally:
                outage.start()
            for t in threads:
                t.join()
            unavailable = [a for a in answers if a[0] == 503]
            assert len(unavailable) >= 8
            assert all(retry == "5" for _, retry in unavailable)
            assert {s for s, _ in answers} <= {200, 503}
            assert ok_count[0] == N
            db.session.remove()
            process_pending(limit=N * 2)
            stored = db.session.scalar(select(func.count()).select_from(InboundEvent))
            inbound = db.session.scalar(select(func.count()).select_from(Message).where(
                Message.direction == Direction.INBOUND))
            texts = set(db.session.scalars(select(Message.text).where(
                Message.direction == Direction.INBOUND)))
            assert (stored, inbound) == (N, N)
            assert texts == {f"Обращение {i}" for i in range(N)}
        db.session.remove()
        if outage.proxy is None:
            db.engine.dispose()
        else:
            db.engine.dispose()
            outage.proxy.stop()
