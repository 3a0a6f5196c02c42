"""The auditors' page: browse and filter the audit log (read-only)."""
from datetime import date

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import roles_required
from helpdesk.audit import bp
from helpdesk.audit.log import record
from helpdesk.audit.services import EventFilter, known_actions, list_events
from helpdesk.extensions import db
from helpdesk.models.ticket import Ticket


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _ticket(value: str | None) -> int | None:
    """A ticket id typed as an id or as its number (2026-000123); -1 matches nothing."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    found = db.session.scalar(select(Ticket.id).where(Ticket.number == value[:20]))
    return found if found is not None else -1


@bp.route("/")
@roles_required("auditor", "admin")
def events():
    args = request.args
    flt = EventFilter(username=args.get("user", "").strip()[:64],
                      ticket_id=_ticket(args.get("ticket")), action=args.get("action", "")[:64],
                      date_from=_date(args.get("from")), date_to=_date(args.get("to")))
    rows, next_id = list_events(flt, before_id=_int(args.get("before")),
                                tz=current_app.config["DISPLAY_TIMEZONE"])
    record("audit_viewed", actor=current_user, object_type="audit",
           details={k: v for k, v in args.items() if k != "before" and v})
    db.session.commit()
    return render_template("audit/events.html", rows=rows, next_id=next_id, flt=flt,
                           actions=known_actions(), args=args)
