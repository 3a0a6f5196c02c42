"""Tickets with explicit times and outcomes for export, report and retention tests."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from helpdesk.extensions import db
from helpdesk.models import Citizen, Message, Ticket
from helpdesk.models.message import Direction

MSK = ZoneInfo("Europe/Moscow")
_n = {"n": 0}


def msk(*args) -> datetime:
    """A Moscow wall-clock time as aware UTC."""
    return datetime(*args, tzinfo=MSK).astimezone(timezone.utc)


def ticket(channel, department=None, *, received: datetime, citizen: Citizen | None = None,
           text: str = "Прошу отремонтировать дорогу", name: str = "Пётр Сидоров",
           username: str = "sidorov_p", **fields) -> Ticket:
    """A ticket with one inbound message; `fields` set any Ticket column."""
    _n["n"] += 1
    n = _n["n"]
    if citizen is None:
        citizen = Citizen(channel_id=channel.id, external_user_id=f"x{n}", reply_address=f"r{n}",
                          display_name=name, first_name=name.split()[0],
                          last_name=name.split()[-1], username=username)
        db.session.add(citizen)
        db.session.flush()
    t = Ticket(number=f"2026-{n:06d}", channel_id=channel.id, citizen_id=citizen.id,
               department_id=department.id if department else None, received_at=received,
               last_message_at=received, **fields)
    db.session.add(t)
    db.session.flush()
    db.session.add(Message(ticket_id=t.id, channel_id=channel.id, direction=Direction.INBOUND,
                           text=text, external_key=f"e{n}", sent_at=received, created_at=received))
    db.session.flush()
    return t
