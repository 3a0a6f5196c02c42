"""Every model, imported so that metadata and Alembic see all tables."""
from helpdesk.models import search as _search  # noqa: F401  (ticket search table, FTS, GIN)
from helpdesk.models.audit import AuditEvent
from helpdesk.models.canned import CannedResponse
from helpdesk.models.channel import Channel, ChannelKind, Citizen
from helpdesk.models.comment import MessageRevision, Post
from helpdesk.models.deadlines import CalendarDay, DeadlinePolicyRow
from helpdesk.models.department import Department
from helpdesk.models.desk import TicketRead
from helpdesk.models.digest import DepartmentDigest, Escalation
from helpdesk.models.export import ExportJob
from helpdesk.models.inbox import InboundEvent, OutboxItem
from helpdesk.models.message import Attachment, Delivery, Direction, Message
from helpdesk.models.person import ContactKey, Person
from helpdesk.models.retention import AnonymisedTicket
from helpdesk.models.routing import (ModelVersion, RoutingDecision, RoutingRule, TopicMapping,
                                     TrainingExample)
from helpdesk.models.setting import Setting
from helpdesk.models.ticket import Ticket, TicketCounter, TicketKind, TicketStatus
from helpdesk.models.user import Role, User, UserSession

__all__ = [
    "AnonymisedTicket", "Attachment", "AuditEvent", "CalendarDay", "CannedResponse", "Channel",
    "ChannelKind", "Citizen", "ContactKey", "DeadlinePolicyRow", "Delivery", "Department",
    "DepartmentDigest", "Direction", "Escalation", "ExportJob", "InboundEvent", "Message",
    "MessageRevision", "ModelVersion", "OutboxItem", "Person", "Post", "Role", "RoutingDecision",
    "RoutingRule", "Setting", "Ticket", "TicketCounter", "TicketKind", "TicketRead",
    "TicketStatus", "TopicMapping", "TrainingExample", "User", "UserSession",
]
