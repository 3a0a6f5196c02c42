"""The working calendar: federal holidays and transfers, Tatarstan's days, working hours.

Pure code: no Flask, no database. The federal part comes from the `holidays` package
(country RU), which models the Government's yearly transfers as substituted days off plus
`weekend_workdays` (Saturdays made working, e.g. 1 November 2025). Tatarstan's days and any
correction an administrator makes come in as `DayOverride` data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

MOSCOW = "Europe/Moscow"
# A safety net for loops that walk day by day: no real calendar has a longer run of days off.
_MAX_DAYS_WITHOUT_WORK = 60
_MINUTE = timedelta(minutes=1)
# Moments whose working time since the start of their year is kept (a few pages' worth).
_MOMENTS_KEPT = 4096


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a non-working holiday (regional day, or a correction)
    WORKDAY = "workday"  # a full working day, even on a weekend or a federal day off
    SHORT = "short"  # a working day one hour shorter (pre-holiday)


@dataclass(frozen=True)
class DayOverride:
    """One day the calendar treats specially (a row of the admin-editable table)."""

    day: date
    kind: DayKind
    name: str = ""
    source: str = ""


@dataclass(frozen=True)
class FederalYear:
    """The federal calendar of one year as the `holidays` package gives it."""

    days_off: frozenset[date]  # holidays (ст. 112 ТК РФ), their observed days and transfers
    holidays_proper: frozenset[date]  # the holidays themselves: their eve is shortened
    weekend_workdays: frozenset[date]  # Saturdays/Sundays made working by a transfer
    names: tuple[tuple[date, str], ...]


@lru_cache(maxsize=64)
def federal_year(year: int) -> FederalYear:
    """The Russian federal holidays, transfers and working weekends of a year (cached)."""
    full = holidays.RU(years=year, categories=("public",), language="ru")
    # observed=False drops "(выходной)" moves; substituted days off are listed separately in
    # special_public_holidays as (to_month, to_day, from_month, from_day).
    proper = holidays.RU(years=year, observed=False, language="ru")
    substituted = {
        date(year, item[0], item[1])
        for item in full.special_public_holidays.get(year, ())
        if len(item) == 4 and all(isinstance(x, int) for x in item)
    }
    return FederalYear(
        days_off=frozenset(full.keys()),
        holidays_proper=frozenset(d for d in proper.keys() if d not in substituted),
        weekend_workdays=frozenset(d for d in full.weekend_workdays if d.year == year),
        names=tuple(sorted((d, str(n)) for d, n in full.items())),
    )


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and hours in one time zone; all arithmetic methods are pure."""

    start: time = time(9, 0)
    end: time = time(18, 0)
    tz_name: str = MOSCOW
    weekend: frozenset[int] = frozenset({5, 6})  # Saturday, Sunday
    overrides: tuple[DayOverride, ...] = ()
    # Derived lookups, built in __post_init__ (frozen: set via object.__setattr__). The
    # calendar never changes once built, so each day's working periods are kept once computed:
    # lists walk the same few days for every row.
    _by_day: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _intervals: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _worked: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _prefix: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _before: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _texts: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _tz: ZoneInfo | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not self.start < self.end:
            raise ValueError("working hours must start before they end")
        object.__setattr__(self, "_by_day", {o.day: o for o in self.overrides})
        object.__setattr__(self, "_intervals", {})
        object.__setattr__(self, "_worked", {})
        object.__setattr__(self, "_prefix", {})
        object.__setattr__(self, "_before", {})
        object.__setattr__(self, "_texts", {})
        object.__setattr__(self, "_tz", ZoneInfo(self.tz_name))

    @property
    def tz(self) -> ZoneInfo:
        """The calendar's time zone."""
        return self._tz

    # --- days -------------------------------------------------------------------------

    def override(self, day: date) -> DayOverride | None:
        """The admin-table entry for a day, if any."""
        return self._by_day.get(day)

    def is_holiday(self, day: date) -> bool:
        """True when the day is a holiday proper (federal or regional), not a mere day off."""
        o = self.override(day)
        if o is not None and o.kind == DayKind.HOLIDAY:
            return True
        if o is not None:
            return False
        return day in federal_year(day.year).holidays_proper

    def is_working_day(self, day: date) -> bool:
        """True when people work on that date."""
        o = self.override(day)
        if o is not None:
            # A regional holiday on a weekend changes nothing (no extra day off under
            # Tatarstan law), which this gives for free: the weekend is already off.
            return o.kind != DayKind.HOLIDAY
        fed = federal_year(day.year)
        if day in fed.weekend_workdays:
            return True
        if day in fed.days_off:
            return False
        return day.weekday() not in self.weekend

    def is_short_day(self, day: date) -> bool:
        """True for a working day shortened by one hour (ст. 95 ТК РФ)."""
        if not self.is_working_day(day):
            return False
        o = self.override(day)
        if o is not None:
            return o.kind == DayKind.SHORT
        # The eve of a holiday proper is short, the eve of a transferred day off is not
        # (2025: 7 March short, 7 May and 30 December full). Exceptions go in the table.
        return self.is_holiday(day + timedelta(days=1))

    def day_name(self, day: date) -> str:
        """A human name for a special day ('' for an ordinary one)."""
        o = self.override(day)
        if o is not None:
            return o.name
        return dict(federal_year(day.year).names).get(day, "")

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of a day as aware local datetimes (empty on a day off)."""
        known = self._intervals.get(day)
        if known is None:
            known = self._intervals[day] = tuple(self._compute_intervals(day))
        return list(known)

    def _compute_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        begin = datetime.combine(day, self.start, self.tz)
        finish = datetime.combine(day, self.end, self.tz)
        if self.is_short_day(day):
            finish -= timedelta(hours=1)
        return [(begin, finish)]

    def end_of_working_day(self, day: date) -> datetime:
        """When work ends on a working day, in UTC."""
        intervals = self.working_intervals(day)
        if not intervals:
            raise ValueError(f"{day} is not a working day")
        return intervals[-1][1].astimezone(timezone.utc)

    def shift_to_working_day(self, day: date, rule: str = "preceding") -> date:
        """The day itself if working, else the preceding or following working day."""
        if rule not in ("preceding", "following"):
            raise ValueError(f"unknown last-day rule: {rule!r}")
        step = timedelta(days=-1 if rule == "preceding" else 1)
        for _ in range(_MAX_DAYS_WITHOUT_WORK):
            if self.is_working_day(day):
                return day
            day += step
        raise ValueError("no working day found near the given date")

    # --- time arithmetic ---------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """An aware datetime in the calendar's zone (naive input is refused)."""
        if moment.tzinfo is None:
            raise ValueError("naive datetime given to the working calendar")
        return moment.astimezone(self.tz)

    def local_text(self, moment: datetime) -> str:
        """«ДД.ММ.ГГГГ ЧЧ:ММ» in the calendar's zone, as strftime("%d.%m.%Y %H:%M") writes it.

        Kept per moment (lists show the same due times on every view), a third of strftime's
        cost when it is not."""
        text = self._texts.get(moment)
        if text is None:
            local = self.local(moment)
            text = "%02d.%02d.%d %02d:%02d" % (local.day, local.month, local.year, local.hour,
                                                local.minute)
            if len(self._texts) >= _MOMENTS_KEPT:
                self._texts.clear()
            self._texts[moment] = text
        return text

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment when `hours` of working time have passed after `start` (UTC)."""
        if hours < 0:
            raise ValueError("hours must not be negative")
        remaining = timedelta(hours=hours)
        cursor = self.local(start)
        day = cursor.date()
        idle = 0
        while True:
            intervals = self.working_intervals(day)
            idle = 0 if intervals else idle + 1
            if idle > _MAX_DAYS_WITHOUT_WORK:
                raise ValueError("calendar has no working time ahead")
            for begin, finish in intervals:
                begin = max(begin, cursor)
                if begin >= finish:
                    continue
                # Zero hours from before opening still lands on the opening moment.
                if begin + remaining <= finish:
                    return (begin + remaining).astimezone(timezone.utc)
                remaining -= finish - begin
            day += timedelta(days=1)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end of the `days`-th working day after the day of `start` (UTC).

        As with statutory terms, counting begins the day after the event; zero days gives the
        end of the current working day (or of the next one when `start` is a day off).
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = self.local(start).date()
        if days == 0:
            return self.end_of_working_day(self.shift_to_working_day(day, "following"))
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return self.end_of_working_day(day)

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Working minutes from a to b (negative when b is before a)."""
        if b < a:
            return -self.working_minutes_between(b, a)
        year_a, before_a = self._worked_in_year_before(a)
        year_b, before_b = self._worked_in_year_before(b)
        total = before_b - before_a
        for year in range(year_a, year_b):  # whole years in between (b is in a later year)
            total += self._year_prefix(year)[-1]
        return total // _MINUTE

    def _worked_in_year_before(self, moment: datetime) -> tuple[int, timedelta]:
        """(year, working time from the start of that local year until `moment`).

        Kept per moment: a list asks for the same "now" and the same due times row after row."""
        known = self._before.get(moment)
        if known is None:
            local = self.local(moment)
            day = local.date()
            worked = self._year_prefix(day.year)[day.toordinal() - date(day.year, 1, 1).toordinal()]
            for begin, finish in self._intervals.get(day) or self.working_intervals(day):
                if local > begin:
                    worked += min(local, finish) - begin
            if len(self._before) >= _MOMENTS_KEPT:
                self._before.clear()
            known = self._before[moment] = (day.year, worked)
        return known

    def _year_prefix(self, year: int) -> list[timedelta]:
        """Working time of the year before each of its days (the last item: the whole year)."""
        prefix = self._prefix.get(year)
        if prefix is None:
            first = date(year, 1, 1)
            days = (date(year, 12, 31) - first).days + 1
            run = timedelta()
            prefix = [run]
            for offset in range(days):
                run += self._worked_on(first + timedelta(days=offset))
                prefix.append(run)
            self._prefix[year] = prefix
        return prefix

    def _worked_on(self, day: date) -> timedelta:
        worked = self._worked.get(day)
        if worked is None:
            worked = self._worked[day] = sum(
                (finish - begin for begin, finish in self.working_intervals(day)), timedelta())
        return worked


def federal_days(year: int, calendar: WorkingCalendar) -> list[tuple[date, str, str]]:
    """The federal part of a year as the calendar applies it, for people to check:
    (day, what it is, name) for days off, weekends made working and shortened eves.
    Days the admin table overrides are left out: the table lists them itself."""
    fed = federal_year(year)
    names = dict(fed.names)
    rows = [(day, "Нерабочий день", names.get(day, "")) for day in fed.days_off]
    rows += [(day, "Рабочий выходной (перенос)", "") for day in fed.weekend_workdays]
    rows += [(day - timedelta(days=1), "Сокращённый на час", f"канун: {names.get(day, '')}")
             for day in fed.holidays_proper if calendar.is_short_day(day - timedelta(days=1))]
    return sorted(row for row in rows if row[0].year == year and calendar.override(row[0]) is None)


def default_calendar(overrides=()) -> WorkingCalendar:
    """A 9:00–18:00 Moscow calendar with the given overrides."""
    return WorkingCalendar(overrides=tuple(overrides))
