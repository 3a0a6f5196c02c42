"""Anonymising one person now (a citizen withdraws consent, 152-ФЗ ст. 9 ч. 2, ст. 21 ч. 5).

A person is one: every identity linked to them and every ticket of each identity are
anonymised together, as the retention run does when their term is over. Refused while any of
those tickets is still open: the citizen is still being answered.
"""
from datetime import datetime

from sqlalchemy import exists, or_, select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.channel import Citizen
from helpdesk.models.retention import AnonymisedTicket
from helpdesk.models.ticket import OPEN_STATUSES, Ticket
from helpdesk.models.types import utcnow
from helpdesk.retention.services import (BATCH, RetentionError, RetentionResult, anonymise_batch,
                                         wipe_identity)

OPEN_NAMED = 5


def person_identities(citizen: Citizen) -> list[Citizen]:
    """The citizen and every identity linked to the same person (row-locked on PostgreSQL)."""
    query = select(Citizen).where(or_(Citizen.id == citizen.id,
                                      Citizen.person_id == citizen.person_id))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(db.session.scalars(query.order_by(Citizen.id)))


def anonymise_person(citizen: Citizen, actor, now: datetime | None = None) -> RetentionResult:
    """Anonymise all identities of the citizen's person and all their tickets (flushes, audits)."""
    now = now or utcnow()
    group = person_identities(citizen)
    ids = [c.id for c in group]
    still_open = db.session.scalars(
        select(Ticket.number).where(Ticket.citizen_id.in_(ids),
                                    Ticket.status.in_([str(s) for s in OPEN_STATUSES]))
        .order_by(Ticket.id).limit(OPEN_NAMED + 1)).all()
    if still_open:
        named = ", ".join(f"№ {n}" for n in still_open[:OPEN_NAMED])
        more = " и другие" if len(still_open) > OPEN_NAMED else ""
        raise RetentionError(f"У гражданина есть открытые обращения ({named}{more}): обезличить "
                             "данные можно, когда они будут закрыты")
    result = RetentionResult(days=0, cutoff=now.isoformat())
    done = exists().where(AnonymisedTicket.ticket_id == Ticket.id)
    while tickets := list(db.session.scalars(
            select(Ticket.id).where(Ticket.citizen_id.in_(ids), ~done)
            .order_by(Ticket.id).limit(BATCH))):
        anonymise_batch(tickets, result, now)
    for identity in group:
        if identity.anonymized_at is None:
            wipe_identity(identity, now)
            result.citizens += 1
    db.session.flush()
    record("person_anonymised", actor=actor, object_type="citizen", object_id=str(citizen.id),
           details={"identities": ids, "tickets": result.tickets, "messages": result.messages,
                    "attachments": result.attachments, "files_deleted": result.files_deleted,
                    "training_examples": result.training_examples})
    return result
