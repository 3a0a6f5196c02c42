"""What a list row shows besides the ticket's own columns: the latest citizen message (cut), the
«новое от гражданина» mark, the sort key that keeps live updates in order and, in the triage
queue, the routing's top three departments as one-click buttons.

Read for the page's rows only (one statement each, by id), so that the list's own query stays
the same for every user.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.message import Direction, Message
from helpdesk.models.routing import RoutingDecision
from helpdesk.models.ticket import OPEN_STATUSES, Ticket
from helpdesk.models.user import User
from helpdesk.tickets.concurrency import version_of
from helpdesk.tickets.queues import FAR_FUTURE, nearest_clock
from helpdesk.tickets.unread import unread_among

PREVIEW_CHARS = 160
SUGGESTED = 3
_SPACES = re.compile(r"\s+")


@dataclass
class RowExtras:
    """Per ticket id: preview text, new-to-me marks, sort keys, routing suggestions."""

    previews: dict = field(default_factory=dict)
    unread: set = field(default_factory=set)
    keys: dict = field(default_factory=dict)
    suggestions: dict = field(default_factory=dict)  # id → [(department id, name)]
    versions: dict = field(default_factory=dict)  # id → version (bulk checkboxes, one-click forms)


def preview(text: str | None, limit: int = PREVIEW_CHARS) -> str:
    """A message as one line, cut at a word near `limit` characters (autoescaped by Jinja)."""
    line = _SPACES.sub(" ", text or "").strip()
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] if " " in line[limit // 2:limit] else line[:limit]
    return cut.rstrip(" ,.;:—-") + "…"


def latest_citizen_texts(ticket_ids: list[int]) -> dict[int, str]:
    """The latest citizen message of each ticket (its start: a preview needs no more)."""
    if not ticket_ids:
        return {}
    latest = (select(func.max(Message.id).label("id")).where(
        Message.ticket_id.in_(ticket_ids), Message.direction == Direction.INBOUND)
        .group_by(Message.ticket_id).subquery())
    rows = db.session.execute(select(Message.ticket_id, func.substr(Message.text, 1, PREVIEW_CHARS * 3))
                              .join(latest, latest.c.id == Message.id))
    return {ticket_id: text for ticket_id, text in rows}


def sort_key(ticket, sort: str) -> str:
    """The row's place in its list as text that sorts like the list (key, then id)."""
    if sort == "due":
        value = nearest_clock(ticket)[1] or FAR_FUTURE
    elif sort == "activity":
        value = ticket.last_message_at
    else:
        value = ticket.received_at
    return f"{value.astimezone(timezone.utc).isoformat(timespec='microseconds')}|{ticket.id:012d}"


def route_suggestions(tickets: list) -> dict:
    """For open tickets: the routing's top departments (distinct, active, not the current one)
    in the order of its candidates."""
    ids = [t.id for t in tickets if t.status in OPEN_STATUSES]
    if not ids:
        return {}
    latest = (select(func.max(RoutingDecision.id).label("id"))
              .where(RoutingDecision.ticket_id.in_(ids)).group_by(RoutingDecision.ticket_id).subquery())
    decisions = dict(db.session.execute(select(RoutingDecision.ticket_id, RoutingDecision.candidates)
                                        .join(latest, latest.c.id == RoutingDecision.id)).all())
    names = dict(db.session.execute(select(Department.id, Department.name)
                                    .where(Department.active.is_(True))).all())
    current = dict(db.session.execute(select(Ticket.id, Ticket.department_id)
                                      .where(Ticket.id.in_(list(decisions)))).all())
    suggestions = {}
    for ticket_id, candidates in decisions.items():
        chosen: list[tuple[int, str]] = []
        for candidate in candidates or []:
            department_id = candidate.get("department_id") if isinstance(candidate, dict) else None
            if (department_id in names and department_id != current[ticket_id]
                    and department_id not in (d for d, _ in chosen)):
                chosen.append((department_id, names[department_id]))
        if chosen:
            suggestions[ticket_id] = chosen[:SUGGESTED]
    return suggestions


def row_extras(user: User, tickets: list, sort: str, queue: str, now: datetime) -> RowExtras:
    """Everything the rows of `tickets` show besides their columns."""
    ids = [t.id for t in tickets]
    extras = RowExtras(
        previews={i: preview(text) for i, text in latest_citizen_texts(ids).items()},
        unread=unread_among(user, ids, now), keys={t.id: sort_key(t, sort) for t in tickets})
    if user.can_write:  # the version each row's forms carry, as the list shows it
        extras.versions = {t.id: version_of(t) for t in tickets}
        if queue == "triage":
            extras.suggestions = route_suggestions(tickets)
    return extras


SHORT_CHARS = 24


def department_short(name: str, limit: int = SHORT_CHARS) -> str:
    """A department on a small button: «Комитет по социальной политике» → «социальной политике»,
    cut after a whole word (the button's title says the whole name)."""
    short = name[len("Комитет по "):] if name.startswith("Комитет по ") else name
    if len(short) <= limit:
        return short
    words, kept = short.split(" "), ""
    for word in words:
        if kept and len(kept) + 1 + len(word) > limit:
            break
        kept = f"{kept} {word}".strip()
    return kept.rstrip(",;:") + "…"
