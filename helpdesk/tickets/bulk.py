"""Bulk actions on the tickets selected in a list: assign, route, change status, close.

Each selected ticket is a unit of its own inside the request's one transaction (a savepoint). It
is checked exactly as the single action on the ticket page checks it: the user must see it
(helpdesk.access), it must still be the version the list showed (helpdesk.tickets.concurrency),
and the action's own rules apply (the same helpdesk.tickets.lifecycle functions, which write the
ticket's audit row). A ticket that fails is rolled back alone and named with the reason; what
succeeded is kept, and the request commits once. One more audit row sums the bulk action up.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from helpdesk.access import restrict_to_user
from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.tickets import lifecycle
from helpdesk.tickets.concurrency import StaleVersion, check_version
from helpdesk.tickets.errors import TicketError
from helpdesk.util.ids import parse_id

ASSIGN, ROUTE, STATUS, CLOSE = "assign", "route", "status", "close"
ACTIONS = {ASSIGN: "Назначить исполнителя", ROUTE: "Передать в подразделение",
           STATUS: "Изменить статус", CLOSE: "Закрыть"}
DONE = {ASSIGN: "Исполнитель назначен", ROUTE: "Передано в подразделение",
        STATUS: "Статус изменён", CLOSE: "Закрыто"}
MAX_SELECTED = 200  # four pages of a list
NOBODY = "none"  # the assignee choice that takes the ticket from whoever has it

NO_ACCESS = "нет прав: обращение вам недоступно"
_NUMBER = re.compile(r"^\d{4}-\d{1,9}$")


@dataclass(frozen=True)
class Selected:
    """A ticket as the list showed it: its id, its version then and the number seen."""

    ticket_id: int
    version: str | None
    number: str = ""


@dataclass(frozen=True)
class BulkRequest:
    """What a person asked for: an action, its choice and the selected tickets."""

    action: str
    selected: tuple[Selected, ...]
    assignee: str = ""  # a user id, or NOBODY
    department_id: int | None = None
    status: str = ""
    result: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Skipped:
    """A selected ticket the action left as it was, and why."""

    ticket_id: int
    number: str
    reason: str

    def __str__(self) -> str:
        return f"№ {self.number} — {self.reason}" if self.number else f"обращение — {self.reason}"


@dataclass
class BulkOutcome:
    action: str
    done: list[str] = field(default_factory=list)  # numbers, in the order processed
    skipped: list[Skipped] = field(default_factory=list)


def parse_selection(values: list[str]) -> tuple[Selected, ...]:
    """The form's "id@version@number" values (each ticket once), or a TicketError."""
    selected: dict[int, Selected] = {}
    for value in values:
        ticket_id, _, rest = (value or "").partition("@")
        version, _, number = rest.partition("@")
        parsed = parse_id(ticket_id.strip())
        if parsed is None:
            raise TicketError("Неверный выбор обращений: обновите страницу и выберите снова")
        number = number.strip() if _NUMBER.match(number.strip()) else ""
        selected.setdefault(parsed, Selected(parsed, version.strip() or None, number))
    if not selected:
        raise TicketError("Выберите обращения в списке (флажки слева от номера)")
    if len(selected) > MAX_SELECTED:
        raise TicketError(f"За один раз — не больше {MAX_SELECTED} обращений")
    return tuple(selected.values())


def run(user: User, request: BulkRequest) -> BulkOutcome:
    """Apply the action to each selected ticket on its own (flushes; the caller commits)."""
    act = _operation(request)
    ids = sorted(s.ticket_id for s in request.selected)  # row locks always in one order
    tickets = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    visible = set(db.session.scalars(restrict_to_user(select(Ticket.id), user)
                                     .where(Ticket.id.in_(ids))))
    chosen = {s.ticket_id: s for s in request.selected}
    outcome = BulkOutcome(request.action)
    for ticket_id in ids:
        selected, ticket = chosen[ticket_id], tickets.get(ticket_id)
        if ticket is None or ticket_id not in visible:
            _refused(user, selected, ticket, outcome)
            continue
        reason = _apply(ticket, user, selected.version, act)
        if reason is None:
            outcome.done.append(ticket.number)
        else:
            outcome.skipped.append(Skipped(ticket_id, ticket.number, reason))
    _audit_summary(user, request, outcome)
    return outcome


def _apply(ticket: Ticket, user: User, version: str | None,
           act: Callable[[Ticket, User], None]) -> str | None:
    """Run the action on one ticket in a savepoint; None when done, else why it was skipped."""
    try:
        with db.session.begin_nested():
            check_version(ticket, version)
            act(ticket, user)
    except StaleVersion as exc:
        who = "изменён после того, как вы открыли список" if exc.user_id == user.id \
            else "изменён другим сотрудником"
        return f"{who} ({exc.what})"
    except TicketError as exc:
        return _as_reason(str(exc))
    return None


def _refused(user: User, selected: Selected, ticket: Ticket | None, outcome: BulkOutcome) -> None:
    """A ticket the user may not act on: named by the number the list showed them (nothing
    about it is read out), and an attempt on an existing one is audited as the single action's
    404 would be."""
    if ticket is not None:
        record("access_denied", actor=user, object_type="ticket", object_id=str(ticket.id),
               result="denied", details={"bulk": outcome.action})
    outcome.skipped.append(Skipped(selected.ticket_id, selected.number, NO_ACCESS))


def _as_reason(message: str) -> str:
    """A refusal as the tail of «№ … — reason»: its first letter small (unless an acronym)."""
    message = message.rstrip(".")
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        return message[0].lower() + message[1:]
    return message


def _operation(request: BulkRequest) -> Callable[[Ticket, User], None]:
    """The single action the bulk one repeats; a missing choice refuses the whole request."""
    action = request.action
    if action == ASSIGN:
        if not request.assignee:
            raise TicketError("Выберите исполнителя")
        assignee = None if request.assignee == NOBODY else parse_id(request.assignee)
        if assignee is None and request.assignee != NOBODY:
            raise TicketError("Выберите исполнителя")
        return lambda ticket, user: lifecycle.assign(ticket, user, assignee)
    if action == ROUTE:
        if request.department_id is None:
            raise TicketError("Выберите подразделение")
        return lambda ticket, user: lifecycle.reroute(ticket, user, request.department_id)
    if action == STATUS:
        if not request.status:
            raise TicketError("Выберите статус")
        return lambda ticket, user: lifecycle.change_status(ticket, user, request.status)
    if action == CLOSE:
        if not request.result:
            raise TicketError("Выберите результат рассмотрения")
        return lambda ticket, user: lifecycle.close(ticket, user, request.result, request.reason)
    raise TicketError("Выберите действие с выбранными обращениями")


def _audit_summary(user: User, request: BulkRequest, outcome: BulkOutcome) -> None:
    choice = {ASSIGN: {"assignee": request.assignee}, ROUTE: {"department": request.department_id},
              STATUS: {"status": request.status},
              CLOSE: {"result": request.result, "reason": request.reason or None}}[request.action]
    record("bulk_action", actor=user, object_type="tickets", object_id=request.action,
           details={"action": request.action, **choice, "done": outcome.done,
                    "skipped": [{"id": s.ticket_id, "reason": s.reason} for s in outcome.skipped]})
