"""Ticket views: thin wrappers over services, every query through helpdesk.access."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from helpdesk.access import ticket_or_404, visible_tickets, writer_required
from helpdesk.extensions import db
from helpdesk.models.message import Message
from helpdesk.models.ticket import Ticket
from helpdesk.tickets import bp
from helpdesk.tickets.services import TicketError, add_note, record_view

PAGE_SIZE = 50


@bp.route("/")
@login_required
def index():
    return redirect(url_for("tickets.list_tickets"))


@bp.route("/tickets")
@login_required
def list_tickets():
    query = visible_tickets(current_user).order_by(Ticket.id.desc()).limit(PAGE_SIZE)
    tickets = db.session.scalars(query).all()
    return render_template("tickets/list.html", tickets=tickets)


@bp.route("/tickets/<int:ticket_id>")
@login_required
def show(ticket_id: int):
    ticket = ticket_or_404(current_user, ticket_id)
    messages = db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)).all()
    record_view(ticket, current_user)
    db.session.commit()
    return render_template("tickets/show.html", ticket=ticket, messages=messages)


@bp.route("/tickets/<int:ticket_id>/note", methods=["POST"])
@writer_required
def note(ticket_id: int):
    ticket = ticket_or_404(current_user, ticket_id)
    try:
        add_note(ticket, current_user, request.form.get("text", ""))
    except TicketError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash("Заметка добавлена.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket.id))
