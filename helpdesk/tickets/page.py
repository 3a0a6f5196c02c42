"""What the ticket page reads: the ticket with its citizen and names, then one query per block.

The page only reads: each block is one statement compiled once (helpdesk.precompiled) whose rows
fill the small read-only objects of helpdesk.tickets.page_rows, which the template reads like the
models. The page's actions (POST) load the ORM ticket themselves.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, or_, select

from helpdesk.access import found_or_404, restrict_to_scope, user_scope
from helpdesk.extensions import db
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.precompiled import Precompiled, Reader, param
from helpdesk.tickets import presenters
from helpdesk.models.canned import CannedResponse
from helpdesk.models.channel import Citizen
from helpdesk.models.message import Attachment, Message
from helpdesk.models.routing import RoutingDecision
from helpdesk.tickets.page_rows import (ATTACHMENT_FIELDS, MESSAGE_FIELDS, AttachmentRow, AuthorRow,
                                        CannedRow, DecisionRow, MessageRow, TicketView)
from helpdesk.tickets.queues import inline
from helpdesk.tickets.rows import OtherTicket, as_read, other_tickets_select, ticket_with_names


@dataclass
class PageData:
    """The blocks of a ticket page besides the ticket itself."""

    messages: list
    panel: list
    other_tickets: list
    routing: object
    canned: list


_TICKETS, _CITIZENS, _USERS = Ticket.__table__, Citizen.__table__, User.__table__
_MESSAGES, _ATTACHMENTS = Message.__table__, Attachment.__table__
_DECISIONS, _CANNED = RoutingDecision.__table__, CannedResponse.__table__


def _read(table, dialect: str) -> list:
    """Every column of a table, as a read-only row takes it (helpdesk.tickets.rows.as_read)."""
    return [as_read(column, dialect) for column in table.c]


@lru_cache(maxsize=256)
def _ticket_statement(dialect: str, scope) -> Precompiled:
    query = select(*_read(_TICKETS, dialect), *_read(_CITIZENS, dialect),
                   Channel.__table__.c.kind, Department.__table__.c.name, _USERS.c.username,
                   _USERS.c.full_name).select_from(ticket_with_names()).where(
        _TICKETS.c.id == param("ticket_id"))
    return Precompiled(restrict_to_scope(query, scope), db.engine.dialect)


def page_ticket(user: User, ticket_id: int, reader: Reader | None = None) -> TicketView:
    """The ticket with its citizen, channel, department and assignee, or 404 (as
    helpdesk.access.ticket_or_404 decides)."""
    reader = reader or Reader()
    rows = _ticket_statement(reader.dialect_name, user_scope(user)).rows(
        {"ticket_id": ticket_id}, TicketView, reader)
    return found_or_404(rows[0] if rows else None, ticket_id)


# --- the conversation ----------------------------------------------------------------------

@lru_cache(maxsize=None)
def _conversation_statement(dialect: str) -> Precompiled:
    columns = ([as_read(_MESSAGES.c[name], dialect) for name in MESSAGE_FIELDS]
               + [_USERS.c.username, _USERS.c.full_name]
               + [_ATTACHMENTS.c[name] for name in ATTACHMENT_FIELDS])
    joined = (_MESSAGES.outerjoin(_USERS, _USERS.c.id == _MESSAGES.c.author_id)
              .outerjoin(_ATTACHMENTS, _ATTACHMENTS.c.message_id == _MESSAGES.c.id))
    return Precompiled(
        select(*columns).select_from(joined)
        .where(_MESSAGES.c.ticket_id == param("ticket_id"))
        .order_by(_MESSAGES.c.sent_at, _MESSAGES.c.id, _ATTACHMENTS.c.id), db.engine.dialect)


def conversation(ticket, reader: Reader | None = None) -> list[MessageRow]:
    """The ticket's messages in order with attachments and authors, in one query."""
    reader = reader or Reader()
    messages: list[MessageRow] = []
    n_message, n_author = len(MESSAGE_FIELDS), len(MESSAGE_FIELDS) + 2
    for row in _conversation_statement(reader.dialect_name).rows({"ticket_id": ticket.id},
                                                                 reader=reader):
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
    query = restrict_to_scope(other_tickets_select(dialect).where(
        Ticket.citizen_id == param("citizen_id"), Ticket.id != param("ticket_id")), scope)
    return Precompiled(query.order_by(Ticket.received_at.desc()).limit(inline(limit)),
                       db.engine.dialect)


def citizen_tickets(user: User, ticket, limit: int = OTHER_TICKETS_SHOWN,
                    reader: Reader | None = None) -> list[OtherTicket]:
    """The citizen's other tickets the user may see (repeated appeals), newest first.

    Only what the citizen card shows is read: number, status (and its label) and date."""
    reader = reader or Reader()
    statement = _other_tickets_statement(reader.dialect_name, user_scope(user), limit)
    return statement.rows({"citizen_id": ticket.citizen_id, "ticket_id": ticket.id},
                          OtherTicket._make, reader)


@lru_cache(maxsize=None)
def _routing_statement(dialect: str) -> Precompiled:
    return Precompiled(
        select(*_read(_DECISIONS, dialect)).where(_DECISIONS.c.ticket_id == param("ticket_id"))
        .order_by(_DECISIONS.c.id.desc()).limit(inline(1)), db.engine.dialect)


def routing_explanation(ticket, reader: Reader | None = None) -> DecisionRow | None:
    """The latest routing decision of the ticket (its columns), or None."""
    reader = reader or Reader()
    rows = _routing_statement(reader.dialect_name).rows({"ticket_id": ticket.id},
                                                        DecisionRow._make, reader)
    return rows[0] if rows else None


@lru_cache(maxsize=None)
def _canned_statement(dialect: str) -> Precompiled:
    return Precompiled(
        select(*(_CANNED.c[name] for name in CannedRow._fields)).where(and_(
            _CANNED.c.active.is_(True),
            or_(_CANNED.c.department_id.is_(None),
                _CANNED.c.department_id == param("department_id"))))
        .order_by(_CANNED.c.title), db.engine.dialect)


def canned_for(ticket, reader: Reader | None = None) -> list[CannedRow]:
    """Active canned responses offered on a ticket (shared ones and its department's)."""
    reader = reader or Reader()
    return _canned_statement(reader.dialect_name).rows(
        {"department_id": ticket.department_id}, CannedRow._make, reader)


def page_data(user: User, ticket, now: datetime) -> PageData:
    """Conversation, deadline panel, the citizen's other tickets, routing and canned responses
    (four reads back to back on one connection and cursor)."""
    reader = Reader()
    return PageData(messages=conversation(ticket, reader),
                    panel=presenters.deadline_panel(ticket, now),
                    other_tickets=citizen_tickets(user, ticket, reader=reader),
                    routing=routing_explanation(ticket, reader), canned=canned_for(ticket, reader))
