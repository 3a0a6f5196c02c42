"""Routing under concurrent deliveries on PostgreSQL (issue 13, finding 7): no deadlock.

Citizens write several messages at once while their new tickets are being routed (and a
ticket's routing task may run twice: Celery delivers at least once). Before the fix PostgreSQL
reported "deadlock detected" in route_ticket and the ticket fell back to triage with a traceback.
"""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from helpdesk.database.transaction import job
from helpdesk.extensions import db
from helpdesk.inbox.ingest import ingest
from helpdesk.tickets.routed import route_task
from helpdesk.inbox.types import IncomingMessage
from helpdesk.models import Channel, Department, Ticket, TicketCounter
from helpdesk.models.routing import RoutingDecision
from helpdesk.models.setting import set_setting
from helpdesk.routing.nlp import get_pipeline
from helpdesk.routing.service import AUTO_CLOSE_KEY
from tests.helpers import make_channel

CITIZENS, MESSAGES = 16, 4
TEXTS = ["Спасибо большое за помощь, всё сделали!", "Нет горячей воды в доме третий день",
         "Ямы на дороге по улице Ленина в Казани", "", "Спасибо!"]


class _Caught(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def deadlocks(self) -> list[str]:
        found = []
        for record in self.records:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += " " + repr(record.exc_info[1])
            if "deadlock" in text.lower() or (record.exc_info and record.levelno >= logging.ERROR):
                found.append(text[:300])
        return found


def _incoming(citizen: int, n: int) -> IncomingMessage:
    return IncomingMessage(event_key=f"e{citizen}-{n}", message_key=f"m{citizen}-{n}",
                           external_user_id=f"u{citizen}", reply_address=f"{citizen}",
                           text=TEXTS[(citizen + n) % len(TEXTS)],
                           sent_at=datetime.now(timezone.utc), display_name=f"Гражданин {citizen}")


@pytest.mark.parametrize("auto_close", [False, True])
def test_concurrent_deliveries_and_routing_never_deadlock(app, ctx, auto_close):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and deadlock detection are PostgreSQL's (SQLite locks the whole "
                    "database: one writer at a time); set TEST_DATABASE_URL")
    get_pipeline()  # loaded once, before the threads race
    db.session.add(Department(name="Пресс-служба", is_triage=True))
    # This year's counter exists (the year's first two tickets race to create it otherwise).
    db.session.add(TicketCounter(year=datetime.now(timezone.utc).year, last=0))
    make_channel(auto_ack=True)
    if auto_close:  # routing closes thank-you notes itself: the audit chain joins the race
        set_setting(AUTO_CLOSE_KEY, ["gratitude", "meaningless"])
    db.session.commit()
    channel_id = db.session.scalar(select(Channel.id))
    caught = _Caught()
    logging.getLogger().addHandler(caught)
    routers = ThreadPoolExecutor(max_workers=4)
    start = threading.Event()

    def route(ticket_id: int, message_id: int) -> None:
        with app.app_context(), job():
            route_task(ticket_id, message_id)

    def deliver(citizen: int) -> None:
        start.wait(timeout=60)
        for n in range(MESSAGES):
            with app.app_context():
                with job():
                    result = ingest(db.session.get(Channel, channel_id), _incoming(citizen, n))
                    ids = (result.ticket.id, result.message.id, result.new_ticket)
            if ids[2]:
                routers.submit(route, ids[0], ids[1])
                routers.submit(route, ids[0], ids[1])  # delivered twice

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = [pool.submit(deliver, citizen) for citizen in range(CITIZENS)]
            start.set()
            for result in results:
                result.result()
        routers.shutdown(wait=True)
    finally:
        logging.getLogger().removeHandler(caught)
    db.session.expire_all()
    assert caught.deadlocks() == []
    tickets = db.session.scalar(select(func.count()).select_from(Ticket))
    assert tickets >= CITIZENS
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.status == "new")) == 0
    assert db.session.scalar(select(func.count()).select_from(RoutingDecision)) == tickets
