"""Finding an identity to link: by name, @username, platform id, ticket number, phone or e-mail."""
import re

from sqlalchemy import and_, or_, select

from helpdesk.citizens.keys import email_key, phone_key
from helpdesk.extensions import db
from helpdesk.models.channel import Citizen
from helpdesk.models.person import ContactKey, KeyKind
from helpdesk.models.ticket import Ticket

RESULTS = 20
QUERY_LIMIT = 100
TICKET_NUMBER = re.compile(r"(\d{4})-(\d{1,6})")
PHONE_LIKE = re.compile(r"\+?[78][\d\s()-]{9,}")


def find_identities(query: str, exclude_person: int | None, exclude_id: int) -> list[Citizen]:
    """Identities matching what staff typed, not yet of this person, newest first."""
    q = " ".join((query or "").split())[:QUERY_LIMIT]
    if not q:
        return []
    conditions = [_by_words(q)]
    if match := TICKET_NUMBER.fullmatch(q):
        number = f"{match.group(1)}-{int(match.group(2)):06d}"
        conditions.append(Citizen.id.in_(select(Ticket.citizen_id).where(Ticket.number == number)))
    if q.startswith("@") and len(q) > 1:
        conditions.append(Citizen.username.in_(_cases(q[1:])))
    if re.fullmatch(r"[\w:-]+", q):
        conditions.append(or_(Citizen.external_user_id == q, Citizen.reply_address == q))
    key = (KeyKind.EMAIL, email_key(q)) if "@" in q[1:] else \
        (KeyKind.PHONE, phone_key(q)) if PHONE_LIKE.fullmatch(q) else None
    if key and key[1]:
        conditions.append(Citizen.id.in_(
            select(Ticket.citizen_id).join(ContactKey, ContactKey.ticket_id == Ticket.id)
            .where(ContactKey.kind == key[0].value, ContactKey.value == key[1])))
    mine = or_(Citizen.id == exclude_id, Citizen.person_id == exclude_person)
    return list(db.session.scalars(
        select(Citizen).where(or_(*conditions), ~mine, Citizen.anonymized_at.is_(None))
        .order_by(Citizen.id.desc()).limit(RESULTS)))


def _cases(word: str) -> list[str]:
    """A word as typed and in the cases profiles use (SQLite's LIKE folds only Latin letters)."""
    return list(dict.fromkeys((word, word.lower(), word.capitalize(), word.upper())))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _by_words(q: str):
    """Every word of the query in the name, first name, last name or username."""
    words = [w for w in q.lstrip("@").split() if len(w) >= 2][:3]
    if not words:
        return Citizen.id.is_(None)  # matches nothing
    fields = (Citizen.display_name, Citizen.first_name, Citizen.last_name, Citizen.username)
    return and_(*(or_(*(field.like(f"%{_escaped(form)}%", escape="\\")
                        for field in fields for form in _cases(word)))
                  for word in words))
