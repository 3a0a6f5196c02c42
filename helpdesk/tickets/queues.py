"""Queues, sorting and keyset pagination of the ticket lists (all through helpdesk.access); the
filters a request may ask for are validated in helpdesk.tickets.filters."""
import base64
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import (Integer, Select, String, and_, bindparam, exists, literal, null, or_, select,
                        tuple_, type_coerce)

from helpdesk.access import scope_condition, user_scope
from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.digest import Escalation
from helpdesk.models.search import due_sort_expression
from helpdesk.models.ticket import OPEN_STATUSES, Ticket, TicketKind, TicketStatus
from helpdesk.models.types import UTCDateTime
from helpdesk.models.user import User
from helpdesk.tickets import suggest
from helpdesk.tickets.filters import (DUE_LABELS, IN_DEPARTMENT, QUEUE_LABELS,  # noqa: F401 (re-exported)
                                      SORT_LABELS, FilterError, ListFilters, default_queue,
                                      parse_filters, queues_for)
from helpdesk.tickets.list_rows import TicketRow, list_rows, list_select
from helpdesk.tickets.search import search_clause, search_plan

PAGE_SIZE = 50
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)
MOSCOW = ZoneInfo("Europe/Moscow")


@dataclass
class Page:
    """One page of a list: tickets, their deadline badges and the cursor of the next page."""

    tickets: list
    badges: dict = field(default_factory=dict)
    next_after: str = ""


# --- the nearest pending clock, the same in SQL and in Python ------------------------------

def due_key_sql(dialect: str | None = None):
    """SQL: the nearest running clock's due time, far future when none (indexed: ix_tickets_due_key)."""
    return _due_key(dialect or db.engine.dialect.name)


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


def param(name: str, type_=None):
    """A named parameter without a value: given by name when the list's statement runs."""
    return bindparam(name, None, type_=type_, required=False)


def escalated_open():
    """SQL: the ticket has an unresolved escalation to the press staff."""
    return exists().where(Escalation.ticket_id == Ticket.id, Escalation.resolved_at.is_(None))


@dataclass(frozen=True)
class ListShape:
    """Everything that shapes a list's SQL text; the other values are bound parameters.

    A list's statement is built from its shape alone, once per shape (list_statement), so that
    SQLAlchemy's compiled cache serves every request of the same shape.
    """

    dialect: str
    scope: str | int  # helpdesk.access.user_scope
    queue: str
    queue_owner: int | None  # the user ("mine") or the department ("department") of the queue
    status: str
    department_id: int | None
    channel_id: int | None
    kind: str
    districts: tuple[str, ...] | None  # known districts the district filter names (None: none)
    district_typed: bool  # the text as typed is matched too (it is not one of the known names)
    topics: tuple[tuple[str, ...], tuple[str, ...]] | None  # (topics, codes) the filter names
    date_from: bool
    date_to: bool
    due: str
    search: str  # helpdesk.tickets.search plan, "" without a search
    sort: str
    after: bool
    page_size: int


def _queue_condition(queue: str, owner: int | None):
    if queue == "triage":
        triage_dept = select(Department.id).where(Department.is_triage.is_(True))
        return and_(Ticket.status.in_(inline_list(OPEN_STATUSES)), or_(
            Ticket.status.in_(inline_list((TicketStatus.NEW, TicketStatus.TRIAGE))),
            Ticket.department_id.is_(None), Ticket.department_id.in_(triage_dept),
            escalated_open()))
    if queue == "mine":
        return Ticket.assignee_id == inline(owner)
    if queue == "department":
        return Ticket.department_id == inline(owner)
    return None


def _queue_owner(queue: str, user: User) -> int | None:
    return {"mine": user.id, "department": user.department_id}.get(queue)


def queue_condition(queue: str, user: User):
    """SQL: the ticket is in the user's queue (None: the queue is all they may see)."""
    return _queue_condition(queue, _queue_owner(queue, user))


def district_condition(wanted, known: list[str]):
    """The ticket's district is one of the `known` districts (those that the typed text names
    in part, any case: suggest.matching_districts), or exactly the text `wanted` as typed."""
    return _one_of(Ticket.district, wanted, known)


def topic_condition(wanted, topics: list[str], codes: list[str]):
    """The ticket's topic or classifier code is one of those `wanted` names in part, or `wanted`."""
    return or_(_one_of(Ticket.topic, wanted, topics), _one_of(Ticket.topic_code, wanted, codes))


def _one_of(column, typed, known: list[str]):
    # The known values come from the database (not from the request): written into the SQL.
    exact = column == typed
    return or_(exact, column.in_(inline_list(known))) if known else exact


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), MOSCOW).astimezone(timezone.utc)


def _conditions(shape: ListShape) -> list:
    """The WHERE conditions of a list's shape (values as named parameters, see list_values)."""
    conditions = [scope_condition(shape.scope), _queue_condition(shape.queue, shape.queue_owner)]
    if shape.status == "open":
        conditions.append(Ticket.status.in_(inline_list(OPEN_STATUSES)))
    elif shape.status == IN_DEPARTMENT:
        conditions += [Ticket.status == inline(TicketStatus.ASSIGNED.value),
                       Ticket.assignee_id.is_(None)]
    elif shape.status:
        conditions.append(Ticket.status == inline(shape.status))
        if shape.status == TicketStatus.ASSIGNED:
            conditions.append(Ticket.assignee_id.is_not(None))
    if shape.department_id:
        conditions.append(Ticket.department_id == inline(shape.department_id))
    if shape.channel_id:
        conditions.append(Ticket.channel_id == inline(shape.channel_id))
    if shape.kind:
        conditions.append(Ticket.kind == inline(shape.kind))
    if shape.districts is not None:
        if shape.district_typed:
            conditions.append(district_condition(param("district", String), list(shape.districts)))
        else:  # the typed text is a known district: one list of names (a plain index lookup)
            conditions.append(Ticket.district.in_(inline_list(shape.districts)))
    if shape.topics is not None:
        conditions.append(topic_condition(param("topic", String), *map(list, shape.topics)))
    if shape.date_from:
        conditions.append(Ticket.received_at >= param("date_from", UTCDateTime))
    if shape.date_to:
        conditions.append(Ticket.received_at < param("date_to", UTCDateTime))
    if shape.due == "overdue":  # the far-future key of stopped clocks never matches
        conditions.append(due_key_sql(shape.dialect) <= param("now", UTCDateTime))
    elif shape.due == "soon":
        conditions.append(and_(due_key_sql(shape.dialect) > param("now", UTCDateTime),
                               due_key_sql(shape.dialect) <= param("soon", UTCDateTime)))
    if shape.search:
        conditions.append(search_clause(shape.search))
    return [c for c in conditions if c is not None]


def _sort_spec(sort: str, dialect: str):
    """(key expression, descending?) for a sort name."""
    if sort == "old":
        return Ticket.received_at, False
    if sort == "due":
        return due_key_sql(dialect), False
    if sort == "activity":
        return Ticket.last_message_at, True
    return Ticket.received_at, True


@lru_cache(maxsize=512)
def list_statement(shape: ListShape) -> Select:
    """The compiled SELECT of a list's page (one row more than the page: is there a next?)."""
    key, descending = _sort_spec(shape.sort, shape.dialect)
    query = list_select(shape.dialect).where(*_conditions(shape))
    if shape.after:
        bound = tuple_(param("after_key", UTCDateTime), param("after_id", Integer))
        row = tuple_(key, Ticket.id)
        query = query.where(row < bound if descending else row > bound)
    order = (key.desc(), Ticket.id.desc()) if descending else (key.asc(), Ticket.id.asc())
    return query.order_by(*order).limit(inline(shape.page_size + 1))


def list_query(user: User, filters: ListFilters, now: datetime, soon_before: datetime,
               page_size: int = PAGE_SIZE) -> tuple[ListShape, dict, list[str]]:
    """The shape of a list request and the values of its parameters (and filter errors)."""
    errors: list[str] = []
    dialect = db.engine.dialect.name
    values: dict = {}
    districts = topics = None
    district_typed = False
    if filters.district:
        districts = tuple(suggest.matching_districts(filters.district))
        district_typed = filters.district not in districts
        if district_typed:
            values["district"] = filters.district
    if filters.topic:
        topics = tuple(map(tuple, suggest.matching_topics(filters.topic)))
        values["topic"] = filters.topic
    if filters.date_from:
        values["date_from"] = _local_midnight_utc(filters.date_from)
    if filters.date_to:
        values["date_to"] = _local_midnight_utc(filters.date_to + timedelta(days=1))
    if filters.due in ("overdue", "soon"):
        values["now"] = now
    if filters.due == "soon":
        values["soon"] = soon_before
    plan = ""
    if filters.q:
        plan, values["search_terms"] = search_plan(filters.q)
    after = False
    if filters.after:
        try:
            values["after_key"], values["after_id"] = decode_cursor(filters.after)
            after = True
        except FilterError as exc:
            errors.append(str(exc))
    shape = ListShape(
        dialect=dialect, scope=user_scope(user), queue=filters.queue,
        queue_owner=_queue_owner(filters.queue, user), status=filters.status,
        department_id=filters.department_id, channel_id=filters.channel_id, kind=filters.kind,
        districts=districts, district_typed=district_typed, topics=topics, date_from=bool(filters.date_from),
        date_to=bool(filters.date_to), due=filters.due if filters.due in ("overdue", "soon") else "",
        search=plan, sort=filters.sort, after=after, page_size=page_size)
    return shape, values, errors


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
    """One page of tickets after the cursor, newest (or as sorted) first.

    Only what a list row shows, as plain rows (helpdesk.tickets.list_rows), by a statement built once
    for the request's shape."""
    shape, values, errors = list_query(user, filters, now, soon_before, page_size)
    rows = list_rows(db.session.execute(list_statement(shape), values))
    page = Page(tickets=rows[:page_size])
    if len(rows) > page_size:
        last = rows[page_size - 1]
        page.next_after = encode_cursor(_sort_value(last, filters.sort), last.id)
    return page, errors


def rows_among(user: User, filters: ListFilters, ticket_ids: list[int], now: datetime,
               soon_before: datetime) -> list[TicketRow]:
    """Those of `ticket_ids` that the list with `filters` shows the user, on any of its pages
    (the live desk's changed rows)."""
    shape, values, _ = list_query(user, replace(filters, after=""), now, soon_before)
    query = list_statement(shape).where(Ticket.id.in_(ticket_ids)).limit(None)
    return list_rows(db.session.execute(query, values))


def next_page_filters(filters: ListFilters, cursor: str) -> ListFilters:
    """The same filters positioned after `cursor`."""
    return replace(filters, after=cursor)
