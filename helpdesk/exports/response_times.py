"""The response-time log: one row per ticket, built by a pure function from a streamed query."""
from datetime import datetime
from typing import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Select, select, type_coerce
from sqlalchemy.orm import aliased

from helpdesk.access import restrict_to_user
from helpdesk.exports.filters import ExportFilter
from helpdesk.exports.results import result_label
from helpdesk.exports.workclock import WorkingClock
from helpdesk.extensions import db
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.ticket import KIND_LABELS, Ticket, TicketStatus
from helpdesk.models.user import User
from helpdesk.models.outcomes import ANSWER_RESULTS

HEADERS = (
    "Номер", "Канал", "Вид", "Поступило (МСК)", "Зарегистрировано (МСК)", "Подразделение",
    "Исполнитель", "Тема", "Код классификатора", "Район", "Первый ответ (МСК)",
    "Первый ответ, рабочих минут", "Ответ дан (МСК)", "Срок ответа (МСК)", "Ответ в срок",
    "Продлено", "Перенаправлено", "Результат", "Закрыто (МСК)",
)
BATCH = 5000


def _times(*columns, dialect: str):
    """UTC columns; on PostgreSQL read as plain timestamptz (psycopg gives aware values)."""
    if dialect != "postgresql":
        return columns
    return tuple(type_coerce(c, DateTime(timezone=True)).label(c.key) for c in columns)


def response_time_query(flt: ExportFilter, user: User | None = None,
                        tz: str = "Europe/Moscow") -> Select:
    """The columns of the log for tickets received in the period (restricted to `user`)."""
    assignee = aliased(User)
    start, end = flt.bounds(tz)
    dialect = db.session.get_bind().dialect.name
    received, registered, first, answered, due, extended, forwarded, closed, reopened = _times(
        Ticket.received_at, Ticket.registered_at, Ticket.first_response_at, Ticket.answered_at,
        Ticket.answer_due, Ticket.extended_until, Ticket.forwarded_at, Ticket.closed_at,
        Ticket.reopened_at, dialect=dialect)
    query = (
        select(Ticket.number, Channel.name.label("channel"), Ticket.kind, received, registered,
               Department.name.label("department"), assignee.full_name.label("assignee_name"),
               assignee.username.label("assignee_login"), Ticket.topic, Ticket.topic_code,
               Ticket.district, first, answered, due, extended, forwarded, Ticket.status,
               Ticket.result, closed, reopened)
        .join(Channel, Channel.id == Ticket.channel_id)
        .outerjoin(Department, Department.id == Ticket.department_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .where(Ticket.received_at >= start, Ticket.received_at < end)
        .order_by(Ticket.id)
    )
    if flt.department_id is not None:
        query = query.where(Ticket.department_id == flt.department_id)
    if flt.channel_slug:
        query = query.where(Channel.slug == flt.channel_slug)
    if flt.kind:
        query = query.where(Ticket.kind == flt.kind)
    return restrict_to_user(query, user) if user is not None else query


def answered_on_time(answered_at: datetime | None, due: datetime | None,
                     now: datetime, result: str | None = None) -> bool | None:
    """True/False when decidable; None while unanswered and not yet due (or no due time).

    A ticket closed with a result that claims an answer it never got (an appeal whose only
    replies were interim or sent before its registration) is decided: not answered in time."""
    if due is None:
        return None
    if answered_at is not None:
        return answered_at <= due
    if result in ANSWER_RESULTS:
        return False
    return False if now > due else None


_KIND_LABELS = {str(k): v for k, v in KIND_LABELS.items()}
_FORWARDED = str(TicketStatus.FORWARDED)


def build_row(rec, clock, now: datetime, zone: ZoneInfo) -> tuple:
    """One export row from one query record (pure: the clock and 'now' are passed in).

    Times come back aware in the display zone; the spreadsheet writers format them. The first
    response is timed from the last reopening when the citizen wrote again after an ending
    (the reply to the new message; earlier replies answered earlier messages).
    """
    (number, channel, kind, received, registered, department, assignee_name, assignee_login,
     topic, code, district, first, answered, answer_due, extended, forwarded_at, status,
     result, closed, reopened) = rec
    due = extended or answer_due
    return (
        number, channel, _KIND_LABELS.get(kind, kind), received.astimezone(zone),
        registered and registered.astimezone(zone), department, assignee_name or assignee_login,
        topic, code, district, first and first.astimezone(zone),
        clock.working_minutes_between(reopened or received, first) if first is not None else None,
        answered and answered.astimezone(zone), due and due.astimezone(zone),
        answered_on_time(answered, due, now, result), extended is not None,
        forwarded_at is not None or status == _FORWARDED,
        result_label(status, result, answered is not None), closed and closed.astimezone(zone),
    )


def response_time_rows(flt: ExportFilter, user: User | None = None, *, calendar=None,
                       now: datetime | None = None, tz: str = "Europe/Moscow",
                       limit: int | None = None) -> Iterator[tuple]:
    """Stream the log's rows (server-side cursor on PostgreSQL, batches of BATCH)."""
    from helpdesk.deadlines.store import load_calendar
    from helpdesk.models.types import utcnow

    calendar = WorkingClock(calendar or load_calendar())
    now = now or utcnow()
    # Built now, while `user` is loaded: the rows may be consumed later by a streamed response.
    query = response_time_query(flt, user, tz).limit(limit).execution_options(yield_per=BATCH)
    return _stream(query, calendar, now, ZoneInfo(tz))


def _stream(query, calendar, now, zone) -> Iterator[tuple]:
    for rec in db.session.execute(query):
        yield build_row(rec, calendar, now, zone)


def count_tickets(flt: ExportFilter, user: User | None = None, tz: str = "Europe/Moscow") -> int:
    """How many rows the log would have (to decide between a direct and a background export)."""
    from sqlalchemy import func

    inner = response_time_query(flt, user, tz).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0
