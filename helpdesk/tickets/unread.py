"""«Новое от гражданина»: per staff member, a ticket whose citizen wrote after they last opened it.

A mark looks back UNREAD_DAYS (the thread window): an older citizen message that nobody opened is
a deadline matter, shown by the clocks, not "new". Counts per tab stop at COUNT_CAP ("99+"), so
that counting costs the same however many tickets wait.
"""
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select

from helpdesk.access import scope_condition, user_scope
from helpdesk.extensions import db
from helpdesk.live.bus import note_read
from helpdesk.models.desk import TicketRead
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.tickets.queues import queue_condition

UNREAD_DAYS = 7
COUNT_CAP = 100


def unread_since(now: datetime) -> datetime:
    """The oldest citizen message that can still be marked new."""
    return now - timedelta(days=UNREAD_DAYS)


def unread_condition(user_id: int, now: datetime):
    """SQL: the ticket's citizen wrote recently, after the user last opened it (or never opened)."""
    read_since = exists().where(TicketRead.user_id == user_id, TicketRead.ticket_id == Ticket.id,
                                TicketRead.read_at >= Ticket.last_message_at)
    return and_(Ticket.last_message_at > unread_since(now), ~read_since)


def mark_read(user: User, ticket_id: int, now: datetime) -> None:
    """The user has the ticket open: its citizen's messages so far are no longer new to them
    (flushes; their other desks recount after the commit)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(TicketRead).values(user_id=user.id, ticket_id=ticket_id, read_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[TicketRead.user_id, TicketRead.ticket_id], set_={"read_at": now}))
    note_read(ticket_id, user.id)


def unread_among(user: User, ticket_ids, now: datetime) -> set[int]:
    """Which of these tickets are new to the user."""
    ids = list(ticket_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Ticket.id).where(
        Ticket.id.in_(ids), unread_condition(user.id, now))))


def unread_counts(user: User, queues: list[str], now: datetime) -> dict[str, int]:
    """Tickets new to the user in each of their queues, and "total" over all they may see
    (each at most COUNT_CAP), in one statement."""
    candidates = select(Ticket.id).where(unread_condition(user.id, now))
    scope = scope_condition(user_scope(user))
    if scope is not None:
        candidates = candidates.where(scope)
    candidates = candidates.order_by(Ticket.last_message_at.desc()).limit(COUNT_CAP).subquery()
    columns = [func.count().label("total")]
    for queue in queues:
        condition = queue_condition(queue, user)
        columns.append((func.count().filter(condition) if condition is not None
                        else func.count()).label(queue))
    row = db.session.execute(select(*columns).select_from(Ticket).join(
        candidates, candidates.c.id == Ticket.id)).one()
    return dict(row._mapping)


def count_text(count: int) -> str:
    """A count as a tab shows it: nothing for none, "99+" at the cap."""
    if not count:
        return ""
    return f"{COUNT_CAP - 1}+" if count >= COUNT_CAP else str(count)
