"""The years the helpdesk accepts in any date a person types (filters, exports, the calendar).

Outside them a date is a typo, and at the edges (years 1 and 9999) date arithmetic overflows.
"""
from datetime import date

YEAR_MIN, YEAR_MAX = 2000, 2100


def in_year_range(day: date) -> bool:
    """Whether a date lies within YEAR_MIN..YEAR_MAX."""
    return YEAR_MIN <= day.year <= YEAR_MAX
