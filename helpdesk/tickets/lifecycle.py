"""Ticket actions: each checks its input, changes state, flushes and writes an audit event.

Permission (role, department) is checked by the views through helpdesk.access before these run.
Citizen notices go through helpdesk.inbox.outbox.send_reply (outbox row in the same transaction).
"""
import re
from datetime import datetime

from sqlalchemy import select, update

from helpdesk.access import can_be_assigned
from helpdesk.audit.log import record
from helpdesk.citizens.keys import remember_ticket
from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.util.ids import parse_id
from helpdesk.models.department import Department
from helpdesk.models.digest import Escalation
from helpdesk.models.message import Message
from helpdesk.models.ticket import ENDED_STATUSES, Ticket, TicketKind, TicketStatus
from helpdesk.models.types import utcnow
from helpdesk.models.user import Role, User
from helpdesk.models.outcomes import (ANSWER_RESULTS, ART11_REASONS, MANUAL_STATUSES,
                                      REASON_RESULTS, RESULTS)
from helpdesk.routing.service import record_correction
from helpdesk.tickets.comment_actions import check_public_answer
from helpdesk.tickets.errors import TicketError
from helpdesk.tickets.errors import clean_text as _text
from helpdesk.tickets.new_topic import refresh_flag


def _audit(action: str, user: User, ticket: Ticket, **details) -> None:
    record(action, actor=user, object_type="ticket", object_id=str(ticket.id), details=details)


def _require_open(ticket: Ticket) -> None:
    if ticket.status in ENDED_STATUSES:
        raise TicketError("Обращение уже закрыто: действие недоступно")


def _send(ticket: Ticket, user: User, text: str, purpose: str, files=None) -> Message:
    """Queue a message to the citizen through the inbox: purpose "answer", "interim" or
    "notice" (helpdesk.inbox.outbox; a notice is never the answer), with checked files."""
    from helpdesk.inbox.outbox import ReplyError, send_reply  # the inbox owns delivery

    try:
        return send_reply(ticket, user, text, purpose, files=files)
    except ReplyError as exc:
        raise TicketError(str(exc)) from None


def resolve_escalation(ticket: Ticket, now: datetime) -> None:
    """Mark an open escalation of the ticket resolved (flushes)."""
    db.session.execute(update(Escalation).where(
        Escalation.ticket_id == ticket.id, Escalation.resolved_at.is_(None)
    ).values(resolved_at=now))


def reply(ticket: Ticket, user: User, text: str, *, final: bool,
          now: datetime | None = None, confirm_personal: bool = False, files=None) -> Message:
    """Send a reply to the citizen; a final one (on the substance) is the answer and marks the
    ticket answered, an interim one is not. The caller says which: there is no default.
    `files`: checked files (helpdesk.inbox.reply_files.check) sent with it.

    In a comment thread the reply is public: personal data in it need `confirm_personal`."""
    from helpdesk.inbox.outbox import ANSWER, INTERIM

    _require_open(ticket)
    text = _text(text, "Ответ")
    check_public_answer(ticket, user, text, confirm_personal)
    now = now or utcnow()
    # send_reply writes the audit row and sets the first response / answer times
    message = _send(ticket, user, text, ANSWER if final else INTERIM, files)
    ticket.updated_at = now  # a new version: the same form sent again (Back, a second tab) is stale
    if final:
        resolve_escalation(ticket, now)
    else:
        _audit("interim_reply", user, ticket, message_id=message.id)
    db.session.flush()
    return message


def assign(ticket: Ticket, user: User, assignee_id: int | None) -> None:
    """Give the ticket to a specialist of its department or to press staff (None: to nobody)."""
    _require_open(ticket)
    assignee = None
    if assignee_id:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not can_be_assigned(assignee, ticket):
            raise TicketError("Назначить можно специалиста подразделения этого обращения, "
                              "сотрудника пресс-службы или администратора")
    previous = ticket.assignee_id
    ticket.assignee_id = assignee.id if assignee else None
    if assignee and ticket.status in (TicketStatus.NEW, TicketStatus.TRIAGE):
        ticket.status = TicketStatus.ASSIGNED
    db.session.flush()
    _audit("ticket_assigned", user, ticket, previous=previous, assignee=ticket.assignee_id)


def reroute(ticket: Ticket, user: User, department_id: int | None) -> None:
    """Send the ticket to another department and keep the correction for training."""
    _require_open(ticket)
    department = db.session.get(Department, department_id) if department_id else None
    if department is None or not department.active:
        raise TicketError("Выберите действующее подразделение")
    if department.id == ticket.department_id:
        raise TicketError("Обращение уже в этом подразделении")
    previous = ticket.department_id
    record_correction(ticket.id, ticket.topic, inbound_text(ticket), department, user)
    ticket.department_id = department.id
    ticket.assignee_id = None
    ticket.status = TicketStatus.TRIAGE if department.is_triage else TicketStatus.ASSIGNED
    db.session.flush()
    _audit("ticket_rerouted", user, ticket, previous=previous, department=department.id)


def inbound_text(ticket: Ticket) -> str:
    """The citizen's messages of a ticket, oldest first (what a correction teaches)."""
    rows = db.session.scalars(select(Message.text).where(
        Message.ticket_id == ticket.id, Message.direction == "inbound").order_by(Message.id))
    return "\n".join(t for t in rows if t)


def change_status(ticket: Ticket, user: User, status: str) -> None:
    """Move an open ticket between the working statuses; «Дан ответ» needs a reply sent."""
    _require_open(ticket)
    if status not in MANUAL_STATUSES:
        raise TicketError("Этот статус нельзя выбрать вручную")
    previous = ticket.status
    if status == previous:
        raise TicketError("Обращение уже в этом статусе: ничего не изменено")
    if status == TicketStatus.ANSWERED:
        _mark_answered(ticket)
    elif previous == TicketStatus.ANSWERED:
        _unmark_answer(ticket)  # back to work: the answer given was not the last word
    ticket.status = status
    db.session.flush()
    _audit("status_changed", user, ticket, previous=previous, status=status)


def _unmark_answer(ticket: Ticket) -> None:
    """No reply is the answer any more: the answer clock runs again (flushes)."""
    from helpdesk.inbox.outbox import sync_answer_state

    db.session.execute(update(Message).where(Message.ticket_id == ticket.id,
                                             Message.is_answer.is_(True)).values(is_answer=False))
    sync_answer_state(ticket)


def _mark_answered(ticket: Ticket) -> None:
    """Staff say the citizen has the answer: for a message the latest reply sent becomes it
    (refused if none); a registered appeal must already have its answer (appeal_unanswered)."""
    from helpdesk.inbox.outbox import reply_conditions, sync_answer_state

    refusal = appeal_unanswered(ticket)
    if refusal:
        raise TicketError(refusal)
    if ticket.answered_at is None:
        latest = db.session.scalar(select(Message).where(*reply_conditions(ticket))
                                   .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1))
        if latest is None:
            raise TicketError("Статус «Дан ответ» означает, что гражданину дан ответ, а ответ "
                              "не отправлялся: сначала отправьте ответ")
        latest.is_answer = True
        sync_answer_state(ticket)


def appeal_unanswered(ticket: Ticket) -> str | None:
    """Why a registered 59-ФЗ appeal cannot be called answered, or None (answered, or not an
    appeal): only a reply on the substance sent after the registration answers it (ст. 12)."""
    from helpdesk.inbox.outbox import answer_floor
    from helpdesk.web.templating import local_time

    if answer_floor(ticket) is None or ticket.answered_at is not None:
        return None
    return (f"Обращение зарегистрировано {local_time(ticket.registered_at, '%d.%m.%Y %H:%M')}: "
            "ответом на него считается только ответ по существу, отправленный после "
            "регистрации, а такого ответа нет (промежуточные ответы и ответы до регистрации "
            "не считаются). Сначала отправьте ответ по существу")


# Two or more words of letters: «Петров Иван», «Салтыков-Щедрин М.Е.», «Иванов И. И.».
_NAME = re.compile(r"^[^\W\d_]+(?:(?:[\s\-']+|\.\s*)[^\W\d_]+)+\.?$")


def register_appeal(ticket: Ticket, user: User, name: str, address: str, email: str = "",
                    now: datetime | None = None) -> None:
    """Register the ticket as a 59-ФЗ appeal: name and address captured, the 30-day clock starts."""
    from helpdesk.inbox.outbox import sync_answer_state

    _require_open(ticket)
    if ticket.kind == TicketKind.APPEAL and ticket.registered_at is not None:
        raise TicketError("Обращение уже зарегистрировано")
    name = _text(name, "Фамилия и имя", 300)
    if not _NAME.match(name):
        raise TicketError("Укажите фамилию и имя или инициалы (например, «Иванов И. И.»), без цифр")
    address = (address or "").strip()[:500]
    email = (email or "").strip()[:200]
    if not address and not email:
        raise TicketError("Укажите почтовый адрес или адрес электронной почты для ответа")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise TicketError("Неверный адрес электронной почты")
    now = now or utcnow()
    ticket.kind = TicketKind.APPEAL
    ticket.applicant_name, ticket.applicant_address = name, address or None
    ticket.applicant_email = email or None
    ticket.registered_at = now
    ticket.registration_number = f"О-{ticket.number}"
    remember_ticket(ticket)  # the applicant's name and e-mail: the citizen page's suggestions
    store.recompute(ticket, now)
    # Replies sent before the registration do not answer the appeal: a ticket «Дан ответ»
    # goes back to work until a reply on the substance follows.
    sync_answer_state(ticket)
    _audit("appeal_registered", user, ticket, registration_number=ticket.registration_number)


def extension_notice(ticket: Ticket, days: int) -> str:
    """The default notice telling the citizen about an extension."""
    from helpdesk.web.templating import local_time

    until = f", до {local_time(ticket.extended_until, '%d.%m.%Y')}" if ticket.extended_until else ""
    return (f"Срок рассмотрения вашего обращения № {ticket.registration_number or ticket.number} "
            f"продлён на {days} дн.{until} в соответствии с ч. 2 ст. 12 Федерального закона "
            "№ 59-ФЗ.")


def extend(ticket: Ticket, user: User, days: int, reason: str, notice: str = "",
           now: datetime | None = None) -> None:
    """Extend a registered appeal's answer term once, by up to the policy's maximum, telling the citizen."""
    _require_open(ticket)
    if ticket.kind != TicketKind.APPEAL or ticket.registered_at is None:
        raise TicketError("Продлить можно только зарегистрированное обращение (59-ФЗ)")
    if ticket.extended_until is not None:
        raise TicketError("Срок уже продлевался: повторное продление не допускается")
    limit = store.load_policies().appeal.max_extension_days
    if not isinstance(days, int) or not 1 <= days <= limit:
        raise TicketError(f"Продление — от 1 до {limit} дней")
    reason = _text(reason, "Причина продления", 2000)
    store.recompute(ticket, now or utcnow(), extended_days=days)
    ticket.extension_reason = reason
    _send(ticket, user, (notice or "").strip() or extension_notice(ticket, days), "notice")
    db.session.flush()
    _audit("deadline_extended", user, ticket, days=days, until=ticket.extended_until.isoformat())


def forward(ticket: Ticket, user: User, body: str, notice: str = "",
            now: datetime | None = None) -> None:
    """Forward the ticket to another body by competence and tell the citizen."""
    _require_open(ticket)
    body = _text(body, "Куда направлено", 300)
    now = now or utcnow()
    text = (notice or "").strip() or (
        f"Ваше обращение № {ticket.registration_number or ticket.number} направлено по "
        f"компетенции: {body}. Ответ вы получите из этого органа.")
    _send(ticket, user, text, "notice")
    ticket.forwarded_to, ticket.forwarded_at = body, now
    ticket.status, ticket.result = TicketStatus.FORWARDED, "forwarded"
    ticket.closed_at = now
    resolve_escalation(ticket, now)
    db.session.flush()
    _audit("ticket_forwarded", user, ticket, to=body)


def close(ticket: Ticket, user: User | None, result: str, reason: str = "",
          now: datetime | None = None, automatic: bool = False) -> None:
    """Close with an ССТУ result and, where it applies, a 59-ФЗ ст. 11 reason.

    `automatic`: closed by routing without a person (a special kind an admin allowed)."""
    _require_open(ticket)
    if result not in RESULTS:
        raise TicketError("Выберите результат рассмотрения")
    if reason and reason not in ART11_REASONS:
        raise TicketError("Неизвестное основание ст. 11")
    _check_result(ticket, result, reason)
    if result in ANSWER_RESULTS:
        _mark_answered(ticket)  # no reply marked as the answer yet: the latest one sent is it
    now = now or utcnow()
    ticket.status, ticket.result = TicketStatus.CLOSED, result
    ticket.close_reason = reason or None
    ticket.closed_at = now
    resolve_escalation(ticket, now)
    db.session.flush()
    _audit("ticket_closed", user, ticket, result=result, reason=reason or None,
           **({"automatic": True} if automatic else {}))


def has_real_reply(ticket: Ticket) -> bool:
    """Whether a staff reply (not a notice nor the acknowledgement) reached the citizen or is on
    its way since the ticket was last reopened."""
    from helpdesk.inbox.outbox import reply_conditions

    return db.session.scalar(select(Message.id).where(*reply_conditions(ticket)).limit(1)) is not None


def _check_result(ticket: Ticket, result: str, reason: str) -> None:
    """Refuse a result the ticket's history does not support."""
    if result in ANSWER_RESULTS and not has_real_reply(ticket):
        raise TicketError(f"Результат «{RESULTS[result]}» означает, что гражданину дан ответ, "
                          "а ответ не отправлялся: сначала отправьте ответ")
    if result in ANSWER_RESULTS and appeal_unanswered(ticket):
        raise TicketError(f"Результат «{RESULTS[result]}» означает, что дан ответ по существу. "
                          + appeal_unanswered(ticket))
    if result == "forwarded" and ticket.forwarded_at is None:
        raise TicketError("Обращение не направлялось по компетенции: используйте действие "
                          "«Направить по компетенции»")
    if result == "no_answer" and not reason:
        raise TicketError("Для результата «Оставлено без ответа» выберите основание ст. 11")
    if reason and result not in REASON_RESULTS.get(reason, ("no_answer",)):
        allowed = "», «".join(RESULTS[r] for r in REASON_RESULTS.get(reason, ("no_answer",)))
        raise TicketError(f"Основание «{ART11_REASONS[reason]}» не сочетается с результатом "
                          f"«{RESULTS[result]}»: выберите «{allowed}» или уберите основание")


def merge(ticket: Ticket, user: User, target: Ticket, now: datetime | None = None) -> int:
    """Merge a duplicate into `target` (already access-checked): its messages move there."""
    _require_open(ticket)
    if target.id == ticket.id:
        raise TicketError("Нельзя объединить обращение с самим собой")
    if target.status == TicketStatus.MERGED:
        raise TicketError("Целевое обращение само объединено с другим")
    if target.status in ENDED_STATUSES:
        raise TicketError("Объединить можно только с открытым обращением: целевое уже закрыто "
                          "или перенаправлено")
    if target.citizen_id != ticket.citizen_id:
        raise TicketError("Объединить можно только обращения одного и того же гражданина")
    now = now or utcnow()
    moved = db.session.execute(update(Message).where(Message.ticket_id == ticket.id)
                               .values(ticket_id=target.id)).rowcount
    ticket.status, ticket.merged_into_id, ticket.closed_at = TicketStatus.MERGED, target.id, now
    target.last_message_at = max(target.last_message_at, ticket.last_message_at)
    resolve_escalation(ticket, now)
    db.session.flush()
    for merged in (ticket, target):  # a split proposal moves with its message
        refresh_flag(merged.id)
    _audit("ticket_merged", user, ticket, into=target.id, messages=moved)
    _audit("ticket_merge_received", user, target, source=ticket.id, messages=moved)
    return moved


def find_target(number_or_id: str):
    """A SELECT condition for a merge target typed as a number ("2026-000123") or an id."""
    value = (number_or_id or "").strip()
    if not value:
        raise TicketError("Укажите номер обращения, с которым объединить")
    if value.isdigit():
        return Ticket.id == (parse_id(value) or -1)  # a number past any id matches nothing
    return Ticket.number == value


def merge_target_query(user: User, value: str):
    """The access-restricted query for a merge target."""
    from helpdesk.access import visible_tickets

    return visible_tickets(user).where(find_target(value))


def assignees_for(ticket: Ticket) -> list[tuple[str, list[User]]]:
    """The assign form's groups: the department's specialists, press staff, administrators."""
    users = db.session.scalars(select(User).where(
        User.active.is_(True), User.role.in_((Role.SPECIALIST, Role.PRESS, Role.ADMIN)),
        (User.role != Role.SPECIALIST) | (User.department_id == ticket.department_id),
    ).order_by(User.full_name, User.username)).all()
    groups = [(ASSIGNEE_GROUPS[role], [u for u in users if u.role == role
                                       and can_be_assigned(u, ticket)])
              for role in ASSIGNEE_GROUPS]
    return [(label, members) for label, members in groups if members]


ASSIGNEE_GROUPS = {Role.SPECIALIST: "Специалисты подразделения", Role.PRESS: "Пресс-служба",
                   Role.ADMIN: "Администраторы"}


REOPENABLE_BY_STAFF = (TicketStatus.CLOSED, TicketStatus.FORWARDED)


def reopen(ticket: Ticket, user: User, why: str, now: datetime | None = None) -> None:
    """Take back a closing or a forwarding made by mistake: the ticket returns to work, its
    result and forwarding are cleared and its clocks run again. The reason is audited."""
    from helpdesk.models.ticket import back_to_work

    if ticket.status not in REOPENABLE_BY_STAFF:
        raise TicketError("Открыть снова можно закрытое или направленное по компетенции обращение")
    why = _text(why, "Почему открыть снова", 500)
    now = now or utcnow()
    previous = back_to_work(ticket)
    ticket.forwarded_to = ticket.forwarded_at = None
    ticket.reopened_at = now
    store.recompute(ticket, now)
    db.session.flush()
    _audit("ticket_reopened", user, ticket, **previous, to=str(ticket.status), why=why)
