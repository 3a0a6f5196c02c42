"""What an open desk learns at each poll: changed rows of its list, tab counts, the open ticket.

The desk sends its bus cursor, what it shows (a list's filters and row ids, or one ticket) and
whether its user is typing; the answer names only tickets the user may see now: the changed ids
from the bus are read again from the database under the user's access (helpdesk.access), so a
specialist never learns of another department's ticket, not even that one changed. A row the desk
shows that changed out of the user's sight or out of the list's filters is named for removal (the
desk sent that id itself).
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import or_, select

from helpdesk.access import restrict_to_user
from helpdesk.extensions import db
from helpdesk.live.bus import bus_for
from helpdesk.live.presence import presence_for
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.tickets import presenters
from helpdesk.tickets.filters import ListFilters, default_queue, queues_for
from helpdesk.tickets.list_extras import row_extras, sort_key
from helpdesk.tickets import queues
from helpdesk.tickets.unread import count_text, unread_condition, unread_counts

SHOWN_LIMIT = 500  # row ids a desk may name (a list shows 50 a page)
NOTIFY_KINDS = {"new", "moved"}  # a ticket arriving in a queue, not every message of it


@dataclass
class DeskView:
    """What one open desk shows."""

    filters: ListFilters | None = None  # a list with these filters
    shown: list[int] = field(default_factory=list)  # the list's row ids
    edge: str = ""  # the last row's sort key when later pages exist (list_extras.sort_key)
    ticket_id: int | None = None  # or one ticket's page
    typing: bool = False


def desk_cursor() -> str:
    """The bus position a page starts polling from: taken before the page reads its data, so a
    change made while it renders is seen at the first poll ("" when the bus cannot say)."""
    try:
        return bus_for(current_app._get_current_object()).head()
    except Exception:  # Redis down: the first poll takes the position instead
        return ""


def counts_payload(user: User, now: datetime) -> dict:
    """Unread counts per tab as the tabs and the title show them."""
    counts = unread_counts(user, queues_for(user), now)
    return {"tabs": {q: count_text(counts[q]) for q in queues_for(user)},
            "total": counts["total"], "total_text": count_text(counts["total"])}


def poll(user: User, cursor: str, view: DeskView, now: datetime) -> dict:
    """The desk's update since `cursor` (see the module)."""
    app = current_app._get_current_object()
    bus = bus_for(app)
    answer: dict = {}
    read = bus.read(cursor) if cursor else None
    if read is None:  # first poll, or the bus lost the cursor: the desk reloads what it shows
        answer.update(cursor=bus.head(), reload=bool(cursor), counts=counts_payload(user, now))
        changed, left, read_by_me, kinds = set(), set(), set(), {}
    else:
        changes, answer["cursor"] = read
        kinds: dict[int, set] = {}
        read_by_me = set()
        for change in changes:
            if "u" in change:
                if change["u"] == user.id:
                    read_by_me.add(change["t"])
                continue
            kinds.setdefault(change["t"], set()).update(change["k"])
        changed = _visible(user, set(kinds))
        left = {ticket_id for ticket_id, k in kinds.items()
                if user.department_id is not None and f"left:{user.department_id}" in k}
        if changed or read_by_me:
            answer["counts"] = counts_payload(user, now)
        if changed:
            answer["notify"] = _arrivals(user, changed, kinds, now)
    if view.filters is not None and read is not None:
        answer.update(_list_update(user, view, changed | (read_by_me & set(view.shown)),
                                   changed | left | read_by_me, now))
    if view.ticket_id is not None:
        answer["ticket"] = _ticket_update(app, user, view, view.ticket_id in changed)
    return answer


def _visible(user: User, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(restrict_to_user(select(Ticket.id), user)
                                  .where(Ticket.id.in_(sorted(ids)))))


def _list_update(user: User, view: DeskView, wanted: set[int], changed: set[int],
                 now: datetime) -> dict:
    """Rows to put in (rendered) and ids to take out of the desk's list.

    `changed` holds only what the user may know changed: tickets they see now, and those that
    left their department (they saw them there). An id the desk names otherwise is not answered
    for, whatever happened to it."""
    shown = set(view.shown)
    if not wanted and not (changed & shown):
        return {}
    soon = presenters.soon_before(now)
    rows = queues.rows_among(user, view.filters, sorted(wanted), now, soon) if wanted else []
    if view.edge:  # a row that now sorts past the last one shown belongs to a later page
        descending = view.filters.sort in ("new", "activity")
        rows = [t for t in rows
                if (sort_key(t, view.filters.sort) >= view.edge) == descending
                or sort_key(t, view.filters.sort) == view.edge]
    matched = {t.id for t in rows}
    update = {"remove": sorted((changed & shown) - matched)}
    if rows:
        extras = row_extras(user, rows, view.filters.sort, view.filters.queue, now)
        update["rows"] = render_template(
            "tickets/_live_rows.html", tickets=rows, badges=presenters.list_badges(rows, now, soon),
            extras=extras, filters=view.filters, status_of=presenters.status_label)
    return update


def _arrivals(user: User, changed: set[int], kinds: dict, now: datetime) -> list[dict]:
    """Tickets that just arrived in the user's own queues and are new to them (a notification
    names the number only: no personal data on the screen's corner)."""
    arrived = [i for i in changed if kinds.get(i, set()) & NOTIFY_KINDS]
    if not arrived:
        return []
    watched = [queues.queue_condition(default_queue(user), user), Ticket.assignee_id == user.id]
    rows = db.session.execute(select(Ticket.id, Ticket.number).where(
        Ticket.id.in_(sorted(arrived)), Ticket.status.in_(("triage", "assigned")),
        or_(*[c for c in watched if c is not None]), unread_condition(user.id, now)))
    return [{"id": ticket_id, "number": number} for ticket_id, number in rows]


def _ticket_update(app, user: User, view: DeskView, changed: bool) -> dict:
    """The open ticket: changed since the last poll? who else has it open? (gone: no longer
    the user's to see)."""
    if not _visible(user, {view.ticket_id}):
        return {"gone": True}
    presence = presence_for(app)
    presence.touch(view.ticket_id, user.id, user.full_name or user.username, view.typing)
    return {"changed": changed, "others": presence.others(view.ticket_id, user.id)}
