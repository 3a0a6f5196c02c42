"""A small desk world for tests: departments, users of every role, a channel, tickets."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from werkzeug.security import generate_password_hash

from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.models import Citizen, Department, Message, Ticket, User
from helpdesk.models.message import Direction
from helpdesk.models.ticket import TicketStatus
from tests.helpers import PASSWORD, make_channel

_HASH = generate_password_hash(PASSWORD, method="scrypt")  # once per run: scrypt is slow


@dataclass
class World:
    social: Department
    economy: Department
    press_dept: Department
    users: dict
    channel: object
    ticket: Ticket


def make_fast_user(username: str, role: str, department=None, **kw) -> User:
    """A user with the shared password hash (sign-in still checks it through the real form)."""
    user = User(username=username, role=role, department=department, password_hash=_HASH, **kw)
    db.session.add(user)
    db.session.flush()
    return user


_n = {"n": 0}


def add_ticket(channel, department, text="Прошу разобраться с пропуском", name="Иван Петров",
               status=TicketStatus.ASSIGNED, received_at=None, citizen=None, **fields) -> Ticket:
    """A ticket with one inbound message and computed clocks."""
    _n["n"] += 1
    n = _n["n"]
    if citizen is None:
        citizen = Citizen(channel_id=channel.id, external_user_id=f"cit{n}", display_name=name,
                          reply_address=str(1000 + n))
        db.session.add(citizen)
        db.session.flush()
    received = received_at or datetime.now(timezone.utc) - timedelta(minutes=n)
    ticket = Ticket(number=f"2026-{n:06d}", status=status, channel_id=channel.id,
                    citizen_id=citizen.id, department_id=department.id if department else None,
                    received_at=received, last_message_at=received, **fields)
    db.session.add(ticket)
    db.session.flush()
    db.session.add(Message(ticket_id=ticket.id, channel_id=channel.id, direction=Direction.INBOUND,
                           text=text, external_key=f"ext{n}", sent_at=received, created_at=received))
    store.recompute(ticket, received)
    db.session.flush()
    return ticket


def build_world() -> World:
    """Departments A (social), B (economy), the press triage department and one user per role."""
    store.seed_defaults()
    social = Department(name="Комитет по социальной политике")
    economy = Department(name="Комитет по экономике")
    press_dept = Department(name="Пресс-служба", is_triage=True)
    db.session.add_all([social, economy, press_dept])
    db.session.flush()
    users = {
        "press": make_fast_user("press", "press", press_dept),
        "admin": make_fast_user("admin", "admin"),
        "auditor": make_fast_user("auditor", "auditor"),
        "spec_a": make_fast_user("spec_a", "specialist", social, full_name="Анна Сафина"),
        "spec_a2": make_fast_user("spec_a2", "specialist", social, full_name="Булат Гарипов"),
        "spec_b": make_fast_user("spec_b", "specialist", economy),
    }
    channel = make_channel()
    ticket = add_ticket(channel, social)
    db.session.commit()
    return World(social, economy, press_dept, users, channel, ticket)
