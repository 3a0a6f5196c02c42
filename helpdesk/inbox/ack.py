"""The automatic acknowledgement of a new ticket (Russian), switchable per channel."""
from zoneinfo import ZoneInfo

from flask import current_app

from helpdesk.models import Channel, Message, Ticket
from helpdesk.models.setting import get_setting

ACK_TEMPLATE_KEY = "inbox.ack_template"
DEFAULT_TEMPLATE = (
    # "Получено под номером", not "зарегистрировано": registration is a 59-ФЗ act of its own.
    "Здравствуйте! Ваше сообщение получено, его номер — {number}. "
    "{expect} Пожалуйста, не удаляйте этот диалог: ответ придёт сюда же."
)


def ack_text(ticket: Ticket) -> str:
    """The acknowledgement for a ticket: its number and when to expect an answer."""
    due = ticket.first_response_due or ticket.answer_due
    if due is not None:
        tz = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Europe/Moscow"))
        expect = f"Ответ будет дан до {due.astimezone(tz):%d.%m.%Y %H:%M} (время московское)."
    else:
        expect = "Ответ будет дан в рабочее время в установленный срок."
    template = get_setting(ACK_TEMPLATE_KEY) or DEFAULT_TEMPLATE
    try:
        return str(template).format(number=ticket.number, expect=expect)
    except (KeyError, IndexError, ValueError):
        return DEFAULT_TEMPLATE.format(number=ticket.number, expect=expect)


def acknowledge(ticket: Ticket) -> Message | None:
    """Queue the acknowledgement in the outbox when the ticket's channel has it switched on."""
    from helpdesk.extensions import db
    from helpdesk.inbox.outbox import enqueue

    channel = db.session.get(Channel, ticket.channel_id)
    if channel is None or not channel.auto_ack:
        return None
    return enqueue(ticket, ack_text(ticket), author=None, is_auto=True)
