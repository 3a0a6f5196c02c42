"""Raw inbound events: stored once (unique key) before answering, processed in the background."""
import hashlib
import json
import logging
import time

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from helpdesk.extensions import db
from helpdesk.inbox.adapters import adapter_for
from helpdesk.inbox.comment_ingest import remember_post
from helpdesk.inbox.ingest import ingest
from helpdesk.inbox.normalise import MALFORMED, clean, storable
from helpdesk.inbox.types import DeliveryError, IncomingMessage
from helpdesk.models import Channel, InboundEvent
from helpdesk.models.types import utcnow
from helpdesk.background.tasks import dispatch

log = logging.getLogger(__name__)

MAX_EVENT_ATTEMPTS = 5
REFETCH_ATTEMPTS = 3  # tries to fetch a cropped message whole before keeping the part we have


def _insert():
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def store_event(channel_id: int, event_key: str, payload: dict) -> int | None:
    """Insert the raw event unless its key is known; returns the new id or None for a duplicate.

    Flushes only: the caller commits (before answering the platform), then dispatches.
    """
    stmt = (_insert()(InboundEvent)
            .values(channel_id=channel_id, event_key=clean(event_key)[:128],
                    payload=storable(payload),
                    status="pending", attempts=0, received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["channel_id", "event_key"])
            .returning(InboundEvent.id))
    return db.session.execute(stmt).scalar()


def unparsed_key(payload) -> str:
    """The event key of an authentic delivery its adapter could not parse (kept, ignored)."""
    return "raw:" + hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:48]


def process_event(event_id: int) -> bool:
    """Ingest a pending event's messages; commits. False when it was not pending (done/taken)."""
    for attempt in range(3):
        try:
            return _process_once(event_id)
        except (IntegrityError, OperationalError) as exc:
            # A concurrent ingest of the same message or citizen won: the retry sees its rows.
            db.session.rollback()
            log.info("event %s retry %s after %s", event_id, attempt + 1, exc.__class__.__name__)
    return _mark_failed(event_id, "конфликт при сохранении")


def _process_once(event_id: int) -> bool:
    started = time.perf_counter()
    if db.session.get_bind().dialect.name == "postgresql":
        # Row-locked for the whole ingest; another worker skips it instead of waiting.
        event = db.session.scalar(
            select(InboundEvent).where(InboundEvent.id == event_id,
                                       InboundEvent.status == "pending")
            .with_for_update(skip_locked=True).execution_options(populate_existing=True))
    else:  # SQLite: the UPDATE takes the write lock first, so the ingest runs alone
        claimed = db.session.execute(
            update(InboundEvent).where(InboundEvent.id == event_id,
                                       InboundEvent.status == "pending")
            .values(attempts=InboundEvent.attempts)).rowcount
        event = db.session.get(InboundEvent, event_id, populate_existing=True) if claimed else None
    if event is None:
        db.session.rollback()
        return False
    event.attempts = (event.attempts or 0) + 1
    channel = db.session.get(Channel, event.channel_id)
    adapter = adapter_for(channel)
    try:
        parsed = adapter.parse(event.payload)
    except MALFORMED as exc:
        event.status, event.error = "ignored", f"не разобрано: {exc.__class__.__name__}"
        event.processed_at = utcnow()
        db.session.commit()
        return True
    try:
        messages = [_whole(adapter, m, event.attempts) for m in parsed.messages]
    except DeliveryError as exc:  # a cropped message could not be fetched: the sweeper retries
        event.error = f"сообщение обрезано, повторная загрузка не удалась: {exc.reason}"[:500]
        db.session.commit()
        return False
    for post in parsed.posts:  # a channel post whose comments are to come
        remember_post(channel, post, utcnow())
    results = [ingest(channel, incoming, received_at=event.received_at) for incoming in messages]
    tickets = [r.ticket.id for r in results if r is not None]  # None: a deletion of nothing
    event.status, event.processed_at, event.error = "processed", utcnow(), None
    db.session.commit()
    # Ids and a duration only (bench/fuzz.py reads the longest): one event's cost in the worker.
    log.info("event %s ingested in %.1f ms (tickets %s)", event_id,
             (time.perf_counter() - started) * 1000, tickets)
    return True


def _whole(adapter, incoming: IncomingMessage, attempts: int) -> IncomingMessage:
    """The full message of a cropped delivery; after REFETCH_ATTEMPTS failed tries the cropped
    part is kept rather than nothing (and the log says so)."""
    if not incoming.cropped:
        return incoming
    try:
        return adapter.complete(incoming)
    except DeliveryError as exc:
        if attempts < REFETCH_ATTEMPTS and exc.retryable:
            raise
        log.warning("message %s kept cropped: %s", incoming.message_key, exc.reason)
        return incoming


def _mark_failed(event_id: int, reason: str) -> bool:
    event = db.session.get(InboundEvent, event_id)
    if event is not None and event.status == "pending":
        event.attempts += 1
        event.error = reason
        if event.attempts >= MAX_EVENT_ATTEMPTS:
            event.status = "failed"
        db.session.commit()
    return False


def process_pending(limit: int = 200) -> int:
    """Process pending events oldest first (the sweeper); returns how many were ingested."""
    ids = db.session.scalars(select(InboundEvent.id).where(InboundEvent.status == "pending")
                             .order_by(InboundEvent.id).limit(limit)).all()
    db.session.rollback()
    done = 0
    for event_id in ids:
        try:
            done += bool(process_event(event_id))
        except Exception:  # one bad event must not stop the others
            db.session.rollback()
            log.exception("event %s failed", event_id)
            _mark_failed(event_id, "ошибка обработки")
    return done


def _accept_sql():
    """INSERT ... ON CONFLICT DO NOTHING as plain SQL (same on PostgreSQL and SQLite): cached
    by the engine, no implicit RETURNING; the intake hot path."""
    table = InboundEvent.__table__
    return text(
        "INSERT INTO inbound_events (channel_id, event_key, payload, status, attempts, received_at)"
        " VALUES (:channel_id, :event_key, :payload, 'pending', 0, :received_at)"
        " ON CONFLICT (channel_id, event_key) DO NOTHING"
    ).bindparams(bindparam("payload", type_=table.c.payload.type),
                 bindparam("received_at", type_=table.c.received_at.type))


_ACCEPT = _accept_sql()


def accept(channel_id: int, event_key: str, payload: dict) -> bool:
    """Store and commit an event on its own connection, then schedule its processing.

    The intake hot path: plain Core, one INSERT and a commit; False for a duplicate.
    """
    params = {"channel_id": channel_id, "event_key": clean(event_key)[:128],
              "payload": storable(payload), "received_at": utcnow()}
    with db.engine.begin() as conn:
        stored = conn.execute(_ACCEPT, params).rowcount == 1
    if stored:  # coalesced into one "process everything pending" run
        dispatch("inbox.process_event", None)
    return stored
