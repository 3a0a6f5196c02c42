"""New topics in open tickets (issue 15, item 3): a later citizen message that routing confidently
puts in another department is flagged with split proposed; staff split it or keep it (audited)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Message, Ticket, TicketCounter
from helpdesk.models.message import Direction
from helpdesk.models.types import utcnow
from helpdesk.tickets.new_topic import check_topic, keep_in_ticket
from helpdesk.tickets.split import split
from helpdesk.tickets.errors import TicketError
from tests.helpers import login, make_ticket, make_user, post_form

ROADS = "Огромные ямы на дороге по нашей улице, машины ломаются, прошу отремонтировать"
HOSPITAL = "И ещё: в поликлинике нет врача терапевта, не могу записаться к врачу"


@pytest.fixture
def roads_ticket(routed_setup):
    """A routed ticket of the housing committee about roads."""
    db.session.add(TicketCounter(year=utcnow().year, last=9000))
    ticket = make_ticket(routed_setup["channel"], routed_setup["housing"], text=ROADS)
    db.session.commit()
    return ticket


def _later(ticket, text, seconds=10):
    at = utcnow() + timedelta(seconds=seconds)
    message = Message(ticket_id=ticket.id, channel_id=ticket.channel_id, text=text,
                      direction=Direction.INBOUND, sent_at=at, created_at=at,
                      external_key=f"later-{ticket.id}-{seconds}")
    db.session.add(message)
    db.session.commit()
    return message


def _actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_message_for_another_department_is_flagged_with_split_proposed(routed_setup, roads_ticket):
    message = _later(roads_ticket, HOSPITAL)
    version = roads_ticket.updated_at
    proposal = check_topic(roads_ticket.id, message.id)
    db.session.commit()
    assert proposal["department_id"] == routed_setup["social"].id
    assert proposal["state"] == "proposed" and proposal["confidence"] >= 0.5
    db.session.expire_all()
    ticket = db.session.get(Ticket, roads_ticket.id)
    assert ticket.new_topic is True
    assert ticket.department_id == routed_setup["housing"].id  # the ticket's routing stands
    assert ticket.updated_at == version  # forms open on the ticket stay current
    assert db.session.get(Message, message.id).new_topic["department_id"] == routed_setup["social"].id
    assert "new_topic_proposed" in _actions()


@pytest.mark.parametrize("text", [
    "Дорогу так и не отремонтировали, ямы стали ещё глубже",  # the same department
    "Спасибо большое!",  # gratitude: a special kind, never a new topic
    "",  # a photo with no caption
])
def test_the_same_matter_or_no_matter_is_not_flagged(routed_setup, roads_ticket, text):
    message = _later(roads_ticket, text)
    assert check_topic(roads_ticket.id, message.id) is None
    db.session.commit()
    assert db.session.get(Ticket, roads_ticket.id).new_topic is False
    assert db.session.get(Message, message.id).new_topic is None


def test_a_ticket_in_triage_is_not_flagged(routed_setup):
    ticket = make_ticket(routed_setup["channel"], None, text=ROADS, status="triage")
    message = _later(ticket, HOSPITAL)
    assert check_topic(ticket.id, message.id) is None


def test_split_of_the_flagged_message_clears_the_flag(routed_setup, roads_ticket):
    message = _later(roads_ticket, HOSPITAL)
    check_topic(roads_ticket.id, message.id)
    db.session.commit()
    user = make_user("press1", "press")
    new = split(db.session.get(Ticket, roads_ticket.id), user, message.id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Ticket, roads_ticket.id).new_topic is False
    assert db.session.get(Ticket, new.id).new_topic is False
    assert db.session.get(Message, message.id).new_topic["state"] == "split"


def test_keep_withdraws_the_proposal_once(routed_setup, roads_ticket):
    message = _later(roads_ticket, HOSPITAL)
    check_topic(roads_ticket.id, message.id)
    db.session.commit()
    user = make_user("press1", "press")
    ticket = db.session.get(Ticket, roads_ticket.id)
    keep_in_ticket(ticket, user, message.id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Ticket, roads_ticket.id).new_topic is False
    assert db.session.get(Message, message.id).new_topic["state"] == "kept"
    assert "new_topic_kept" in _actions()
    with pytest.raises(TicketError):
        keep_in_ticket(db.session.get(Ticket, roads_ticket.id), user, message.id)
    # looked at again (a retried task), a kept message is not proposed anew
    assert check_topic(roads_ticket.id, message.id) is None


def test_the_desk_shows_the_flag_and_staff_keep_the_message(app, routed_setup, roads_ticket):
    message = _later(roads_ticket, HOSPITAL)
    check_topic(roads_ticket.id, message.id)
    make_user("press1", "press")
    db.session.commit()
    client = app.test_client()
    login(client, "press1")
    listing = client.get("/tickets?queue=all").get_data(as_text=True)
    assert "новая тема?" in listing
    url = f"/tickets/{roads_ticket.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'id="new-topic-{message.id}"' in page and "Комитет по социальной политике" in page
    assert f'id="keep-{message.id}"' in page and f'id="split-{message.id}"' in page
    response = post_form(client, url, f"{url}/messages/{message.id}/keep", {})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Сообщение оставлено в этом обращении" in page
    assert f'id="new-topic-{message.id}"' not in page and f'id="keep-{message.id}"' not in page
    again = post_form(client, url, f"{url}/messages/{message.id}/keep", {})
    assert "не предлагалось" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_delivery_into_an_open_ticket_is_looked_at_after_commit(app, routed_setup):
    """End to end in the embedded mode: the second message of a citizen, on another matter,
    threads into their routed ticket and flags it; nothing else of the ticket changes."""
    from tests.conftest import make_test_app
    from tests.fakes.live import LiveServer
    from tests.fakes.telegram import FakeTelegram
    from tests.inbox.conftest import make_platform
    from tests.inbox.test_embedded import wait_for

    db.session.add(TicketCounter(year=utcnow().year, last=9000))
    db.session.commit()
    embedded = make_test_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                              "EMBEDDED_TASKS": True, "INBOX_LOCAL_HOSTS": {"127.0.0.1"}})
    with FakeTelegram() as tg_fake, LiveServer(embedded) as live:
        platform = make_platform("telegram", tg_fake, live.url)
        assert platform.post(platform.event(12001, ROADS)).status_code == 200
        assert wait_for(lambda: (t := db.session.scalar(select(Ticket))) is not None
                        and t.department_id == routed_setup["housing"].id)
        assert platform.post(platform.event(12001, HOSPITAL)).status_code == 200
        assert wait_for(lambda: db.session.scalar(select(Ticket)).new_topic)
    tickets = db.session.scalars(select(Ticket)).all()
    assert len(tickets) == 1 and tickets[0].department_id == routed_setup["housing"].id
    flagged = db.session.scalar(select(Message).where(Message.text == HOSPITAL))
    assert flagged.new_topic["department_id"] == routed_setup["social"].id


def test_a_merge_carries_the_proposal_to_the_target(routed_setup, roads_ticket):
    from helpdesk.tickets import lifecycle

    message = _later(roads_ticket, HOSPITAL)
    check_topic(roads_ticket.id, message.id)
    ticket = db.session.get(Ticket, roads_ticket.id)
    target = make_ticket(routed_setup["channel"], routed_setup["housing"], text=ROADS)
    target.citizen_id = ticket.citizen_id
    db.session.commit()
    lifecycle.merge(ticket, make_user("press1", "press"), target)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Ticket, roads_ticket.id).new_topic is False  # merged: nothing to do
    assert db.session.get(Ticket, target.id).new_topic is True
    assert db.session.get(Message, message.id).ticket_id == target.id
