"""The automatic acknowledgement of a new ticket, switchable per channel, sent once routed.

Its text follows the routing decision: a routed ticket is told when its answer is due; a ticket
that routing closed (a special kind an administrator lets it close) is told why, and never that
an answer will come. Tatar is a state language of the republic alongside Russian: a message
written in Tatar (or in both) is acknowledged in Tatar first, then in Russian; any other in
Russian. The routed text can be replaced by an administrator (the settings ACK_TEMPLATE_KEY and
ACK_TEMPLATE_TT_KEY).
"""
from zoneinfo import ZoneInfo

from flask import current_app

from helpdesk.models import Channel, Message, Ticket
from helpdesk.models.ticket import TicketStatus
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


CLOSED_TEMPLATE = "Здравствуйте! Ваше сообщение получено, его номер — {number}. {outcome}"
CLOSED_TEMPLATE_TT = "Исәнмесез! Сезнең хәбәрегез алынды, аның номеры — {number}. {outcome}"
# Why a ticket closed by routing gets no answer, per closing reason (tickets.outcomes), in
# Russian and in Tatar. Gratitude has words of its own.
CLOSED_OUTCOMES = {
    "gratitude": (
        "Спасибо за добрые слова! Благодарность не является обращением, поэтому отдельного "
        "ответа на неё не будет.",
        "Җылы сүзләрегез өчен рәхмәт! Рәхмәт хаты мөрәҗәгать булып саналмый, шуңа күрә аңа "
        "аерым җавап булмаячак."),
    "not_appeal": (
        "Сообщение не является обращением, поэтому ответа на него не будет.",
        "Хәбәр мөрәҗәгать булып саналмый, шуңа күрә аңа җавап булмаячак."),
    "obscene": (
        "Сообщение содержит нецензурные или оскорбительные выражения либо угрозы, поэтому "
        "оставлено без ответа по существу (ч. 3 ст. 11 Федерального закона № 59-ФЗ).",
        "Хәбәрдә әдәпсез яки мыскыллы сүзләр яисә янаулар бар, шуңа күрә ул асылы буенча "
        "җавапсыз калдырыла (59-ФЗ номерлы Федераль законның 11 статьясы 3 өлеше)."),
    "no_substance": (
        "Из текста сообщения не удалось понять его суть, поэтому ответа по существу не будет. "
        "Вы можете написать снова и изложить вопрос подробнее.",
        "Хәбәрнең асылын аңлап булмады, шуңа күрә асылы буенча җавап булмаячак. Сез яңадан "
        "язып, соравыгызны җентекләбрәк аңлата аласыз."),
}


def _tatar_first(ticket: Ticket, text: str) -> bool:
    language = ticket.language or detect_language(text)
    return language != RUSSIAN


def ack_text(ticket: Ticket, text: str = "") -> str:
    """The acknowledgement for a ticket as routing left it: its number and when to expect an
    answer, or why none will come; a Tatar or mixed message gets it in Tatar, then in Russian."""
    if ticket.status == TicketStatus.CLOSED:
        return closed_text(ticket, text)
    due = ticket.first_response_due or ticket.answer_due
    local = None
    if due is not None:
        tz = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Europe/Moscow"))
        local = f"{due.astimezone(tz):%d.%m.%Y %H:%M}"
    russian = _fill(ACK_TEMPLATE_KEY, DEFAULT_TEMPLATE, ticket.number,
                    f"Ответ будет дан до {local} (время московское)." if local else
                    "Ответ будет дан в рабочее время в установленный срок.")
    if not _tatar_first(ticket, text):
        return russian
    tatar = _fill(ACK_TEMPLATE_TT_KEY, DEFAULT_TEMPLATE_TT, ticket.number,
                  f"Җавап бирүнең соңгы срогы — {local} (Мәскәү вакыты белән)." if local else
                  "Җавап билгеләнгән срокта эш вакытында биреләчәк.")
    return f"{tatar}\n\n{russian}"


def closed_text(ticket: Ticket, text: str = "") -> str:
    """The acknowledgement of a ticket routing closed: the closing reason, no promise."""
    key = "gratitude" if ticket.special_kind == "gratitude" else ticket.close_reason
    russian, tatar = CLOSED_OUTCOMES.get(key or "", CLOSED_OUTCOMES["not_appeal"])
    number = ticket.number
    result = CLOSED_TEMPLATE.format(number=number, outcome=russian)
    if not _tatar_first(ticket, text):
        return result
    return f"{CLOSED_TEMPLATE_TT.format(number=number, outcome=tatar)}\n\n{result}"


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
