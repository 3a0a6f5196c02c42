"""Anonymise tickets closed more than N days ago, keeping what the statistics need.

Wiped: citizen names, usernames, platform ids and reply addresses (once none of the
person's tickets, on any identity linked to them, is still kept), the phones, e-mails and names
found in the messages, the 59-ФЗ applicant's name, address and e-mail, the subject,
extracted entities (ticket and routing decision), message texts (a comment's earlier texts
too), attachment files, training examples taken from those tickets, and raw inbound payloads
and digests older than the term.
Kept: numbers, dates, channel, department, kind, status, topic and its code, district, result,
clocks.
"""
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.channel import Citizen
from helpdesk.models.digest import DepartmentDigest
from helpdesk.models.inbox import InboundEvent
from helpdesk.models.comment import MessageRevision
from helpdesk.models.message import Attachment, Message
from helpdesk.models.person import ContactKey
from helpdesk.models.retention import AnonymisedTicket
from helpdesk.models.routing import RoutingDecision, TrainingExample
from helpdesk.models.setting import get_setting
from helpdesk.models.ticket import ENDED_STATUSES, Ticket
from helpdesk.models.types import utcnow
from helpdesk.errors import UserError

DAYS_KEY = "retention.days"
DEFAULT_DAYS = 1095
BATCH = 500


class RetentionError(UserError):
    """Bad retention parameters."""


@dataclass
class RetentionResult:
    days: int
    cutoff: str
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    files_deleted: int = 0
    citizens: int = 0
    training_examples: int = 0
    inbound_events: int = 0


def configured_days() -> int:
    """The retention term in days (setting retention.days, default 1095)."""
    value = get_setting(DAYS_KEY, DEFAULT_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise RetentionError(f"настройка {DAYS_KEY} должна быть числом дней") from None
    if days < 1:
        raise RetentionError(f"настройка {DAYS_KEY} должна быть положительной")
    return days


def due_ticket_ids(cutoff: datetime, limit: int) -> list[int]:
    """Ended tickets closed before the cutoff and not anonymised yet."""
    ended = [str(s) for s in ENDED_STATUSES]
    done = exists().where(AnonymisedTicket.ticket_id == Ticket.id)
    query = (select(Ticket.id).where(Ticket.status.in_(ended), Ticket.closed_at.is_not(None),
                                     Ticket.closed_at < cutoff, ~done)
             .order_by(Ticket.id).limit(limit))
    return list(db.session.scalars(query))


def _delete_file(name: str | None) -> bool:
    if not name:
        return False
    path = os.path.join(current_app.config["ATTACHMENTS_DIR"], os.path.basename(name))
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def anonymise_batch(ids: list[int], result: RetentionResult, now: datetime) -> None:
    """Wipe the personal data of the given tickets (flushes)."""
    message_ids = select(Message.id).where(Message.ticket_id.in_(ids))
    for att in db.session.scalars(select(Attachment).where(Attachment.message_id.in_(message_ids))):
        result.files_deleted += _delete_file(att.storage_name)
        att.storage_name, att.original_name, att.source = None, "", ""
        att.error, att.status = None, "deleted"
        result.attachments += 1
    result.messages += db.session.execute(
        update(Message).where(Message.ticket_id.in_(ids))
        .values(text="", delivery_error=None, hidden_reason=None)
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    # A comment's earlier texts (its author's edits, a hide) are the citizen's words too.
    db.session.execute(update(MessageRevision).where(MessageRevision.message_id.in_(message_ids))
                       .values(previous_text="", reason=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(
        update(Ticket).where(Ticket.id.in_(ids))
        .values(subject="", applicant_name=None, applicant_address=None, applicant_email=None,
                extracted={}, extension_reason=None)
        .execution_options(synchronize_session=False))
    db.session.execute(update(RoutingDecision).where(RoutingDecision.ticket_id.in_(ids))
                       .values(extracted={}).execution_options(synchronize_session=False))
    # The phones, e-mails and names found in them (the citizen page's suggestions) go too.
    db.session.execute(delete(ContactKey).where(ContactKey.ticket_id.in_(ids))
                       .execution_options(synchronize_session=False))
    # Training examples are copies of the citizens' texts: they go with the tickets.
    result.training_examples += db.session.execute(
        delete(TrainingExample).where(TrainingExample.ticket_id.in_(ids))
        .execution_options(synchronize_session=False)).rowcount or 0
    db.session.add_all(AnonymisedTicket(ticket_id=i, anonymised_at=now) for i in ids)
    db.session.flush()
    result.tickets += len(ids)


def anonymise_citizens(now: datetime) -> int:
    """Anonymise the identities of people none of whose tickets, on any of their identities,
    is still kept (flushes); returns how many identities.

    A person is one: while any identity of theirs has a ticket kept (an open one, or one closed
    within the term), every identity keeps its name and address; then all of them go at once."""
    other = aliased(Citizen)
    of_person = (select(Ticket.id).join(other, other.id == Ticket.citizen_id)
                 .where(or_(other.id == Citizen.id, other.person_id == Citizen.person_id)))
    kept = of_person.where(~exists().where(AnonymisedTicket.ticket_id == Ticket.id))
    citizens = db.session.scalars(select(Citizen).where(
        Citizen.anonymized_at.is_(None), of_person.exists(), ~kept.exists())).all()
    for c in citizens:
        wipe_identity(c, now)
    db.session.flush()
    return len(citizens)


def wipe_identity(c: Citizen, now: datetime) -> None:
    """The identity's names, platform id and reply address are gone; the row (channel, dates,
    person) stays for the statistics."""
    c.display_name = c.first_name = c.last_name = c.username = c.reply_address = ""
    c.external_user_id = f"anon-{c.id}"
    c.anonymized_at = now


def wipe_old_payloads(cutoff: datetime) -> int:
    """Raw platform payloads and department digests older than the cutoff lose their content."""
    events = db.session.execute(
        update(InboundEvent).where(InboundEvent.received_at < cutoff,
                                   InboundEvent.status != "pending")
        .values(payload={"anonymised": True}, error=None)
        .execution_options(synchronize_session=False)).rowcount or 0
    db.session.execute(update(DepartmentDigest).where(DepartmentDigest.created_at < cutoff)
                       .values(content={}, emailed_to=[])
                       .execution_options(synchronize_session=False))
    db.session.flush()
    return events


def run_retention(days: int | None = None, actor=None,
                  now: datetime | None = None) -> RetentionResult:
    """Anonymise every ticket closed more than `days` ago and audit the run (flushes)."""
    days = configured_days() if days is None else days
    if days < 1:
        raise RetentionError("срок хранения должен быть положительным числом дней")
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    result = RetentionResult(days=days, cutoff=cutoff.isoformat())
    while ids := due_ticket_ids(cutoff, BATCH):
        anonymise_batch(ids, result, now)
    result.citizens = anonymise_citizens(now)
    result.inbound_events = wipe_old_payloads(cutoff)
    record("retention_run", actor=actor, object_type="retention", details=asdict(result))
    return result
