"""What the ticket page reads: the ticket with its citizen, then one query per block of the page."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from helpdesk.access import ticket_or_404
from helpdesk.extensions import db
from helpdesk.models.message import Message
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.tickets import presenters


@dataclass
class PageData:
    """The blocks of a ticket page besides the ticket itself."""

    messages: list
    panel: list
    other_tickets: list
    routing: object
    canned: list


def page_ticket(user: User, ticket_id: int) -> Ticket:
    """The ticket with its citizen (the page shows the citizen card), or 404."""
    return ticket_or_404(user, ticket_id, joinedload(Ticket.citizen))


def conversation(ticket: Ticket) -> list[Message]:
    """The ticket's messages in order with attachments and authors, in one query."""
    return list(db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id)
        .options(joinedload(Message.attachments),
                 joinedload(Message.author).load_only(User.username, User.full_name))
        .order_by(Message.sent_at, Message.id)).unique())


def page_data(user: User, ticket: Ticket, now: datetime) -> PageData:
    """Conversation, deadline panel, the citizen's other tickets, routing and canned responses."""
    return PageData(messages=conversation(ticket), panel=presenters.deadline_panel(ticket, now),
                    other_tickets=presenters.citizen_tickets(user, ticket),
                    routing=presenters.routing_explanation(ticket),
                    canned=presenters.canned_for(ticket))
