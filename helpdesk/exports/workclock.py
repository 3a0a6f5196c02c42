"""Working minutes for many rows: the calendar's own arithmetic, memoised per local day.

`WorkingClock(calendar).working_minutes_between(a, b)` returns exactly what
`calendar.working_minutes_between(a, b)` returns (tests compare them), but in constant time:
each local day's working intervals and the working time before it are computed once.
"""
from datetime import date, datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)
_MINUTE_US = 60_000_000


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


class WorkingClock:
    """Prefix sums of working microseconds per local day of a WorkingCalendar."""

    def __init__(self, calendar):
        self.calendar = calendar
        self._zone = calendar.tz
        self._days: dict[date, tuple[int, tuple[tuple[int, int], ...]]] = {}
        self._first: date | None = None
        self._last: date | None = None

    def _intervals(self, day: date) -> tuple[tuple[int, int], ...]:
        return tuple((_us(b), _us(e)) for b, e in self.calendar.working_intervals(day))

    def day(self, day: date) -> tuple[int, tuple[tuple[int, int], ...]]:
        """(working µs before the local day, its working intervals in µs since the epoch)."""
        hit = self._days.get(day)
        if hit is not None:
            return hit
        if self._first is None:
            self._first = self._last = day
            self._days[day] = (0, self._intervals(day))
            return self._days[day]
        while day > self._last:  # extend forwards: cum(d+1) = cum(d) + work(d)
            cum, spans = self._days[self._last]
            self._last += timedelta(days=1)
            self._days[self._last] = (cum + sum(e - b for b, e in spans),
                                      self._intervals(self._last))
        while day < self._first:  # extend backwards: cum(d-1) = cum(d) - work(d-1)
            cum, _ = self._days[self._first]
            self._first -= timedelta(days=1)
            spans = self._intervals(self._first)
            self._days[self._first] = (cum - sum(e - b for b, e in spans), spans)
        return self._days[day]

    def working_us_until(self, moment: datetime) -> int:
        """Working microseconds from the clock's origin to `moment` (may be negative)."""
        cum, spans = self.day(moment.astimezone(self._zone).date())
        t = _us(moment)
        for begin, end in spans:
            if t > begin:
                cum += min(t, end) - begin
        return cum

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Working minutes from a to b (negative when b is before a), as the calendar counts."""
        if b < a:
            return -self.working_minutes_between(b, a)
        return (self.working_us_until(b) - self.working_us_until(a)) // _MINUTE_US
