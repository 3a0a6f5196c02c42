"""What the desk pages show, computed in Python: deadline badges, panels, canned text."""
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from helpdesk.access import visible_tickets
from helpdesk.deadlines import store
from helpdesk.deadlines.calendar import WorkingCalendar
from helpdesk.deadlines.clocks import CLOCK_LABELS, SOON_MINUTES, URGENCY_DISPLAY, badge
from helpdesk.extensions import db
from helpdesk.models.canned import CannedResponse
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import User
from helpdesk.tickets.queues import nearest_clock

PANEL_CLOCKS = ("registration_due", "first_response_due", "forward_due", "answer_due")
_PLACEHOLDER = re.compile(r"\{(name|number|due)\}")


def soon_before(now: datetime, calendar: WorkingCalendar | None = None) -> datetime:
    """The moment SOON_MINUTES of working time from now: a due before it is "soon"."""
    calendar = calendar or store.load_calendar()
    return calendar.add_working_hours(now, SOON_MINUTES / 60)


# Working time left is walked day by day: lists compute it only near the due time and show
# long overdue in calendar days, so a page costs the same however old its tickets are.
EXACT_OVERDUE = timedelta(days=10)


def list_badge(ticket: Ticket, now: datetime, calendar: WorkingCalendar,
               soon: datetime | None = None) -> dict:
    """The badge of the nearest running clock of a ticket (the lists show one per row)."""
    clock, due = nearest_clock(ticket)
    soon = soon or soon_before(now, calendar)
    if due is None or (due > now and due > soon) or now - due > EXACT_OVERDUE:
        state = "none" if due is None else ("ok" if due > now else "overdue")
        label, colour = URGENCY_DISPLAY[state]
        left = ""
        if state == "overdue":
            left = f"−{(now - due).days} дн."
        result = {"state": state, "label": label, "colour": colour, "left": left,
                  "due_local": calendar.local(due).strftime("%d.%m.%Y %H:%M") if due else ""}
    else:
        result = badge(due, now, calendar)
    result["clock"] = CLOCK_LABELS.get(clock, "")
    return result


def list_badges(tickets: list[Ticket], now: datetime) -> dict[int, dict]:
    """Ticket id → badge for a page of tickets."""
    calendar = store.load_calendar()
    soon = soon_before(now, calendar)
    return {t.id: list_badge(t, now, calendar, soon) for t in tickets}


def _clock_done(ticket: Ticket, name: str) -> datetime | None:
    return {"first_response_due": ticket.first_response_at, "answer_due": ticket.answered_at,
            "registration_due": ticket.registered_at, "forward_due": ticket.forwarded_at
            }.get(name)


def deadline_panel(ticket: Ticket, now: datetime) -> list[dict]:
    """Each clock of the ticket: label, due (Moscow), working time left, urgency colour."""
    calendar = store.load_calendar()
    rows = []
    for name in PANEL_CLOCKS:
        due = getattr(ticket, name)
        if due is None:
            continue
        done = _clock_done(ticket, name)
        if done is not None or not ticket.is_open:
            info = badge(None, now, calendar)
            met = done is not None and done <= due
            info.update(label="Выполнено в срок" if met else ("Выполнено с опозданием" if done
                        else "Не требуется"), colour="success" if met else "secondary",
                        due_local=calendar.local(due).strftime("%d.%m.%Y %H:%M"))
        else:
            info = badge(due, now, calendar)
        info["name"] = CLOCK_LABELS[name]
        info["key"] = name
        rows.append(info)
    if ticket.extended_until is not None:
        rows.append({"name": CLOCK_LABELS["extended_until"], "key": "extended_until",
                     "label": ticket.extension_reason or "", "colour": "info", "left": "",
                     "due_local": calendar.local(ticket.extended_until).strftime("%d.%m.%Y %H:%M")})
    return rows


def canned_for(ticket: Ticket) -> list[CannedResponse]:
    """Active canned responses offered on a ticket (shared ones and its department's)."""
    return list(db.session.scalars(select(CannedResponse).where(
        CannedResponse.active.is_(True),
        (CannedResponse.department_id.is_(None)) | (CannedResponse.department_id == ticket.department_id)
    ).order_by(CannedResponse.title)))


def render_canned(body: str, ticket: Ticket) -> str:
    """Fill {name}, {number} and {due}; any other brace text is left as written."""
    calendar = store.load_calendar()
    _, due = nearest_clock(ticket)
    due = ticket.answer_due or due
    values = {
        "name": ticket.applicant_name or (ticket.citizen.display_name if ticket.citizen else ""),
        "number": ticket.registration_number or ticket.number,
        "due": calendar.local(due).strftime("%d.%m.%Y") if due else "",
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], body)


def citizen_tickets(user: User, ticket: Ticket, limit: int = 20) -> list[Ticket]:
    """The citizen's other tickets the user may see (repeated appeals), newest first."""
    return list(db.session.scalars(visible_tickets(user).where(
        Ticket.citizen_id == ticket.citizen_id, Ticket.id != ticket.id
    ).order_by(Ticket.received_at.desc()).limit(limit)))


def routing_explanation(ticket: Ticket):
    """The latest routing decision of the ticket, or None."""
    from helpdesk.models.routing import RoutingDecision

    return db.session.scalar(select(RoutingDecision).where(RoutingDecision.ticket_id == ticket.id)
                             .order_by(RoutingDecision.id.desc()).limit(1))
