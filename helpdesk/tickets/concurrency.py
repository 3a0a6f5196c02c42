"""Optimistic concurrency of the ticket page's forms: a stale page cannot overwrite a newer change.

The page's state-changing forms carry the ticket's version (its updated_at, which every change of a
ticket row moves); a POST whose version is not the ticket's current one is refused and changes
nothing. Replies carry it too: each reply moves the version, so the same reply sent twice
(Back, a reload, a second tab) is refused. Notes only append and carry no version.
"""
from datetime import datetime, timezone

from sqlalchemy import select

from helpdesk.audit.services import action_label
from helpdesk.extensions import db
from helpdesk.models.audit import AuditEvent
from helpdesk.models.ticket import Ticket
from helpdesk.web.templating import local_time
from helpdesk.tickets.errors import TicketError

STALE_MESSAGE = ("Обращение изменилось, пока страница была открыта ({what}). "
                 "Обновите страницу и повторите.")


class StaleVersion(TicketError):
    """The form was filled on an older version of the ticket: `what` names the latest change
    («Передача в подразделение — petrov, 26.11.2026 14:32:05 МСК») and `user_id` who made it
    (None: a change by the helpdesk itself, or none recorded)."""

    def __init__(self, what: str, user_id: int | None) -> None:
        super().__init__(STALE_MESSAGE.format(what=what))
        self.what, self.user_id = what, user_id


NO_VERSION_MESSAGE = ("Форма отправлена со страницы, которая не знает версии обращения (старая "
                      "вкладка или сохранённая страница). Обновите страницу и повторите.")


def version_of(ticket: Ticket) -> str:
    """The version a form carries: the ticket's updated_at in UTC, ISO 8601 with microseconds."""
    if ticket.updated_at is None:
        return ""
    return ticket.updated_at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _parse(version: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(version.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def check_version(ticket: Ticket, submitted: str | None) -> None:
    """Raise StaleVersion (a TicketError) when `submitted` is not the ticket's current version.

    The ticket row is locked first (FOR UPDATE on PostgreSQL), so that of two tabs posting at once
    the second waits for the first to commit and then sees its change. A form without a version
    (a page cached from before the field, a script) is refused too: it cannot show which state of
    the ticket its author saw."""
    if submitted is None:
        raise TicketError(NO_VERSION_MESSAGE)
    db.session.refresh(ticket, with_for_update=True)
    current = ticket.updated_at
    given = _parse(submitted)
    if given is not None and current is not None and given == current:
        return
    raise StaleVersion(*_what_changed(ticket, given))


def _what_changed(ticket: Ticket, since: datetime | None) -> tuple[str, int | None]:
    """«Передача в подразделение — petrov, 26.11.2026 14:32:05 МСК»: the latest change of the ticket."""
    query = select(AuditEvent).where(AuditEvent.object_type == "ticket",
                                     AuditEvent.object_id == str(ticket.id),
                                     AuditEvent.action != "ticket_viewed")
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    event = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(1)).first()
    when = local_time(ticket.updated_at, "%d.%m.%Y %H:%M:%S") + " МСК"
    if event is None:
        return f"изменено {when}", None
    who = f" — {event.username}" if event.username else ""
    return f"{action_label(event.action)}{who}, {when}", event.user_id
