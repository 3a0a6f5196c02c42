"""Ticket services: each flushes and writes an audit event; the caller commits."""
from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.message import Direction, Message
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.util.text import is_blank
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
