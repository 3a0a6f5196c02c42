"""What the desk pages show, computed in Python: deadline badges, panels, canned text."""
import re
from datetime import datetime, timedelta


from helpdesk.access import visible_tickets
from helpdesk.deadlines import store
from helpdesk.deadlines.calendar import WorkingCalendar
from helpdesk.deadlines.clocks import (CLOCK_LABELS, SOON_MINUTES, URGENCY_DISPLAY, badge,
                                       format_minutes, left_phrase, urgency,
                                       working_time_left)
from helpdesk.extensions import db
from helpdesk.models.ticket import STATUS_LABELS, Ticket, TicketStatus
from helpdesk.models.user import User
from helpdesk.models.outcomes import ANSWER_RESULTS, MANUAL_STATUSES
from helpdesk.tickets.queues import IN_DEPARTMENT, nearest_clock

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
    if due is None:
        return {**_NO_DUE, "clock": CLOCK_LABELS.get(clock, "")}
    soon = soon or soon_before(now, calendar)
    due_local = calendar.local_text(due)
    if due > soon or now - due > EXACT_OVERDUE:
        state = "ok" if due > now else "overdue"
        label, colour = URGENCY_DISPLAY[state]
        left = f"{(now - due).days} дн." if state == "overdue" else ""
        return {"state": state, "label": label, "colour": colour, "left": left,
                "left_text": left_phrase(left, True), "due_local": due_local,
                "clock": CLOCK_LABELS[clock]}
    # badge() with its "left" text replaced: the working time is walked and written once.
    minutes = working_time_left(due, now, calendar)
    state = urgency(due, now, calendar, left=minutes)
    label, colour = URGENCY_DISPLAY[state]
    left = time_left(ticket, clock, due, now, calendar, minutes)
    return {"state": state, "label": label, "colour": colour, "left_minutes": minutes,
            "left": left, "left_text": left_phrase(left, state == "overdue"),
            "due_local": due_local, "clock": CLOCK_LABELS[clock]}


_NO_DUE = {"state": "none", "label": URGENCY_DISPLAY["none"][0],
           "colour": URGENCY_DISPLAY["none"][1], "left": "", "left_text": "", "due_local": ""}


APPEAL_CLOCKS = ("registration_due", "forward_due", "extended_until")


def is_calendar_clock(ticket: Ticket, clock: str | None) -> bool:
    """59-ФЗ appeal terms run in calendar days; message clocks run in working time."""
    return clock in APPEAL_CLOCKS or (clock == "answer_due" and ticket.kind == "appeal")


def format_calendar(delta: timedelta) -> str:
    """Calendar time as Russian text, e.g. "29 дн. 3 ч" (negative once overdue)."""
    sign = "−" if delta.total_seconds() < 0 else ""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days} дн. {hours} ч" if hours else f"{sign}{days} дн."
    return f"{sign}{hours} ч {mins} мин" if hours else f"{sign}{mins} мин"


def time_left(ticket: Ticket, clock: str | None, due: datetime, now: datetime,
              calendar: WorkingCalendar, working_minutes: int | None = None) -> str:
    """Time left (or overdue: the text has no sign) for a clock: calendar days for appeal
    terms, working time otherwise.

    `working_minutes` is the working time left when the caller already has it (a badge).
    """
    if is_calendar_clock(ticket, clock):
        return format_calendar(abs(due - now)) + " (календ.)"
    if working_minutes is None:
        working_minutes = working_time_left(due, now, calendar)
    return format_minutes(abs(working_minutes)) + " (рабочих)"


def list_badges(tickets: list[Ticket], now: datetime, soon: datetime | None = None) -> dict[int, dict]:
    """Ticket id → badge for a page of tickets (`soon`: soon_before(now), when the caller has it)."""
    calendar = store.load_calendar()
    soon = soon or soon_before(now, calendar)
    return {t.id: list_badge(t, now, calendar, soon) for t in tickets}


def _clock_done(ticket: Ticket, name: str) -> datetime | None:
    return {"first_response_due": ticket.first_response_at, "answer_due": ticket.answered_at,
            "registration_due": ticket.registered_at, "forward_due": ticket.forwarded_at
            }.get(name)


def _ended_clock(ticket: Ticket, name: str, due: datetime, done: datetime | None) -> dict:
    """The label of a clock that no longer runs: met, late, not needed, or — a ticket closed
    with a result that claims an answer it never got (an appeal answered only before its
    registration or by an interim reply) — not met."""
    if done is not None:
        met = done <= due
        return {"label": "Выполнено в срок" if met else "Выполнено с опозданием",
                "colour": "success" if met else "secondary"}
    if name == "answer_due" and ticket.result in ANSWER_RESULTS:
        return {"label": "Не выполнено: ответ по существу не дан", "colour": "danger",
                "state": "overdue"}
    return {"label": "Не требуется", "colour": "secondary"}


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
            info.update(_ended_clock(ticket, name, due, done), due_local=calendar.local_text(due))
        else:
            info = badge(due, now, calendar)
            info["left"] = time_left(ticket, name, due, now, calendar, info["left_minutes"])
            info["left_text"] = left_phrase(info["left"], info["state"] == "overdue")
        info["name"] = CLOCK_LABELS[name]
        info["key"] = name
        rows.append(info)
    if ticket.extended_until is not None:
        rows.append({"name": CLOCK_LABELS["extended_until"], "key": "extended_until",
                     "label": ticket.extension_reason or "", "colour": "info", "left": "",
                     "left_text": "",
                     "due_local": calendar.local_text(ticket.extended_until)})
    return rows


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


UNASSIGNED_LABEL = "В подразделении"

# One label per status as every page shows it: the filter offers exactly the labels the lists
# show, so «В работе» finds the rows that say «В работе».
STATUS_FILTER_LABELS = {
    TicketStatus.NEW: STATUS_LABELS[TicketStatus.NEW],
    TicketStatus.TRIAGE: STATUS_LABELS[TicketStatus.TRIAGE],
    IN_DEPARTMENT: UNASSIGNED_LABEL,
    **{s: STATUS_LABELS[s] for s in TicketStatus if s not in (TicketStatus.NEW, TicketStatus.TRIAGE)},
}


def status_label(ticket: Ticket) -> str:
    """The status shown: a routed ticket nobody has taken is «В подразделении», not «В работе»."""
    if ticket.status == TicketStatus.ASSIGNED and ticket.assignee_id is None:
        return UNASSIGNED_LABEL
    return ticket.status_label


def manual_status_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """The status form's options, labelled as the ticket would then be shown."""
    return [(status, UNASSIGNED_LABEL if status == TicketStatus.ASSIGNED
             and ticket.assignee_id is None else STATUS_LABELS[TicketStatus(status)])
            for status in MANUAL_STATUSES]


def text_limit(ticket: Ticket) -> int:
    """The longest reply the ticket's channel accepts (the inbox adapter's limit)."""
    from helpdesk.inbox.adapters import ADAPTERS
    from helpdesk.tickets.errors import MAX_TEXT

    adapter = ADAPTERS.get(ticket.channel.kind) if ticket.channel else None
    return min(getattr(adapter, "text_limit", MAX_TEXT), MAX_TEXT)


def merged_into(user: User, ticket: Ticket) -> Ticket | None:
    """The ticket a merged duplicate went into, when the user may see it."""
    if ticket.merged_into_id is None:
        return None
    return db.session.scalar(visible_tickets(user).where(Ticket.id == ticket.merged_into_id))
