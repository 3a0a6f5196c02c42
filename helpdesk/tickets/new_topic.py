"""New topics in open tickets: a citizen's later message that routing confidently puts in another
department than its ticket's is flagged, and splitting it off is proposed.

Ingest threads every message of a citizen into their open ticket; a noise complaint written into
a ticket about road markings would otherwise get no number, no routing and no clock. The
background task `tickets.check_topic` (dispatched by ingest after commit) routes the message as
if it were new, without touching the ticket's routing: when the decision is a department
(confident enough to route automatically, not a special kind, not the triage queue) other than
the ticket's, the message keeps the proposal and the ticket is flagged for the desk. Staff split
the message off (helpdesk.tickets.split) or keep it in the ticket; both are audited.
"""
import logging

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from helpdesk.audit.log import record
from helpdesk.background.tasks import task
from helpdesk.database.conflicts import is_conflict
from helpdesk.extensions import db
from helpdesk.live.bus import note_changed
from helpdesk.models.department import Department
from helpdesk.models.message import Direction, Message
from helpdesk.models.ticket import Ticket, TicketStatus
from helpdesk.models.user import User
from helpdesk.routing.service import route_message
from helpdesk.tickets.errors import TicketError

log = logging.getLogger(__name__)

PROPOSED, KEPT, SPLIT = "proposed", "kept", "split"
ATTEMPTS = 3
_SETTLED = (TicketStatus.NEW, TicketStatus.TRIAGE, TicketStatus.MERGED)  # not yet or no longer routed


@task("tickets.check_topic")
def check_topic_task(ticket_id: int, message_id: int) -> None:
    """Look at one later message of a ticket; commits. Concurrent work in the way (a deadlock,
    a busy SQLite) runs it again; a proposal lost otherwise leaves the message where it is."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            check_topic(ticket_id, message_id)
            db.session.commit()
            return
        except DBAPIError as exc:
            db.session.rollback()
            if not is_conflict(exc) or attempt == ATTEMPTS:
                raise


def check_topic(ticket_id: int, message_id: int) -> dict | None:
    """Flag the message when routing puts it in another department (flushes); the proposal."""
    ticket = db.session.get(Ticket, ticket_id)
    message = db.session.get(Message, message_id)
    if ticket is None or message is None or message.ticket_id != ticket.id:
        return None  # split or merged away meanwhile: nothing to propose here
    if (ticket.post_id is not None or ticket.status in _SETTLED or ticket.department_id is None
            or message.direction != Direction.INBOUND or message.new_topic
            or not (message.text or "").strip()):
        return None
    decision = route_message(message.text).decision
    if (decision.department_id is None or decision.to_triage or decision.special_kind
            or decision.department_id == ticket.department_id):
        return None
    proposal = {"department_id": decision.department_id,
                "confidence": round(decision.confidence, 3), "topic": decision.topic,
                "state": PROPOSED}
    message.new_topic = proposal
    _set_flag(ticket.id, True)
    record("new_topic_proposed", object_type="ticket", object_id=str(ticket.id),
           details={"message_id": message.id, **proposal})
    log.info("ticket %s: message %s looks like a new topic (department %s, %.2f)", ticket.id,
             message.id, decision.department_id, decision.confidence)
    return proposal


def keep_in_ticket(ticket: Ticket, user: User, message_id: int) -> None:
    """Staff decided the flagged message belongs to its ticket after all (flushes, audited)."""
    message = db.session.get(Message, message_id)
    if message is None or message.ticket_id != ticket.id or \
            (message.new_topic or {}).get("state") != PROPOSED:
        raise TicketError("Для этого сообщения выделение в новое обращение не предлагалось")
    message.new_topic = {**message.new_topic, "state": KEPT, "by": user.id}
    db.session.flush()
    refresh_flag(ticket.id)
    record("new_topic_kept", actor=user, object_type="ticket", object_id=str(ticket.id),
           details={"message_id": message.id})


def mark_split(message_ids: list[int], *ticket_ids: int) -> None:
    """After a split: proposals among the moved messages are done; the tickets' flags follow."""
    for message in db.session.scalars(select(Message).where(Message.id.in_(message_ids),
                                                            Message.new_topic.is_not(None))):
        if message.new_topic.get("state") == PROPOSED:
            message.new_topic = {**message.new_topic, "state": SPLIT}
    db.session.flush()
    for ticket_id in ticket_ids:
        refresh_flag(ticket_id)


def refresh_flag(ticket_id: int) -> None:
    """The ticket's flag: set while one of its messages holds an open proposal."""
    candidates = db.session.scalars(select(Message.new_topic).where(
        Message.ticket_id == ticket_id, Message.new_topic.is_not(None))).all()
    _set_flag(ticket_id, any((c or {}).get("state") == PROPOSED for c in candidates))


def _set_flag(ticket_id: int, value: bool) -> None:
    """The flag is not a change of the ticket's content: forms open on it stay current (its
    version, updated_at, is kept); the desks are told."""
    changed = db.session.execute(update(Ticket).where(
        Ticket.id == ticket_id, Ticket.new_topic.is_not(value)).values(
        new_topic=value, updated_at=Ticket.updated_at).execution_options(
        synchronize_session="fetch")).rowcount
    if changed:
        note_changed(ticket_id, "state")


def proposals(ticket: Ticket, messages) -> dict[int, dict]:
    """{message id: proposal with the department's name} for the ticket page's open proposals."""
    open_ = {m.id: m.new_topic for m in messages
             if m.new_topic and m.new_topic.get("state") == PROPOSED}
    if not open_:
        return {}
    names = dict(db.session.execute(select(Department.id, Department.name).where(
        Department.id.in_({p["department_id"] for p in open_.values()}))).all())
    return {mid: {**p, "department": names.get(p["department_id"], "другое подразделение")}
            for mid, p in open_.items()}
