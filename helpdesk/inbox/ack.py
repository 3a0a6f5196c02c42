"""The automatic acknowledgement of a new ticket, switchable per channel.

Tatar is a state language of the republic alongside Russian: a message written in Tatar (or in
both) is acknowledged in Tatar and in Russian; any other in Russian. Each text can be replaced
by an administrator (the settings ACK_TEMPLATE_KEY and ACK_TEMPLATE_TT_KEY).
"""
from zoneinfo import ZoneInfo

from flask import current_app

from helpdesk.models import Channel, Message, Ticket
from helpdesk.models.setting import get_setting
from helpdesk.routing.language import RUSSIAN, detect_language

ACK_TEMPLATE_KEY = "inbox.ack_template"
ACK_TEMPLATE_TT_KEY = "inbox.ack_template_tt"
DEFAULT_TEMPLATE = (
    # "Получено под номером", not "зарегистрировано": registration is a 59-ФЗ act of its own.
    "Здравствуйте! Ваше сообщение получено, его номер — {number}. "
    "{expect} Пожалуйста, не удаляйте этот диалог: ответ придёт сюда же."
)


DEFAULT_TEMPLATE_TT = (
    "Исәнмесез! Сезнең хәбәрегез алынды, аның номеры — {number}. "
    "{expect} Зинһар, бу сөйләшүне бетермәгез: җавап монда киләчәк."
)


def ack_text(ticket: Ticket, text: str = "") -> str:
    """The acknowledgement for a ticket: its number and when to expect an answer; `text` (the
    citizen's message) in Tatar or in both languages gets it in Tatar, then in Russian."""
    due = ticket.first_response_due or ticket.answer_due
    local = None
    if due is not None:
        tz = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Europe/Moscow"))
        local = f"{due.astimezone(tz):%d.%m.%Y %H:%M}"
    russian = _fill(ACK_TEMPLATE_KEY, DEFAULT_TEMPLATE, ticket.number,
                    f"Ответ будет дан до {local} (время московское)." if local else
                    "Ответ будет дан в рабочее время в установленный срок.")
    if detect_language(text) == RUSSIAN:
        return russian
    tatar = _fill(ACK_TEMPLATE_TT_KEY, DEFAULT_TEMPLATE_TT, ticket.number,
                  f"Җавап бирүнең соңгы срогы — {local} (Мәскәү вакыты белән)." if local else
                  "Җавап билгеләнгән срокта эш вакытында биреләчәк.")
    return f"{tatar}\n\n{russian}"


def _fill(key: str, default: str, number: str, expect: str) -> str:
    template = get_setting(key) or default
    try:
        return str(template).format(number=number, expect=expect)
    except (KeyError, IndexError, ValueError):  # an edited template with a broken placeholder
        return default.format(number=number, expect=expect)


def acknowledge(ticket: Ticket, text: str = "") -> Message | None:
    """Queue the acknowledgement of the citizen's message `text` in the outbox when the ticket's
    channel has it switched on."""
    from helpdesk.extensions import db
    from helpdesk.inbox.outbox import enqueue

    channel = db.session.get(Channel, ticket.channel_id)
    if channel is None or not channel.auto_ack:
        return None
    return enqueue(ticket, ack_text(ticket, text), author=None, is_auto=True)
