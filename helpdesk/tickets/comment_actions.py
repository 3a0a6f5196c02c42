"""Actions on public comment threads: the personal-data check before a public answer, hiding
a citizen's comment, and the proposal to hide one routing found abusive.

A public answer is read by everyone under the post: before it goes out, the extraction
pipeline looks for a full name, phone, address or e-mail in it, and the staff member must
confirm explicitly to publish them (helpdesk.routing.personal).
"""
from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.message import Direction, Message
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.tickets.errors import TicketError

# Special kinds from routing (helpdesk.routing.special) a comment is proposed for hiding for.
HIDE_PROPOSED = {"spam": "Спам или реклама", "abuse": "Нецензурная брань или угрозы"}


class PersonalDataWarning(TicketError):
    """A public answer with personal data in it: sent only when the person confirms."""

    def __init__(self, found: list[str]):
        super().__init__("Ответ будет опубликован в комментариях, его прочитают все. В нём "
                         "найдены персональные данные: " + "; ".join(found) + ". Уберите их "
                         "или подтвердите, что их можно опубликовать.")
        self.found = found


def check_public_answer(ticket, user: User, text: str, confirmed: bool) -> None:
    """Refuse a public answer carrying personal data unless confirmed; a confirmed one is
    audited with what was found."""
    if ticket.post_id is None:
        return
    from helpdesk.routing.personal import personal_data  # the NLP pipeline loads on first use

    found = personal_data(text)
    if not found:
        return
    if not confirmed:
        raise PersonalDataWarning(found)
    record("public_answer_personal_data_confirmed", actor=user, object_type="ticket",
           object_id=str(ticket.id), details={"found": found})


def hide_comment(ticket: Ticket, user: User, message_id: int | None, reason: str) -> None:
    """Hide one of the citizen's comments in the thread with a reason (audited); the platform
    deletes it after commit, the helpdesk keeps its text."""
    from helpdesk.inbox.comments import CommentError, hide  # the inbox owns platform calls

    message = db.session.get(Message, message_id) if message_id else None
    if message is None or message.ticket_id != ticket.id or message.direction != Direction.INBOUND:
        raise TicketError("Комментарий не найден в этой ветке")
    try:
        hide(ticket, message, user, reason)
    except CommentError as exc:
        raise TicketError(str(exc)) from None


def hide_proposal(ticket) -> str | None:
    """The reason proposed for hiding the thread's comments (routing found spam or abuse)."""
    if ticket.post_id is None:
        return None
    return HIDE_PROPOSED.get(ticket.special_kind or "")
