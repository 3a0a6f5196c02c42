"""Retention and anonymisation treat a linked person as one."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.citizens import people
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Citizen, ContactKey, Message, Ticket
from helpdesk.models.types import utcnow
from helpdesk.retention.person import anonymise_person
from helpdesk.retention.services import RetentionError, run_retention
from tests.helpers import post_form


def _close(ticket, days_ago: int) -> None:
    ticket.status = "closed"
    ticket.closed_at = utcnow() - timedelta(days=days_ago)
    ticket.result = "explained"


def _named(citizen) -> bool:
    db.session.refresh(citizen)
    return citizen.anonymized_at is None and citizen.display_name != ""


def test_an_identity_is_kept_while_any_linked_identity_has_a_ticket_kept(cross):
    tg, vk = cross.maria_tg, cross.maria_vk
    _close(cross.vk_ticket, 2000)  # long past the term; the Telegram ticket is still open
    people.link(tg, vk.id, cross.world.users["press"])
    db.session.commit()
    result = run_retention()
    assert result.tickets == 1 and result.citizens == 0
    assert db.session.get(Ticket, cross.vk_ticket.id).subject == ""
    assert db.session.scalar(select(Message.text).where(
        Message.ticket_id == cross.vk_ticket.id)) == ""
    assert db.session.scalar(select(func.count()).select_from(ContactKey).where(
        ContactKey.ticket_id == cross.vk_ticket.id)) == 0
    assert _named(vk) and _named(tg)  # one person: her open Telegram ticket keeps both
    _close(cross.tg_ticket, 2000)
    db.session.commit()
    result = run_retention()
    assert result.tickets == 1 and result.citizens == 2  # both identities at once
    assert not _named(vk) and not _named(tg)
    assert vk.external_user_id == f"anon-{vk.id}" and tg.reply_address == ""


def test_an_unlinked_identity_goes_on_its_own(cross):
    _close(cross.vk_ticket, 2000)
    db.session.commit()
    assert run_retention().citizens == 1
    assert not _named(cross.maria_vk) and _named(cross.maria_tg)


def test_a_linked_identity_without_tickets_goes_with_its_person(cross):
    from tests.helpers import make_channel

    max_channel = make_channel("max", "max-main")
    silent = Citizen(channel_id=max_channel.id, external_user_id="77", display_name="Мария К")
    db.session.add(silent)
    db.session.flush()
    people.link(cross.maria_vk, silent.id, cross.world.users["press"])
    _close(cross.vk_ticket, 2000)
    db.session.commit()
    assert run_retention().citizens == 2
    assert not _named(silent)


def test_anonymising_a_person_is_refused_while_a_ticket_is_open(cross):
    people.link(cross.maria_tg, cross.maria_vk.id, cross.world.users["press"])
    _close(cross.vk_ticket, 1)
    with pytest.raises(RetentionError, match=f"№ {cross.tg_ticket.number}"):
        anonymise_person(cross.maria_vk, cross.world.users["admin"])


def test_anonymising_a_person_wipes_every_identity_and_ticket(cross):
    tg, vk = cross.maria_tg, cross.maria_vk
    people.link(tg, vk.id, cross.world.users["press"])
    _close(cross.tg_ticket, 1)
    _close(cross.vk_ticket, 1)
    result = anonymise_person(vk, cross.world.users["admin"])
    db.session.commit()
    assert (result.citizens, result.tickets, result.messages) == (2, 2, 2)
    assert not _named(tg) and not _named(vk) and _named(cross.maria_ok)
    texts = db.session.scalars(select(Message.text).where(
        Message.ticket_id.in_([cross.tg_ticket.id, cross.vk_ticket.id]))).all()
    assert texts == ["", ""]
    assert db.session.get(Ticket, cross.tg_ticket.id).extracted == {}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person_anonymised"))
    assert event.object_id == str(vk.id) and sorted(event.details["identities"]) == sorted(
        [tg.id, vk.id])
    assert run_retention(days=1).tickets == 0  # already done: not counted again


def test_an_administrator_anonymises_from_the_citizen_page(cross, signed_in):
    _close(cross.ok_ticket, 1)
    db.session.commit()
    client = signed_in("admin")
    url = f"/citizens/{cross.maria_ok.id}"
    response = post_form(client, url, f"{url}/anonymise", {})
    assert "Отметьте" in client.get(response.location).get_data(as_text=True)
    assert _named(cross.maria_ok)
    response = post_form(client, url, f"{url}/anonymise", {"confirm": "1"})
    assert "Данные гражданина обезличены" in client.get(response.location).get_data(as_text=True)
    assert not _named(cross.maria_ok)
    url = f"/citizens/{cross.maria_tg.id}"  # open ticket: refused, nothing changed
    response = post_form(client, url, f"{url}/anonymise", {"confirm": "1"})
    assert "открытые обращения" in client.get(response.location).get_data(as_text=True)
    assert _named(cross.maria_tg)


def test_the_cli_anonymises_a_person(cross, runner):
    _close(cross.ok_ticket, 1)
    db.session.commit()
    result = runner.invoke(args=["retention", "anonymise-citizen", str(cross.maria_ok.id)])
    assert result.exit_code == 0, result.output
    assert "обезличено учётных записей: 1, обращений: 1" in result.output
    assert not _named(cross.maria_ok)
