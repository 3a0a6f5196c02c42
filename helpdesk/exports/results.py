"""ССТУ results of consideration and how a ticket maps onto them."""
from helpdesk.models.ticket import OPEN_STATUSES, TicketStatus

IN_PROGRESS = "В работе"
SSTU_RESULTS = ("Поддержано", "Разъяснено", "Не поддержано", "Направлено по компетенции",
                "Дан ответ автору", "Оставлено без ответа", IN_PROGRESS)
# Stored codes (tickets' close form) → report label; the labels themselves are accepted too.
RESULT_CODES = {
    "supported": "Поддержано", "explained": "Разъяснено", "not_supported": "Не поддержано",
    "forwarded": "Направлено по компетенции", "answered": "Дан ответ автору",
    "no_answer": "Оставлено без ответа", "in_progress": IN_PROGRESS,
}
_OPEN = {str(s) for s in OPEN_STATUSES}


def result_label(status: str, result: str | None, answered: bool) -> str:
    """The ССТУ result of a ticket: open → В работе; stored result; else inferred from status."""
    if status in _OPEN:
        return IN_PROGRESS
    if result:
        if result in RESULT_CODES:
            return RESULT_CODES[result]
        if result in SSTU_RESULTS:
            return result
    if status == TicketStatus.FORWARDED:
        return "Направлено по компетенции"
    return "Дан ответ автору" if answered else "Оставлено без ответа"
