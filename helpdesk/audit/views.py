"""The auditors' page: browse and filter the audit log (read-only)."""
from datetime import date

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import roles_required
from helpdesk.audit import bp
from helpdesk.audit.labels import details_words, object_names, object_text, result_text
from helpdesk.audit.log import record
from helpdesk.audit.services import (EventFilter, action_label, known_actions,
                                     list_events)
from helpdesk.util.dates import DayError, typed_day
from helpdesk.extensions import db
from helpdesk.util.ids import parse_id
from helpdesk.models.ticket import Ticket
from helpdesk.errors import UserError


class FilterError(UserError):
    """A filter value the auditor must correct (a Russian message)."""


def _period(args) -> tuple[date | None, date | None, list[str]]:
    """The inclusive local period asked for, and the errors found in it."""
    errors, days = [], []
    for key, label in (("from", "С"), ("to", "По")):
        try:
            days.append(typed_day(args.get(key), label))
        except DayError as exc:
            errors.append(str(exc))
            days.append(None)
    start, end = days
    if start and end and end < start:
        errors.append("Дата «По» раньше даты «С»: исправьте период")
    return start, end, errors


def _ticket(value: str | None) -> int | None:
    """A ticket id typed as an id or as its number (2026-000123); -1 matches nothing."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return parse_id(value) or -1
    found = db.session.scalar(select(Ticket.id).where(Ticket.number == value[:20]))
    return found if found is not None else -1


@bp.route("/")
@roles_required("auditor", "admin")
def events():
    args = request.args
    date_from, date_to, errors = _period(args)
    flt = EventFilter(username=args.get("user", "").strip()[:64],
                      ticket_id=_ticket(args.get("ticket")), action=args.get("action", "")[:64],
                      date_from=date_from, date_to=date_to)
    rows, next_id = [], None
    if not errors:  # a mistyped filter shows nothing rather than the whole log
        rows, next_id = list_events(flt, before_id=parse_id(args.get("before")),
                                    tz=current_app.config["DISPLAY_TIMEZONE"])
    record("audit_viewed", actor=current_user, object_type="audit",
           details={k: v for k, v in args.items() if k != "before" and v})
    return render_template("audit/events.html", rows=rows, next_id=next_id, flt=flt,
                           actions=known_actions(), args=args, errors=errors,
                           action_label=action_label, details_words=details_words,
                           names=object_names(rows), object_text=object_text,
                           result_text=result_text)
