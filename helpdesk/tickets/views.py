"""Ticket lists and the ticket page: thin views, every query through helpdesk.access."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from helpdesk.access import can_be_assigned, ticket_or_404, writer_required
from helpdesk.admin.services import active_departments
from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.util.ids import parse_id
from helpdesk.models.canned import CannedResponse
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.message import Message
from helpdesk.models.ticket import ENDED_STATUSES, KIND_LABELS
from helpdesk.models.types import utcnow
from helpdesk.tickets import attachments_shown, bp, explain, page, presenters, suggest
from helpdesk.tickets.lifecycle import assignees_for
from helpdesk.models.outcomes import ART11_REASONS, RESULTS
from helpdesk.tickets.queues import (DUE_LABELS, QUEUE_LABELS, SORT_LABELS, list_page,
                                     parse_filters, queues_for)
from helpdesk.tickets.concurrency import version_of
from helpdesk.tickets.notes import record_view
from helpdesk.tickets.list_extras import row_extras
from helpdesk.tickets.bulk_views import bulk_choices
from helpdesk.tickets.live import counts_payload, desk_cursor
from helpdesk.tickets.unread import mark_read
from helpdesk.inbox import reply_files
from helpdesk.inbox.comments import invite_text


@bp.route("/")
def index():
    # The front door: straight to the sign-in page (no "please sign in" warning) or the desk.
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("tickets.list_tickets"))


@bp.route("/tickets")
@login_required
def list_tickets():
    """A queue with filters, sorting and keyset pagination."""
    filters, errors = parse_filters(request.args, current_user)
    cursor = desk_cursor()
    now = utcnow()
    soon = presenters.soon_before(now)
    page, more_errors = list_page(current_user, filters, now, soon)
    htmx = bool(request.headers.get("HX-Request"))
    for error in errors + more_errors:
        if not htmx:  # an htmx "more" request shows rows only; a flash would pop up later
            flash(error, "warning")
    departments = (db.session.scalars(select(Department).order_by(Department.name)).all()
                   if current_user.sees_all_departments else [])  # a specialist sees one anyway
    channels = db.session.scalars(select(Channel).order_by(Channel.name)).all()
    template = "tickets/_rows.html" if htmx else "tickets/list.html"
    suggestions = {} if htmx else {"districts": suggest.known_districts(),
                                   "topics": suggest.known_topics()}
    return render_template(
        template, page=page, badges=presenters.list_badges(page.tickets, now, soon), filters=filters,
        suggestions=suggestions, live_cursor=cursor, counts=None if htmx else counts_payload(current_user, now),
        extras=row_extras(current_user, page.tickets, filters.sort, filters.queue, now),
        queues=[(q, QUEUE_LABELS[q]) for q in queues_for(current_user)],
        statuses=presenters.STATUS_FILTER_LABELS, kinds=KIND_LABELS, dues=DUE_LABELS, sorts=SORT_LABELS,
        departments=departments, channels=channels, status_of=presenters.status_label,
        bulk=bulk_choices(current_user) if current_user.can_write and not htmx else None)


@bp.route("/tickets/<int:ticket_id>")
@login_required
def show(ticket_id: int):
    """The whole conversation, citizen card, routing explanation, deadlines and actions."""
    ticket = page.page_ticket(current_user, ticket_id)
    reply_text = ""
    if request.args.get("canned"):  # a canned response picked without JavaScript
        canned = _canned_or_404(ticket, parse_id(request.args["canned"]))
        reply_text = presenters.render_canned(canned.body, ticket)
    return render_ticket(ticket, reply_text)


def render_ticket(ticket, reply_text: str = "", status: int = 200, audit: bool = True,
                  personal_data: list[str] | None = None, files_dropped: int = 0):
    """Render the ticket page (records the view, marks the citizen's messages read); a refused
    reply comes back with its text (and, for a public answer, the personal data found in it,
    to be confirmed; the browser cannot keep its files: `files_dropped` of them are asked
    for again). `audit`: False for the live refresh of a page already open."""
    cursor = desk_cursor()
    data = page.page_data(current_user, ticket, utcnow())
    html = render_template(
        "tickets/show.html", ticket=ticket, messages=data.messages,
        merged_into=presenters.merged_into(current_user, ticket),
        status_of=presenters.status_label, panel=data.panel, other_tickets=data.other_tickets,
        routing=explain.routing_view(data.routing, ticket.department_id),
        extraction=explain.extraction_rows(ticket.extracted, registered=ticket.kind == "appeal"),
        canned=data.canned, reply_text=reply_text,
        assignees=assignees_for(ticket), departments=active_departments(),
        manual_statuses=presenters.manual_status_choices(ticket),
        results=RESULTS, reasons=ART11_REASONS, pending=_pending(data.messages),
        outbound=[m for m in data.messages if m.direction == "outbound"],
        attachment_groups=attachments_shown.groups, text_limit=presenters.text_limit(ticket),
        version=version_of(ticket), live_cursor=cursor,
        assign_me=ticket.is_open and ticket.assignee_id != current_user.id
        and can_be_assigned(current_user, ticket),
        extension_max=store.load_policies().appeal.max_extension_days,
        proposal=None if ticket.status in ENDED_STATUSES
        else explain.close_proposal(ticket.special_kind),
        thread=data.thread, personal_data=personal_data or [], invite_text=invite_text(),
        file_limits=reply_files.limits(), files_dropped=files_dropped, new_topics=data.new_topics)
    # Recorded once the page is built (the request commits after the view): a flush before
    # would not matter, a commit before would expire every loaded row for the template.
    if audit:
        record_view(ticket, current_user)
    mark_read(current_user, ticket.id, utcnow())
    return html, status


@bp.route("/tickets/<int:ticket_id>/delivery")
@login_required
def delivery(ticket_id: int):
    """Partial: the delivery status of the ticket's outbound messages (polled by htmx)."""
    ticket = ticket_or_404(current_user, ticket_id)
    messages = db.session.scalars(select(Message).where(
        Message.ticket_id == ticket.id, Message.direction == "outbound").order_by(Message.id)).all()
    return render_template("tickets/_delivery.html", ticket=ticket, outbound=messages,
                           pending=_pending(messages))


@bp.route("/tickets/<int:ticket_id>/canned/<int:canned_id>")
@login_required
def canned_text(ticket_id: int, canned_id: int):
    """Partial: a canned response filled for this ticket (inserted into the reply box)."""
    ticket = ticket_or_404(current_user, ticket_id)
    canned = _canned_or_404(ticket, canned_id)
    return render_template("tickets/_reply_box.html", ticket=ticket,
                           reply_text=presenters.render_canned(canned.body, ticket),
                           text_limit=presenters.text_limit(ticket))


@bp.route("/tickets/<int:ticket_id>/canned/<int:canned_id>/text")
@login_required
def canned_plain(ticket_id: int, canned_id: int):
    """A canned response filled for this ticket as plain text (inserted at the cursor)."""
    ticket = ticket_or_404(current_user, ticket_id)
    text = presenters.render_canned(_canned_or_404(ticket, canned_id).body, ticket)
    return text, 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def _canned_or_404(ticket, canned_id: int | None) -> CannedResponse:
    canned = db.session.get(CannedResponse, canned_id) if canned_id is not None else None
    if canned is None or not canned.active or canned.department_id not in (None, ticket.department_id) \
            or canned.owner_id not in (None, current_user.id):  # another's personal one
        abort(404)
    return canned


def _pending(messages) -> bool:
    return any(m.delivery_status in ("pending", "retrying") for m in messages)


@bp.route("/digest")
@login_required
def digests():
    """The latest deadline digest of the user's department (press, admin, auditor: all)."""
    from helpdesk.tickets.digest import DigestPage, digest_page

    scope = _digest_scope()
    shown = DigestPage([], [], None) if scope is False else digest_page(scope, utcnow())
    return render_template("tickets/digest.html", digests=shown.reporting, quiet=shown.quiet,
                           live_at=shown.live_at, can_refresh=scope is not False)


def _digest_scope():
    """None: every department; an id: that department; False: none (no department)."""
    if current_user.sees_all_departments:
        return None
    return current_user.department_id or False


@bp.route("/digest/refresh", methods=["POST"])
@writer_required
def refresh_digest():
    """Store fresh digests for the user's departments now (audited)."""
    from helpdesk.tickets.digest import refresh_digests

    scope = _digest_scope()
    if scope is False:
        abort(404)
    count = refresh_digests(current_user, scope)
    flash(f"Сводка обновлена (подразделений: {count}).", "success")
    return redirect(url_for("tickets.digests"))


from helpdesk.tickets import action_views  # noqa: E402,F401  (POST routes of the same blueprint)
from helpdesk.tickets import live_views  # noqa: E402,F401  (the live desk's routes)
from helpdesk.tickets import split_views  # noqa: E402,F401  (splitting a message off)
