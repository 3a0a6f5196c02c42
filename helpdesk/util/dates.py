"""The years the helpdesk accepts in any date a person types (filters, exports, the calendar).

Outside them a date is a typo, and at the edges (years 1 and 9999) date arithmetic overflows.
"""
from datetime import date
from helpdesk.errors import UserError

YEAR_MIN, YEAR_MAX = 2000, 2100


def in_year_range(day: date) -> bool:
    """Whether a date lies within YEAR_MIN..YEAR_MAX."""
    return YEAR_MIN <= day.year <= YEAR_MAX


class DayError(UserError):
    """A typed date the person must correct (the message is in Russian and names the field)."""


def typed_day(value: str | None, label: str) -> date | None:
    """A date typed as ГГГГ-ММ-ДД into the field `label`; None when left empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise DayError(f"Дата «{label}»: укажите её в формате ГГГГ-ММ-ДД") from None
    if not in_year_range(day):
        raise DayError(f"Дата «{label}»: год должен быть от {YEAR_MIN} до {YEAR_MAX}")
    return day
