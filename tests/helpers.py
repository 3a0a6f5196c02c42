"""Helpers for tests: sign-in through the real form, CSRF tokens from real pages, factories."""
import re
from datetime import datetime, timezone

from helpdesk.extensions import db
from helpdesk.models import Channel, Citizen, Department, Message, Ticket, User
from helpdesk.models.message import Direction
from helpdesk.models.ticket import TicketStatus

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, next_url: str | None = None):
    """Sign in through the real form (with its CSRF token); returns the POST response."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password,
                                  "csrf_token": token})


_VERSION = re.compile(r'name="version" value="([^"]*)"')


def post_form(client, page_url: str, action_url: str, data: dict):
    """POST to action_url with the CSRF token (and the ticket version, when the page's forms
    carry one) taken from page_url, like a browser."""
    html = client.get(page_url).get_data(as_text=True)
    version = _VERSION.search(html)
    carried = {"version": version.group(1)} if version else {}
    return client.post(action_url, data={**carried, **data, "csrf_token": csrf_from(html)})


def make_department(name: str = "Комитет по социальной политике", **kw) -> Department:
    dept = Department(name=name, **kw)
    db.session.add(dept)
    db.session.flush()
    return dept


def make_user(username: str, role: str, department: Department | None = None,
              password: str = PASSWORD, **kw) -> User:
    user = User(username=username, role=role, department=department, **kw)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_channel(kind: str = "vk", slug: str = "vk-main", **kw) -> Channel:
    channel = Channel(kind=kind, slug=slug, name=slug, token="t0ken", **kw)
    db.session.add(channel)
    db.session.flush()
    return channel


_counter = {"n": 0}


def make_ticket(channel: Channel, department: Department | None, text: str = "Прошу помочь",
                status: str = TicketStatus.ASSIGNED, citizen_name: str = "Иван Петров") -> Ticket:
    """A ticket with one inbound message, created directly in the database."""
    _counter["n"] += 1
    n = _counter["n"]
    citizen = Citizen(channel_id=channel.id, external_user_id=f"u{n}", display_name=citizen_name,
                      reply_address=f"{n}")
    db.session.add(citizen)
    db.session.flush()
    now = datetime.now(timezone.utc)
    ticket = Ticket(number=f"{now.year}-{n:06d}", status=status, channel_id=channel.id,
                    citizen_id=citizen.id, department_id=department.id if department else None,
                    received_at=now, last_message_at=now)
    db.session.add(ticket)
    db.session.flush()
    db.session.add(Message(ticket_id=ticket.id, channel_id=channel.id,
                           direction=Direction.INBOUND, text=text, external_key=f"k{n}"))
    db.session.flush()
    return ticket
