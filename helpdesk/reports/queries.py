"""Report queries: SQL GROUP BY on both databases; percentiles in SQL on PostgreSQL."""
from collections import defaultdict
from datetime import datetime

from sqlalchemy import Date, and_, case, cast, func, select, tuple_
from sqlalchemy.dialects.postgresql import array as pg_array

from helpdesk.access import restrict_to_user
from helpdesk.exports.filters import ExportFilter
from helpdesk.extensions import db
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.ticket import KIND_LABELS, OPEN_STATUSES, Ticket
from helpdesk.reports.aggregate import percentile
from helpdesk.models.outcomes import ANSWER_RESULTS

TOP_N = 10


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _scoped(query, flt: ExportFilter, user, tz: str):
    start, end = flt.bounds(tz)
    query = query.where(Ticket.received_at >= start, Ticket.received_at < end)
    if flt.department_id is not None:
        query = query.where(Ticket.department_id == flt.department_id)
    if flt.channel_slug:
        query = query.where(Ticket.channel_id.in_(
            select(Channel.id).where(Channel.slug == flt.channel_slug)))
    if flt.kind:
        query = query.where(Ticket.kind == flt.kind)
    return restrict_to_user(query, user) if user is not None else query


def local_day(column, tz: str):
    """The local calendar date of a UTC timestamp column (a date, or YYYY-MM-DD text on SQLite)."""
    if _dialect() == "postgresql":
        return cast(func.timezone(tz, column), Date)
    from zoneinfo import ZoneInfo

    offset = datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() / 3600  # fixed-offset zones
    return func.strftime("%Y-%m-%d", column, f"{offset:+.0f} hours")


def volume_by_day(flt, user, tz):
    """[(YYYY-MM-DD, count)] by local day of receipt."""
    day = local_day(Ticket.received_at, tz).label("day")
    query = _scoped(select(day, func.count()).group_by(day).order_by(day), flt, user, tz)
    return [(str(d), n) for d, n in db.session.execute(query)]


def volume_by(column, join_model, flt, user, tz, label_column):
    """[(label, count)] grouped by a related name (channel or department)."""
    query = (select(label_column, func.count()).select_from(Ticket)
             .outerjoin(join_model, join_model.id == column)
             .group_by(label_column).order_by(func.count().desc()))
    return [(name or "—", n) for name, n in db.session.execute(_scoped(query, flt, user, tz))]


def volume_by_kind(flt, user, tz):
    """[(kind label, count)]: messages, appeals and comments of the period."""
    query = (select(Ticket.kind, func.count()).group_by(Ticket.kind)
             .order_by(func.count().desc(), Ticket.kind))
    return [(KIND_LABELS.get(kind, kind), n)
            for kind, n in db.session.execute(_scoped(query, flt, user, tz))]


def first_response_query(flt, user, tz):
    """PostgreSQL: (department id, overall flag, [median, p90]) rows of first-response minutes."""
    minutes = (func.date_part("epoch", Ticket.first_response_at)
               - func.date_part("epoch", Ticket.received_at)) / 60.0
    # Both percentiles from one sort of each group.
    stats = func.percentile_cont(pg_array([0.5, 0.9])).within_group(minutes)
    # One scan: per department and overall (the grouping-sets row with grouping() = 1).
    # Grouped by id (names are unique): sorting integers is cheaper than names.
    dept = Ticket.department_id
    per = (select(dept, func.grouping(dept), stats).where(Ticket.first_response_at.is_not(None))
           .group_by(func.grouping_sets(tuple_(dept), tuple_())))
    return _scoped(per, flt, user, tz)


def first_response_result(rows, names: dict[int, str]) -> dict:
    """{department: (median, p90)} from first_response_query's rows; '*' is overall."""
    result = {"*": (None, None)}
    for dept_id, overall, both in rows:
        result["*" if overall else names.get(dept_id, "—")] = tuple(both or (None, None))
    return result


def first_response_minutes(flt, user, tz) -> dict:
    """{department: (median, p90)} of minutes from receipt to first response; '*' is overall."""
    if _dialect() == "postgresql":
        rows = db.session.execute(first_response_query(flt, user, tz)).all()
        return first_response_result(rows, department_names())
    answered = Ticket.first_response_at.is_not(None)
    query = (select(Department.name, Ticket.received_at, Ticket.first_response_at)
             .select_from(Ticket).outerjoin(Department, Department.id == Ticket.department_id)
             .where(answered))
    groups: dict[str, list[float]] = defaultdict(list)
    for name, received, first in db.session.execute(_scoped(query, flt, user, tz)):
        value = (first - received).total_seconds() / 60.0
        groups[name or "—"].append(value)
        groups["*"].append(value)
    result = {k: (percentile(v, 0.5), percentile(v, 0.9)) for k, v in groups.items()}
    result.setdefault("*", (None, None))
    return result


def department_names() -> dict[int, str]:
    """{department id: name} (names are unique)."""
    return dict(db.session.execute(select(Department.id, Department.name)).all())


def claims_answer():
    """Closed with a result that claims an answer: decided, whether or not it got one (an
    appeal answered only before its registration is then not answered in time)."""
    return Ticket.result.in_(ANSWER_RESULTS)


def on_time_by_department(flt, user, tz, now: datetime):
    """[(department, answered on time, decided)] — decided: answered, or due already passed."""
    due = func.coalesce(Ticket.extended_until, Ticket.answer_due)
    on_time = func.sum(case((and_(Ticket.answered_at.is_not(None), Ticket.answered_at <= due), 1),
                            else_=0))
    answered_or_due = (Ticket.answered_at.is_not(None)) | (due < now) | claims_answer()
    decided = func.sum(case((and_(due.is_not(None), answered_or_due), 1), else_=0))
    query = (select(Department.name, on_time, decided).select_from(Ticket)
             .outerjoin(Department, Department.id == Ticket.department_id)
             .group_by(Department.name).order_by(Department.name))
    return [(n, int(a or 0), int(b or 0)) for n, a, b in db.session.execute(
        _scoped(query, flt, user, tz))]


def overdue_now(user, now: datetime, department_id: int | None = None):
    """[(department, count)] of open, unanswered tickets past their due time now (any period)."""
    due = func.coalesce(Ticket.extended_until, Ticket.answer_due)
    query = (select(Department.name, func.count()).select_from(Ticket)
             .outerjoin(Department, Department.id == Ticket.department_id)
             .where(Ticket.status.in_([str(s) for s in OPEN_STATUSES]),
                    Ticket.answered_at.is_(None), due < now)
             .group_by(Department.name).order_by(func.count().desc()))
    if department_id is not None:
        query = query.where(Ticket.department_id == department_id)
    if user is not None:
        query = restrict_to_user(query, user)
    return [(name or "—", n) for name, n in db.session.execute(query)]


def top(column, flt, user, tz, limit: int = TOP_N):
    """[(value, count)] of the most frequent non-empty values of a ticket column."""
    query = (select(column, func.count()).where(column.is_not(None), column != "")
             .group_by(column).order_by(func.count().desc(), column).limit(limit))
    return [tuple(r) for r in db.session.execute(_scoped(query, flt, user, tz))]
