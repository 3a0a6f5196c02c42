"""A person's identities, linked and unlinked by hand (each audited, each reversible).

Linking an identity brings it, and every identity already linked to it, into this person;
unlinking makes an identity a person of its own again. Services flush; the request commits.
"""
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import aliased

from helpdesk.audit.log import record
from helpdesk.errors import UserError
from helpdesk.extensions import db
from helpdesk.models.channel import Citizen
from helpdesk.models.person import Person
from helpdesk.models.user import User


class LinkError(UserError):
    """A link or unlink that cannot be made."""


def same_person(other, citizen):
    """SQL: `other` is an identity of the person of `citizen` (two aliases of citizens).

    An identity whose person is unknown (a row written around the ORM) is its own person."""
    return or_(other.id == citizen.id, other.person_id == citizen.person_id)


def identity_ids_condition(citizen_id: int, person_id: int | None):
    """SQL on citizens: the identities of the person of citizen `citizen_id`."""
    return or_(Citizen.id == citizen_id, Citizen.person_id == person_id)


def identities(citizen: Citizen, lock: bool = False) -> list[Citizen]:
    """Every identity of the citizen's person (the citizen first, then by channel and id)."""
    query = select(Citizen).where(identity_ids_condition(citizen.id, citizen.person_id))
    if lock and db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    found = db.session.scalars(query.order_by(Citizen.channel_id, Citizen.id)).all()
    return sorted(found, key=lambda c: c.id != citizen.id)


def group_sizes(citizen_ids: list[int]) -> dict[int, int]:
    """citizen id → how many identities its person has (itself included)."""
    if not citizen_ids:
        return {}
    mine, other = aliased(Citizen), aliased(Citizen)
    rows = db.session.execute(
        select(mine.id, other.id).join(other, same_person(other, mine))
        .where(mine.id.in_(citizen_ids))).all()
    sizes: dict[int, int] = {}
    for citizen_id, _ in rows:
        sizes[citizen_id] = sizes.get(citizen_id, 0) + 1
    return sizes


def _own_person(citizen: Citizen) -> int:
    """The citizen's person id, creating the person for a row that has none."""
    if citizen.person_id is None:
        citizen.person = Person()
        db.session.flush()
    return citizen.person_id


@dataclass
class LinkResult:
    moved: list[int]  # the identities that joined the person
    person_id: int


def link(citizen: Citizen, other_id: int | None, actor: User) -> LinkResult:
    """Link identity `other_id` (and the identities linked to it) to the citizen's person."""
    other = db.session.get(Citizen, other_id) if other_id is not None else None
    if other is None:
        raise LinkError("Учётная запись не найдена")
    if other.anonymized_at is not None or citizen.anonymized_at is not None:
        raise LinkError("Обезличенную учётную запись связать нельзя")
    mine = identities(citizen, lock=True)
    if other.id in {c.id for c in mine}:
        raise LinkError("Эта учётная запись уже связана с гражданином")
    theirs = identities(other, lock=True)
    target = _own_person(citizen)
    previous = other.person_id
    for identity in theirs:
        identity.person_id = target
    db.session.flush()
    if previous is not None and previous != target:  # nobody points at it any more
        db.session.execute(delete(Person).where(Person.id == previous)
                           .execution_options(synchronize_session=False))
    moved = sorted(c.id for c in theirs)
    record("citizen_linked", actor=actor, object_type="citizen", object_id=str(citizen.id),
           details={"identity": other.id, "identities": moved, "person": target,
                    "previous_person": previous})
    return LinkResult(moved, target)


def unlink(citizen: Citizen, identity_id: int | None, actor: User) -> int:
    """Make one identity of the citizen's person a person of its own; returns the id of an
    identity still showing the person (the citizen itself unless it was the one unlinked)."""
    group = identities(citizen, lock=True)
    identity = next((c for c in group if c.id == identity_id), None)
    if identity is None:
        raise LinkError("Эта учётная запись не связана с гражданином")
    if len(group) < 2:
        raise LinkError("У гражданина одна учётная запись: отвязывать нечего")
    previous = identity.person_id
    identity.person = Person()
    db.session.flush()
    record("citizen_unlinked", actor=actor, object_type="citizen", object_id=str(citizen.id),
           details={"identity": identity.id, "previous_person": previous,
                    "person": identity.person_id})
    if identity.id != citizen.id:
        return citizen.id
    return next(c.id for c in group if c.id != identity.id)
