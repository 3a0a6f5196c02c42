"""Record ids a person or a link can type: in a URL path, a filter, a form field.

Every id column is an `integer`; PostgreSQL's holds up to 2**31 - 1 and SQLite's driver refuses
Python ints past 2**63. A longer number is no record at all: in a path it is a 404, elsewhere a
clear "not found" or form error, never the database's overflow (a 500).
"""
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """The id written in `value` (digits, surrounding spaces allowed), or None when it is not
    one: empty, not a whole positive number, or beyond MAX_ID."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` in routes: an id beyond MAX_ID does not match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install(app) -> None:
    """Every `<int:...>` route of the app takes ids only (call before routes are added)."""
    app.url_map.converters["int"] = IdConverter
