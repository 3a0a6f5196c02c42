"""Ticket list rows: only the columns a list shows and its deadline badge needs, not ORM entities.

A list page reads fifty tickets with their citizen, channel, department and assignee; building
full ORM objects for them cost several times the query itself. One flat SELECT of these columns
fills plain tuples that the list template and the badge functions read like tickets.
"""
from collections import namedtuple
from functools import lru_cache

from sqlalchemy import DateTime, Select, select, type_coerce

from helpdesk.models.channel import Channel, Citizen
from helpdesk.models.department import Department
from helpdesk.models.ticket import Ticket
from helpdesk.models.types import UTCDateTime
from helpdesk.models.user import User

_TICKETS = Ticket.__table__
_CITIZENS = Citizen.__table__
_CHANNELS = Channel.__table__
_DEPARTMENTS = Department.__table__
_USERS = User.__table__

# The ticket's own columns: what a row shows, the status label, the nearest clock, the cursor
# and the version its bulk-action checkbox carries (helpdesk.tickets.concurrency).
TICKET_FIELDS = ("id", "number", "status", "kind", "assignee_id", "received_at", "last_message_at",
                 "first_response_at", "first_response_due", "registered_at", "registration_due",
                 "answered_at", "answer_due", "updated_at", "new_topic")


class ChannelRef:
    """The channel of a row: its kind and label."""

    __slots__ = ("kind",)
    kind_label = Channel.kind_label

    def __init__(self, kind: str):
        self.kind = kind


class CitizenRef:
    """The citizen of a row: the name shown."""

    __slots__ = ("display_name",)

    def __init__(self, display_name: str | None):
        self.display_name = display_name


class DepartmentRef:
    """The department of a row: its name."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class AssigneeRef:
    """The specialist a row is assigned to: the names shown."""

    __slots__ = ("username", "full_name")

    def __init__(self, username: str, full_name: str | None):
        self.username, self.full_name = username, full_name


_RELATED_FIELDS = ("citizen_name", "channel_kind", "department_name", "assignee_username",
                   "assignee_full_name")


class TicketRow(namedtuple("TicketRowFields", TICKET_FIELDS + _RELATED_FIELDS)):
    """One ticket of a list, read like a Ticket by the template and the deadline functions.

    A tuple (made straight from the result row, no per-field Python work); the related records
    are small objects built when the template asks for them.
    """

    __slots__ = ()
    status_label = Ticket.status_label
    kind_label = Ticket.kind_label
    is_open = Ticket.is_open

    @property
    def citizen(self) -> CitizenRef:
        return CitizenRef(self.citizen_name)

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.channel_kind)

    @property
    def department(self) -> DepartmentRef | None:
        return DepartmentRef(self.department_name) if self.department_name is not None else None

    @property
    def assignee(self) -> AssigneeRef | None:
        if self.assignee_username is None:
            return None
        return AssigneeRef(self.assignee_username, self.assignee_full_name)

    def __repr__(self) -> str:
        return f"<TicketRow {self.number} {self.status}>"


def list_rows(result) -> list[TicketRow]:
    """TicketRows from the rows of a list_select() query."""
    make = TicketRow._make
    return [make(row) for row in result]


def _ticket_column(name: str, dialect: str):
    return as_read(_TICKETS.c[name], dialect)


def as_read(column, dialect: str):
    """The column as a read-only row needs it: on PostgreSQL a UTC timestamp is taken as psycopg
    returns it (aware already), without UTCDateTime's per-value conversion."""
    if dialect == "postgresql" and isinstance(column.type, UTCDateTime):
        # psycopg already returns aware datetimes (timestamptz): the UTC normalisation that
        # UTCDateTime adds for SQLite's naive values would cost a call per cell, 400 a page.
        return type_coerce(column, DateTime(timezone=True))
    return column


def ticket_with_names():
    """tickets joined to their citizen and channel, and to their department and assignee if any."""
    return (_TICKETS.join(_CITIZENS, _CITIZENS.c.id == _TICKETS.c.citizen_id)
            .join(_CHANNELS, _CHANNELS.c.id == _TICKETS.c.channel_id)
            .outerjoin(_DEPARTMENTS, _DEPARTMENTS.c.id == _TICKETS.c.department_id)
            .outerjoin(_USERS, _USERS.c.id == _TICKETS.c.assignee_id))


@lru_cache(maxsize=None)
def list_select(dialect: str) -> Select:
    """SELECT of the list columns from tickets joined to their citizen, channel, department, assignee.

    Built once per dialect (a Select is immutable: each list adds its WHERE to a copy)."""
    return select(*(_ticket_column(name, dialect) for name in TICKET_FIELDS),
                  _CITIZENS.c.display_name, _CHANNELS.c.kind, _DEPARTMENTS.c.name,
                  _USERS.c.username, _USERS.c.full_name).select_from(ticket_with_names())


_OTHER_FIELDS = ("id", "number", "status", "assignee_id", "received_at")


class OtherTicket(namedtuple("OtherTicketFields", _OTHER_FIELDS + ("channel_kind",))):
    """Another ticket of the same person (on any of their channels) as the ticket page's
    citizen card lists it."""

    __slots__ = ()
    status_label = Ticket.status_label

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.channel_kind)


@lru_cache(maxsize=None)
def other_tickets_select(dialect: str) -> Select:
    """SELECT of the OtherTicket columns from tickets joined to their citizen and channel."""
    return select(*(_ticket_column(name, dialect) for name in _OTHER_FIELDS),
                  _CHANNELS.c.kind).select_from(
        _TICKETS.join(_CITIZENS, _CITIZENS.c.id == _TICKETS.c.citizen_id)
        .join(_CHANNELS, _CHANNELS.c.id == _TICKETS.c.channel_id))
