"""The one ingest path (webhooks, pollers, demo): citizen, ticket threading, message, attachments."""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.inbox.comment_ingest import apply_change, remember_post
from helpdesk.inbox.profiles import wants_name
from helpdesk.inbox.types import IncomingMessage
from helpdesk.models import Attachment, Channel, Citizen, Message, Person, Post, Ticket
from helpdesk.models.message import Direction
from helpdesk.models.setting import get_setting
from helpdesk.models.ticket import TicketKind, TicketStatus, back_to_work, next_ticket_number
from helpdesk.models.types import utcnow
from helpdesk.background.tasks import dispatch

log = logging.getLogger(__name__)

THREAD_WINDOW_KEY = "inbox.thread_window_days"
DEFAULT_THREAD_WINDOW_DAYS = 7
REOPENABLE = (TicketStatus.ANSWERED, TicketStatus.CLOSED)


@dataclass
class IngestResult:
    message: Message
    ticket: Ticket
    new_ticket: bool = False
    duplicate: bool = False


def ingest(channel: Channel, incoming: IncomingMessage,
           received_at: datetime | None = None) -> IngestResult | None:
    """Record one citizen message exactly once and thread it into a ticket (flushes).

    A public comment threads into the citizen's comment ticket under its post; an edit,
    deletion or restoration of a stored comment changes it instead (None: a deletion of a
    comment never stored, nothing to do)."""
    now = utcnow()
    received_at = received_at or now
    comment = incoming.comment
    if comment is not None and comment.action != "new":
        existing = _message_by_key(channel, incoming.message_key)
        if existing is not None:
            changed = apply_change(channel, existing, incoming, now)
            return IngestResult(existing, db.session.get(Ticket, existing.ticket_id),
                                duplicate=not changed)
        if comment.action == "delete" or not incoming.external_user_id:
            return None
        # an edit or restoration of a comment never seen: it is new to us
    citizen = _citizen(channel, incoming)
    existing = _message_by_key(channel, incoming.message_key)  # checked under the citizen lock
    if existing is not None:
        return IngestResult(existing, db.session.get(Ticket, existing.ticket_id), duplicate=True)
    post = remember_post(channel, comment.post, now) if comment is not None else None
    ticket, new = _thread(channel, citizen, received_at, now, post)
    message = Message(ticket_id=ticket.id, channel_id=channel.id, direction=Direction.INBOUND,
                      text=incoming.text, external_key=incoming.message_key[:128],
                      external_id=incoming.external_id[:128] or None,
                      reply_to=(comment.reply_to[:128] or None) if comment is not None else None,
                      sent_at=incoming.sent_at, created_at=now)
    db.session.add(message)
    db.session.flush()
    for item in incoming.attachments:
        db.session.add(Attachment(message_id=message.id, kind=item.kind,
                                  original_name=item.name[:300] or "file",
                                  mime_type=(item.mime_type or "application/octet-stream")[:100],
                                  size=item.size, source=item.source))
    ticket.last_message_at = max(ticket.last_message_at or now, now)
    if new:
        _recompute_clocks(ticket, now)
        record("ticket_created", object_type="ticket", object_id=str(ticket.id),
               details={"channel": channel.slug, "message_id": message.id,
                        **({"post_id": post.id} if post is not None else {})})
        dispatch("tickets.route", ticket.id, message.id)  # acknowledged once routed
    elif post is None and incoming.text.strip():
        dispatch("tickets.check_topic", ticket.id, message.id)  # another matter? split proposed
    db.session.flush()
    if incoming.attachments:
        dispatch("inbox.download_attachments", message.id)
    if post is not None and not post.text:
        dispatch("inbox.fetch_post", post.id)  # VK comment events name only the post
    if wants_name(channel, citizen):  # VK: the delivery has only the id; asked after commit
        dispatch("inbox.fetch_name", citizen.id)
    log.info("ingested message %s into ticket %s (new=%s)", message.id, ticket.id, new)
    return IngestResult(message, ticket, new_ticket=new)


def thread_window() -> timedelta:
    """How long after closing a ticket a new message still reopens it (setting, days)."""
    try:
        days = float(get_setting(THREAD_WINDOW_KEY, DEFAULT_THREAD_WINDOW_DAYS))
    except (TypeError, ValueError):
        days = DEFAULT_THREAD_WINDOW_DAYS
    return timedelta(days=max(days, 0))


def _message_by_key(channel: Channel, key: str) -> Message | None:
    return db.session.scalar(select(Message).where(
        Message.channel_id == channel.id, Message.external_key == key[:128]))


def _citizen(channel: Channel, incoming: IncomingMessage) -> Citizen:
    """Find or create the citizen (a new one with a person of its own), row-locked on
    PostgreSQL so one citizen ingests at a time."""
    values = dict(channel_id=channel.id, external_user_id=incoming.external_user_id[:128],
                  reply_address=incoming.reply_address[:128],
                  display_name=incoming.display_name[:300], first_name=incoming.first_name,
                  last_name=incoming.last_name, username=incoming.username)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(Citizen).values(**values, created_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["channel_id", "external_user_id"]))
    query = select(Citizen).where(Citizen.channel_id == channel.id,
                                  Citizen.external_user_id == values["external_user_id"])
    if dialect == "postgresql":
        query = query.with_for_update()
    citizen = db.session.scalar(query.execution_options(populate_existing=True))
    if citizen.person_id is None:  # new (under the row lock): a person of its own until linked
        citizen.person = Person(created_at=citizen.created_at)
    if citizen.anonymized_at is None:
        if incoming.reply_address and citizen.reply_address != values["reply_address"]:
            citizen.reply_address = values["reply_address"]
        if incoming.display_name and not citizen.display_name:
            citizen.display_name = values["display_name"]
    return citizen


def _thread(channel: Channel, citizen: Citizen, received_at: datetime,
            now: datetime, post: Post | None = None) -> tuple[Ticket, bool]:
    """The citizen's open ticket on this channel, a reopened one, or a new one: direct
    messages and the comments under each post are threads of their own."""
    same_thread = Ticket.post_id.is_(None) if post is None else Ticket.post_id == post.id
    last = db.session.scalar(select(Ticket).where(
        Ticket.citizen_id == citizen.id, Ticket.channel_id == channel.id, same_thread,
    ).order_by(Ticket.id.desc()).limit(1))
    # An answered or closed 59-ФЗ appeal is final: a new message is a new matter.
    if last is not None and not _is_final_appeal(last):
        if last.status == TicketStatus.ANSWERED or (
                last.status == TicketStatus.CLOSED and last.closed_at is not None
                and now - last.closed_at <= thread_window()):
            _reopen(last, received_at)
            return last, False
        if last.is_open:
            return last, False
    ticket = Ticket(number=next_ticket_number(received_at), status=TicketStatus.NEW,
                    kind=TicketKind.MESSAGE if post is None else TicketKind.COMMENT,
                    post_id=None if post is None else post.id,
                    channel_id=channel.id, citizen_id=citizen.id, received_at=received_at,
                    last_message_at=now)
    db.session.add(ticket)
    db.session.flush()
    return ticket, True


def _is_final_appeal(ticket: Ticket) -> bool:
    """A registered appeal that was answered or closed is never reopened (59-ФЗ ст. 10, 12)."""
    return (ticket.kind == TicketKind.APPEAL and ticket.registered_at is not None
            and ticket.status in REOPENABLE)


def _reopen(ticket: Ticket, at: datetime) -> None:
    """Back to work: the old ending is cleared and the message clocks start again from `at`."""
    previous = back_to_work(ticket)
    ticket.first_response_at = ticket.answered_at = None  # earlier replies answered earlier messages
    ticket.reopened_at = at
    _recompute_clocks(ticket, at)
    record("ticket_reopened", object_type="ticket", object_id=str(ticket.id),
           details={**previous, "to": str(ticket.status)})


def _recompute_clocks(ticket: Ticket, now: datetime) -> None:
    from helpdesk.deadlines.store import recompute

    recompute(ticket, now)
