"""Due times of a ticket's clocks and their urgency: pure functions with "now" passed in."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone

from helpdesk.deadlines.calendar import WorkingCalendar
from helpdesk.deadlines.policy import AppealPolicy, Policies

KINDS = ("message", "appeal", "comment")


@dataclass(frozen=True)
class Clocks:
    """Every due time of a ticket (aware UTC datetimes; None when a clock does not run)."""

    first_response_due: datetime | None = None
    answer_due: datetime | None = None  # the effective answer due, extension included
    registration_due: datetime | None = None
    forward_due: datetime | None = None
    extended_until: datetime | None = None  # set only when the answer term was extended

    def as_dict(self) -> dict:
        """Field name → datetime, for templates and JSON."""
        return asdict(self)


def calendar_days_due(start: datetime, days: int, rule: str, calendar: WorkingCalendar) -> datetime:
    """End of working time on the last day of a term of `days` calendar days from `start`.

    The term counts from the day after the event (ст. 191 ГК РФ); a last day that is not
    working moves to the preceding or following working day, as the policy says. The clock
    runs out at the end of that working day: the internal control moment.
    """
    last = calendar.local(start).date() + timedelta(days=days)
    return calendar.end_of_working_day(calendar.shift_to_working_day(last, rule))


def _term_last_day(start: datetime, days: int, calendar: WorkingCalendar) -> date:
    return calendar.local(start).date() + timedelta(days=days)


def compute_due(kind: str, received_at: datetime, registered_at: datetime | None,
                extended_days: int, policies: Policies, calendar: WorkingCalendar) -> Clocks:
    """Every due time of a ticket of the given kind (UTC)."""
    if kind not in KINDS:
        raise ValueError(f"unknown ticket kind: {kind!r}")
    msg = policies.comment.effective(policies.message) if kind == "comment" else policies.message
    # The social-network clock starts with the message, whatever staff later decide:
    # an appeal still deserves an acknowledgement within the first-answer term.
    first = calendar.add_working_hours(received_at, msg.first_response_hours)
    if kind in ("message", "comment"):
        return Clocks(first_response_due=first,
                      answer_due=calendar.add_working_days(received_at, msg.answer_working_days))

    pol: AppealPolicy = policies.appeal
    rule = pol.last_day_rule
    registration = calendar_days_due(received_at, pol.registration_days, rule, calendar)
    if registered_at is None:
        # Not registered yet: only the registration clock and the first answer run.
        return Clocks(first_response_due=first, registration_due=registration)
    extended_days = extended_days or 0
    if not 0 <= extended_days <= pol.max_extension_days:
        raise ValueError(f"extension must be between 0 and {pol.max_extension_days} days")
    answer = calendar_days_due(registered_at, pol.answer_days + extended_days, rule, calendar)
    return Clocks(
        first_response_due=first,
        answer_due=answer,
        registration_due=registration,
        forward_due=calendar_days_due(registered_at, pol.forward_days, rule, calendar),
        extended_until=answer if extended_days else None,
    )


def extension_days_of(registered_at: datetime, extended_until: datetime,
                      policy: AppealPolicy, calendar: WorkingCalendar) -> int:
    """The extension (in days) that a stored extended_until stands for, within the policy."""
    base = _term_last_day(registered_at, policy.answer_days, calendar)
    days = (calendar.local(extended_until).date() - base).days
    return max(0, min(days, policy.max_extension_days))


# --- urgency, for lists and the deadline panel -------------------------------------------

URGENCY_DISPLAY = {
    # state: (label, Bootstrap colour)
    "ok": ("В срок", "success"),
    "soon": ("Срок истекает", "warning"),
    "overdue": ("Просрочено", "danger"),
    "none": ("Нет срока", "secondary"),
}
CLOCK_LABELS = {
    "first_response_due": "Первый ответ",
    "answer_due": "Ответ по существу",
    "registration_due": "Регистрация",
    "forward_due": "Направление по компетенции",
    "extended_until": "Продлено до",
}
# Two working hours: enough warning for an 8-hour first answer; views may pass more for the
# 30-day appeal clock (a full working day is 540 minutes).
SOON_MINUTES = 120


def working_time_left(due: datetime, now: datetime, calendar: WorkingCalendar) -> int:
    """Working minutes from now until due (negative once overdue)."""
    return calendar.working_minutes_between(now, due)


def urgency(due: datetime | None, now: datetime, calendar: WorkingCalendar,
            soon_minutes: int = SOON_MINUTES, left: int | None = None) -> str:
    """"ok", "soon" or "overdue" ("none" when there is no due time).

    `left` is the working time left when the caller has already computed it.
    """
    if due is None:
        return "none"
    if now >= due:
        return "overdue"
    if left is None:
        left = working_time_left(due, now, calendar)
    return "soon" if left <= soon_minutes else "ok"


def format_minutes(minutes: int) -> str:
    """Working time as Russian text, e.g. "1 дн. 2 ч 5 мин" (a day is one 9-hour working day)."""
    sign = "−" if minutes < 0 else ""
    days, rest = divmod(abs(minutes), 9 * 60)
    hours, mins = divmod(rest, 60)
    if not (days or hours):
        return f"{sign}{mins} мин"
    text = f"{sign}{days} дн." if days else sign
    if hours:
        text = f"{text} {hours} ч" if days else f"{text}{hours} ч"
    return f"{text} {mins} мин" if mins else text


def left_phrase(amount: str, overdue: bool) -> str:
    """«осталось 2 ч» or «просрочено на 3 мин»: the time is always written without a sign."""
    if not amount:
        return ""
    return f"просрочено на {amount}" if overdue else f"осталось {amount}"


def badge(due: datetime | None, now: datetime, calendar: WorkingCalendar,
          soon_minutes: int = SOON_MINUTES) -> dict:
    """Everything a template shows for one clock: state, label, colour, time left, local due.

    "left" is the time left or overdue without a sign; "left_text" says which.
    """
    if due is None:
        label, colour = URGENCY_DISPLAY["none"]
        return {"state": "none", "label": label, "colour": colour, "left_minutes": None,
                "left": "", "left_text": "", "due_local": ""}
    left = working_time_left(due, now, calendar)  # walked once: urgency and text share it
    state = urgency(due, now, calendar, soon_minutes, left)
    label, colour = URGENCY_DISPLAY[state]
    amount = format_minutes(abs(left))
    return {
        "state": state, "label": label, "colour": colour, "left_minutes": left,
        "left": amount, "left_text": left_phrase(amount, state == "overdue"),
        "due_local": calendar.local_text(due),
    }


def to_utc(moment: datetime, calendar: WorkingCalendar) -> datetime:
    """Aware UTC; a naive value is read as the calendar's local time (CLI and forms)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.tz)
    return moment.astimezone(timezone.utc)
