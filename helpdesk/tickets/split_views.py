"""POST routes of the ticket page that split a citizen message off into a new ticket, or keep
a message flagged as a new topic in its ticket."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from helpdesk.access import ticket_or_404, visible_tickets, writer_required
from helpdesk.extensions import db
from helpdesk.models.ticket import Ticket
from helpdesk.tickets import bp
from helpdesk.tickets.concurrency import check_version
from helpdesk.tickets.new_topic import keep_in_ticket
from helpdesk.tickets.split import split
from helpdesk.web.boundary import back_on_user_error


@bp.route("/tickets/<int:ticket_id>/messages/<int:message_id>/split", methods=["POST"])
@writer_required
def split_message(ticket_id: int, message_id: int):
    """Split the message and the ones after it into a new ticket; show the new ticket."""
    ticket = ticket_or_404(current_user, ticket_id)
    back_on_user_error(url_for("tickets.show", ticket_id=ticket_id))
    check_version(ticket, request.form.get("version"))
    new = split(ticket, current_user, message_id)
    flash(f"Сообщение выделено в новое обращение № {new.number}: оно получит подтверждение, "
          f"маршрутизацию и свои сроки. Исходное — № {ticket.number}.", "success")
    # A specialist sees the new ticket only once routing brings it to their department.
    visible = db.session.scalar(visible_tickets(current_user).where(Ticket.id == new.id))
    return redirect(url_for("tickets.show", ticket_id=new.id if visible else ticket_id))


@bp.route("/tickets/<int:ticket_id>/messages/<int:message_id>/keep", methods=["POST"])
@writer_required
def keep_message(ticket_id: int, message_id: int):
    """The flagged message stays in its ticket: the split proposal is withdrawn (audited)."""
    ticket = ticket_or_404(current_user, ticket_id)
    back_on_user_error(url_for("tickets.show", ticket_id=ticket_id))
    keep_in_ticket(ticket, current_user, message_id)
    flash("Сообщение оставлено в этом обращении.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket_id, _anchor=f"m{message_id}"))
