"""The inbox's background tasks, by name (run by the thread pool, Celery or the sweeper)."""
import logging
import random
import time

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from helpdesk.database.conflicts import is_conflict
from helpdesk.extensions import db
from helpdesk.inbox.ack import acknowledge
from helpdesk.models import Citizen, Message, Ticket
from helpdesk.models.message import Direction
from helpdesk.models.ticket import TicketStatus
from helpdesk.background.tasks import task
from helpdesk.tickets.routed import route_ticket

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


ROUTE_ATTEMPTS = 5


@task("inbox.route")
def route_task(ticket_id: int, message_id: int) -> None:
    """Route a new ticket; commits. A deadlock or serialization failure (PostgreSQL) or a busy
    database (SQLite) rolls the whole unit back and runs it again, after a short random pause."""
    started = time.perf_counter()
    for attempt in range(1, ROUTE_ATTEMPTS + 1):
        try:
            route_new_ticket(ticket_id, message_id)
            db.session.commit()
            log.info("ticket %s routed in %.1f ms", ticket_id, (time.perf_counter() - started) * 1000)
            return
        except DBAPIError as exc:
            db.session.rollback()
            if not is_conflict(exc) or attempt == ROUTE_ATTEMPTS:
                raise  # the ticket stays new: the sweeper routes it later
            log.info("routing ticket %s: concurrent work in the way (%s), try %s", ticket_id,
                     getattr(exc.orig, "sqlstate", None) or "busy", attempt + 1)
            time.sleep(random.uniform(0.01, 0.05 * attempt))


def route_new_ticket(ticket_id: int, message_id: int | None = None) -> str | None:
    """Route a new ticket (on an error: triage), then acknowledge it as decided. Flushes."""
    # Row locks in the order ingest takes them: the citizen, then the ticket. Ingest holds the
    # citizen while it adds a message and touches the ticket; routing held the ticket and then
    # needed the citizen (PostgreSQL checks a row's foreign keys again, with a key-share lock on
    # the citizen, when the row was already changed in the transaction): "deadlock detected".
    _lock_citizen_of(ticket_id)
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
    try:
        with db.session.begin_nested():
            route_ticket(ticket, message)
    except Exception as exc:  # routing must never lose a ticket: people decide instead
        if is_conflict(exc):
            raise  # not routing's failure: route_task runs the whole unit again
        log.exception("routing ticket %s failed", ticket_id)
        db.session.refresh(ticket)
        ticket.status = TicketStatus.TRIAGE
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.TRIAGE
    db.session.flush()
    # After the decision: the text says when the department answers, or why it was closed.
    if ticket.post_id is None:  # no automatic notice in a public thread: everyone would read it
        acknowledge(ticket, message.text or "")
    return str(ticket.status)


def _lock_citizen_of(ticket_id: int) -> None:
    """PostgreSQL: take the ticket's citizen's row lock (key share) before the ticket's. SQLite
    locks the whole database at the claim instead: nothing is read before it there."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    citizen = select(Ticket.citizen_id).where(Ticket.id == ticket_id).scalar_subquery()
    db.session.execute(select(Citizen.id).where(Citizen.id == citizen)
                       .with_for_update(key_share=True))
