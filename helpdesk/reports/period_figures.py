"""The period's report aggregates on PostgreSQL: all counts in one GROUPING SETS scan, percentiles in
one more at the same time on a second connection; per-chart queries on SQLite."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import and_, func, select, text, tuple_

from helpdesk.extensions import db
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.ticket import Ticket
from helpdesk.reports import queries as q

# grouping(day, channel, department, topic, district): a set's bit is 0 when grouped by it.
LEVELS = {0b01111: "day", 0b10111: "channel", 0b11011: "department", 0b11101: "topic",
          0b11110: "district"}
WORK_MEM = "64MB"
PERIOD_KEYS = ("by_day", "by_channel", "by_department", "first_response", "on_time",
               "top_topics", "top_districts")


def period_aggregates(flt, user, tz: str, now: datetime) -> dict:
    """Every period-scoped chart's query result, keyed as PERIOD_KEYS (same shapes as queries)."""
    if q._dialect() == "postgresql":
        return _one_scan(flt, user, tz, now)
    return per_chart(flt, user, tz, now)


def per_chart(flt, user, tz: str, now: datetime) -> dict:
    """The same results from one query per chart (SQLite; the reference for the one scan)."""
    return {
        "by_day": q.volume_by_day(flt, user, tz),
        "by_channel": q.volume_by(Ticket.channel_id, Channel, flt, user, tz, Channel.name),
        "by_department": q.volume_by(Ticket.department_id, Department, flt, user, tz,
                                     Department.name),
        "first_response": q.first_response_minutes(flt, user, tz),
        "on_time": q.on_time_by_department(flt, user, tz, now),
        "top_topics": q.top(Ticket.topic, flt, user, tz),
        "top_districts": q.top(Ticket.district, flt, user, tz),
    }


def _counts_query(flt, user, tz: str, now: datetime):
    """Every count of the period in one scan: hashed GROUPING SETS over ids and values.

    Percentiles stay out: an ordered-set aggregate cannot be hashed and would sort the period's
    rows once per grouping set (measured 2x slower than the per-chart queries on 500k rows).
    """
    day = q.local_day(Ticket.received_at, tz)
    keys = (day, Ticket.channel_id, Ticket.department_id, Ticket.topic, Ticket.district)
    due = func.coalesce(Ticket.extended_until, Ticket.answer_due)
    on_time = and_(Ticket.answered_at.is_not(None), Ticket.answered_at <= due)
    decided = and_(due.is_not(None),
                   Ticket.answered_at.is_not(None) | (due < now) | q.claims_answer())
    inner = (select(
        day.label("day"), Ticket.channel_id.label("channel_id"),
        Ticket.department_id.label("department_id"), Ticket.topic.label("topic"),
        Ticket.district.label("district"), func.grouping(*keys).label("g"),
        func.count().label("n"), func.count().filter(on_time).label("on_time"),
        func.count().filter(decided).label("decided"))
        .group_by(func.grouping_sets(*(tuple_(k) for k in keys))))
    sub = q._scoped(inner, flt, user, tz).subquery()
    c = sub.c
    # Orders kept in SQL so text sorts by the database's collation, as the per-chart queries.
    by_count = func.row_number().over(partition_by=c.g, order_by=(
        c.n.desc(), c.topic, c.district, c.channel_id, c.department_id))
    by_name = func.row_number().over(partition_by=c.g, order_by=Department.name)
    return (select(c.g, c.day, Channel.name, Department.name, c.topic, c.district, c.n,
                   c.on_time, c.decided, by_count, by_name).select_from(sub)
            .outerjoin(Channel, Channel.id == c.channel_id)
            .outerjoin(Department, Department.id == c.department_id))


def _tune(connection) -> None:
    # For this transaction only: the planner cannot estimate how many local days there are and
    # would sort the period on disk instead of hashing; JIT compiling costs more than it saves.
    connection.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    connection.execute(text("SET LOCAL jit = off"))


def _percentile_rows(engine, statement) -> list:
    """Run the percentile query on its own connection (a worker thread; read-only)."""
    with engine.connect() as connection:
        try:
            _tune(connection)
            return connection.execute(statement).all()
        finally:
            connection.rollback()


def _one_scan(flt, user, tz: str, now: datetime) -> dict:
    # The percentiles scan the period a second time: on another connection, at the same time
    # as the counts (built here, so the worker only executes; committed data, as the page).
    with ThreadPoolExecutor(max_workers=1) as pool:
        percentiles = pool.submit(_percentile_rows, db.engine,
                                  q.first_response_query(flt, user, tz))
        _tune(db.session)
        rows: dict[str, list] = {level: [] for level in LEVELS.values()}
        for row in db.session.execute(_counts_query(flt, user, tz, now)):
            rows[LEVELS[row[0]]].append(row)
        first_response = q.first_response_result(percentiles.result(), q.department_names())
    for level in rows:
        rows[level].sort(key=lambda r: r[-2])
    depts = rows["department"]
    channels: dict[str, int] = {}
    for r in rows["channel"]:  # channel names need not be unique: add up as GROUP BY name
        channels[r[2] or "—"] = channels.get(r[2] or "—", 0) + r.n

    def top(level: str) -> list[tuple]:
        return [(getattr(r, level), r.n) for r in rows[level] if getattr(r, level)][:q.TOP_N]

    return {
        "by_day": sorted((str(r.day), r.n) for r in rows["day"]),
        "by_channel": sorted(channels.items(), key=lambda item: -item[1]),
        "by_department": [(r[3] or "—", r.n) for r in depts],
        "first_response": first_response,
        "on_time": [(r[3], r.on_time, r.decided) for r in sorted(depts, key=lambda r: r[-1])],
        "top_topics": top("topic"),
        "top_districts": top("district"),
    }
