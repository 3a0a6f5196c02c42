"""Ticket services: each flushes and writes an audit event; the caller commits."""
from datetime import datetime, timezone

from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.message import Direction, Message
from helpdesk.models.ticket import Ticket, TicketCounter, TicketStatus
from helpdesk.models.user import User
from helpdesk.text import is_blank
from helpdesk.errors import UserError


class TicketError(UserError):
    """A domain error shown to the person (Russian message)."""


MAX_TEXT = 10_000
NOTE_LIMIT = 20_000
def clean_text(value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    """A typed text, trimmed; refused when it shows nothing (only spaces or invisible marks) or
    is longer than `limit`. NUL characters, which no database column stores, are dropped."""
    value = (value or "").replace("\x00", "").strip()
    if is_blank(value):
        raise TicketError(f"Заполните поле «{what}»")
    if len(value) > limit:
        raise TicketError(f"Поле «{what}» длиннее {limit} символов")
    return value


def next_ticket_number(now: datetime | None = None) -> str:
    """Take the next human-readable number, e.g. 2026-000123 (row-locked counter per year)."""
    year = (now or datetime.now(timezone.utc)).year
    counter = db.session.scalar(
        select(TicketCounter).where(TicketCounter.year == year).with_for_update())
    if counter is None:
        counter = TicketCounter(year=year, last=0)
        db.session.add(counter)
    counter.last += 1
    db.session.flush()
    return f"{year}-{counter.last:06d}"


def add_note(ticket: Ticket, author: User, text: str) -> Message:
    """An internal note, visible to staff only."""
    text = clean_text(text, "Заметка", NOTE_LIMIT)
    note = Message(ticket_id=ticket.id, channel_id=ticket.channel_id, direction=Direction.NOTE,
                   author_id=author.id, text=text)
    db.session.add(note)
    db.session.flush()
    record("note_added", actor=author, object_type="ticket", object_id=str(ticket.id),
           details={"message_id": note.id})
    return note


def record_view(ticket: Ticket, user: User) -> None:
    """Access to personal data is audited (152-ФЗ)."""
    record("ticket_viewed", actor=user, object_type="ticket", object_id=str(ticket.id))


def back_to_work(ticket: Ticket) -> dict:
    """Clear the ticket's ending and return it to its department (or triage); returns what it
    was, for the audit event the caller writes. Flushes nothing: the callers add their own
    changes (restarted clocks, the reopening time)."""
    previous = {"from": str(ticket.status), "result": ticket.result,
                "close_reason": ticket.close_reason}
    ticket.status = TicketStatus.ASSIGNED if ticket.department_id else TicketStatus.TRIAGE
    ticket.result = ticket.close_reason = ticket.closed_at = None
    return previous

