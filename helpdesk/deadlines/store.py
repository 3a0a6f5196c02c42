"""The database side of deadlines: load policies and the calendar, seed, edit, recompute.

The only module of the package that touches the app's database. Loads are cached per
process; every edit through this module bumps a version stamp (a setting) and clears this
process's copy at once. Other worker processes read the stamp at most once every
VERSION_CHECK_SECONDS, so an edit reaches them within that time while a request that only
shows deadlines sends no query for them.
"""
from __future__ import annotations

import threading
import time as clock
import weakref
from datetime import date, datetime, time

from sqlalchemy import event, select

from helpdesk.deadlines.calendar import DayKind, DayOverride, WorkingCalendar
from helpdesk.deadlines.clocks import Clocks, compute_due, extension_days_of
from helpdesk.deadlines.policy import (POLICY_CLASSES, AppealPolicy, CommentPolicy, MessagePolicy,
                                       Policies)
from helpdesk.deadlines.tatarstan import regional_days
from helpdesk.extensions import db
from helpdesk.models.deadlines import CALENDAR_DAY_KINDS, CalendarDay, DeadlinePolicyRow
from helpdesk.models.setting import get_setting, set_setting
from helpdesk.models.types import utcnow

HOURS_KEY = "deadlines.working_hours"
VERSION_KEY = "deadlines.version"
DEFAULT_HOURS = {"start": "09:00", "end": "18:00", "timezone": "Europe/Moscow"}

VERSION_CHECK_SECONDS = 5.0

_lock = threading.Lock()
# engine → (version, checked at (monotonic), Policies, WorkingCalendar). Keyed by the engine
# itself: writing its URL out as the key took longer than the rest of a cached load.
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def invalidate() -> None:
    """Forget the cached policies and calendar of this process."""
    with _lock:
        _cache.clear()


def _bump_version() -> None:
    set_setting(VERSION_KEY, int(get_setting(VERSION_KEY, 0) or 0) + 1)
    invalidate()


# Edits made straight on the models (an admin form, a shell) still clear this process's cache.
for _model in (CalendarDay, DeadlinePolicyRow):
    for _name in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _name, lambda *args: invalidate())


def _parse_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _load() -> tuple[Policies, WorkingCalendar]:
    key = db.engine
    with _lock:
        hit = _cache.get(key)
    checked = clock.monotonic()
    if hit is not None and checked - hit[1] < VERSION_CHECK_SECONDS:
        return hit[2], hit[3]
    version = get_setting(VERSION_KEY, 0)
    if hit is not None and hit[0] == version:
        with _lock:
            _cache[key] = (version, checked, hit[2], hit[3])
        return hit[2], hit[3]
    rows = {r.kind: r.params for r in db.session.scalars(select(DeadlinePolicyRow))}
    policies = Policies(message=MessagePolicy.from_params(rows.get("message")),
                        appeal=AppealPolicy.from_params(rows.get("appeal")),
                        comment=CommentPolicy.from_params(rows.get("comment")))
    hours = {**DEFAULT_HOURS, **(get_setting(HOURS_KEY) or {})}
    overrides = tuple(
        DayOverride(d.day, DayKind(d.kind), d.name, d.source)
        for d in db.session.scalars(select(CalendarDay).order_by(CalendarDay.day))
    )
    calendar = WorkingCalendar(start=_parse_time(hours["start"]), end=_parse_time(hours["end"]),
                               tz_name=hours["timezone"], overrides=overrides)
    with _lock:
        _cache[key] = (version, checked, policies, calendar)
    return policies, calendar


def load_policies() -> Policies:
    """Both clock policies as stored (defaults for a missing row)."""
    return _load()[0]


def load_calendar() -> WorkingCalendar:
    """The working calendar: stored hours plus the admin-editable days table."""
    return _load()[1]


# --- edits (flush only; the caller commits) ---------------------------------------------

def save_policy(kind: str, params: dict) -> None:
    """Validate and store a policy's parameters."""
    cls = POLICY_CLASSES[kind]
    clean = cls.from_params(params).to_params()  # raises ValueError on bad values
    row = db.session.scalar(select(DeadlinePolicyRow).where(DeadlinePolicyRow.kind == kind))
    if row is None:
        db.session.add(DeadlinePolicyRow(kind=kind, params=clean))
    else:
        row.params = clean
    db.session.flush()
    _bump_version()


def save_working_hours(start: str, end: str, timezone: str = "Europe/Moscow") -> None:
    """Store the working hours ("HH:MM"), refusing an empty or reversed day."""
    WorkingCalendar(start=_parse_time(start), end=_parse_time(end), tz_name=timezone)
    set_setting(HOURS_KEY, {"start": start, "end": end, "timezone": timezone})
    _bump_version()


def save_calendar_day(day: date, kind: str, name: str = "", source: str = "",
                      confirmed: bool = True) -> CalendarDay:
    """Add or change one special day of the calendar."""
    if kind not in CALENDAR_DAY_KINDS:
        raise ValueError(f"unknown calendar day kind: {kind!r}")
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if row is None:
        row = CalendarDay(day=day)
        db.session.add(row)
    row.kind, row.name, row.source, row.confirmed = kind, name, source, confirmed
    db.session.flush()
    _bump_version()
    return row


def delete_calendar_day(day: date) -> bool:
    """Remove a special day; True when there was one."""
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    _bump_version()
    return True


def seed_defaults() -> int:
    """Create missing policies, hours and Tatarstan's days 2025–2027; returns rows added."""
    added = 0
    existing = set(db.session.scalars(select(DeadlinePolicyRow.kind)))
    for kind, cls in POLICY_CLASSES.items():
        if kind not in existing:
            db.session.add(DeadlinePolicyRow(kind=kind, params=cls().to_params()))
            added += 1
    if get_setting(HOURS_KEY) is None:
        set_setting(HOURS_KEY, dict(DEFAULT_HOURS))
    # Never overwrite a day an administrator has already edited, nor bring back an estimate
    # once the year already has a day of that name (moved to the decree's date, say).
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.name)).all()
    known = {day for day, _ in rows}
    named = {(day.year, name) for day, name in rows}
    for override, confirmed in regional_days():
        if override.day not in known and (override.day.year, override.name) not in named:
            db.session.add(CalendarDay(day=override.day, kind=str(override.kind),
                                       name=override.name, source=override.source,
                                       confirmed=confirmed))
            added += 1
    db.session.flush()
    _bump_version()
    return added


# --- tickets ----------------------------------------------------------------------------

def recompute(ticket, now: datetime | None = None, extended_days: int | None = None) -> Clocks:
    """Set the ticket's due-time fields from its times, the policies and the calendar.

    `extended_days` sets or changes an extension; None keeps the one the ticket already has
    (read back from extended_until). A reopened ticket's clocks run from the message that
    reopened it (reopened_at), not from its first message. Flushes; the caller commits.
    """
    policies, calendar = _load()
    received = ticket.reopened_at or ticket.received_at or now or utcnow()
    if extended_days is None:
        extended_days = 0
        if ticket.extended_until is not None and ticket.registered_at is not None:
            extended_days = extension_days_of(ticket.registered_at, ticket.extended_until,
                                              policies.appeal, calendar)
    clocks = compute_due(str(ticket.kind or "message"), received, ticket.registered_at,
                         extended_days, policies, calendar)
    for name, value in clocks.as_dict().items():
        setattr(ticket, name, value)
    db.session.flush()
    return clocks
