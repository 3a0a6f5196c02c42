"""Split: a citizen message (and every message after it) becomes a new ticket with its own
number, acknowledgement, routing and clocks. The opposite of merge; both tickets are audited.

Permission (role, department) is checked by the view through helpdesk.access before this runs.
"""
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update

from helpdesk.audit.log import record
from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.models.message import Direction, Message
from helpdesk.models.ticket import Ticket, TicketKind, TicketStatus, next_ticket_number
from helpdesk.models.types import utcnow
from helpdesk.models.user import User
from helpdesk.background.tasks import dispatch
from helpdesk.tickets.errors import TicketError
from helpdesk.tickets.new_topic import mark_split


def _from_message_on(ticket: Ticket, message: Message):
    """WHERE condition: the ticket's messages from `message` on (by time, then id)."""
    return and_(Message.ticket_id == ticket.id, or_(
        Message.sent_at > message.sent_at,
        and_(Message.sent_at == message.sent_at, Message.id >= message.id)))


def split_candidate(ticket: Ticket, message_id: int) -> Message:
    """The citizen message to split the ticket at, or a TicketError saying why it cannot be."""
    if ticket.status == TicketStatus.MERGED:
        raise TicketError("Обращение объединено с другим: разделять нечего")
    message = db.session.get(Message, message_id)
    if message is None or message.ticket_id != ticket.id or message.direction != Direction.INBOUND:
        raise TicketError("Выделить в новое обращение можно сообщение гражданина из этого обращения")
    earlier = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.ticket_id == ticket.id, Message.direction == Direction.INBOUND,
        ~_from_message_on(ticket, message)))
    if not earlier:
        raise TicketError("Это первое сообщение обращения: в старом обращении не осталось бы "
                          "сообщений гражданина. Выберите более позднее сообщение")
    return message


def split(ticket: Ticket, user: User, message_id: int, now: datetime | None = None) -> Ticket:
    """Move a citizen message and the messages after it into a new ticket (flushes). The new
    ticket's clocks run from that message's receipt; it is acknowledged (direct messages) and
    routed after commit, as a ticket that came in by itself."""
    message = split_candidate(ticket, message_id)
    now = now or utcnow()
    received = message.created_at or message.sent_at
    new = Ticket(number=next_ticket_number(now), status=TicketStatus.NEW,
                 kind=TicketKind.MESSAGE if ticket.post_id is None else TicketKind.COMMENT,
                 post_id=ticket.post_id, channel_id=ticket.channel_id,
                 citizen_id=ticket.citizen_id, received_at=received, last_message_at=received)
    db.session.add(new)
    db.session.flush()
    moved = db.session.scalars(select(Message.id).where(_from_message_on(ticket, message))).all()
    db.session.execute(update(Message).where(Message.id.in_(moved)).values(ticket_id=new.id))
    db.session.expire_all()  # moved rows and the ticket's relationships are read again
    for changed in (ticket, new):
        changed.last_message_at = db.session.scalar(select(func.max(Message.created_at)).where(
            Message.ticket_id == changed.id)) or changed.last_message_at
    ticket.updated_at = now  # a new version: forms filled before the split are stale
    store.recompute(new, now)
    _answer_states(ticket, new)
    mark_split(moved, ticket.id, new.id)
    if new.post_id is None:  # a public comment thread gets no automatic notice
        from helpdesk.inbox.ack import acknowledge

        acknowledge(new, message.text or "")
    dispatch("tickets.route", new.id, message.id)
    db.session.flush()
    record("ticket_split", actor=user, object_type="ticket", object_id=str(ticket.id),
           details={"into": new.id, "number": new.number, "message_id": message.id,
                    "messages": len(moved)})
    record("ticket_split_received", actor=user, object_type="ticket", object_id=str(new.id),
           details={"source": ticket.id, "message_id": message.id, "messages": len(moved)})
    return new


def _answer_states(*tickets: Ticket) -> None:
    """Replies moved with the messages answer the new ticket, not the old one."""
    from helpdesk.inbox.outbox import sync_answer_state

    for ticket in tickets:
        sync_answer_state(ticket)
