"""What the ticket page reads: the ticket with its citizen and names, then one query per block.

The page only reads: each block is one SQLAlchemy Core statement, built once per shape (SQLAlchemy
caches its compiled form), whose rows fill the small read-only objects of
helpdesk.tickets.page_rows, which the template reads like the models. The page's actions (POST)
load the ORM ticket themselves.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.sql import Select

from helpdesk.access import found_or_404, restrict_to_scope, user_scope
from helpdesk.extensions import db
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.tickets import presenters
from helpdesk.tickets.comment_actions import hide_proposal
from helpdesk.tickets.new_topic import proposals
from helpdesk.models.canned import CannedResponse
from helpdesk.models.channel import Citizen
from helpdesk.models.comment import MessageRevision, Post
from helpdesk.models.message import Attachment, Message
from helpdesk.models.routing import RoutingDecision
from helpdesk.tickets.page_rows import (ATTACHMENT_FIELDS, MESSAGE_FIELDS, AttachmentRow, AuthorRow,
                                        CannedRow, DecisionRow, MessageRow, TicketView)
from helpdesk.tickets.queues import inline
from helpdesk.tickets.list_rows import OtherTicket, as_read, other_tickets_select, ticket_with_names


@dataclass
class PageData:
    """The blocks of a ticket page besides the ticket itself."""

    messages: list
    panel: list
    other_tickets: list
    routing: object
    canned: list
    thread: "CommentThread | None" = None
    new_topics: dict | None = None  # message id → open split proposal (helpdesk.tickets.new_topic)


@dataclass
class CommentThread:
    """A comment ticket's post and the earlier texts of its comments (by message id)."""

    post: Post
    revisions: dict[int, list[MessageRevision]]
    hide_proposal: str | None = None


def comment_thread(ticket) -> CommentThread | None:
    """The post and revisions of a public comment thread (None for direct messages)."""
    if ticket.post_id is None:
        return None
    revisions: dict[int, list[MessageRevision]] = {}
    for revision in db.session.scalars(
            select(MessageRevision).join(Message, Message.id == MessageRevision.message_id)
            .where(Message.ticket_id == ticket.id).order_by(MessageRevision.id)):
        revisions.setdefault(revision.message_id, []).append(revision)
    return CommentThread(db.session.get(Post, ticket.post_id), revisions, hide_proposal(ticket))


_TICKETS, _CITIZENS, _USERS = Ticket.__table__, Citizen.__table__, User.__table__
_MESSAGES, _ATTACHMENTS = Message.__table__, Attachment.__table__
_DECISIONS, _CANNED = RoutingDecision.__table__, CannedResponse.__table__


def _rows(statement: Select, values: dict) -> list:
    """The rows of a read of the page, in the request's session and transaction."""
    return db.session.execute(statement, values).all()


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _read(table, dialect: str) -> list:
    """Every column of a table, as a read-only row takes it (helpdesk.tickets.list_rows.as_read)."""
    return [as_read(column, dialect) for column in table.c]


@lru_cache(maxsize=256)
def _ticket_statement(dialect: str, scope) -> Select:
    query = select(*_read(_TICKETS, dialect), *_read(_CITIZENS, dialect),
                   Channel.__table__.c.kind, Department.__table__.c.name, _USERS.c.username,
                   _USERS.c.full_name).select_from(ticket_with_names()).where(
        _TICKETS.c.id == bindparam("ticket_id"))
    return restrict_to_scope(query, scope)


def page_ticket(user: User, ticket_id: int) -> TicketView:
    """The ticket with its citizen, channel, department and assignee, or 404 (as
    helpdesk.access.ticket_or_404 decides)."""
    rows = _rows(_ticket_statement(_dialect(), user_scope(user)), {"ticket_id": ticket_id})
    return found_or_404(TicketView(rows[0]) if rows else None, ticket_id)


# --- the conversation ----------------------------------------------------------------------

@lru_cache(maxsize=None)
def _conversation_statement(dialect: str) -> Select:
    columns = ([as_read(_MESSAGES.c[name], dialect) for name in MESSAGE_FIELDS]
               + [_USERS.c.username, _USERS.c.full_name]
               + [_ATTACHMENTS.c[name] for name in ATTACHMENT_FIELDS])
    joined = (_MESSAGES.outerjoin(_USERS, _USERS.c.id == _MESSAGES.c.author_id)
              .outerjoin(_ATTACHMENTS, _ATTACHMENTS.c.message_id == _MESSAGES.c.id))
    return (select(*columns).select_from(joined)
            .where(_MESSAGES.c.ticket_id == bindparam("ticket_id"))
            .order_by(_MESSAGES.c.sent_at, _MESSAGES.c.id, _ATTACHMENTS.c.id))


def conversation(ticket) -> list[MessageRow]:
    """The ticket's messages in order with attachments and authors, in one query."""
    messages: list[MessageRow] = []
    n_message, n_author = len(MESSAGE_FIELDS), len(MESSAGE_FIELDS) + 2
    for row in _rows(_conversation_statement(_dialect()), {"ticket_id": ticket.id}):
        if not messages or messages[-1].id != row[0]:
            author = AuthorRow(*row[n_message:n_author]) if row[2] is not None else None
            messages.append(MessageRow(row[:n_message], author))
        if row[n_author] is not None:
            messages[-1].attachments.append(AttachmentRow._make(row[n_author:]))
    return messages


# --- the citizen's other tickets, routing, canned responses ---------------------------------

OTHER_TICKETS_SHOWN = 20


@lru_cache(maxsize=256)
def _other_tickets_statement(dialect: str, scope, limit: int) -> Select:
    same_person = or_(_CITIZENS.c.id == bindparam("citizen_id"),
                      _CITIZENS.c.person_id == bindparam("person_id"))
    query = restrict_to_scope(other_tickets_select(dialect).where(
        same_person, Ticket.id != bindparam("ticket_id")), scope)
    return query.order_by(Ticket.received_at.desc()).limit(inline(limit))


def citizen_tickets(user: User, ticket, limit: int = OTHER_TICKETS_SHOWN) -> list[OtherTicket]:
    """The person's other tickets the user may see, on every channel of theirs (repeated
    appeals), newest first.

    Only what the citizen card shows is read: number, status (and its label), date, channel."""
    statement = _other_tickets_statement(_dialect(), user_scope(user), limit)
    rows = _rows(statement, {"citizen_id": ticket.citizen_id, "person_id": ticket.citizen.person_id,
                             "ticket_id": ticket.id})
    return [OtherTicket._make(row) for row in rows]


@lru_cache(maxsize=None)
def _routing_statement(dialect: str) -> Select:
    return (select(*_read(_DECISIONS, dialect)).where(_DECISIONS.c.ticket_id == bindparam("ticket_id"))
            .order_by(_DECISIONS.c.id.desc()).limit(inline(1)))


def routing_explanation(ticket) -> DecisionRow | None:
    """The latest routing decision of the ticket (its columns), or None."""
    rows = _rows(_routing_statement(_dialect()), {"ticket_id": ticket.id})
    return DecisionRow._make(rows[0]) if rows else None


@lru_cache(maxsize=None)
def _canned_statement(dialect: str) -> Select:
    return (select(*(_CANNED.c[name] for name in CannedRow._fields)).where(and_(
        _CANNED.c.active.is_(True),
        or_(_CANNED.c.department_id.is_(None),
            _CANNED.c.department_id == bindparam("department_id")),
        or_(_CANNED.c.owner_id.is_(None), _CANNED.c.owner_id == bindparam("user_id"))))
        .order_by(_CANNED.c.owner_id.is_(None), _CANNED.c.title))


def canned_for(ticket, user: User) -> list[CannedRow]:
    """Active canned responses offered on a ticket: the user's personal ones first, then the
    shared ones for every department and for the ticket's."""
    rows = _rows(_canned_statement(_dialect()),
                 {"department_id": ticket.department_id, "user_id": user.id})
    return [CannedRow._make(row) for row in rows]


def page_data(user: User, ticket, now: datetime) -> PageData:
    """Conversation, deadline panel, the citizen's other tickets, routing, canned responses and,
    for a comment thread, its post and the comments' earlier texts."""
    messages = conversation(ticket)
    return PageData(messages=messages, panel=presenters.deadline_panel(ticket, now),
                    other_tickets=citizen_tickets(user, ticket),
                    routing=routing_explanation(ticket), canned=canned_for(ticket, user),
                    thread=comment_thread(ticket),
                    new_topics=proposals(ticket, messages) if ticket.new_topic else {})
