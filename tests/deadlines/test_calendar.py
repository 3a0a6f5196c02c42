"""The working calendar: federal holidays and transfers, Tatarstan's days, hours."""
from datetime import date, timedelta, timezone

import pytest

from helpdesk.deadlines.calendar import DayKind, DayOverride, WorkingCalendar, federal_year
from tests.deadlines.helpers import RF, RT, msk, show

D = date.fromisoformat


@pytest.mark.parametrize("day, working, why", [
    # 2025 federal: New Year 1–8 January, transfers to 2 and 8 May, 13 June, 3 Nov, 31 Dec.
    ("2025-01-01", False, "New Year"),
    ("2025-01-08", False, "New Year holidays"),
    ("2025-01-09", True, "first working day"),
    ("2025-02-24", True, "23 Feb on a Sunday was moved to 8 May, not to Monday"),
    ("2025-03-10", True, "8 March on a Saturday was moved to 13 June"),
    ("2025-05-01", False, "Labour Day"),
    ("2025-05-02", False, "transfer from 4 January"),
    ("2025-05-05", True, "ordinary Monday"),
    ("2025-05-08", False, "transfer from 23 February"),
    ("2025-05-09", False, "Victory Day"),
    ("2025-06-12", False, "Russia Day"),
    ("2025-06-13", False, "transfer from 8 March"),
    ("2025-11-01", True, "Saturday made working by the transfer to 3 November"),
    ("2025-11-02", False, "Sunday"),
    ("2025-11-03", False, "transfer from 1 November"),
    ("2025-11-04", False, "Unity Day"),
    ("2025-12-30", True, "last working day of 2025"),
    ("2025-12-31", False, "transfer from 5 January"),
    # 2026 federal.
    ("2026-01-09", False, "transfer from 3 January"),
    ("2026-01-12", True, "first working day"),
    ("2026-02-23", False, "Defender of the Fatherland Day"),
    ("2026-03-09", False, "8 March on a Sunday moves to Monday"),
    ("2026-05-11", False, "9 May on a Saturday moves to Monday"),
    ("2026-06-12", False, "Russia Day"),
    ("2026-11-04", False, "Unity Day"),
    ("2026-12-31", False, "transfer from 4 January"),
    # Weekends.
    ("2026-04-04", False, "Saturday"),
    ("2026-04-05", False, "Sunday"),
    ("2026-04-06", True, "Monday"),
    # Tatarstan.
    ("2025-03-30", False, "Ураза-байрам on a Sunday"),
    ("2025-03-31", True, "no extra day off for a regional holiday on a weekend"),
    ("2025-06-06", False, "Курбан-байрам"),
    ("2025-08-30", False, "День Республики on a Saturday"),
    ("2025-09-01", True, "no extra day off for 30 August on a Saturday"),
    ("2025-11-06", False, "День Конституции РТ"),
    ("2026-03-20", False, "Ураза-байрам"),
    ("2026-05-27", False, "Курбан-байрам"),
    ("2026-08-31", True, "30 August 2026 is a Sunday: Monday works"),
    ("2026-11-06", False, "День Конституции РТ"),
])
def test_is_working_day(day, working, why):
    assert RT.is_working_day(D(day)) is working, why


@pytest.mark.parametrize("day", ["2025-06-06", "2025-11-06", "2026-03-20", "2026-05-27"])
def test_regional_days_are_working_days_federally(day):
    # Tatarstan's days come from data, not from the holidays package.
    assert RF.is_working_day(D(day))
    assert not RT.is_working_day(D(day))


@pytest.mark.parametrize("day, short", [
    ("2025-03-07", True),   # eve of 8 March (a Saturday)
    ("2025-04-30", True),   # eve of 1 May
    ("2025-05-07", False),  # eve of a transferred day off, not of a holiday
    ("2025-06-05", True),   # eve of Курбан-байрам
    ("2025-06-11", True),   # eve of Russia Day
    ("2025-08-29", True),   # eve of 30 August (a Saturday)
    ("2025-03-28", False),  # Friday before Ураза on a Sunday: the eve is a Saturday
    ("2025-11-01", True),   # working Saturday, shortened by the transfer decree
    ("2025-11-05", True),   # eve of 6 November
    ("2025-12-30", False),  # 31 December 2025 is a transferred day off
    ("2026-03-19", True),   # eve of Ураза-байрам
    ("2026-05-08", True),   # eve of Victory Day
    ("2026-05-26", True),   # eve of Курбан-байрам
    ("2026-11-03", True),   # eve of Unity Day
    ("2026-11-05", True),   # eve of 6 November
    ("2026-04-07", False),  # ordinary Tuesday
    ("2026-03-20", False),  # a holiday is not a short working day
])
def test_is_short_day(day, short):
    assert RT.is_short_day(D(day)) is short


@pytest.mark.parametrize("cal, year, days, hours", [
    # Published production calendar (40-hour week): 247 days / 1972 hours in both years.
    (RF, 2025, 247, 1972),
    (RF, 2026, 247, 1972),
    # Tatarstan: minus the regional days that fall on weekdays, minus their short eves.
    (RT, 2025, 245, 1953),
    (RT, 2026, 244, 1945),
])
def test_year_totals_match_production_calendar(cal, year, days, hours):
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    every = [first + timedelta(n) for n in range((after - first).days)]
    working = [d for d in every if cal.is_working_day(d)]
    # The norm counts 8 hours a day (9:00–18:00 holds a lunch hour), one less on a short day.
    norm = sum(7 if cal.is_short_day(d) else 8 for d in working)
    assert (len(working), norm) == (days, hours)


def test_federal_year_separates_holidays_from_transfers():
    fed = federal_year(2025)
    assert D("2025-11-01") in fed.weekend_workdays
    assert D("2025-05-02") in fed.days_off and D("2025-05-02") not in fed.holidays_proper
    assert D("2025-05-09") in fed.holidays_proper


@pytest.mark.parametrize("day, expected", [
    ("2026-04-07", [("09:00", "18:00")]),
    ("2026-03-19", [("09:00", "17:00")]),
    ("2026-03-20", []),
    ("2026-04-04", []),
])
def test_working_intervals(day, expected):
    got = [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in RT.working_intervals(D(day))]
    assert got == expected


@pytest.mark.parametrize("start, hours, due", [
    ("2026-04-06 10:00", 8, "2026-04-06 18:00"),     # ends exactly at closing: same day
    ("2026-04-06 10:00", 8.5, "2026-04-07 09:30"),   # overnight
    ("2026-04-03 15:00", 8, "2026-04-06 14:00"),     # Friday over the weekend
    ("2026-04-04 12:00", 1, "2026-04-06 10:00"),     # received on Saturday
    ("2026-04-04 12:00", 0, "2026-04-06 09:00"),
    ("2026-04-06 07:00", 2, "2026-04-06 11:00"),     # before opening
    ("2026-04-06 20:00", 1, "2026-04-07 10:00"),     # after closing
    ("2026-03-19 12:00", 8, "2026-03-23 12:00"),     # short eve, Ураза, weekend
    ("2025-04-30 12:00", 8, "2025-05-05 12:00"),     # short eve of the May break
    ("2025-10-31 16:00", 8, "2025-11-01 15:00"),     # into the working Saturday (short)
    ("2025-12-30 14:00", 8, "2026-01-12 13:00"),     # over the New Year break
    ("2025-06-05 16:30", 1, "2025-06-09 09:30"),     # short day ends at 17:00; Курбан, weekend
])
def test_add_working_hours(start, hours, due):
    assert show(RT.add_working_hours(msk(start), hours)) == due


def test_add_working_hours_without_tatarstan_days():
    # The same start as the Ураза row above, on the federal calendar alone.
    assert show(RF.add_working_hours(msk("2026-03-19 12:00"), 8)) == "2026-03-20 11:00"


def test_add_working_hours_accepts_utc():
    start = msk("2026-04-06 10:00").astimezone(timezone.utc)
    assert show(RT.add_working_hours(start, 1)) == "2026-04-06 11:00"


@pytest.mark.parametrize("start, days, due", [
    ("2026-04-06 10:00", 7, "2026-04-15 18:00"),
    ("2025-04-28 10:00", 7, "2025-05-13 18:00"),     # over both May breaks
    ("2026-03-18 10:00", 1, "2026-03-19 17:00"),     # lands on the short eve of Ураза
    ("2026-03-19 10:00", 1, "2026-03-23 18:00"),     # skips Ураза and the weekend
    ("2025-10-30 10:00", 2, "2025-11-01 17:00"),     # the working Saturday counts
    ("2026-04-04 10:00", 0, "2026-04-06 18:00"),     # zero days from a Saturday
])
def test_add_working_days(start, days, due):
    assert show(RT.add_working_days(msk(start), days)) == due


@pytest.mark.parametrize("cal, a, b, minutes", [
    (RT, "2026-04-06 09:00", "2026-04-06 18:00", 540),
    (RT, "2026-04-03 17:00", "2026-04-06 10:00", 120),
    (RT, "2026-04-06 10:00", "2026-04-03 17:00", -120),
    (RT, "2025-12-30 17:00", "2026-01-12 10:00", 120),
    (RT, "2026-03-19 09:00", "2026-03-23 09:00", 480),   # short day, then Ураза
    (RF, "2026-03-19 09:00", "2026-03-23 09:00", 1080),  # two full federal working days
    (RT, "2026-04-04 09:00", "2026-04-05 18:00", 0),
])
def test_working_minutes_between(cal, a, b, minutes):
    assert cal.working_minutes_between(msk(a), msk(b)) == minutes


@pytest.mark.parametrize("day, rule, result", [
    ("2026-04-07", "preceding", "2026-04-07"),
    ("2026-04-07", "following", "2026-04-07"),
    ("2026-03-20", "preceding", "2026-03-19"),
    ("2026-03-20", "following", "2026-03-23"),
    ("2025-05-03", "preceding", "2025-04-30"),
    ("2025-05-03", "following", "2025-05-05"),
    ("2025-11-02", "preceding", "2025-11-01"),   # the working Saturday
    ("2025-11-02", "following", "2025-11-05"),
    ("2026-01-01", "preceding", "2025-12-30"),
    ("2026-01-01", "following", "2026-01-12"),
])
def test_shift_to_working_day(day, rule, result):
    assert RT.shift_to_working_day(D(day), rule) == D(result)


def test_admin_workday_override_beats_weekend_and_holiday():
    cal = WorkingCalendar(overrides=(
        DayOverride(D("2026-04-04"), DayKind.WORKDAY),
        DayOverride(D("2026-04-30"), DayKind.WORKDAY),  # cancels the automatic short eve
    ))
    assert cal.is_working_day(D("2026-04-04"))
    assert not cal.is_short_day(D("2026-04-30"))


@pytest.mark.parametrize("call", [
    lambda: RT.shift_to_working_day(D("2026-04-07"), "nearest"),
    lambda: RT.add_working_hours(msk("2026-04-06 10:00").replace(tzinfo=None), 1),
    lambda: RT.add_working_hours(msk("2026-04-06 10:00"), -1),
    lambda: WorkingCalendar(start=RT.end, end=RT.start),
])
def test_refuses_bad_input(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("day", ["2024-12-28", "2025-11-01", "2027-02-20"])
def test_transferred_working_saturdays_from_the_package(day):
    # No override at all: the working Saturday must come from the holidays package.
    assert WorkingCalendar().is_working_day(D(day))
    assert not WorkingCalendar().is_working_day(D(day) + timedelta(days=1))


def _minutes_walked(calendar: WorkingCalendar, a, b) -> int:
    """Working minutes from a to b by walking every day's periods (the reference)."""
    if b < a:
        return -_minutes_walked(calendar, b, a)
    lo, hi = calendar.local(a), calendar.local(b)
    total = timedelta()
    day = lo.date()
    while day <= hi.date():
        for begin, finish in calendar.working_intervals(day):
            overlap = min(finish, hi) - max(begin, lo)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return int(total.total_seconds() // 60)


def test_working_minutes_between_equals_the_day_by_day_walk():
    import random

    rng = random.Random(59)
    calendar = WorkingCalendar(overrides=(
        DayOverride(D("2026-08-31"), DayKind.HOLIDAY, "перенос"),
        DayOverride(D("2026-08-29"), DayKind.SHORT, "короткий"),
        DayOverride(D("2025-12-27"), DayKind.WORKDAY, "рабочая суббота")))
    start = msk("2024-12-20 00:00")
    for _ in range(400):
        a = start + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60), seconds=rng.randrange(60))
        b = a + timedelta(minutes=rng.choice((rng.randrange(-600, 600),
                                               rng.randrange(-90 * 1440, 400 * 1440))))
        assert calendar.working_minutes_between(a, b) == _minutes_walked(calendar, a, b), (a, b)
    # Across a whole year boundary and at the very edges of a working day.
    assert calendar.working_minutes_between(msk("2025-12-30 18:00"), msk("2026-01-12 09:00")) == 0
    assert calendar.working_minutes_between(msk("2026-01-12 09:00"), msk("2026-01-12 18:00")) == 540


def test_local_text_is_strftime_in_the_calendar_zone():
    calendar = WorkingCalendar()
    for moment in (msk("2026-01-01 00:00"), msk("2026-12-31 23:59"), msk("2025-03-07 09:05")):
        utc = moment.astimezone(timezone.utc)
        assert calendar.local_text(utc) == moment.strftime("%d.%m.%Y %H:%M")
        assert calendar.local_text(utc) == calendar.local_text(utc)  # kept: the same text
    with pytest.raises(ValueError, match="naive"):
        calendar.local_text(msk("2026-01-01 00:00").replace(tzinfo=None))
