"""The ticket side of routing: carry out the decision routing returns (assign, close, record).

Routing reads the text and decides; it never touches a ticket. Here the decision becomes the
ticket's department, status, language, topic and explanation, and, when an administrator lets
routing close a special kind, the closing itself (audited as an automatic close); then the
citizen is acknowledged as decided. The background task `tickets.route` (dispatched by ingest
and split after commit, run by the sweeper for tickets it missed) routes one new ticket.
"""
import logging
import random
import time

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from helpdesk.background.tasks import task
from helpdesk.citizens.keys import remember_ticket
from helpdesk.database.conflicts import is_conflict
from helpdesk.extensions import db
from helpdesk.inbox.ack import acknowledge
from helpdesk.models.channel import Citizen
from helpdesk.models.message import Direction, Message
from helpdesk.models.routing import RoutingDecision
from helpdesk.models.ticket import Ticket, TicketStatus
from helpdesk.routing.service import Routed, record_decision, route_message, triage_department
from helpdesk.tickets.lifecycle import close

log = logging.getLogger(__name__)


def route_ticket(ticket: Ticket, message: Message) -> RoutingDecision:
    """Route a ticket by one of its messages, carry the decision out and record it."""
    routed = route_message(message.text or "")
    apply_decision(ticket, routed)
    row = record_decision(ticket.id, message.id, routed)
    d = routed.decision
    if d.close is not None:
        result, reason = d.close
        close(ticket, None, result, reason, automatic=True)
    db.session.flush()
    return row


def apply_decision(ticket: Ticket, routed: Routed) -> None:
    """The ticket's fields from a routing decision: no department means the triage queue
    (where an automatically closed ticket stays visible to the press service)."""
    d = routed.decision
    target = d.department_id
    if target is None:
        triage = triage_department()
        target = triage.id if triage else None
    ticket.department_id = target
    ticket.status = TicketStatus.TRIAGE if d.to_triage or target is None else \
        TicketStatus.ASSIGNED
    ticket.language = d.language
    ticket.district = (routed.district or "")[:100] or None
    ticket.topic = d.topic
    ticket.topic_code = d.topic_code
    ticket.routing_confidence = round(d.confidence, 4)
    ticket.special_kind = d.special_kind
    ticket.collective = bool(ticket.collective or routed.collective)
    ticket.extracted = {**routed.extracted, "routing": d.explanation}
    remember_ticket(ticket)  # phones, e-mails, names: the citizen page's suggestions


ROUTE_ATTEMPTS = 5


@task("tickets.route")
def route_task(ticket_id: int, message_id: int | None = None) -> None:
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
