"""The live desk's endpoints: the poll, the open ticket's fresh page, one-click routing.

Why conditional polling and not Server-Sent Events: the web runs under gunicorn's sync worker
class — one thread per request: `make run` has `--workers 1 --threads 8`, production
`--workers 4`. An SSE stream holds its thread for as long as the desk stays open, so the eighth
open tab of the embedded server (the fourth desk in production) would leave no thread for any
other request, sign-in and webhooks included. Serving streams needs an async worker class
(gevent, eventlet) with its own monkey-patching and a proxy told not to buffer; polling needs
neither. Each desk asks once a second (every few seconds while its tab is hidden) with its bus
cursor; when nothing it may see has changed the answer is a bare cursor, read from memory or one
Redis call, after the sign-in check every request makes (bench/live.py prints what an idle desk
costs). When something changed, only the changed rows are read and rendered
(helpdesk.tickets.live), not the list. An update therefore reaches a desk within about one poll
interval plus its processing, under the 2 s the desk promises.
"""
from urllib.parse import parse_qs

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from helpdesk.access import ticket_or_404, writer_required
from helpdesk.extensions import db
from helpdesk.util.ids import parse_id
from helpdesk.models.department import Department
from helpdesk.models.types import utcnow
from helpdesk.tickets import lifecycle, bp, page
from helpdesk.tickets.concurrency import check_version
from helpdesk.tickets.filters import parse_filters
from helpdesk.tickets.list_extras import department_short
from helpdesk.tickets.live import SHOWN_LIMIT, DeskView, poll
from helpdesk.web.boundary import back_on_user_error
from helpdesk.web.redirects import safe_next

bp.add_app_template_filter(department_short, "department_short")


def _desk_view() -> DeskView:
    form = request.form
    view = DeskView(typing=form.get("typing") == "1")
    if form.get("ticket"):
        view.ticket_id = parse_id(form["ticket"])
        if view.ticket_id is None:
            abort(400)
    if "list" in form:
        args = MultiDict([(k, v) for k, values in parse_qs(form["list"][:2000]).items()
                          for v in values])
        view.filters, _ = parse_filters(args, current_user)
        ids = (parse_id(i) for i in form.get("shown", "").split(",")[:SHOWN_LIMIT] if i)
        view.shown = [i for i in ids if i is not None]
        view.edge = form.get("edge", "")[:64]
    return view


@bp.route("/live/poll", methods=["POST"])
@login_required
def live_poll():
    """JSON: the desk's changes since its cursor (see helpdesk.tickets.live)."""
    answer = poll(current_user, request.form.get("cursor", "")[:100], _desk_view(), utcnow())
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tickets/<int:ticket_id>/fresh")
@login_required
def fresh_ticket(ticket_id: int):
    """The ticket page as it is now, for the open page to take its changed parts from.

    The opening of the page was audited (ticket_viewed); its live refreshes are the same
    viewing and are not, but they mark the citizen's new messages read."""
    from helpdesk.tickets.views import render_ticket

    return render_ticket(page.page_ticket(current_user, ticket_id), audit=False)


@bp.route("/tickets/<int:ticket_id>/route-to", methods=["POST"])
@writer_required
def route_to(ticket_id: int):
    """One click in the triage queue: the ticket goes to a suggested department, checked and
    audited as a re-route from the ticket page (version, active department, correction kept)."""
    back = safe_next(request.form.get("next")) or url_for("tickets.list_tickets", queue="triage")
    ticket = ticket_or_404(current_user, ticket_id)
    back_on_user_error(back)
    department_id = parse_id(request.form.get("department_id"))
    check_version(ticket, request.form.get("version"))
    lifecycle.reroute(ticket, current_user, department_id)
    flash(f"Обращение {ticket.number} передано: {db.session.get(Department, department_id).name}.",
          "success")
    return redirect(back)
