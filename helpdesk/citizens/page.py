"""What the citizen page shows: the person's identities, tickets and messages, as the user may see.

Press staff, administrators and auditors see every identity and ticket of the person. A
specialist sees the person only through their department's tickets: the identities that wrote
those tickets, those tickets and their messages; a person with none of them is a 404.
"""
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.access import denied, restrict_to_user
from helpdesk.citizens.people import group_sizes, identities, identity_ids_condition
from helpdesk.citizens.search import find_identities
from helpdesk.citizens.suggestions import Suggestion, suggestions
from helpdesk.extensions import db
from helpdesk.models.channel import Citizen
from helpdesk.models.message import Message
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import Role, User

TICKETS_SHOWN = 100
MESSAGES_SHOWN = 200
LINKERS = (Role.PRESS, Role.ADMIN)


def can_link(user: User) -> bool:
    """Press staff and administrators link and unlink identities."""
    return user.role in LINKERS


@dataclass
class Identity:
    citizen: Citizen
    tickets: int  # the ones the user may see
    profile_url: str | None


@dataclass
class CitizenPage:
    citizen: Citizen
    identities: list[Identity]
    tickets: list[Ticket]
    messages: list[Message]
    more_tickets: bool = False
    more_messages: bool = False
    suggestions: list[Suggestion] = field(default_factory=list)
    query: str = ""
    results: list[Citizen] = field(default_factory=list)
    group_sizes: dict[int, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return next((i.citizen.display_name for i in self.identities if i.citizen.display_name),
                    "без имени")


def profile_url(citizen: Citizen, kind: str) -> str | None:
    """The identity's profile on its platform, where the platform has a public address for it."""
    user_id = citizen.external_user_id or ""
    if citizen.anonymized_at is not None:
        return None
    if kind == "vk" and user_id.isdigit():
        return f"https://vk.com/id{user_id}"
    if kind == "ok" and user_id.isdigit():
        return f"https://ok.ru/profile/{user_id}"
    if kind == "telegram" and citizen.username:
        return f"https://t.me/{citizen.username}"
    return None


def citizen_or_404(user: User, citizen_id: int) -> Citizen:
    """The citizen if the user may see the person (a specialist: through a ticket of theirs)."""
    citizen = db.session.get(Citizen, citizen_id, options=[joinedload(Citizen.channel)])
    if citizen is None:
        abort(404)
    if not user.sees_all_departments and not _visible_counts(user, citizen):
        denied("citizen", citizen_id)
        abort(404)
    return citizen


def _visible_tickets(user: User, ids: list[int]):
    return restrict_to_user(select(Ticket).where(Ticket.citizen_id.in_(ids)), user)


def _visible_counts(user: User, citizen: Citizen) -> dict[int, int]:
    """citizen id → tickets the user may see, for the identities of the citizen's person."""
    group = select(Citizen.id).where(identity_ids_condition(citizen.id, citizen.person_id))
    query = restrict_to_user(select(Ticket.citizen_id, func.count()).where(
        Ticket.citizen_id.in_(group)).group_by(Ticket.citizen_id), user)
    return {citizen_id: count for citizen_id, count in db.session.execute(query)}


def build(user: User, citizen: Citizen, query: str = "") -> CitizenPage:
    """The page's blocks for this user (nothing is recorded here: the view audits the view)."""
    people = identities(citizen)
    counts = _visible_counts(user, citizen)
    shown = [Identity(c, counts.get(c.id, 0), profile_url(c, c.channel.kind)) for c in people
             if user.sees_all_departments or counts.get(c.id)]
    ids = [i.citizen.id for i in shown]
    tickets = db.session.scalars(
        _visible_tickets(user, ids).options(joinedload(Ticket.channel), joinedload(Ticket.department))
        .order_by(Ticket.received_at.desc(), Ticket.id.desc()).limit(TICKETS_SHOWN + 1)).all()
    numbers = {t.id: t for t in tickets[:TICKETS_SHOWN]}
    messages = db.session.scalars(
        select(Message).where(Message.ticket_id.in_(list(numbers)))
        .options(selectinload(Message.attachments), joinedload(Message.author))
        .order_by(Message.sent_at.desc(), Message.id.desc()).limit(MESSAGES_SHOWN + 1)).all()
    page = CitizenPage(citizen, shown, list(numbers.values()),
                       list(reversed(messages[:MESSAGES_SHOWN])),
                       more_tickets=len(tickets) > TICKETS_SHOWN,
                       more_messages=len(messages) > MESSAGES_SHOWN)
    if can_link(user):
        page.suggestions = suggestions(people)
        page.query = (query or "").strip()
        page.results = find_identities(page.query, citizen.person_id, citizen.id)
        page.group_sizes = group_sizes([s.citizen.id for s in page.suggestions]
                                       + [c.id for c in page.results])
    return page


def ticket_of(page: CitizenPage) -> dict[int, Ticket]:
    """ticket id → ticket, for the timeline's labels."""
    return {t.id: t for t in page.tickets}
