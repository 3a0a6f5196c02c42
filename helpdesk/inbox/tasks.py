"""The inbox's background tasks, by name (run by the thread pool, Celery or the sweeper)."""
import logging
import time

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from helpdesk.extensions import db
from helpdesk.models import Message, Ticket
from helpdesk.models.message import Direction
from helpdesk.models.ticket import TicketStatus
from helpdesk.tasks import task

log = logging.getLogger(__name__)


@task("inbox.process_event", batch="inbox.process_pending")
def process_event_task(event_id: int | None) -> None:
    """Ingest a stored inbound event (None: every pending one)."""
    from helpdesk.inbox.events import process_event, process_pending

    if event_id is None:
        process_pending()
    else:
        process_event(event_id)


@task("inbox.process_pending")
def process_pending_task() -> None:
    """Ingest every pending inbound event (the batch form of inbox.process_event)."""
    from helpdesk.inbox.events import process_pending

    while process_pending(limit=200) == 200:
        pass


@task("inbox.deliver_due")
def deliver_due_task() -> None:
    """Send every due outbox item (the batch form of inbox.deliver)."""
    from helpdesk.inbox.outbox import deliver_due

    while deliver_due(limit=50) == 50:
        pass


@task("inbox.deliver", batch="inbox.deliver_due")
def deliver_task(item_id: int) -> None:
    """Send one outbox item if it is due."""
    from helpdesk.inbox.outbox import deliver

    deliver(item_id)


@task("inbox.download_attachments")
def download_task(message_id: int) -> None:
    """Download the pending attachments of a message."""
    from helpdesk.inbox.attachments import download_for_message

    download_for_message(message_id)


@task("inbox.fetch_name", lane="profiles")
def fetch_name_task(citizen_id: int) -> None:
    """Look up a citizen's name the delivery did not carry (VK users.get); commits."""
    from helpdesk.inbox.profiles import fetch_names

    fetch_names([citizen_id])


@task("inbox.fetch_post", lane="profiles")
def fetch_post_task(post_id: int) -> None:
    """Learn the text of a post the comment events did not carry (VK wall.getById); commits."""
    from helpdesk.inbox.comment_ingest import fetch_post_text

    fetch_post_text(post_id)


@task("inbox.route")
def route_task(ticket_id: int, message_id: int) -> None:
    """Route a new ticket; commits (a busy SQLite database is tried again)."""
    started = time.perf_counter()
    for attempt in range(3):
        try:
            route_new_ticket(ticket_id, message_id)
            db.session.commit()
            log.info("ticket %s routed in %.1f ms", ticket_id, (time.perf_counter() - started) * 1000)
            return
        except OperationalError:
            db.session.rollback()
            log.info("routing ticket %s: database busy, try %s", ticket_id, attempt + 1)


def route_new_ticket(ticket_id: int, message_id: int | None = None) -> str | None:
    """Route a new ticket with routing.service.route_ticket (on an error: triage). Flushes."""
    # Claim first: the write lock (SQLite) / row lock (PostgreSQL) is taken before anything is
    # read, so two routers never route one ticket and SQLite never has to upgrade a stale read.
    claimed = db.session.execute(update(Ticket).where(
        Ticket.id == ticket_id, Ticket.status == TicketStatus.NEW).values(
        status=TicketStatus.NEW)).rowcount
    if not claimed:
        return None
    ticket = db.session.get(Ticket, ticket_id, populate_existing=True)
    message = db.session.get(Message, message_id) if message_id else db.session.scalar(
        select(Message).where(Message.ticket_id == ticket_id,
                              Message.direction == Direction.INBOUND).order_by(Message.id).limit(1))
    if message is None:
        ticket.status = TicketStatus.TRIAGE
        db.session.flush()
        return str(ticket.status)
    from helpdesk.routing.service import route_ticket

    try:
        with db.session.begin_nested():
            route_ticket(ticket, message)
    except Exception:  # routing must never lose a ticket: people decide instead
        log.exception("routing ticket %s failed", ticket_id)
        db.session.refresh(ticket)
        ticket.status = TicketStatus.TRIAGE
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.TRIAGE
    db.session.flush()
    return str(ticket.status)
