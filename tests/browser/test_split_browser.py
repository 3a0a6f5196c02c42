"""Headless Chromium: a specialist splits a citizen's unrelated message into a new ticket."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Message, Ticket, TicketCounter
from helpdesk.models.message import Direction
from helpdesk.models.types import utcnow
from tests.browser.test_desk_flow import _shot, _sign_in, browser  # noqa: F401  (fixture)
from tests.desk.world import build_world
from tests.routing.conftest import routed_setup, training_csv  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_split_a_noise_complaint_out_of_a_road_ticket(ctx, live, browser):  # noqa: F811
    world = build_world()
    t = world.ticket
    at = t.received_at + timedelta(seconds=5)
    noise = Message(ticket_id=t.id, channel_id=t.channel_id, direction=Direction.INBOUND,
                    text="И ещё: соседи шумят каждую ночь", sent_at=at, created_at=at,
                    external_key="noise-1")
    db.session.add_all([noise, TicketCounter(year=utcnow().year, last=7000)])
    db.session.commit()

    page = _sign_in(browser, live, "press")
    page.goto(f"{live.url}/tickets/{t.id}")
    page.on("dialog", lambda dialog: dialog.accept())  # «Выделить … в новое обращение?»
    page.click(f"#split-{noise.id}")
    page.wait_for_selector(".alert-success")
    assert "выделено в новое обращение" in page.inner_text(".alert-success")
    _shot(page, "split")
    db.session.expire_all()
    new_id = db.session.get(Message, noise.id).ticket_id
    assert new_id != t.id and page.url.endswith(f"/tickets/{new_id}")
    assert "соседи шумят" in page.inner_text(".message-text")
    new = db.session.get(Ticket, new_id)
    assert new.number in page.inner_text("h1")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_split"))


def test_a_new_topic_is_flagged_live_and_split_from_the_proposal(ctx, live, browser,  # noqa: F811
                                                                  routed_setup):
    """Routing flags a later message on another matter while the ticket is open in the
    browser: the flag and the proposal appear without a reload; splitting from it clears it."""
    from helpdesk.tickets.new_topic import check_topic
    from tests.desk.world import make_fast_user
    from tests.helpers import make_ticket

    db.session.add(TicketCounter(year=utcnow().year, last=8000))
    make_fast_user("press", "press")
    ticket = make_ticket(routed_setup["channel"], routed_setup["housing"],
                         text="Огромные ямы на дороге по нашей улице, прошу отремонтировать")
    at = utcnow() + timedelta(seconds=5)
    later = Message(ticket_id=ticket.id, channel_id=ticket.channel_id, sent_at=at, created_at=at,
                    direction=Direction.INBOUND, external_key="later-1",
                    text="И ещё: в поликлинике нет врача терапевта, не могу записаться к врачу")
    db.session.add(later)
    db.session.commit()

    page = _sign_in(browser, live, "press")
    page.goto(f"{live.url}/tickets/{ticket.id}")
    page.wait_for_selector(f"#split-{later.id}")
    assert page.query_selector("#new-topic-flag") is None
    assert check_topic(ticket.id, later.id)  # what the background task does after ingest
    db.session.commit()
    page.wait_for_selector("#new-topic-flag", timeout=4000)  # live, no reload
    assert "Комитет по социальной политике" in page.inner_text(f"#new-topic-{later.id}")
    _shot(page, "new-topic")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click(f"#split-{later.id}")
    page.wait_for_selector(".alert-success")
    db.session.expire_all()
    assert db.session.get(Message, later.id).ticket_id != ticket.id
    assert db.session.get(Ticket, ticket.id).new_topic is False
    page.goto(f"{live.url}/tickets/{ticket.id}")
    assert page.query_selector("#new-topic-flag") is None
