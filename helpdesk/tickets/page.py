"""What the ticket page reads: the ticket with its citizen, then one query per block of the page.

The blocks (conversation, the citizen's other tickets, routing, canned responses) are read-only
on this page: each is one statement compiled once (helpdesk.precompiled) whose rows fill small
objects that the template reads like the models. The ticket itself stays an ORM object: the
page's actions and forms work on it.
"""
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import joinedload

from helpdesk.access import found_or_404, scope_condition, user_scope
from helpdesk.extensions import db
from helpdesk.models.canned import CannedResponse
from helpdesk.models.message import Attachment, Message
from helpdesk.models.routing import RoutingDecision
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.precompiled import Precompiled
from helpdesk.tickets import presenters
from helpdesk.tickets.queues import inline
from helpdesk.tickets.rows import OtherTicket, other_tickets_select


@dataclass
class PageData:
    """The blocks of a ticket page besides the ticket itself."""

    messages: list
    panel: list
    other_tickets: list
    routing: object
    canned: list


@lru_cache(maxsize=256)
def _ticket_statement(scope):
    query = select(Ticket).options(joinedload(Ticket.citizen)).where(
        Ticket.id == bindparam("ticket_id"))
    condition = scope_condition(scope)
    return query if condition is None else query.where(condition)


def page_ticket(user: User, ticket_id: int) -> Ticket:
    """The ticket with its citizen (the page shows the citizen card), or 404 (as
    helpdesk.access.ticket_or_404, by a statement built once per scope)."""
    ticket = db.session.scalar(_ticket_statement(user_scope(user)), {"ticket_id": ticket_id})
    return found_or_404(ticket, ticket_id)


# --- the conversation ----------------------------------------------------------------------

_MESSAGES = Message.__table__
_ATTACHMENTS = Attachment.__table__
_USERS = User.__table__
MESSAGE_FIELDS = ("id", "direction", "author_id", "text", "sent_at", "delivery_status",
                  "delivery_error", "is_auto", "is_answer")
ATTACHMENT_FIELDS = ("id", "kind", "original_name", "mime_type", "size", "status")

AttachmentRow = namedtuple("AttachmentRow", ATTACHMENT_FIELDS)
AuthorRow = namedtuple("AuthorRow", ("username", "full_name"))


class MessageRow:
    """One message of the conversation as the page shows it, with its author and attachments."""

    __slots__ = (*MESSAGE_FIELDS, "author", "attachments")
    delivery_label = Message.delivery_label

    def __init__(self, values, author: AuthorRow | None):
        for name, value in zip(MESSAGE_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.author = author
        self.attachments: list[AttachmentRow] = []

    def __repr__(self) -> str:
        return f"<MessageRow {self.id} {self.direction}>"


@lru_cache(maxsize=None)
def _conversation_statement(dialect: str) -> Precompiled:
    columns = ([_MESSAGES.c[name] for name in MESSAGE_FIELDS]
               + [_USERS.c.username, _USERS.c.full_name]
               + [_ATTACHMENTS.c[name] for name in ATTACHMENT_FIELDS])
    joined = (_MESSAGES.outerjoin(_USERS, _USERS.c.id == _MESSAGES.c.author_id)
              .outerjoin(_ATTACHMENTS, _ATTACHMENTS.c.message_id == _MESSAGES.c.id))
    return Precompiled(
        select(*columns).select_from(joined)
        .where(_MESSAGES.c.ticket_id == bindparam("ticket_id", None, required=False))
        .order_by(_MESSAGES.c.sent_at, _MESSAGES.c.id, _ATTACHMENTS.c.id), db.engine.dialect)


def conversation(ticket: Ticket) -> list[MessageRow]:
    """The ticket's messages in order with attachments and authors, in one query."""
    messages: list[MessageRow] = []
    n_message, n_author = len(MESSAGE_FIELDS), len(MESSAGE_FIELDS) + 2
    for row in _conversation_statement(db.engine.dialect.name).rows({"ticket_id": ticket.id}):
        if not messages or messages[-1].id != row[0]:
            author = AuthorRow(*row[n_message:n_author]) if row[2] is not None else None
            messages.append(MessageRow(row[:n_message], author))
        if row[n_author] is not None:
            messages[-1].attachments.append(AttachmentRow._make(row[n_author:]))
    return messages


# --- the citizen's other tickets, routing, canned responses ---------------------------------

OTHER_TICKETS_SHOWN = 20


@lru_cache(maxsize=256)
def _other_tickets_statement(dialect: str, scope, limit: int) -> Precompiled:
    condition = scope_condition(scope)
    query = other_tickets_select(dialect).where(
        Ticket.citizen_id == bindparam("citizen_id", None, required=False),
        Ticket.id != bindparam("ticket_id", None, required=False))
    if condition is not None:
        query = query.where(condition)
    return Precompiled(query.order_by(Ticket.received_at.desc()).limit(inline(limit)),
                       db.engine.dialect)


def citizen_tickets(user: User, ticket: Ticket, limit: int = OTHER_TICKETS_SHOWN) -> list[OtherTicket]:
    """The citizen's other tickets the user may see (repeated appeals), newest first.

    Only what the citizen card shows is read: number, status (and its label) and date."""
    statement = _other_tickets_statement(db.engine.dialect.name, user_scope(user), limit)
    return statement.rows({"citizen_id": ticket.citizen_id, "ticket_id": ticket.id},
                          OtherTicket._make)


_DECISIONS = RoutingDecision.__table__
DecisionRow = namedtuple("DecisionRow", tuple(_DECISIONS.c.keys()))


@lru_cache(maxsize=None)
def _routing_statement(dialect: str) -> Precompiled:
    return Precompiled(
        select(_DECISIONS).where(_DECISIONS.c.ticket_id == bindparam("ticket_id", None,
                                                                       required=False))
        .order_by(_DECISIONS.c.id.desc()).limit(inline(1)), db.engine.dialect)


def routing_explanation(ticket: Ticket) -> DecisionRow | None:
    """The latest routing decision of the ticket (its columns), or None."""
    rows = _routing_statement(db.engine.dialect.name).rows({"ticket_id": ticket.id},
                                                           DecisionRow._make)
    return rows[0] if rows else None


_CANNED = CannedResponse.__table__
CannedRow = namedtuple("CannedRow", ("id", "title", "body", "department_id"))


@lru_cache(maxsize=None)
def _canned_statement(dialect: str) -> Precompiled:
    return Precompiled(
        select(*(_CANNED.c[name] for name in CannedRow._fields)).where(and_(
            _CANNED.c.active.is_(True),
            or_(_CANNED.c.department_id.is_(None),
                _CANNED.c.department_id == bindparam("department_id", None, required=False))))
        .order_by(_CANNED.c.title), db.engine.dialect)


def canned_for(ticket: Ticket) -> list[CannedRow]:
    """Active canned responses offered on a ticket (shared ones and its department's)."""
    return _canned_statement(db.engine.dialect.name).rows(
        {"department_id": ticket.department_id}, CannedRow._make)


def page_data(user: User, ticket: Ticket, now: datetime) -> PageData:
    """Conversation, deadline panel, the citizen's other tickets, routing and canned responses."""
    return PageData(messages=conversation(ticket), panel=presenters.deadline_panel(ticket, now),
                    other_tickets=citizen_tickets(user, ticket), routing=routing_explanation(ticket),
                    canned=canned_for(ticket))
