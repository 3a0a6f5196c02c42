"""Settings services: canned responses and deadline edits; flush and audit, the view commits."""
import re

from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.models.ticket import OPEN_STATUSES, Ticket
from helpdesk.models.types import utcnow
from helpdesk.errors import UserError


class SettingsError(UserError):
    """A settings value that cannot be saved (Russian message)."""


PLACEHOLDERS = ("name", "number", "due")
_ALLOWED = re.compile(r"\{(?:" + "|".join(PLACEHOLDERS) + r")\}")


def placeholder_error(body: str) -> str | None:
    """A Russian error when the text has braces other than {name}, {number}, {due}; else None."""
    rest = _ALLOWED.sub("", body or "")
    bad = re.findall(r"\{[^{}\s]{0,30}\}|[{}]", rest)
    if not bad:
        return None
    shown = ", ".join(dict.fromkeys(bad))
    return (f"Неизвестные подстановки или лишние фигурные скобки: {shown}. "
            "Допустимы только {name}, {number} и {due}")


def _minutes(hhmm: str) -> int:
    """«09:30» → 570; anything else → 0 (the store refuses it with its own message)."""
    hours, _, minutes = (hhmm or "").partition(":")
    return int(hours) * 60 + int(minutes) if hours.isdigit() and minutes.isdigit() else 0


def recompute_open_tickets(batch: int = 500) -> int:
    """Recompute the clocks of every open ticket after a policy or calendar change (flushes)."""
    now, count, last_id = utcnow(), 0, 0
    while True:
        rows = db.session.scalars(select(Ticket).where(
            Ticket.status.in_(OPEN_STATUSES), Ticket.id > last_id).order_by(Ticket.id).limit(batch)).all()
        if not rows:
            return count
        for ticket in rows:
            store.recompute(ticket, now)
        count += len(rows)
        last_id = rows[-1].id


def save_policy(actor, kind: str, params: dict) -> int:
    """Store a clock policy and recompute open tickets; returns how many were recomputed."""
    try:
        store.save_policy(kind, params)
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"Недопустимые значения: {exc}") from None
    count = recompute_open_tickets()
    record("deadline_policy_saved", actor=actor, object_type="deadline_policy", object_id=kind,
           details={**params, "recomputed": count})
    return count


MIN_DAY_MINUTES = 120  # a pre-holiday day is an hour shorter: a shorter day would go negative


def save_hours(actor, start: str, end: str) -> int:
    """Store the working hours and recompute open tickets."""
    minutes = _minutes(end) - _minutes(start)
    if 0 < minutes < MIN_DAY_MINUTES:
        raise SettingsError("Рабочий день должен быть не короче 2 часов: предпраздничный день "
                            "на час короче")
    try:
        store.save_working_hours(start, end)
    except ValueError as exc:
        raise SettingsError("Начало рабочего дня должно быть раньше окончания") from exc
    count = recompute_open_tickets()
    record("working_hours_saved", actor=actor, object_type="setting",
           object_id=store.HOURS_KEY, details={"start": start, "end": end, "recomputed": count})
    return count


def save_day(actor, day, kind: str, name: str, source: str, confirmed: bool) -> int:
    """Add or change a calendar day and recompute open tickets."""
    from helpdesk.settings.forms import MAX_YEAR, MIN_YEAR

    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise SettingsError(f"Дата должна быть в {MIN_YEAR}–{MAX_YEAR} годах")
    if kind == "short" and day.weekday() >= 5:
        raise SettingsError("Сокращённым бывает рабочий день, а это выходной. Если он перенесён "
                            "на рабочий, выберите «Рабочий день»")
    try:
        store.save_calendar_day(day, kind, name, source, confirmed)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    count = recompute_open_tickets()
    record("calendar_day_saved", actor=actor, object_type="calendar_day", object_id=day.isoformat(),
           details={"kind": kind, "name": name, "recomputed": count})
    return count


def delete_day(actor, day) -> int:
    """Remove a calendar day and recompute open tickets."""
    if not store.delete_calendar_day(day):
        raise SettingsError("Такого дня в календаре нет")
    count = recompute_open_tickets()
    record("calendar_day_deleted", actor=actor, object_type="calendar_day",
           object_id=day.isoformat(), details={"recomputed": count})
    return count
