"""300 deliveries, each sent 1–3 times concurrently to the app under a real server: 300 messages."""
import random
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.inbox.events import process_pending
from helpdesk.models import Citizen, InboundEvent, Message, OutboxItem, Ticket
from helpdesk.models.message import Direction
from tests.inbox.conftest import route_new_tickets

N = 300
USERS = 60


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_each_delivery_once_under_concurrent_resends(platform, app):
    rng = random.Random(3)
    payloads = [platform.event(80000 + i % USERS, f"Сообщение номер {i}") for i in range(N)]
    sends = [p for p in payloads for _ in range(rng.randint(1, 3))]
    rng.shuffle(sends)
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda p: platform.post(p), sends))
    assert {a.status_code for a in answers} == {200}
    assert _count(InboundEvent) == N

    def worker():
        with app.app_context():
            process_pending(limit=N)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    process_pending(limit=N)
    db.session.expire_all()
    assert _count(Message, Message.direction == Direction.INBOUND) == N
    assert _count(InboundEvent, InboundEvent.status == "processed") == N
    assert _count(Citizen) == USERS
    assert _count(Ticket) == USERS  # every citizen's messages threaded into one ticket
    assert _count(OutboxItem) == 0  # acknowledged once routed
    route_new_tickets()
    assert _count(OutboxItem) == USERS  # one acknowledgement per new ticket
    texts = set(db.session.scalars(select(Message.text).where(
        Message.direction == Direction.INBOUND)))
    assert texts == {f"Сообщение номер {i}" for i in range(N)}
