"""The ticket page's read-only rows: the ticket with its citizen and names, the conversation,
the routing decision and canned responses, read by helpdesk.tickets.page.

Small objects that the template and the presenters read like the models (the models' own
label properties are borrowed), built straight from result rows.
"""
from collections import namedtuple

from helpdesk.models.channel import Citizen
from helpdesk.models.message import Message
from helpdesk.models.routing import RoutingDecision
from helpdesk.models.ticket import Ticket
from helpdesk.tickets.list_rows import AssigneeRef, ChannelRef, DepartmentRef

TICKET_COLUMNS = tuple(Ticket.__table__.c.keys())
CITIZEN_COLUMNS = tuple(Citizen.__table__.c.keys())


class CitizenView(namedtuple("CitizenFields", CITIZEN_COLUMNS)):
    """The ticket's citizen as the card shows it."""

    __slots__ = ()


class TicketView:
    """The ticket as its page shows it: every column, its citizen, channel kind, department
    and assignee names. Read-only: the page's actions load the ORM ticket."""

    __slots__ = (*TICKET_COLUMNS, "citizen", "channel", "department", "assignee")
    status_label = Ticket.status_label
    kind_label = Ticket.kind_label
    is_open = Ticket.is_open
    is_public = Ticket.is_public

    def __init__(self, row):
        n_ticket, n_citizen = len(TICKET_COLUMNS), len(TICKET_COLUMNS) + len(CITIZEN_COLUMNS)
        for name, value in zip(TICKET_COLUMNS, row[:n_ticket], strict=True):
            setattr(self, name, value)
        self.citizen = CitizenView._make(row[n_ticket:n_citizen])
        channel_kind, department_name, username, full_name = row[n_citizen:]
        self.channel = ChannelRef(channel_kind)
        self.department = DepartmentRef(department_name) if department_name is not None else None
        self.assignee = AssigneeRef(username, full_name) if username is not None else None

    def __repr__(self) -> str:
        return f"<TicketView {self.number} {self.status}>"


MESSAGE_FIELDS = ("id", "direction", "author_id", "text", "sent_at", "delivery_status",
                  "delivery_error", "is_auto", "is_answer", "external_id", "reply_to",
                  "edited_at", "deleted_at", "hidden_at", "hidden_reason", "new_topic")
ATTACHMENT_FIELDS = ("id", "kind", "original_name", "mime_type", "size", "status", "storage_name")

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


DecisionRow = namedtuple("DecisionRow", tuple(RoutingDecision.__table__.c.keys()))


CannedRow = namedtuple("CannedRow", ("id", "title", "body", "department_id", "owner_id"))
