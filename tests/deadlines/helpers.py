"""Calendars and time helpers shared by the deadline tests."""
from datetime import datetime
from zoneinfo import ZoneInfo

from helpdesk.deadlines.calendar import DayOverride, WorkingCalendar
from helpdesk.deadlines.tatarstan import FEDERAL_EXCEPTIONS, default_overrides

MSK = ZoneInfo("Europe/Moscow")

# Tatarstan: federal calendar plus the seeded regional days.
RT = WorkingCalendar(overrides=default_overrides())
# The federal calendar alone (with the 1 November 2025 shortened Saturday).
RF = WorkingCalendar(overrides=tuple(DayOverride(d, k, n) for d, k, n in FEDERAL_EXCEPTIONS))


def msk(text: str) -> datetime:
    """An aware Moscow datetime from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=MSK)


def show(moment: datetime) -> str:
    """A due time as Moscow 'YYYY-MM-DD HH:MM' (for readable tables)."""
    assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0, "not UTC"
    return moment.astimezone(MSK).strftime("%Y-%m-%d %H:%M")
