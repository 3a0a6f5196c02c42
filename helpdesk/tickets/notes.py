"""Internal notes, and the record of who opened a ticket: each flushes and audits; the
request commits."""
from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.message import Direction, Message
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.tickets.errors import NOTE_LIMIT, clean_text


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
