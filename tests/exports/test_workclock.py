"""The memoised clock gives exactly the calendar's working minutes."""
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from helpdesk.deadlines.calendar import DayKind, DayOverride, default_calendar
from helpdesk.exports.workclock import WorkingClock

CALENDAR = default_calendar([DayOverride(date(2026, 11, 6), DayKind.HOLIDAY, "День Конституции РТ"),
                             DayOverride(date(2026, 8, 30), DayKind.HOLIDAY, "День Республики")])


@pytest.mark.parametrize("seed", range(4))
def test_same_minutes_as_the_calendar(seed):
    rnd = random.Random(seed)
    clock = WorkingClock(CALENDAR)
    base = datetime(2025, 12, 20, tzinfo=timezone.utc)
    for _ in range(400):
        a = base + timedelta(seconds=rnd.randint(0, 400 * 86400), microseconds=rnd.randint(0, 999999))
        b = a + timedelta(seconds=rnd.randint(-20 * 86400, 40 * 86400))
        assert clock.working_minutes_between(a, b) == CALENDAR.working_minutes_between(a, b), (a, b)


def test_weekend_and_holidays_by_hand():
    clock = WorkingClock(CALENDAR)
    msk = timezone(timedelta(hours=3))
    # Fri 16:30 → Thu 10:15 across a weekend, a short eve and 4 November: 90+540+480+0+75.
    assert clock.working_minutes_between(datetime(2026, 10, 30, 16, 30, tzinfo=msk),
                                         datetime(2026, 11, 5, 10, 15, tzinfo=msk)) == 1185
    # Thu 05.11 is short (eve of the regional 6 November): 12:00–17:00, then Mon 30 minutes.
    assert clock.working_minutes_between(datetime(2026, 11, 5, 12, 0, tzinfo=msk),
                                         datetime(2026, 11, 9, 9, 30, tzinfo=msk)) == 330
    assert clock.working_minutes_between(datetime(2026, 11, 9, 9, 30, tzinfo=msk),
                                         datetime(2026, 11, 5, 12, 0, tzinfo=msk)) == -330
