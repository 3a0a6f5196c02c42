"""Contact keys: phones, e-mails and full names, normalised so that two identities compare.

A ticket's keys come from what routing found in its message (`extracted`: phones, emails,
person) and from its 59-ФЗ registration (applicant's name and e-mail); an identity's name keys
from its profile. Pure functions, plus `remember_ticket`, which stores a ticket's keys (flushes).
"""
import re

from sqlalchemy import delete

from helpdesk.extensions import db
from helpdesk.models.person import ContactKey, KeyKind

VALUE_LIMIT = 200


def phone_key(raw) -> str | None:
    """+7XXXXXXXXXX from any way a Russian number is written (None: not a phone)."""
    digits = re.sub(r"\D", "", str(raw or ""))
    return "+7" + digits[-10:] if len(digits) >= 10 else None


def email_key(raw) -> str | None:
    email = str(raw or "").strip().lower()
    return email[:VALUE_LIMIT] if "@" in email else None


NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def name_key(surname, name) -> str | None:
    """«кузнецова мария» from a surname and a first name: both needed (a first name alone says
    nothing about who wrote), both words of letters (not an initial, not «VK id123»)."""
    surname, name = str(surname or "").strip(), str(name or "").strip()
    if not all(len(w) > 1 and NAME_WORD.fullmatch(w) for w in (surname, name)):
        return None
    return f"{surname} {name}".lower().replace("ё", "е")[:VALUE_LIMIT]


def ticket_keys(extracted, applicant_name=None, applicant_email=None) -> set[tuple[str, str]]:
    """(kind, value) of what a ticket carries about its author."""
    data = extracted if isinstance(extracted, dict) else {}
    keys: set[tuple[str, str]] = set()
    for phone in data.get("phones") or []:
        if value := phone_key(phone):
            keys.add((KeyKind.PHONE.value, value))
    for email in [*(data.get("emails") or []), applicant_email]:
        if value := email_key(email):
            keys.add((KeyKind.EMAIL.value, value))
    person = data.get("person") if isinstance(data.get("person"), dict) else {}
    names = [name_key(person.get("surname"), person.get("name"))]
    words = str(applicant_name or "").split()  # registered as «Фамилия Имя Отчество»
    if len(words) >= 2:
        names.append(name_key(words[0], words[1]))
    keys.update((KeyKind.NAME.value, n) for n in names if n)
    return keys


def profile_name_keys(first_name, last_name, display_name) -> set[str]:
    """Name keys of an identity's profile: its surname and first name when the platform gives
    them apart, else both readings of a two- or three-word display name."""
    if key := name_key(last_name, first_name):
        return {key}
    words = str(display_name or "").split()
    if len(words) not in (2, 3):
        return set()
    return {k for k in (name_key(words[1], words[0]), name_key(words[0], words[1])) if k}


def profile_spellings(key: str) -> tuple[list[tuple[str, str]], list[str]]:
    """How a profile may show the name of a key: (last name, first name) pairs and display
    names, in the cases platforms write them («Мария Кузнецова», «Кузнецова Мария»)."""
    surname, _, name = key.partition(" ")
    pairs, shown = [], []
    for case in (str.title, str.upper, str.lower):
        s, n = case(surname), case(name)
        pairs.append((s, n))
        shown += [f"{n} {s}", f"{s} {n}"]
    return pairs, shown


def remember_ticket(ticket) -> None:
    """Store the ticket's keys anew (after routing or registration changed what it carries)."""
    db.session.execute(delete(ContactKey).where(ContactKey.ticket_id == ticket.id)
                       .execution_options(synchronize_session=False))
    keys = ticket_keys(ticket.extracted, ticket.applicant_name, ticket.applicant_email)
    db.session.add_all(ContactKey(ticket_id=ticket.id, kind=kind, value=value)
                       for kind, value in sorted(keys))
    db.session.flush()
