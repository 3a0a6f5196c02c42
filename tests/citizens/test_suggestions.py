"""«Возможно, это тот же человек»: same phone, e-mail or full name; never linked by itself."""
import pytest
from sqlalchemy import select

from helpdesk.citizens import people
from helpdesk.citizens.keys import profile_name_keys, ticket_keys
from helpdesk.citizens.suggestions import suggestions
from helpdesk.extensions import db
from helpdesk.models import ContactKey
from helpdesk.models.types import utcnow
from tests.citizens.conftest import MARIA
from tests.desk.world import add_ticket


def _found(citizen) -> dict[int, list[str]]:
    return {s.citizen.id: s.reason_texts for s in suggestions(people.identities(citizen))}


@pytest.mark.parametrize("extracted, applicant, email, expected", [
    ({"phones": ["+79001234567", "8 (900) 123-45-67"]}, None, None, {("phone", "+79001234567")}),
    ({"emails": ["Maria.K@Example.org"]}, None, None, {("email", "maria.k@example.org")}),
    ({"person": {"surname": "Гайнуллин", "name": "Ильдар"}}, None, None, {("name", "гайнуллин ильдар")}),
    ({"person": {"name": "Ильдар"}}, None, None, set()),  # a first name alone says nothing
    ({}, "Семёнова Алёна Петровна", "A@B.RU", {("name", "семенова алена"), ("email", "a@b.ru")}),
    ({"phones": ["12-34"]}, "Семёнова", None, set()),
    (None, None, None, set()),
])
def test_ticket_keys(extracted, applicant, email, expected):
    assert ticket_keys(extracted, applicant, email) == expected


@pytest.mark.parametrize("first, last, shown, expected", [
    ("Мария", "Кузнецова", "Мария Кузнецова", {"кузнецова мария"}),
    ("", "", "Кузнецова Мария", {"кузнецова мария", "мария кузнецова"}),
    ("", "", "VK id12345", set()),  # the placeholder until VK tells the name
    ("", "", "Маша К.", set()),
    ("", "", "Маша", set()),
    ("Анна-Мария", "Д'Арк", "", {"д'арк анна-мария"}),
])
def test_profile_name_keys(first, last, shown, expected):
    assert profile_name_keys(first, last, shown) == expected


def test_the_same_phone_and_the_same_name_are_suggested_with_the_reason(cross):
    found = _found(cross.maria_tg)
    assert found[cross.maria_vk.id] == ["тот же телефон +7 900 123-45-67"]
    assert found[cross.maria_ok.id] == ["те же фамилия и имя: Кузнецова Мария"]
    assert cross.world.ticket.citizen_id not in found  # Иван Петров shares nothing
    # From the other side too: the VK identity's phone leads to the Telegram one.
    assert _found(cross.maria_vk) == {cross.maria_tg.id: ["тот же телефон +7 900 123-45-67"]}


def test_suggestions_are_never_linked_by_themselves(cross):
    before = {c.id: c.person_id for c in (cross.maria_tg, cross.maria_vk, cross.maria_ok)}
    assert len(_found(cross.maria_tg)) == 2
    db.session.expire_all()
    assert {c.id: c.person_id for c in (cross.maria_tg, cross.maria_vk, cross.maria_ok)} == before


def test_linked_and_anonymised_identities_are_not_suggested(cross):
    people.link(cross.maria_tg, cross.maria_vk.id, cross.world.users["press"])
    assert list(_found(cross.maria_tg)) == [cross.maria_ok.id]
    cross.maria_ok.anonymized_at = utcnow()
    db.session.flush()
    assert _found(cross.maria_tg) == {}


def test_the_linked_identities_keys_count_for_the_person(cross):
    """Once the VK identity is linked, its e-mail finds an identity the Telegram one would not."""
    w = cross.world
    other = add_ticket(cross.ok, w.economy, name="М. К.", text="пишите на mk@example.org",
                       extracted={"emails": ["mk@example.org"]})
    vk_ticket = cross.vk_ticket
    vk_ticket.extracted = {**vk_ticket.extracted, "emails": ["MK@example.org"]}
    from helpdesk.citizens.keys import remember_ticket

    remember_ticket(other)
    remember_ticket(vk_ticket)
    assert other.citizen_id not in _found(cross.maria_tg)
    people.link(cross.maria_tg, cross.maria_vk.id, w.users["press"])
    assert _found(cross.maria_tg)[other.citizen_id] == ["тот же e-mail mk@example.org"]


def test_routing_stores_the_keys_it_found(cross):
    from helpdesk.routing.decide import Decision
    from helpdesk.routing.service import Routed
    from helpdesk.tickets.routed import apply_decision

    ticket = add_ticket(cross.ok, cross.world.social, name="Гость", text="…")
    decision = Decision(department_id=cross.world.social.id, to_triage=False, confidence=0.9,
                        reason="model", language="ru")
    apply_decision(ticket, Routed(decision, {"phones": ["+79001234567"], "person": MARIA}, None))
    keys = set(db.session.execute(select(ContactKey.kind, ContactKey.value)
                                  .where(ContactKey.ticket_id == ticket.id)).tuples())
    assert keys == {("phone", "+79001234567"), ("name", "кузнецова мария")}
    assert "тот же телефон +7 900 123-45-67" in _found(cross.maria_tg)[ticket.citizen_id]


def test_registration_stores_the_applicants_name_and_email(cross):
    from helpdesk.tickets.lifecycle import register_appeal

    ticket = add_ticket(cross.ok, cross.world.social, name="Гость", text="…")
    register_appeal(ticket, cross.world.users["press"], "Кузнецова Мария Ивановна", "",
                    "maria@example.org")
    keys = set(db.session.execute(select(ContactKey.kind, ContactKey.value)
                                  .where(ContactKey.ticket_id == ticket.id)).tuples())
    assert keys == {("name", "кузнецова мария"), ("email", "maria@example.org")}
    assert _found(cross.maria_tg)[ticket.citizen_id] == ["те же фамилия и имя: Кузнецова Мария"]
