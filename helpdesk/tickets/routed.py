"""The ticket side of routing: carry out the decision routing returns (assign, close, record).

Routing reads the text and decides; it never touches a ticket. Here the decision becomes the
ticket's department, status, language, topic and explanation, and, when an administrator lets
routing close a special kind, the closing itself (audited as an automatic close). Flushes.
"""
from helpdesk.extensions import db
from helpdesk.models.message import Message
from helpdesk.models.routing import RoutingDecision
from helpdesk.models.ticket import Ticket, TicketStatus
from helpdesk.routing.service import Routed, record_decision, route_message, triage_department
from helpdesk.tickets.lifecycle import close


def route_ticket(ticket: Ticket, message: Message) -> RoutingDecision:
    """Route a ticket by one of its messages, carry the decision out and record it."""
    routed = route_message(message.text or "")
    apply_decision(ticket, routed)
    row = record_decision(ticket.id, message.id, routed)
    d = routed.decision
    if d.close is not None:
        result, reason = d.close
        close(ticket, None, result, reason, automatic=True)
    db.session.flush()
    return row


def apply_decision(ticket: Ticket, routed: Routed) -> None:
    """The ticket's fields from a routing decision: no department means the triage queue
    (where an automatically closed ticket stays visible to the press service)."""
    d = routed.decision
    target = d.department_id
    if target is None:
        triage = triage_department()
        target = triage.id if triage else None
    ticket.department_id = target
    ticket.status = TicketStatus.TRIAGE if d.to_triage or target is None else \
        TicketStatus.ASSIGNED
    ticket.language = d.language
    ticket.district = (routed.district or "")[:100] or None
    ticket.topic = d.topic
    ticket.topic_code = d.topic_code
    ticket.routing_confidence = round(d.confidence, 4)
    ticket.special_kind = d.special_kind
    ticket.collective = bool(ticket.collective or routed.collective)
    ticket.extracted = {**routed.extracted, "routing": d.explanation}
