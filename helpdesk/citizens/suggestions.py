"""«Возможно, это тот же человек»: identities sharing a phone, e-mail or full name with a person.

What is compared: the contact keys of the person's tickets (phones, e-mails and names routing
found in the messages, the 59-ФЗ applicant's name and e-mail) and the names of the person's
profiles, against the same of every other identity. Only ever suggested; staff link by hand.
"""
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select

from helpdesk.citizens.keys import profile_name_keys, profile_spellings
from helpdesk.extensions import db
from helpdesk.models.channel import Citizen
from helpdesk.models.person import ContactKey, KeyKind
from helpdesk.models.ticket import Ticket

SHOWN = 10
MATCHED_ROWS = 500  # a number quoted by many (a hotline) must not load every ticket quoting it
STRENGTH = {KeyKind.PHONE.value: 0, KeyKind.EMAIL.value: 1, KeyKind.NAME.value: 2}


@dataclass
class Suggestion:
    citizen: Citizen
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (kind, value), strongest first

    @property
    def reason_texts(self) -> list[str]:
        return [reason_text(kind, value) for kind, value in self.reasons]


def reason_text(kind: str, value: str) -> str:
    """«тот же телефон +7 900 123-45-67», «тот же e-mail …», «те же фамилия и имя: …»."""
    if kind == KeyKind.PHONE:
        digits = value[2:]
        if len(digits) == 10:
            value = f"+7 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
        return f"тот же телефон {value}"
    if kind == KeyKind.EMAIL:
        return f"тот же e-mail {value}"
    return f"те же фамилия и имя: {value.title()}"


def own_keys(people: list[Citizen]) -> set[tuple[str, str]]:
    """(kind, value) of the person: its tickets' contact keys and its profiles' names."""
    ids = [c.id for c in people]
    keys = set(db.session.execute(
        select(ContactKey.kind, ContactKey.value).join(Ticket, Ticket.id == ContactKey.ticket_id)
        .where(Ticket.citizen_id.in_(ids))).tuples())
    for c in people:
        keys |= {(KeyKind.NAME.value, k) for k in profile_name_keys(c.first_name, c.last_name,
                                                                     c.display_name)}
    return keys


def _by_contact_keys(keys: set[tuple[str, str]], exclude: list[int]) -> list[tuple[int, str, str]]:
    """(citizen id, kind, value) of other identities whose tickets carry one of the keys."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, []).append(value)
    wanted = or_(*(and_(ContactKey.kind == kind, ContactKey.value.in_(sorted(values)))
                   for kind, values in by_kind.items()))
    return list(db.session.execute(
        select(Ticket.citizen_id, ContactKey.kind, ContactKey.value)
        .join(Ticket, Ticket.id == ContactKey.ticket_id)
        .where(wanted, Ticket.citizen_id.not_in(exclude)).limit(MATCHED_ROWS)).tuples())


def _by_profile_names(names: set[str], exclude: list[int]) -> list[tuple[int, str, str]]:
    """(citizen id, "name", key) of other identities whose profile shows one of the names."""
    found = []
    for key in sorted(names):
        pairs, shown = profile_spellings(key)
        rows = db.session.scalars(select(Citizen.id).where(
            or_(Citizen.display_name.in_(shown),
                *(and_(Citizen.last_name == s, Citizen.first_name == n) for s, n in pairs)),
            Citizen.id.not_in(exclude)).limit(MATCHED_ROWS))
        found += [(citizen_id, KeyKind.NAME.value, key) for citizen_id in rows]
    return found


def suggestions(people: list[Citizen], limit: int = SHOWN) -> list[Suggestion]:
    """Other identities that may be the same person, the best-supported first."""
    keys = own_keys(people)
    if not keys:
        return []
    exclude = [c.id for c in people]
    names = {value for kind, value in keys if kind == KeyKind.NAME}
    matches = _by_contact_keys(keys, exclude) + _by_profile_names(names, exclude)
    reasons: dict[int, dict] = {}
    for citizen_id, kind, value in matches:
        # A name read both ways («Мария Кузнецова», «Кузнецова Мария») is one reason; the
        # surname-first reading routing found comes first in `matches` and is kept.
        same = frozenset(value.split()) if kind == KeyKind.NAME else value
        reasons.setdefault(citizen_id, {}).setdefault((kind, same), (kind, value))
    if not reasons:
        return []
    citizens = db.session.scalars(select(Citizen).where(
        Citizen.id.in_(list(reasons)), Citizen.anonymized_at.is_(None))).all()
    found = [Suggestion(c, sorted(reasons[c.id].values(),
                                  key=lambda r: (STRENGTH.get(r[0], 9), r[1])))
             for c in citizens]
    found.sort(key=lambda s: (min(STRENGTH.get(k, 9) for k, _ in s.reasons), -len(s.reasons),
                              -s.citizen.id))
    return found[:limit]
