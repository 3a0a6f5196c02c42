"""A person groups channel identities: new identities, linking by hand, unlinking, the audit."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from helpdesk.citizens import people
from helpdesk.citizens.people import LinkError
from helpdesk.extensions import db
from helpdesk.inbox.ingest import ingest
from helpdesk.inbox.types import IncomingMessage
from helpdesk.models import AuditEvent, Citizen, Person
from helpdesk.models.types import utcnow


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def _person(citizen) -> int:
    db.session.refresh(citizen)
    return citizen.person_id


def test_every_identity_starts_as_a_person_of_its_own(cross):
    persons = [_person(c) for c in (cross.maria_tg, cross.maria_vk, cross.maria_ok)]
    assert None not in persons and len(set(persons)) == 3


def test_ingest_gives_a_new_citizen_a_person_and_keeps_it(cross):
    def message(n: int) -> IncomingMessage:
        return IncomingMessage(event_key=f"ev{n}", message_key=f"m{n}", external_user_id="555",
                               reply_address="555", text=f"Сообщение {n}",
                               sent_at=datetime.now(timezone.utc), display_name="Алсу Галиева")

    first = ingest(cross.telegram, message(1))
    db.session.flush()
    citizen = db.session.get(Citizen, first.ticket.citizen_id)
    assert citizen.person_id is not None
    assert db.session.get(Person, citizen.person_id) is not None
    ingest(cross.telegram, message(2))
    db.session.flush()
    assert _person(citizen) == citizen.person_id
    assert db.session.scalar(select(Citizen.id).where(Citizen.person_id == citizen.person_id,
                                                      Citizen.id != citizen.id)) is None


def test_link_brings_the_identity_into_the_person_and_is_audited(cross):
    press = cross.world.users["press"]
    tg, vk = cross.maria_tg, cross.maria_vk
    old_person = vk.person_id
    result = people.link(tg, vk.id, press)
    db.session.commit()
    assert result.moved == [vk.id]
    assert _person(vk) == _person(tg) == result.person_id
    assert db.session.get(Person, old_person) is None  # nobody pointed at it any more
    assert [c.id for c in people.identities(tg)] == [tg.id, vk.id]
    event = _events("citizen_linked")[-1]
    assert (event.username, event.object_type, event.object_id) == ("press", "citizen", str(tg.id))
    assert event.details == {"identity": vk.id, "identities": [vk.id], "person": tg.person_id,
                             "previous_person": old_person}


def test_linking_one_identity_of_a_group_brings_the_whole_group(cross):
    press = cross.world.users["press"]
    tg, vk, ok = cross.maria_tg, cross.maria_vk, cross.maria_ok
    people.link(vk, ok.id, press)
    result = people.link(tg, ok.id, press)
    assert sorted(result.moved) == sorted([vk.id, ok.id])
    assert {_person(c) for c in (tg, vk, ok)} == {tg.person_id}
    assert sorted(c.id for c in people.identities(ok)) == sorted([tg.id, vk.id, ok.id])


def test_unlink_gives_the_identity_a_person_of_its_own_and_can_be_undone(cross):
    admin = cross.world.users["admin"]
    tg, vk = cross.maria_tg, cross.maria_vk
    people.link(tg, vk.id, admin)
    shown = people.unlink(tg, vk.id, admin)
    db.session.commit()
    assert shown == tg.id
    assert _person(vk) != _person(tg) and vk.person_id is not None
    event = _events("citizen_unlinked")[-1]
    assert event.details["identity"] == vk.id and event.details["previous_person"] == tg.person_id
    assert event.details["person"] == vk.person_id
    people.link(tg, vk.id, admin)  # reversible: linked again
    assert _person(vk) == _person(tg)


def test_unlinking_the_identity_the_page_shows_points_to_one_that_stays(cross):
    admin = cross.world.users["admin"]
    tg, vk = cross.maria_tg, cross.maria_vk
    people.link(tg, vk.id, admin)
    assert people.unlink(tg, tg.id, admin) == vk.id
    assert [c.id for c in people.identities(vk)] == [vk.id]


@pytest.mark.parametrize("case, message", [
    ("self", "уже связана"), ("linked", "уже связана"), ("missing", "не найдена"),
    ("none", "не найдена"), ("anonymised", "Обезличенную"),
])
def test_link_refusals(cross, case, message):
    press = cross.world.users["press"]
    tg, vk = cross.maria_tg, cross.maria_vk
    target = {"self": tg.id, "linked": vk.id, "missing": 10**6, "none": None,
              "anonymised": vk.id}[case]
    if case == "linked":
        people.link(tg, vk.id, press)
    if case == "anonymised":
        vk.anonymized_at = utcnow()
    before = len(_events("citizen_linked"))
    with pytest.raises(LinkError, match=message):
        people.link(tg, target, press)
    assert len(_events("citizen_linked")) == before


def test_unlink_refusals(cross):
    press = cross.world.users["press"]
    tg, vk = cross.maria_tg, cross.maria_vk
    with pytest.raises(LinkError, match="одна учётная запись"):
        people.unlink(tg, tg.id, press)
    with pytest.raises(LinkError, match="не связана"):
        people.unlink(tg, vk.id, press)
    assert _events("citizen_unlinked") == []


def test_an_identity_without_a_person_is_its_own_and_can_be_linked(cross):
    """A row written around the ORM (a bulk load) has no person: it is one on its own."""
    press = cross.world.users["press"]
    tg, vk = cross.maria_tg, cross.maria_vk
    vk.person_id = None
    db.session.flush()
    assert [c.id for c in people.identities(vk)] == [vk.id]
    assert people.group_sizes([vk.id, tg.id]) == {vk.id: 1, tg.id: 1}
    people.link(vk, tg.id, press)
    assert _person(vk) is not None and _person(vk) == _person(tg)
