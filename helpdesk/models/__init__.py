"""Every model, imported so that metadata and Alembic see all tables."""
from helpdesk.models.audit import AuditEvent
from helpdesk.models.export import ExportJob  # noqa: F401
from helpdesk.models.retention import AnonymisedTicket  # noqa: F401
from helpdesk.models.canned import CannedResponse  # noqa: F401
from helpdesk.models.digest import DepartmentDigest, Escalation  # noqa: F401
from helpdesk.models import search as _search  # noqa: F401  (FTS tables, GIN indexes)
from helpdesk.models.channel import Channel, ChannelKind, Citizen
from helpdesk.models.deadlines import CalendarDay, DeadlinePolicyRow
from helpdesk.models.department import Department
from helpdesk.models.inbox import InboundEvent, OutboxItem
from helpdesk.models.message import Attachment, Delivery, Direction, Message
from helpdesk.models.routing import (ModelVersion, RoutingDecision, RoutingRule, TopicMapping,
                                     TrainingExample)
from helpdesk.models.setting import Setting
from helpdesk.models.ticket import Ticket, TicketCounter, TicketKind, TicketStatus
from helpdesk.models.user import Role, User

__all__ = [
    "Attachment", "AuditEvent", "Channel", "ChannelKind", "Citizen", "Delivery", "Department",
    "Direction", "InboundEvent", "Message", "OutboxItem", "Role", "Setting", "Ticket",
    "TicketCounter", "TicketKind", "TicketStatus", "User",
    "CalendarDay", "DeadlinePolicyRow",
]
