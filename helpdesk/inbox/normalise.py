"""Platform input made safe at the adapter boundary: bounded JSON, clean text, checked numbers.

Every webhook and adapter uses these helpers, so whatever a platform (or someone pretending to be
one) sends, nothing past this boundary meets a value the database or the code cannot take:

- `load_json(raw)`: a delivery body as JSON, refused (BadBody, a 4xx) when it is not UTF-8 JSON,
  nests deeper than MAX_DEPTH or holds NaN/Infinity; the result is `storable`.
- `storable(value)`: a JSON value PostgreSQL jsonb and text take (lone surrogates replaced, NUL
  removed, non-finite floats dropped); everything else is kept as it came.
- `clean(text)`, `text(value, limit)`: strings; `integer`, `size`, `timestamp`: numbers that
  are range-checked or None/now; `mapping`, `items`: a field of an unknown shape is empty.
- `ident(value)`: a required identifier (int or non-empty string) or ValueError.

An adapter's `parse` raises only MALFORMED exceptions for a delivery it cannot use; the webhook
then keeps the raw payload (ignored, for inspection) instead of losing it.
"""
import json
import math
import re
from datetime import datetime, timedelta, timezone

MAX_DEPTH = 64  # VK nests forwarded messages; 64 levels is far more than any real delivery
MAX_CONTAINERS = 10_000  # objects and arrays: a real delivery holds tens
MAX_VALUES = 50_000  # commas: a hundred forwarded texts hold a few thousand
MAX_SIZE = 2 ** 40  # an attachment size beyond 1 TiB is not a size
MAX_ID = 2 ** 63 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
_DIGITS = re.compile(r"-?[0-9]{1,19}")
MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)


class BadBody(ValueError):
    """A delivery body that is not JSON we accept (answered 400)."""


def load_json(raw: bytes, max_depth: int = MAX_DEPTH):
    """The JSON value of a delivery body, clean (see storable); raises BadBody.

    Counting brackets and commas in the raw bytes (C speed; those inside strings count too)
    bounds what the parser builds; the parser's own recursion limit and the depth check after
    it bound the nesting."""
    if raw.count(b"[") + raw.count(b"{") > MAX_CONTAINERS or raw.count(b",") > MAX_VALUES:
        raise BadBody("too many values")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadBody(exc.__class__.__name__) from None
    return _tree(value, max_depth, strict=True)


def _refuse_constant(name: str):
    raise BadBody(f"{name} is not JSON")


def clean(value: str) -> str:
    """A string PostgreSQL and UTF-8 take: lone surrogates become U+FFFD, NUL is removed."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a surrogate: pairs are joined, lone ones replaced
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def text(value, limit: int | None = None) -> str:
    """A text field: strings and numbers as text, cleaned and cut to `limit`; anything else ""."""
    if isinstance(value, str):
        result = clean(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value):
        result = str(value)
    else:
        return ""
    return result[:limit] if limit is not None else result


def ident(value, limit: int = 128) -> str:
    """A required identifier (an integer or a non-empty string) as text; ValueError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID:
        return str(value)
    if isinstance(value, str) and value.strip():
        return clean(value.strip())[:limit]
    raise ValueError("not an identifier")


def integer(value, low: int = -MAX_ID, high: int = MAX_ID) -> int | None:
    """An integer field within [low, high]: int or a string of digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, int) and low <= value <= high:
        return value
    return None


def need_int(fields, key: str, low: int = -MAX_ID, high: int = MAX_ID) -> int:
    """A required integer field; ValueError names it when missing or unusable."""
    value = integer(mapping(fields).get(key), low, high)
    if value is None:
        raise ValueError(f"field {key} is not an integer")
    return value


def size(value) -> int | None:
    """A file size in bytes (0..MAX_SIZE) or None."""
    return integer(value, 0, MAX_SIZE)


def timestamp(value, divisor: float = 1.0, now: datetime | None = None) -> datetime:
    """A platform time (seconds, or ms with divisor 1000) as aware UTC; `now` when it is absent,
    not a number, before 2000 or more than a day ahead."""
    now = now or datetime.now(timezone.utc)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
        return now
    try:
        moment = datetime.fromtimestamp(value / divisor, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return now
    return moment if EARLIEST <= moment <= now + timedelta(days=1) else now


def mapping(value) -> dict:
    """A JSON object field, or {} when it has another shape."""
    return value if isinstance(value, dict) else {}


def items(value) -> list:
    """A JSON array field, or [] when it has another shape."""
    return value if isinstance(value, list) else []


def storable(value, depth: int = MAX_DEPTH):
    """The JSON value with every string (and key) cleaned, non-finite floats as None and what
    nests deeper than `depth` (a polled payload may) as None; the rest kept as it came."""
    return _tree(value, depth, strict=False)


def _tree(value, depth: int, strict: bool):
    kind = type(value)
    if kind is str:
        return clean(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is not dict and kind is not list and kind is not tuple:
        return value if value is None or kind in (int, bool) else _tree(_plain(value), depth,
                                                                        strict)
    if depth <= 0:
        if strict:
            raise BadBody("nested too deeply")
        return None
    if kind is dict:
        return {clean(str(k)): _tree(v, depth - 1, strict) for k, v in value.items()}
    return [_tree(v, depth - 1, strict) for v in value]


def _plain(value):
    """A subclass of a JSON type as the type itself; anything else as its text."""
    for kind in (bool, int, float, str, dict, list):
        if isinstance(value, kind):
            return kind(value)
    return str(value)


def _finite(value) -> bool:
    return not isinstance(value, float) or math.isfinite(value)
