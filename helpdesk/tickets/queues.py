"""Queues, filters, sorting and keyset pagination of the ticket lists (all through helpdesk.access)."""
import base64
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, exists, literal, null, or_, select, tuple_, type_coerce

from helpdesk.access import restrict_to_user
from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.digest import Escalation
from helpdesk.models.search import due_sort_expression
from helpdesk.models.ticket import OPEN_STATUSES, Ticket, TicketKind, TicketStatus
from helpdesk.models.types import UTCDateTime
from helpdesk.models.user import Role, User
from helpdesk.tickets import suggest
from helpdesk.tickets.rows import TicketRow, list_rows, list_select
from helpdesk.tickets.search import SearchError, clean_query, search_condition

PAGE_SIZE = 50
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)
from helpdesk.dates import YEAR_MAX as MAX_YEAR
from helpdesk.dates import YEAR_MIN as MIN_YEAR
MOSCOW = ZoneInfo("Europe/Moscow")

QUEUE_LABELS = {"triage": "Требует разбора", "mine": "Мои", "department": "Мой отдел",
                "all": "Все"}
SORT_LABELS = {"new": "Сначала новые", "old": "Сначала старые", "due": "По сроку",
               "activity": "По последнему сообщению"}
DUE_LABELS = {"": "Любой срок", "soon": "Срок истекает", "overdue": "Просрочено"}
# Status filter for «assigned, nobody has taken it» (shown «В подразделении»); the "assigned"
# filter then means «В работе»: assigned to someone.
IN_DEPARTMENT = "in_department"


class FilterError(ValueError):
    """A filter value that cannot be used (Russian message)."""


@dataclass(frozen=True)
class ListFilters:
    """Everything a list request can ask for, already validated."""

    queue: str = "all"
    status: str = ""
    department_id: int | None = None
    channel_id: int | None = None
    kind: str = ""
    district: str = ""
    topic: str = ""
    due: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = "new"
    after: str = ""

    def args(self, **changes) -> dict:
        """Query-string arguments for links (empty values left out)."""
        values = {**self.__dict__, **changes}
        return {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in values.items() if v not in ("", None)}


@dataclass
class Page:
    """One page of a list: tickets, their deadline badges and the cursor of the next page."""

    tickets: list
    badges: dict = field(default_factory=dict)
    next_after: str = ""


def queues_for(user: User) -> list[str]:
    """The queue keys a role may open, in menu order."""
    if user.role in (Role.PRESS, Role.ADMIN, Role.AUDITOR):
        queues = ["triage", "mine", "all"] if user.can_write else ["triage", "all"]
        return queues + (["department"] if user.department_id else [])
    return ["mine", "department"]


def default_queue(user: User) -> str:
    """Press staff start in triage, specialists in their department's queue, others in all."""
    return {Role.PRESS: "triage", Role.SPECIALIST: "department"}.get(user.role, "all")


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise FilterError(f"Неверное значение фильтра «{name}»") from None


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"Неверная дата в фильтре «{name}»: ожидается ГГГГ-ММ-ДД") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise FilterError(f"Дата в фильтре «{name}» должна быть между {MIN_YEAR} и {MAX_YEAR} годом")
    return day


def parse_filters(args, user: User) -> tuple[ListFilters, list[str]]:
    """Validate request arguments; bad values are dropped and reported, never a 500."""
    errors: list[str] = []
    values: dict = {}
    queue = args.get("queue") or default_queue(user)
    values["queue"] = queue if queue in queues_for(user) else default_queue(user)
    if queue != values["queue"]:
        errors.append("Эта очередь вам недоступна")
    status = args.get("status", "")
    if status and status not in {s.value for s in TicketStatus} | {"open", IN_DEPARTMENT}:
        errors.append("Неизвестный статус")
    else:
        values["status"] = status
    kind = args.get("kind", "")
    if kind and kind not in {k.value for k in TicketKind}:
        errors.append("Неизвестный вид обращения")
    else:
        values["kind"] = kind
    due = args.get("due", "")
    if due not in DUE_LABELS:
        errors.append("Неизвестный фильтр по сроку")
    else:
        values["due"] = due
    sort = args.get("sort", "new")
    values["sort"] = sort if sort in SORT_LABELS else "new"
    for key, label in (("department_id", "подразделение"), ("channel_id", "канал")):
        try:
            values[key] = _int(args.get(key), label)
        except FilterError as exc:
            errors.append(str(exc))
    for key, label in (("date_from", "с"), ("date_to", "по")):
        try:
            values[key] = _date(args.get(key), label)
        except FilterError as exc:
            errors.append(str(exc))
    values["district"] = (args.get("district") or "").strip()[:100]
    values["topic"] = (args.get("topic") or "").strip()[:300]
    try:
        values["q"] = clean_query(args.get("q"))
    except SearchError as exc:
        errors.append(str(exc))
    values["after"] = args.get("after", "")[:200]
    return ListFilters(**values), errors


# --- the nearest pending clock, the same in SQL and in Python ------------------------------

def due_key_sql():
    """SQL: the nearest running clock's due time, far future when none (indexed: ix_tickets_due_key)."""
    return _due_key(db.engine.dialect.name)


@lru_cache(maxsize=None)
def _due_key(dialect: str):
    # Built once per dialect: the expression is immutable and a list request reuses it.
    return type_coerce(due_sort_expression(dialect), UTCDateTime)


def nearest_clock(ticket) -> tuple[str, datetime | None]:
    """Python mirror of due_key_sql: (clock field name, due time) of the nearest running clock.

    `ticket` is a Ticket or a list's TicketRow."""
    if ticket.status not in OPEN_STATUSES:
        return "", None
    if ticket.first_response_at is None and ticket.first_response_due is not None:
        return "first_response_due", ticket.first_response_due
    if ticket.kind == TicketKind.APPEAL and ticket.registered_at is None:
        return "registration_due", ticket.registration_due
    if ticket.answered_at is None:
        return "answer_due", ticket.answer_due
    return "", None


# Values that come from the code or from validated choices (statuses, ids of the user's own
# records, the page size) are written into the SQL rather than bound: with no parameters left,
# PostgreSQL plans a queue's query once per connection and reuses the plan (a bound LIMIT also
# defeats its generic plans). Free text, dates and cursors stay bound parameters.

def inline(value):
    """A constant rendered into the SQL at execution (quoted by its type), not bound.

    None stays NULL, so that `column == inline(None)` is still IS NULL."""
    return null() if value is None else literal(value, literal_execute=True)


def inline_list(values):
    """A list of constants for IN (...), rendered into the SQL at execution."""
    return bindparam("inline", [str(v) for v in values], expanding=True, literal_execute=True,
                     unique=True)


def escalated_open():
    """SQL: the ticket has an unresolved escalation to the press staff."""
    return exists().where(Escalation.ticket_id == Ticket.id, Escalation.resolved_at.is_(None))


def _queue_condition(queue: str, user: User):
    if queue == "triage":
        triage_dept = select(Department.id).where(Department.is_triage.is_(True))
        return and_(Ticket.status.in_(inline_list(OPEN_STATUSES)), or_(
            Ticket.status.in_(inline_list((TicketStatus.NEW, TicketStatus.TRIAGE))),
            Ticket.department_id.is_(None), Ticket.department_id.in_(triage_dept),
            escalated_open()))
    if queue == "mine":
        return Ticket.assignee_id == inline(user.id)
    if queue == "department":
        return Ticket.department_id == inline(user.department_id)
    return None


def district_condition(wanted: str):
    """The ticket's district is one of the known districts that `wanted` names in part (any
    case); the text itself, as typed, still matches exactly (a bound parameter)."""
    return _one_of(Ticket.district, wanted, suggest.matching_districts(wanted))


def topic_condition(wanted: str):
    """The ticket's topic or classifier code is one that `wanted` names in part, or `wanted`."""
    topics, codes = suggest.matching_topics(wanted)
    return or_(_one_of(Ticket.topic, wanted, topics), _one_of(Ticket.topic_code, wanted, codes))


def _one_of(column, typed: str, known: list[str]):
    # The known values come from the database (not from the request): written into the SQL.
    exact = column == typed
    others = [v for v in known if v != typed]
    return or_(exact, column.in_(inline_list(others))) if others else exact


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), MOSCOW).astimezone(timezone.utc)


def filtered_query(user: User, filters: ListFilters, now: datetime, soon_before: datetime,
                   query=None):
    """The SELECT of tickets (or of `query`, which selects from tickets) for a queue and
    filters, restricted to what the user may see."""
    query = restrict_to_user(select(Ticket) if query is None else query, user)
    conditions = [_queue_condition(filters.queue, user)]
    if filters.status == "open":
        conditions.append(Ticket.status.in_(inline_list(OPEN_STATUSES)))
    elif filters.status == IN_DEPARTMENT:
        conditions += [Ticket.status == inline(TicketStatus.ASSIGNED.value),
                       Ticket.assignee_id.is_(None)]
    elif filters.status:
        conditions.append(Ticket.status == inline(filters.status))
        if filters.status == TicketStatus.ASSIGNED:
            conditions.append(Ticket.assignee_id.is_not(None))
    if filters.department_id:
        conditions.append(Ticket.department_id == inline(filters.department_id))
    if filters.channel_id:
        conditions.append(Ticket.channel_id == inline(filters.channel_id))
    if filters.kind:
        conditions.append(Ticket.kind == inline(filters.kind))
    if filters.district:
        conditions.append(district_condition(filters.district))
    if filters.topic:
        conditions.append(topic_condition(filters.topic))
    if filters.date_from:
        conditions.append(Ticket.received_at >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        conditions.append(Ticket.received_at < _local_midnight_utc(filters.date_to + timedelta(days=1)))
    if filters.due == "overdue":
        conditions.append(due_key_sql() <= now)  # the far-future key of stopped clocks never matches
    elif filters.due == "soon":
        conditions.append(and_(due_key_sql() > now, due_key_sql() <= soon_before))
    if filters.q:
        conditions.append(search_condition(filters.q))
    return query.where(*[c for c in conditions if c is not None])


def _sort_spec(sort: str):
    """(key expression, descending?) for a sort name."""
    if sort == "old":
        return Ticket.received_at, False
    if sort == "due":
        return due_key_sql(), False
    if sort == "activity":
        return Ticket.last_message_at, True
    return Ticket.received_at, True


def encode_cursor(value: datetime, ticket_id: int) -> str:
    """An opaque page cursor from the last row's sort key and id."""
    raw = f"{value.astimezone(timezone.utc).isoformat()}|{ticket_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (sort key, id) of a cursor; FilterError when it is damaged."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, ticket_id = raw.split("|")
        value = datetime.fromisoformat(stamp)
        if value.tzinfo is None:
            raise ValueError
        return value, int(ticket_id)
    except (ValueError, UnicodeDecodeError):
        raise FilterError("Неверная ссылка на страницу списка; показана первая страница") from None


def _sort_value(ticket: TicketRow, sort: str) -> datetime:
    if sort == "due":
        return nearest_clock(ticket)[1] or FAR_FUTURE
    if sort == "activity":
        return ticket.last_message_at
    return ticket.received_at


def list_page(user: User, filters: ListFilters, now: datetime, soon_before: datetime,
              page_size: int = PAGE_SIZE) -> tuple[Page, list[str]]:
    """One page of tickets after the cursor, newest (or as sorted) first."""
    errors: list[str] = []
    key, descending = _sort_spec(filters.sort)
    query = filtered_query(user, filters, now, soon_before, list_select(db.engine.dialect.name))
    if filters.after:
        try:
            value, last_id = decode_cursor(filters.after)
        except FilterError as exc:
            errors.append(str(exc))
        else:
            bound = tuple_(literal(value, UTCDateTime), literal(last_id))
            row = tuple_(key, Ticket.id)
            query = query.where(row < bound if descending else row > bound)
    order = (key.desc(), Ticket.id.desc()) if descending else (key.asc(), Ticket.id.asc())
    # Only what a list row shows, as plain rows (see helpdesk.tickets.rows).
    # Through the session's connection: the rows are plain columns, so the ORM's per-row
    # result handling is skipped; flush() does what the session's autoflush would have done.
    db.session.flush()
    rows = list_rows(db.session.connection().execute(
        query.order_by(*order).limit(inline(page_size + 1))))
    page = Page(tickets=rows[:page_size])
    if len(rows) > page_size:
        last = rows[page_size - 1]
        page.next_after = encode_cursor(_sort_value(last, filters.sort), last.id)
    return page, errors


def next_page_filters(filters: ListFilters, cursor: str) -> ListFilters:
    """The same filters positioned after `cursor`."""
    return replace(filters, after=cursor)
