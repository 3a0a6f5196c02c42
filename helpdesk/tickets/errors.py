"""A person's mistake in a ticket form, and the rule every typed text of a ticket follows."""
from helpdesk.errors import UserError
from helpdesk.util.text import is_blank


class TicketError(UserError):
    """A domain error shown to the person (Russian message)."""


MAX_TEXT = 10_000
NOTE_LIMIT = 20_000


def clean_text(value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    """A typed text, trimmed; refused when it shows nothing (only spaces or invisible marks) or
    is longer than `limit`. NUL characters, which no database column stores, are dropped."""
    value = (value or "").replace("\x00", "").strip()
    if is_blank(value):
        raise TicketError(f"Заполните поле «{what}»")
    if len(value) > limit:
        raise TicketError(f"Поле «{what}» длиннее {limit} символов")
    return value
