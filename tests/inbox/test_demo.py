"""Demo mode: simulators, demo channels, messages through the real paths, replies delivered."""
import time

import pytest
from sqlalchemy import func, select

from helpdesk.channels.services import create_channel
from helpdesk.demo import has_real_channels, start_demo, stop_demo
from helpdesk.demo.messages import MESSAGES
from helpdesk.extensions import db
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.outbox import deliver_due, send_reply
from helpdesk.models import Channel, Message, Ticket
from helpdesk.models.message import Delivery, Direction
from tests.helpers import make_user


@pytest.fixture
def demo_app(app, live, monkeypatch):
    monkeypatch.setenv("HELPDESK_URL", live.url)
    saved = {k: app.config.get(k) for k in ("DEMO_MODE", "DEMO_MESSAGE_INTERVAL",
                                             "DEMO_POLL_WAIT")}
    app.config.update(DEMO_MODE="auto", DEMO_MESSAGE_INTERVAL=(3600, 3600), DEMO_POLL_WAIT=1)
    yield app
    stop_demo()
    app.config.update(saved)


def test_auto_stays_off_with_real_channels(ctx, demo_app):
    create_channel("telegram", "real-bot", "123:real")
    db.session.commit()
    assert has_real_channels()
    assert start_demo(demo_app) is None
    assert demo_app.config["DEMO_MODE"] is False


def test_demo_messages_flow_and_replies_are_delivered(ctx, demo_app):
    state = start_demo(demo_app)
    assert state is not None and demo_app.config["DEMO_MODE"] is True
    assert not has_real_channels()
    assert db.session.scalar(select(func.count()).select_from(Channel)) == 4
    for kind in ("vk", "telegram", "ok", "max"):
        state["feeder"].send_one(kind)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        process_pending()
        db.session.expire_all()
        inbound = db.session.scalars(select(Message).where(
            Message.direction == Direction.INBOUND)).all()
        if len({m.channel_id for m in inbound}) == 4:
            break
        time.sleep(0.2)
    assert len(inbound) == 4, [(m.channel_id, m.text[:20]) for m in inbound]
    assert len({m.channel_id for m in inbound}) == 4, [(m.channel_id, m.text[:20]) for m in inbound]
    assert all(m.text in MESSAGES for m in inbound)
    tickets = db.session.scalars(select(Ticket)).all()
    assert {t.channel.slug for t in tickets} == {"demo-vk", "demo-telegram", "demo-ok", "demo-max"}
    staff = make_user("press1", "press")
    replies = [send_reply(t, staff, f"Ответ по обращению {t.number}") for t in tickets]
    db.session.commit()
    while deliver_due():
        pass
    for reply in replies:
        db.session.refresh(reply)
        assert reply.delivery_status == Delivery.SENT
    sims = state["sims"]
    delivered = [m["message"] for m in sims["vk"].sent] + [m["text"] for m in sims["telegram"].sent] \
        + [m["text"] for m in sims["ok"].sent] + [m["text"] for m in sims["max"].sent]
    for t in tickets:
        assert f"Ответ по обращению {t.number}" in delivered
