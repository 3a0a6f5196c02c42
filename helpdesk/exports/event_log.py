"""The event log: every audited action on tickets with its time, streamed."""
from typing import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, cast, select

from helpdesk.access import restrict_to_user
from helpdesk.audit.services import action_label, details_text
from helpdesk.exports.filters import ExportFilter
from helpdesk.extensions import db
from helpdesk.models.audit import AuditEvent
from helpdesk.models.channel import Channel
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User

HEADERS = ("Время (МСК)", "Номер обращения", "Действие", "Код действия", "Пользователь",
           "Результат", "IP", "Подробности")


def event_query(flt: ExportFilter, user: User | None = None, tz: str = "Europe/Moscow") -> Select:
    """Ticket events in the period (by event time), with the ticket's number."""
    start, end = flt.bounds(tz)
    query = (
        select(AuditEvent.created_at, Ticket.number, AuditEvent.action, AuditEvent.username,
               AuditEvent.result, AuditEvent.ip, AuditEvent.details)
        .join(Ticket, cast(Ticket.id, String) == AuditEvent.object_id)
        .where(AuditEvent.object_type == "ticket", AuditEvent.created_at >= start,
               AuditEvent.created_at < end)
        .order_by(AuditEvent.id)
    )
    if flt.department_id is not None:
        query = query.where(Ticket.department_id == flt.department_id)
    if flt.channel_slug:
        query = query.join(Channel, Channel.id == Ticket.channel_id).where(
            Channel.slug == flt.channel_slug)
    if flt.kind:
        query = query.where(Ticket.kind == flt.kind)
    return restrict_to_user(query, user) if user is not None else query


def event_rows(flt: ExportFilter, user: User | None = None,
               tz: str = "Europe/Moscow") -> Iterator[tuple]:
    """Stream the event log's rows."""
    query = event_query(flt, user, tz).execution_options(yield_per=5000)
    return _stream(query, ZoneInfo(tz))


def _stream(query, zone) -> Iterator[tuple]:
    for rec in db.session.execute(query):
        yield (rec.created_at.astimezone(zone).replace(tzinfo=None), rec.number,
               action_label(rec.action), rec.action, rec.username, rec.result, rec.ip,
               details_text(rec.details))
