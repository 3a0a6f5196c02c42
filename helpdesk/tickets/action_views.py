"""POST routes of the ticket page: one service call each, redirect back (no JS needed)."""
import re

from flask import flash, redirect, request, url_for
from flask_login import current_user

from helpdesk.access import ticket_or_404, writer_required
from helpdesk.extensions import db
from helpdesk.util.ids import parse_id
from helpdesk.models.message import Message
from helpdesk.web.templating import local_time
from helpdesk.tickets import lifecycle, bp
from helpdesk.tickets.concurrency import check_version
from helpdesk.util.text import is_blank
from helpdesk.tickets.comment_actions import PersonalDataWarning, hide_comment
from helpdesk.tickets.errors import TicketError
from helpdesk.tickets.notes import add_note
from helpdesk.inbox import reply_files
from helpdesk.web.boundary import accepts_files, back_on_user_error, flashed, on_user_error


def _run(ticket_id: int, action, success, guarded: bool = True):
    """Load the ticket through access control, run the action (a refusal is flashed on the page).

    A guarded action (one that changes the ticket's state) is refused when the form was filled on
    an older version of the ticket; appending actions (notes, a retried delivery) are not.
    `success` is the message shown, or a function of the changed ticket that writes it."""
    ticket = ticket_or_404(current_user, ticket_id)
    back_on_user_error(url_for("tickets.show", ticket_id=ticket_id))
    if guarded:
        check_version(ticket, request.form.get("version"))
    action(ticket)
    flash(success(ticket) if callable(success) else success, "success")
    if not _still_visible(ticket_id):  # e.g. rerouted away from the user's department
        return redirect(url_for("tickets.list_tickets"))
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


def _still_visible(ticket_id: int) -> bool:
    from helpdesk.access import visible_tickets
    from helpdesk.models.ticket import Ticket

    return db.session.scalar(visible_tickets(current_user).where(Ticket.id == ticket_id)) is not None


def _form(name: str) -> str:
    return request.form.get(name, "")


def _int(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    if not value:
        return None
    number = parse_id(value)
    if number is None:
        raise TicketError("Неверное числовое значение")
    return number


def _days() -> int:
    """A number of days as typed, sign included: its range is the action's to judge."""
    value = request.form.get("days", "").strip()
    if not re.fullmatch(r"[-+]?\d{1,6}", value):
        raise TicketError("Укажите число дней")
    return int(value)


@bp.route("/tickets/<int:ticket_id>/note", methods=["POST"])
@writer_required
def note(ticket_id: int):
    return _run(ticket_id, lambda t: add_note(t, current_user, _form("text")), "Заметка добавлена.",
                guarded=False)


@bp.route("/tickets/<int:ticket_id>/reply", methods=["POST"])
@accepts_files(lambda: reply_files.limits().request_bytes)
@writer_required
def reply(ticket_id: int):
    ticket = ticket_or_404(current_user, ticket_id)
    if is_blank(_form("text")):  # nothing typed to keep: the refusal is flashed on the page
        back_on_user_error(url_for("tickets.show", ticket_id=ticket_id))
    else:  # keep the typed text: the page comes back with it and the error
        on_user_error(lambda exc: _refused_reply(exc, ticket_id))
    final = _reply_kind()
    files = reply_files.check(request.files.getlist("files"))  # limits, types, by their bytes
    # Guarded like a state change: the same reply sent again (Back, a reload, a second
    # tab) or typed over a newer citizen message is refused, and the text is kept.
    check_version(ticket, request.form.get("version"))
    lifecycle.reply(ticket, current_user, _form("text"), final=final,
                    confirm_personal=request.form.get("confirm_personal") == "1", files=files)
    flash("Ответ поставлен в очередь отправки.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


REPLY_KINDS = {"1": True, "0": False}


def _reply_kind() -> bool:
    """Whether the reply is on the substance: the person chooses, the form has no default."""
    value = request.form.get("final", "")
    if value not in REPLY_KINDS:
        raise TicketError("Выберите вид ответа: «По существу» или «Промежуточный». "
                          "Ответ не отправлен")
    return REPLY_KINDS[value]


def _refused_reply(exc, ticket_id: int):
    """The page again with the typed text and the refusal; a public answer with personal data
    in it also lists them, with the box to confirm (PersonalDataWarning)."""
    from helpdesk.tickets.views import render_ticket

    found = exc.found if isinstance(exc, PersonalDataWarning) else None
    flash(str(exc), "warning" if found else "danger")
    chosen = sum(1 for f in request.files.getlist("files") if (f.filename or "").strip())
    return render_ticket(ticket_or_404(current_user, ticket_id), _form("text"), 422,
                         personal_data=found, files_dropped=chosen)


@bp.route("/tickets/<int:ticket_id>/invite", methods=["POST"])
@writer_required
def invite(ticket_id: int):
    """A public comment thread: invite the citizen to write in private messages."""
    from helpdesk.inbox.comments import invite_text

    def action(ticket):
        if ticket.post_id is None:
            raise TicketError("Приглашение в личные сообщения — только для комментариев")
        lifecycle.reply(ticket, current_user, invite_text(), final=False)
    return _run(ticket_id, action, "Приглашение написать в личные сообщения поставлено в "
                                   "очередь отправки.")


@bp.route("/tickets/<int:ticket_id>/messages/<int:message_id>/hide", methods=["POST"])
@writer_required
def hide(ticket_id: int, message_id: int):
    """Hide an abusive comment on the platform, with a reason (audited)."""
    return _run(ticket_id, lambda t: hide_comment(t, current_user, message_id, _form("reason")),
                "Комментарий будет скрыт на платформе; его текст сохранён здесь.", guarded=False)


@bp.route("/tickets/<int:ticket_id>/reopen", methods=["POST"])
@writer_required
def reopen(ticket_id: int):
    return _run(ticket_id, lambda t: lifecycle.reopen(t, current_user, _form("why")),
                "Обращение снова в работе.")


@bp.route("/tickets/<int:ticket_id>/assign", methods=["POST"])
@writer_required
def assign(ticket_id: int):
    return _run(ticket_id, lambda t: lifecycle.assign(t, current_user, _int("assignee_id")),
                "Исполнитель назначен.")


@bp.route("/tickets/<int:ticket_id>/reroute", methods=["POST"])
@writer_required
def reroute(ticket_id: int):
    return _run(ticket_id, lambda t: lifecycle.reroute(t, current_user, _int("department_id")),
                "Обращение передано в другое подразделение.")


@bp.route("/tickets/<int:ticket_id>/status", methods=["POST"])
@writer_required
def status(ticket_id: int):
    return _run(ticket_id, lambda t: lifecycle.change_status(t, current_user, _form("status")),
                "Статус изменён.")


@bp.route("/tickets/<int:ticket_id>/register", methods=["POST"])
@writer_required
def register(ticket_id: int):
    return _run(ticket_id, lambda t: lifecycle.register_appeal(
        t, current_user, _form("name"), _form("address"), _form("email")),
        lambda t: "Обращение зарегистрировано (59-ФЗ), срок ответа — до "
                  f"{local_time(t.answer_due, '%d.%m.%Y')}.")


@bp.route("/tickets/<int:ticket_id>/extend", methods=["POST"])
@writer_required
def extend(ticket_id: int):
    return _run(ticket_id, lambda t: lifecycle.extend(
        t, current_user, _days(), _form("reason"), _form("notice")),
        lambda t: f"Срок продлён до {local_time(t.extended_until, '%d.%m.%Y')}, гражданину "
                  "отправлено уведомление.")


@bp.route("/tickets/<int:ticket_id>/forward", methods=["POST"])
@writer_required
def forward(ticket_id: int):
    return _run(ticket_id, lambda t: lifecycle.forward(t, current_user, _form("body"), _form("notice")),
                "Обращение направлено по компетенции, гражданин уведомлён.")


@bp.route("/tickets/<int:ticket_id>/close", methods=["POST"])
@writer_required
def close(ticket_id: int):
    return _run(ticket_id, lambda t: lifecycle.close(t, current_user, _form("result"), _form("reason")),
                "Обращение закрыто.")


@bp.route("/tickets/<int:ticket_id>/merge", methods=["POST"])
@writer_required
def merge(ticket_id: int):
    def action(ticket):
        target = db.session.scalar(lifecycle.merge_target_query(current_user, _form("target")))
        if target is None:
            raise TicketError("Обращение с таким номером не найдено")
        lifecycle.merge(ticket, current_user, target)
    return _run(ticket_id, action, "Дубликат объединён.")


@bp.route("/tickets/<int:ticket_id>/messages/<int:message_id>/retry", methods=["POST"])
@writer_required
def retry(ticket_id: int, message_id: int):
    def action(ticket):
        from helpdesk.inbox.outbox import ReplyError, retry_delivery

        message = db.session.get(Message, message_id)
        if message is None or message.ticket_id != ticket.id:
            raise TicketError("Сообщение не найдено")
        try:
            retry_delivery(message, current_user)
        except ReplyError as exc:
            raise TicketError(str(exc)) from None
    return _run(ticket_id, action, "Отправка повторена.", guarded=False)
