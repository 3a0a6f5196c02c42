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
