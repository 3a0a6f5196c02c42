"""List filters: what a list request may ask for, validated (bad values reported, never a 500)."""
from dataclasses import dataclass
from datetime import date

from helpdesk.util.dates import DayError, typed_day
from helpdesk.util.ids import parse_id
from helpdesk.models.ticket import TicketKind, TicketStatus
from helpdesk.models.user import Role, User
from helpdesk.tickets.search import SearchError, clean_query
from helpdesk.errors import UserError

QUEUE_LABELS = {"triage": "Требует разбора", "mine": "Мои", "department": "Мой отдел",
                "all": "Все"}
SORT_LABELS = {"new": "Сначала новые", "old": "Сначала старые", "due": "По сроку",
               "activity": "По последнему сообщению"}
DUE_LABELS = {"": "Любой срок", "soon": "Срок истекает", "overdue": "Просрочено"}
# Status filter for «assigned, nobody has taken it» (shown «В подразделении»); the "assigned"
# filter then means «В работе»: assigned to someone.
IN_DEPARTMENT = "in_department"


class FilterError(UserError):
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


def queues_for(user: User) -> list[str]:
    """The queue keys a role may open, in menu order."""
    if user.role in (Role.PRESS, Role.ADMIN, Role.AUDITOR):
        queues = ["triage", "mine"] if user.can_write else ["triage"]
        return queues + (["department"] if user.department_id else []) + ["all"]
    return ["mine", "department"]


def default_queue(user: User) -> str:
    """Press staff start in triage, specialists in their department's queue, others in all."""
    return {Role.PRESS: "triage", Role.SPECIALIST: "department"}.get(user.role, "all")


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    number = parse_id(value)
    if number is None:
        raise FilterError(f"Неверное значение фильтра «{name}»")
    return number


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
    for key, label in (("date_from", "С"), ("date_to", "По")):
        try:
            values[key] = typed_day(args.get(key), label)
        except DayError as exc:
            errors.append(str(exc))
    if values.get("date_from") and values.get("date_to") and values["date_to"] < values["date_from"]:
        errors.append("Дата «По» раньше даты «С»: исправьте период")
        values["date_from"] = values["date_to"] = None
    values["district"] = (args.get("district") or "").strip()[:100]
    values["topic"] = (args.get("topic") or "").strip()[:300]
    try:
        values["q"] = clean_query(args.get("q"))
    except SearchError as exc:
        errors.append(str(exc))
    values["after"] = args.get("after", "")[:200]
    return ListFilters(**values), errors
