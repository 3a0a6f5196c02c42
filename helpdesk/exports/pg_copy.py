"""The response-time CSV produced by PostgreSQL itself (COPY ... TO STDOUT), for large exports.

Same rows as response_times.build_row + generate_csv (tests compare the parsed output): the
working minutes come from a temporary table of per-day working intervals and prefix sums that
the Python WorkingClock computes from the calendar, so the calendar stays the one authority.
Returns None (the caller falls back to the Python path) off PostgreSQL or when a day has more
than one working interval.
"""
from datetime import datetime, timedelta
from typing import Iterator

from sqlalchemy import (BigInteger, Column, Date, MetaData, Table, and_, case, func, literal, or_,
                        select)
from sqlalchemy.sql import ColumnElement

from helpdesk.exports.filters import ExportFilter
from helpdesk.exports.response_times import response_time_query
from helpdesk.exports.results import IN_PROGRESS, RESULT_CODES, SSTU_RESULTS, _OPEN
from helpdesk.exports.spreadsheets import DANGEROUS_PREFIXES
from helpdesk.exports.workclock import WorkingClock
from helpdesk.extensions import db
from helpdesk.models.ticket import KIND_LABELS, Ticket, TicketStatus
from helpdesk.models.outcomes import ANSWER_RESULTS

MINUTE_US = 60_000_000
WORKDAYS = "export_workdays"


def _guard(value: ColumnElement) -> ColumnElement:
    """The formula-injection guard and '' → NULL, as the Python CSV writer does."""
    return case((value == "", None),
                (func.left(value, 1).in_(DANGEROUS_PREFIXES), literal("'") + value), else_=value)


def _local(value, tz: str) -> ColumnElement:
    return func.to_char(func.timezone(tz, value), "YYYY-MM-DD HH24:MI")


def _yes_no(condition) -> ColumnElement:
    return case((condition, "да"), else_="нет")


def _result(c) -> ColumnElement:
    return case(
        (c.status.in_(sorted(_OPEN)), IN_PROGRESS),
        *[(c.result == code, label) for code, label in RESULT_CODES.items()],
        (c.result.in_(SSTU_RESULTS), c.result),
        (c.status == str(TicketStatus.FORWARDED), RESULT_CODES["forwarded"]),
        (c.answered_at.is_not(None), RESULT_CODES["answered"]),
        else_=RESULT_CODES["no_answer"])


def workday_rows(clock: WorkingClock, first: datetime | None, last: datetime | None):
    """(day, working µs before it, begin µs, end µs) around [first, last]; None on a split day."""
    if first is None:
        return []
    tz = clock.calendar.tz
    day, end = first.astimezone(tz).date() - timedelta(days=1), last.astimezone(tz).date()
    rows = []
    while day <= end + timedelta(days=1):
        cum, spans = clock.day(day)
        if len(spans) > 1:
            return None
        rows.append((day, cum, *(spans[0] if spans else (None, None))))
        day += timedelta(days=1)
    return rows


TEXT, WORD, TIME, NUMBER = "text", "word", "time", "number"  # kinds of log column


def log_columns(flt: ExportFilter, user, tz: str, now: datetime):
    """([(kind, expression)] of the log's columns, FROM with the working-day joins, ticket id).

    TEXT is stored data (guarded by the writers), WORD a fixed label, TIME a UTC moment,
    NUMBER the working minutes; CSV and XLSX render the same expressions their own way.
    """
    base = (response_time_query(flt, user, tz).add_columns(Ticket.id.label("tid"))
            .order_by(None).subquery("t"))
    c = base.c
    days = Table(WORKDAYS, MetaData(), Column("day", Date), Column("cum", BigInteger),
                 Column("b", BigInteger), Column("e", BigInteger), prefixes=["TEMPORARY"])
    wr, wf = days.alias("wr"), days.alias("wf")

    def us(moment):
        return func.cast(func.extract("epoch", moment) * 1_000_000, BigInteger)

    def working(moment, w):
        inside = func.greatest(0, func.least(us(moment), w.c.e) - w.c.b)
        return w.c.cum + func.coalesce(inside, 0)

    start = func.coalesce(c.reopened_at, c.received_at)  # as build_row: from the last reopening
    diff = working(c.first_response_at, wf) - working(start, wr)
    minutes = case((c.first_response_at.is_(None), None),
                   (c.first_response_at >= start, diff // MINUTE_US),
                   else_=-((-diff) // MINUTE_US))
    due = func.coalesce(c.extended_until, c.answer_due)
    on_time = case((due.is_(None), None),
                   (c.answered_at.is_not(None), _yes_no(c.answered_at <= due)),
                   (c.result.in_(ANSWER_RESULTS), "нет"),  # closed as answered, never was
                   (literal(now) > due, "нет"), else_=None)
    kind = case(*[(c.kind == str(k), v) for k, v in KIND_LABELS.items()], else_=c.kind)
    assignee = func.coalesce(func.nullif(c.assignee_name, ""), c.assignee_login)
    local_day = lambda moment: func.cast(func.timezone(tz, moment), Date)  # noqa: E731
    columns = [
        (TEXT, c.number), (TEXT, c.channel), (TEXT, kind), (TIME, c.received_at),
        (TIME, c.registered_at), (TEXT, c.department), (TEXT, assignee), (TEXT, c.topic),
        (TEXT, c.topic_code), (TEXT, c.district), (TIME, c.first_response_at),
        (NUMBER, minutes), (TIME, c.answered_at), (TIME, due), (WORD, on_time),
        (WORD, _yes_no(c.extended_until.is_not(None))),
        (WORD, _yes_no(or_(c.forwarded_at.is_not(None),
                           c.status == str(TicketStatus.FORWARDED)))),
        (TEXT, _result(c)), (TIME, c.closed_at),
    ]
    source = (base.outerjoin(wr, wr.c.day == local_day(start))
              .outerjoin(wf, and_(c.first_response_at.is_not(None),
                                  wf.c.day == local_day(c.first_response_at))))
    return columns, source, c.tid


def copy_select(flt: ExportFilter, user, tz: str, now: datetime):
    """The SELECT whose CSV output equals the Python rows (PostgreSQL only)."""
    columns, source, tid = log_columns(flt, user, tz, now)
    render = {TEXT: _guard, WORD: lambda e: e, NUMBER: lambda e: e,
              TIME: lambda e: _local(e, tz)}
    return select(*[render[k](e) for k, e in columns]).select_from(source).order_by(tid)


def prepare_copy(flt: ExportFilter, user, tz: str, calendar, select_for):
    """(working days, COPY statement, params) for `select_for()`, or None off PostgreSQL or
    on a calendar with split working days. Runs on the request's session."""
    session = db.session
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return None
    base = response_time_query(flt, user, tz).order_by(None).subquery()
    lo, hi = session.execute(select(
        func.min(func.least(base.c.received_at, base.c.first_response_at)),
        func.max(func.greatest(base.c.received_at, base.c.first_response_at,
                               base.c.reopened_at)))).one()
    days = workday_rows(WorkingClock(calendar), lo, hi)
    if days is None:
        return None
    compiled = select_for().compile(dialect=dialect,
                                    compile_kwargs={"render_postcompile": True})
    return days, str(compiled), dict(compiled.params)


def copy_response_times(flt: ExportFilter, user, tz: str, now: datetime, calendar,
                        counter: dict | None = None) -> Iterator[bytes] | None:
    """CSV data rows (no header) straight from PostgreSQL, or None when not applicable.

    Everything that depends on the session and the user is computed now; the returned
    generator uses its own connection, so it may run later inside a streamed response.
    """
    prepared = prepare_copy(flt, user, tz, calendar,
                            lambda: copy_select(flt, user, tz, now))
    if prepared is None:
        return None
    days, query, params = prepared
    return stream_copy(db.engine, days, f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", params,
                       counter)


def stream_copy(engine, days: list, statement: str, params: dict,
                counter: dict | None) -> Iterator[bytes]:
    """Load the working days into a temporary table, then yield the COPY output."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        try:
            with raw.cursor() as cursor:
                cursor.execute(f"CREATE TEMP TABLE {WORKDAYS} (day date PRIMARY KEY,"
                               " cum bigint NOT NULL, b bigint, e bigint) ON COMMIT DROP")
                with cursor.copy(f"COPY {WORKDAYS} (day, cum, b, e) FROM STDIN") as copy:
                    for row in days:
                        copy.write_row(row)
                with cursor.copy(statement, params) as copy:
                    for chunk in copy:
                        yield bytes(chunk)
                if counter is not None:
                    counter["rows"] = cursor.rowcount
        finally:
            raw.rollback()
