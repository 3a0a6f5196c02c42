"""Replies: written with their outbox row in one transaction, sent by a worker after commit."""
import logging
import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.inbox.adapters import adapter_for, snapshot
from helpdesk.inbox import reply_files
from helpdesk.inbox.comments import HIDE, platform_call, reply_target
from helpdesk.inbox.outbox_files import OutboxSteps, outgoing_files
from helpdesk.inbox.throttle import throttle_for
from helpdesk.inbox.types import DeliveryError
from helpdesk.models import Channel, Citizen, Message, OutboxItem, Ticket
from helpdesk.models.message import Delivery, Direction
from helpdesk.models.ticket import TicketKind, TicketStatus
from helpdesk.models.types import utcnow
from helpdesk.background.tasks import dispatch
from helpdesk.errors import UserError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_DELAY = 2.0
MAX_DELAY = 600.0
DUE = ("pending", "retrying")


class ReplyError(UserError):
    """A reply that cannot be sent (Russian message for the person)."""


def enqueue(ticket: Ticket, text: str, author=None, is_auto: bool = False,
            is_answer: bool = False) -> Message:
    """An outbound message and its outbox row (flushes; delivery is scheduled after commit)."""
    now = utcnow()
    message = Message(ticket_id=ticket.id, channel_id=ticket.channel_id,
                      direction=Direction.OUTBOUND, author_id=getattr(author, "id", None),
                      text=text, sent_at=now, created_at=now, is_auto=is_auto,
                      is_answer=is_answer, delivery_status=Delivery.PENDING,
                      # a public reply answers the citizen's latest comment in the thread
                      reply_to=reply_target(ticket) if ticket.post_id is not None else None)
    db.session.add(message)
    db.session.flush()
    item = OutboxItem(message_id=message.id, channel_id=ticket.channel_id, status="pending",
                      attempts=0, next_attempt_at=now, created_at=now)
    db.session.add(item)
    db.session.flush()
    dispatch("inbox.deliver", item.id)
    return message


# What an outbound staff message is: the answer, an interim reply, or a notice (extension,
# forwarding) that tells the citizen something but never answers them.
ANSWER, INTERIM, NOTICE = "answer", "interim", "notice"


def send_reply(ticket: Ticket, author, text: str, purpose: str = ANSWER,
               files: list | None = None) -> Message:
    """A staff message to the citizen on the ticket's platform (flushes; the caller commits).

    An answer or interim reply updates the ticket's answer state (see sync_answer_state);
    a notice does not. `files`: checked reply files (helpdesk.inbox.reply_files), stored
    with the message and uploaded to the platform by the outbox.
    """
    if purpose not in (ANSWER, INTERIM, NOTICE):
        raise ValueError(f"unknown reply purpose: {purpose!r}")
    text = (text or "").strip()
    if not text:
        raise ReplyError("Пустой ответ")
    channel = db.session.get(Channel, ticket.channel_id)
    if not channel.active and purpose != NOTICE:  # a notice goes with an action; it may wait
        raise ReplyError(f"Канал «{channel.name or channel.slug}» отключён: ответ не дойдёт. "
                         "Включите канал (Настройки → Каналы) и отправьте ответ снова")
    limit = adapter_for(channel).text_limit
    if len(text) > limit:
        raise ReplyError(f"Ответ длиннее {limit} символов, допустимых в {channel.kind_label}")
    citizen = db.session.get(Citizen, ticket.citizen_id)
    if citizen is None or citizen.anonymized_at is not None or (
            not citizen.reply_address and ticket.post_id is None):
        raise ReplyError("Автору нельзя ответить: данные обезличены или адрес неизвестен")
    if files and ticket.post_id is not None:
        raise ReplyError("К публичному ответу в комментариях файлы не прикладываются: "
                         "пригласите автора в личные сообщения")
    message = enqueue(ticket, text, author=author, is_auto=purpose == NOTICE,
                      is_answer=purpose == ANSWER)
    reply_files.store(message, files or [])
    if purpose != NOTICE:
        sync_answer_state(ticket)
    details = {"message_id": message.id, "purpose": purpose}
    if files:
        details["files"] = [f.name for f in files]
    record("reply_sent", actor=author, object_type="ticket", object_id=str(ticket.id),
           details=details)
    return message


def reply_conditions(ticket: Ticket) -> list:
    """WHERE conditions of the ticket's staff replies (not notices) since it was last reopened
    that reached the citizen or are still on their way (not failed)."""
    conditions = [Message.ticket_id == ticket.id, Message.direction == Direction.OUTBOUND,
                  Message.is_auto.is_(False), Message.delivery_status != Delivery.FAILED]
    if ticket.reopened_at is not None:
        conditions.append(Message.sent_at >= ticket.reopened_at)
    return conditions


WORKING = (TicketStatus.NEW, TicketStatus.TRIAGE, TicketStatus.ASSIGNED)


def answer_floor(ticket: Ticket):
    """The moment from which a reply can be the answer: a registered 59-ФЗ appeal is answered
    only by a substantive reply sent after its registration (None: no such limit)."""
    if ticket.kind == TicketKind.APPEAL and ticket.registered_at is not None:
        return ticket.registered_at
    return None


def sync_answer_state(ticket: Ticket) -> None:
    """Set first_response_at, answered_at and the «Дан ответ» status from the ticket's replies.

    The design: a reply counts from the moment it is queued, as long as it is delivered or
    still being delivered; a permanent delivery failure takes it back, and a person's retry
    puts it back. So the outbox's success path never touches the ticket: only the rare
    permanent failure and the retry call this. The first response is the earliest such
    reply, the answer the earliest such reply sent as the answer (Message.is_answer) and, for a
    registered appeal, sent after its registration (answer_floor). Notices (acknowledgement, extension, forwarding) never count. Flushes.
    """
    rows = db.session.execute(select(Message.sent_at, Message.is_answer)
                              .where(*reply_conditions(ticket))).all()
    floor = answer_floor(ticket)
    first = min((sent for sent, _ in rows), default=None)
    answered = min((sent for sent, is_answer in rows
                    if is_answer and (floor is None or sent >= floor)), default=None)
    was_answered = ticket.answered_at is not None
    ticket.first_response_at, ticket.answered_at = first, answered
    # What an answer result stands on: the answer for an appeal, any reply for a message.
    stands_on = answered if floor is not None else first
    if answered is not None and not was_answered and ticket.status in WORKING:
        ticket.status = TicketStatus.ANSWERED
    elif answered is None and ticket.status == TicketStatus.ANSWERED:
        ticket.status = TicketStatus.ASSIGNED if ticket.department_id else TicketStatus.TRIAGE
    elif stands_on is None and ticket.status == TicketStatus.CLOSED:
        _reopen_unanswered(ticket)
    db.session.flush()


def _reopen_unanswered(ticket: Ticket) -> None:
    """A ticket closed as answered whose every reply failed goes back to work: its result said
    the citizen got an answer, and they did not. Its clocks run on as they were."""
    from helpdesk.models.outcomes import ANSWER_RESULTS
    from helpdesk.models.ticket import back_to_work

    if ticket.result not in ANSWER_RESULTS:
        return  # forwarded or left without an answer (ст. 11): no reply was needed
    previous = back_to_work(ticket)
    record("ticket_reopened", object_type="ticket", object_id=str(ticket.id),
           details={**previous, "why": "reply_failed", "to": str(ticket.status)})


def retry_delivery(message: Message, user) -> OutboxItem:
    """A person asks to send a failed reply again (flushes; the caller commits)."""
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    if item is None or message.delivery_status != Delivery.FAILED:
        raise ReplyError("Повторить можно только недоставленный ответ")
    item.status, item.attempts, item.last_error = "pending", 0, None
    item.next_attempt_at, item.locked_until = utcnow(), None
    message.delivery_status, message.delivery_error = Delivery.PENDING, None
    db.session.flush()
    if not message.is_auto and item.action != HIDE:  # on its way again: it counts again
        sync_answer_state(db.session.get(Ticket, message.ticket_id))
    record("reply_retried", actor=user, object_type="ticket", object_id=str(message.ticket_id),
           details={"message_id": message.id})
    dispatch("inbox.deliver", item.id)
    return item


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("INBOX_SEND_LEASE_SECONDS", 60)))


def _claimable(now):
    return or_(
        (OutboxItem.status.in_(DUE)) & (OutboxItem.next_attempt_at <= now),
        (OutboxItem.status == "sending") & (OutboxItem.locked_until < now),
    )


def claim(item_id: int | None = None, limit: int = 20) -> list[int]:
    """Atomically take due items (SKIP LOCKED on PostgreSQL, conditional UPDATE on SQLite); commits."""
    now = utcnow()
    values = dict(status="sending", locked_until=now + _lease(), attempts=OutboxItem.attempts + 1)
    query = select(OutboxItem.id).where(_claimable(now)).order_by(OutboxItem.next_attempt_at)
    if item_id is not None:
        query = query.where(OutboxItem.id == item_id)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.scalars(query.limit(limit).with_for_update(skip_locked=True)).all()
        if ids:
            db.session.execute(update(OutboxItem).where(OutboxItem.id.in_(ids)).values(**values))
    else:
        candidates = db.session.scalars(query.limit(limit)).all()
        ids = [i for i in candidates if db.session.execute(
            update(OutboxItem).where(OutboxItem.id == i, _claimable(now)).values(**values)
        ).rowcount]
    db.session.commit()
    return list(ids)


def deliver(item_id: int) -> str | None:
    """Claim and send one item if it is due; returns its new status (None if not claimed)."""
    if not claim(item_id):
        return None
    return _send(item_id)


def deliver_due(limit: int = 50) -> int:
    """Send every due item (sweeper and worker loop); returns how many were tried."""
    ids = claim(limit=limit)
    for item_id in ids:
        try:
            _send(item_id)
        except Exception:  # the lease expires and the item is claimed again
            db.session.rollback()
            log.exception("outbox item %s crashed", item_id)
    return len(ids)


def _send(item_id: int) -> str:
    item = db.session.get(OutboxItem, item_id)
    message = db.session.get(Message, item.message_id)
    channel = db.session.get(Channel, item.channel_id)
    ticket = db.session.get(Ticket, message.ticket_id)
    call = platform_call(item, message, ticket)  # a comment thread: reply there, or hide
    if call is None:
        address = db.session.get(Citizen, ticket.citizen_id).reply_address
    else:
        address = call.address
    config, text = snapshot(channel), message.text
    message_id, retry, queued_at = message.id, item.attempts > 1, item.created_at
    files, progress = (outgoing_files(message.id) if call is None else []), item.progress
    db.session.rollback()  # no transaction held open while talking to the platform
    try:
        if not config.active:
            raise DeliveryError("канал отключён", retryable=False)
        adapter = adapter_for(config)
        if call is not None:  # VK's guid keeps a retried comment single
            throttle_for(config.kind).wait(config.id, address)
            external_id = call.perform(adapter, item_id)
        else:
            external_id = _sent_already(adapter, config.id, address, text, queued_at) \
                if retry else None
            if external_id is None and files:  # uploads, then the message(s), step by step
                steps = OutboxSteps(item_id, progress,
                                    lambda: throttle_for(config.kind).wait(config.id, address))
                external_id = adapter.send_files(address, text, files, item_id, steps)
            elif external_id is None:
                throttle_for(config.kind).wait(config.id, address)
                external_id = adapter.send(address, text, item_id)
    except DeliveryError as exc:
        return _record_failure(item_id, exc)
    now = utcnow()
    db.session.execute(update(OutboxItem).where(OutboxItem.id == item_id).values(
        status="sent", sent_at=now, locked_until=None, last_error=None))
    db.session.execute(update(Message).where(Message.id == message_id).values(
        delivery_status=Delivery.SENT, delivered_at=now, delivery_error=None,
        external_id=external_id[:128] or None))
    if call is not None:
        call.finish(message_id, now)
    db.session.commit()
    log.info("outbox item %s sent", item_id)
    return "sent"


def _sent_already(adapter, channel_id: int, address: str, text: str, queued_at) -> str | None:
    """The platform id of this reply if an earlier try reached the citizen after all (its answer
    lost to a timeout or a killed worker): a message with the same text in the dialog since the
    reply was queued that no other reply of ours has claimed. For platforms without an
    idempotency key that can list a dialog (MAX); None elsewhere."""
    found = adapter.find_sent(address, text, queued_at - timedelta(seconds=5))
    if not found:
        return None
    claimed = set(db.session.scalars(select(Message.external_id).where(
        Message.channel_id == channel_id, Message.external_id.in_(found))))
    db.session.rollback()
    fresh = [external for external in found if external not in claimed]
    if fresh:
        log.info("reply on channel %s was delivered by an earlier try: not sent again", channel_id)
    return fresh[0] if fresh else None


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds to wait before the next try: the platform's retry_after, else exponential + jitter."""
    if retry_after:
        return float(retry_after) + random.uniform(0, 0.5)
    delay = min(MAX_DELAY, BASE_DELAY * (2 ** max(attempts - 1, 0)))
    return delay / 2 + random.uniform(0, delay / 2)


def _record_failure(item_id: int, exc: DeliveryError) -> str:
    item = db.session.get(OutboxItem, item_id)
    message = db.session.get(Message, item.message_id)
    max_attempts = int(current_app.config.get("INBOX_MAX_SEND_ATTEMPTS", MAX_ATTEMPTS))
    item.last_error = message.delivery_error = exc.reason
    item.locked_until = None
    if exc.retryable and item.attempts < max_attempts:
        delay = backoff(item.attempts, exc.retry_after)
        item.status, item.next_attempt_at = "retrying", utcnow() + timedelta(seconds=delay)
        message.delivery_status = Delivery.RETRYING
        log.warning("outbox item %s retry in %.1fs: %s", item_id, delay, exc.reason)
    else:
        item.status = "failed"
        message.delivery_status = Delivery.FAILED
        if not message.is_auto and item.action != HIDE:  # a reply that never reached the
            db.session.flush()                             # citizen is no answer
            sync_answer_state(db.session.get(Ticket, message.ticket_id))
        failure = {"object_type": "ticket", "object_id": str(message.ticket_id),
                   "result": "error", "details": {"message_id": message.id, "reason": exc.reason}}
        if item.action == HIDE:
            record("comment_hide_failed", **failure)
        else:
            record("reply_failed", **failure)
        log.warning("outbox item %s failed: %s", item_id, exc.reason)
    db.session.commit()
    return item.status
