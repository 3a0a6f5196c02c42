"""Split (issue 15, item 3): a citizen message on another matter, and what follows it, becomes a
new ticket with its own number, acknowledgement, routing and clock; both tickets are audited."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Message, Ticket
from helpdesk.models.message import Direction
from helpdesk.tickets import lifecycle
from helpdesk.tickets.errors import TicketError
from helpdesk.tickets.split import split
from tests.helpers import post_form

@pytest.fixture(autouse=True)
def _numbers_past_the_world(world):
    """The world's tickets take numbers by hand: the counter starts after them."""
    from helpdesk.models import TicketCounter
    from helpdesk.models.types import utcnow

    db.session.add(TicketCounter(year=utcnow().year, last=5000))
    db.session.commit()


NOISE = "И ещё: соседи сверху шумят каждую ночь после 23:00, примите меры"


def _follow_up(ticket, text=NOISE, seconds=5):
    at = ticket.received_at + timedelta(seconds=seconds)
    message = Message(ticket_id=ticket.id, channel_id=ticket.channel_id,
                      direction=Direction.INBOUND, text=text, sent_at=at, created_at=at,
                      external_key=f"later-{ticket.id}-{seconds}")
    db.session.add(message)
    db.session.flush()
    ticket.last_message_at = at
    return message


def test_split_makes_a_new_ticket_with_its_own_number_clock_ack_and_routing(world, app):
    t, spec = world.ticket, world.users["spec_a"]
    noise = _follow_up(t)
    interim = lifecycle.reply(t, spec, "Разбираемся с шумом", final=False)
    db.session.commit()
    new = split(t, spec, noise.id)
    db.session.commit()

    new, t = db.session.get(Ticket, new.id), db.session.get(Ticket, world.ticket.id)
    assert new.number != t.number and new.citizen_id == t.citizen_id
    assert new.received_at == noise.created_at  # its clock runs from that message
    assert new.first_response_due is not None and new.answer_due is not None
    moved = db.session.scalars(select(Message).where(Message.ticket_id == new.id)
                               .order_by(Message.id)).all()
    assert noise in moved and interim in moved  # the message and what followed it
    assert [m.text for m in moved if m.is_auto and m.author_id is None], "acknowledged"
    left = db.session.scalars(select(Message.text).where(Message.ticket_id == t.id)).all()
    assert left == ["Прошу разобраться с пропуском"]
    assert t.first_response_at is None  # the interim reply went with its message
    assert new.first_response_at is not None
    actions_by = {e.action: e for e in db.session.scalars(select(AuditEvent))}
    assert actions_by["ticket_split"].details["into"] == new.id
    assert actions_by["ticket_split_received"].object_id == str(new.id)


def test_the_new_ticket_is_routed(world):
    from helpdesk.tickets.routed import route_new_ticket

    t = world.ticket
    noise = _follow_up(t)
    new = split(t, world.users["press"], noise.id)
    db.session.commit()
    assert new.status == "new"
    route_new_ticket(new.id, noise.id)  # what the dispatched "tickets.route" task runs
    db.session.commit()
    assert new.status in ("triage", "assigned") and new.department_id is not None


@pytest.mark.parametrize("which", ["first", "reply", "other_ticket"])
def test_only_a_later_citizen_message_of_this_ticket_splits(world, which):
    from tests.desk.world import add_ticket

    t = world.ticket
    first = db.session.scalar(select(Message).where(Message.ticket_id == t.id))
    target = {"first": lambda: first,
              "reply": lambda: lifecycle.reply(t, world.users["spec_a"], "Ответ", final=True),
              "other_ticket": lambda: _follow_up(add_ticket(world.channel, world.social))}[which]()
    with pytest.raises(TicketError):
        split(t, world.users["spec_a"], target.id)


def test_split_through_the_page_checks_version_and_access(world, signed_in):
    t = world.ticket
    noise = _follow_up(t)
    db.session.commit()
    # A specialist of another department does not see the ticket.
    other = signed_in("spec_b")
    assert post_form(other, "/tickets", f"/tickets/{t.id}/messages/{noise.id}/split",
                     {}).status_code == 404
    client = signed_in("spec_a")
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert f'id="split-{noise.id}"' in page and "Выделить в новое обращение" in page
    response = post_form(client, f"/tickets/{t.id}", f"/tickets/{t.id}/messages/{noise.id}/split", {})
    assert response.status_code == 302
    db.session.expire_all()
    new_id = db.session.get(Message, noise.id).ticket_id
    # Not routed yet, so not in the specialist's department: they stay on the old ticket.
    assert new_id != t.id and response.headers["Location"].endswith(f"/tickets/{t.id}")
    # The same form again (a stale page) changes nothing.
    again = client.post(f"/tickets/{t.id}/messages/{noise.id}/split",
                        data={"version": "2020-01-01T00:00:00+00:00",
                              "csrf_token": _token(client, t.id)})
    assert again.status_code == 302
    assert db.session.scalar(select(db.func.count(Ticket.id))) == 2


def _token(client, ticket_id):
    from tests.helpers import csrf_from

    return csrf_from(client.get(f"/tickets/{ticket_id}").get_data(as_text=True))
