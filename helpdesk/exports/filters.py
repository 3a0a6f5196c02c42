"""Export filters parsed from forms, the CLI and job parameters (one place, clear errors)."""
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

FORMATS = ("csv", "xlsx")
from helpdesk.util.dates import YEAR_MAX, YEAR_MIN, in_year_range  # noqa: F401  (re-exported)
from helpdesk.util.ids import parse_id
from helpdesk.errors import UserError
from helpdesk.models.ticket import KIND_LABELS
YEAR_ERROR = f"Год периода должен быть от {YEAR_MIN} до {YEAR_MAX}"


class ExportError(UserError):
    """Bad export parameters (a Russian message for the person)."""


@dataclass(frozen=True)
class ExportFilter:
    """A period of local dates (inclusive) and optional department, channel and ticket kind
    (message, appeal, comment)."""

    date_from: date
    date_to: date
    department_id: int | None = None
    channel_slug: str | None = None
    kind: str | None = None

    def bounds(self, tz: str = "Europe/Moscow") -> tuple[datetime, datetime]:
        """UTC [start, end) of the period."""
        zone = ZoneInfo(tz)
        start = datetime.combine(self.date_from, time(0), zone).astimezone(timezone.utc)
        end = datetime.combine(self.date_to + timedelta(days=1), time(0), zone)
        return start, end.astimezone(timezone.utc)

    def to_params(self) -> dict:
        """JSON-ready parameters (for audit details and export jobs)."""
        data = asdict(self)
        data["date_from"], data["date_to"] = self.date_from.isoformat(), self.date_to.isoformat()
        data["ticket_kind"] = data.pop("kind")  # the name the forms and jobs use
        return {k: v for k, v in data.items() if v is not None}



def parse_filter(date_from: str | None, date_to: str | None, department: str | int | None = None,
                 channel: str | None = None, kind: str | None = None) -> ExportFilter:
    """Validate raw values into an ExportFilter or raise ExportError."""
    try:
        start = date.fromisoformat(str(date_from or "").strip())
        end = date.fromisoformat(str(date_to or "").strip())
    except ValueError:
        raise ExportError("Укажите даты периода в формате ГГГГ-ММ-ДД") from None
    if not (in_year_range(start) and in_year_range(end)):
        raise ExportError(YEAR_ERROR)
    if end < start:
        raise ExportError("Дата окончания периода раньше даты начала")
    dept_id = None
    if department not in (None, ""):
        dept_id = parse_id(department)
        if dept_id is None:
            raise ExportError("Неверный идентификатор подразделения")
    slug = (channel or "").strip() or None
    kind = (kind or "").strip() or None
    if kind is not None and kind not in KIND_LABELS:
        raise ExportError("Неизвестный вид: выберите сообщение, обращение или комментарий")
    return ExportFilter(start, end, dept_id, slug, kind)


def parse_format(fmt: str | None) -> str:
    """'csv' or 'xlsx', else ExportError."""
    fmt = (fmt or "").strip().lower()
    if fmt not in FORMATS:
        raise ExportError("Формат выгрузки: csv или xlsx")
    return fmt


def parse_month(value: str | None) -> tuple[date, date]:
    """'YYYY-MM' → (first day, last day) or ExportError."""
    try:
        year, month = (int(p) for p in str(value or "").strip().split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        raise ExportError("Укажите месяц в формате ГГГГ-ММ") from None
    if not in_year_range(first):
        raise ExportError(YEAR_ERROR)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last
