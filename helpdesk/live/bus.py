"""The change bus: which tickets changed, in commit order, for the desks that poll it.

Every transaction that creates or changes a ticket or one of its messages puts the ticket ids on
the bus once it has committed (SQLAlchemy session events, so the webhook, the background tasks,
the ticket page's actions and the CLI are all covered without each of them saying so). A change
carries no personal data and no department: what a desk may see of it is decided by reading the
tickets again under the user's access (helpdesk.tickets.live).

Two carriers behind one small interface:
  - in one process (the embedded `make run`, the tests): a ring buffer in memory;
  - with REDIS_URL (production: several gunicorn processes and the Celery workers): a Redis
    stream, trimmed to the latest entries. It is appended after the commit, so whoever reads an
    entry finds the change in the database.
A cursor names a position on one carrier; a cursor the bus no longer knows (a restarted process,
an entry trimmed away, Redis down) reads as None, and the desk then reloads what it shows from
the database: the bus only ever says "look again", the database holds the state.
"""
import json
import logging
import secrets
import threading
from collections import deque

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.util.redis_client import redis_client

log = logging.getLogger(__name__)

KEEP = 20_000  # changes kept: a desk that polled longer ago than this reloads
_PENDING = "helpdesk_live_changes"


class MemoryBus:
    """The bus in one process: a numbered ring buffer (cursor "m<epoch>-<n>")."""

    def __init__(self, keep: int = KEEP) -> None:
        self.epoch = secrets.token_hex(4)
        self.entries: deque = deque(maxlen=keep)
        self.last = 0
        self.lock = threading.Lock()

    def publish(self, changes: list[dict]) -> None:
        with self.lock:
            for change in changes:
                self.last += 1
                self.entries.append(change)

    def head(self) -> str:
        return f"m{self.epoch}-{self.last}"

    def read(self, cursor: str) -> tuple[list[dict], str] | None:
        """The changes after `cursor` and the new cursor; None when the cursor is unknown."""
        epoch, _, number = cursor[1:].partition("-")
        if not cursor.startswith("m") or epoch != self.epoch or not number.isdigit():
            return None
        seen = int(number)
        with self.lock:
            last, held = self.last, len(self.entries)
            if seen > last or seen < last - held:
                return None
            if seen == last:
                return [], cursor
            fresh = list(self.entries)[held - (last - seen):]
        return fresh, f"m{self.epoch}-{last}"


class RedisBus:
    """The bus shared by every process: a Redis stream (cursor "r<entry id>")."""

    KEY = "helpdesk:desk:changes"

    def __init__(self, url: str, keep: int = KEEP) -> None:
        self.keep = keep
        self.client = redis_client(url)

    def publish(self, changes: list[dict]) -> None:
        self.client.xadd(self.KEY, {"c": json.dumps(changes, separators=(",", ":"))},
                         maxlen=self.keep, approximate=True)

    def head(self) -> str:
        entries = self.client.xrevrange(self.KEY, count=1)
        return "r" + (entries[0][0].decode() if entries else "0-0")

    def read(self, cursor: str) -> tuple[list[dict], str] | None:
        if not cursor.startswith("r"):
            return None
        position = cursor[1:]
        try:
            entries = self.client.xrange(self.KEY, min="(" + position, count=self.keep)
        except Exception:  # a damaged cursor, Redis down: the desk reloads
            log.warning("live bus: could not read from Redis", exc_info=True)
            return None
        if not entries:
            return [], cursor
        if len(entries) >= self.keep or self._trimmed_after(position):
            return None
        changes = [change for _, fields in entries for change in json.loads(fields[b"c"])]
        return changes, "r" + entries[-1][0].decode()

    def _trimmed_after(self, position: str) -> bool:
        first = self.client.xrange(self.KEY, count=1)
        return bool(first) and _entry_id(first[0][0].decode()) > _entry_id(position) and position != "0-0"


def _entry_id(value: str) -> tuple[int, int]:
    millis, _, seq = value.partition("-")
    return int(millis), int(seq or 0)


_buses: dict[int, object] = {}
_buses_lock = threading.Lock()


def bus_for(app: Flask):
    """The app's bus: Redis when REDIS_URL is set (LIVE_BUS = "memory" keeps it in-process)."""
    bus = _buses.get(id(app))
    if bus is None:
        with _buses_lock:
            bus = _buses.get(id(app))
            if bus is None:
                url = app.config.get("REDIS_URL") or ""
                use_redis = url and app.config.get("LIVE_BUS", "redis") == "redis"
                bus = _buses[id(app)] = RedisBus(url) if use_redis else MemoryBus()
    return bus


def publish(changes: list[dict], app: Flask | None = None) -> None:
    """Put changes on the bus now (after a commit); a failure is logged, never raised: the
    desks then see the change at their next reload."""
    if not changes:
        return
    try:
        bus_for(app or current_app._get_current_object()).publish(changes)
    except Exception:
        log.warning("live bus: could not publish %d changes", len(changes), exc_info=True)


def note_read(ticket_id: int, user_id: int) -> None:
    """A staff member opened a ticket: their desks recount (published after the commit)."""
    _pending_for(None, ticket_id, user_id).add("read")


def note_changed(ticket_id: int, kind: str) -> None:
    """Something of a ticket changed that the session events do not see (a bulk UPDATE, say an
    attachment downloaded): its desks look again (published after the commit)."""
    _pending_for(None, ticket_id).add(kind)


def _pending_for(session, ticket_id: int, user_id: int | None = None) -> set:
    from helpdesk.extensions import db

    session = session or db.session()
    pending = session.info.setdefault(_PENDING, {})
    return pending.setdefault((ticket_id, user_id), set())


# --- what a flush changed ------------------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _collect(session, flush_context) -> None:
    from helpdesk.models.message import Direction, Message
    from helpdesk.models.ticket import Ticket

    for obj in session.new:
        if isinstance(obj, Ticket):
            _pending_for(session, obj.id).add("new")
        elif isinstance(obj, Message) and obj.ticket_id is not None:
            kind = "message" if obj.direction == Direction.INBOUND else str(obj.direction)
            _pending_for(session, obj.ticket_id).add(kind)
    for obj in session.dirty:
        if isinstance(obj, Ticket) and session.is_modified(obj, include_collections=False):
            _pending_for(session, obj.id).update(_ticket_change(obj))
        elif isinstance(obj, Message) and session.is_modified(obj, include_collections=False):
            _pending_for(session, obj.ticket_id).add("delivery")


def _ticket_change(ticket) -> set[str]:
    """"state", or "moved" when the department or assignee changed, with "left:<id>" for the
    department it left: that department's desks drop it (they saw it; nobody else learns of it)."""
    from sqlalchemy import inspect

    state = inspect(ticket)
    department = state.attrs["department_id"].history
    kinds = {"moved"} if department.has_changes() or state.attrs["assignee_id"].history.has_changes() \
        else {"state"}
    kinds.update(f"left:{old}" for old in department.deleted or () if old is not None)
    return kinds


@event.listens_for(Session, "after_commit")
def _publish_committed(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    changes = []
    for (ticket_id, user_id), kinds in pending.items():
        change = {"t": ticket_id, "k": sorted(kinds)}
        if user_id is not None:
            change["u"] = user_id
        changes.append(change)
    publish(changes)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
