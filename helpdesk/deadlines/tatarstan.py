"""Tatarstan's own non-working days and known production-calendar exceptions, as seed data.

Fixed days come from the Tatarstan law on holidays: 30 August (День Республики) and
6 November (День Конституции РТ). Ураза-байрам and Курбан-байрам are set each year by a decree
of the Раис, so each year is data an administrator confirms; unconfirmed rows are estimates
from the lunar calendar and must be checked against the decree.
"""
from datetime import date

from helpdesk.deadlines.calendar import DayKind, DayOverride

REGION = "РТ"
FEDERAL = "РФ"

# (date, name, confirmed by decree)
RELIGIOUS_DAYS = (
    (date(2025, 3, 30), "Ураза-байрам", True),  # a Sunday: no extra day off
    (date(2025, 6, 6), "Курбан-байрам", True),
    (date(2026, 3, 20), "Ураза-байрам", True),
    (date(2026, 5, 27), "Курбан-байрам", True),
    # 2027: no decree yet; astronomical estimates (1 Shawwal / 10 Dhu al-Hijja 1448).
    (date(2027, 3, 9), "Ураза-байрам", False),
    (date(2027, 5, 16), "Курбан-байрам", False),
)

# The `holidays` package knows days off, not shortened days. Where the production calendar
# departs from the "eve of a holiday" rule it is recorded here (1 November 2025, a working
# Saturday before the 2–4 November break, was shortened by the transfer decree).
FEDERAL_EXCEPTIONS = (
    (date(2025, 11, 1), DayKind.SHORT, "Сокращённый рабочий день (перенос)"),
)


def regional_days(years=range(2025, 2028)) -> list[tuple[DayOverride, bool]]:
    """Seed rows for the given years as (override, confirmed) pairs."""
    rows = []
    for year in years:
        rows.append((DayOverride(date(year, 8, 30), DayKind.HOLIDAY,
                                 "День Республики Татарстан", REGION), True))
        rows.append((DayOverride(date(year, 11, 6), DayKind.HOLIDAY,
                                 "День Конституции Республики Татарстан", REGION), True))
    for day, name, confirmed in RELIGIOUS_DAYS:
        if day.year in years:
            rows.append((DayOverride(day, DayKind.HOLIDAY, name, REGION), confirmed))
    for day, kind, name in FEDERAL_EXCEPTIONS:
        if day.year in years:
            rows.append((DayOverride(day, kind, name, FEDERAL), True))
    return sorted(rows, key=lambda r: r[0].day)


def default_overrides() -> tuple[DayOverride, ...]:
    """The seed days as calendar overrides (used when no table is available)."""
    return tuple(o for o, _ in regional_days())
