"""Inbox fixtures: platform fakes on 127.0.0.1, channels pointing at them, the app on a real server."""
import pytest

from helpdesk.channels.services import create_channel
from helpdesk.extensions import db
from tests.fakes.max import FakeMax
from tests.fakes.ok import FakeOk
from tests.fakes.telegram import FakeTelegram
from tests.inbox.platforms import Platform

PLATFORMS = ["vk", "ok", "telegram", "max"]
FAKES = {"vk": "vk_fake", "ok": "ok_fake", "telegram": "tg_fake", "max": "max_fake"}
MAX_SECRET = "max-secret-123"


@pytest.fixture(autouse=True)
def inbox_config(app, tmp_path):
    """Loopback fakes are allowed download hosts; attachments go to a temporary folder."""
    saved = {k: app.config.get(k) for k in ("INBOX_LOCAL_HOSTS", "ATTACHMENTS_DIR")}
    app.config["INBOX_LOCAL_HOSTS"] = {"127.0.0.1"}
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    yield app
    app.config.update(saved)


@pytest.fixture
def tg_fake():
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def max_fake():
    with FakeMax() as fake:
        yield fake


@pytest.fixture
def ok_fake():
    with FakeOk() as fake:
        yield fake


def make_platform(kind: str, fake, live_url: str, mode: str = "webhook") -> Platform:
    """A channel of `kind` pointing at `fake`, committed."""
    if kind == "vk":
        channel = create_channel("vk", "vk-test", fake.token, group_id=fake.group_id,
                                 secret=fake.secret, confirmation=fake.confirmation,
                                 api_base=fake.url, mode=mode)
    elif kind == "telegram":
        channel = create_channel("telegram", "tg-test", fake.token, secret="tg-secret-123",
                                 api_base=fake.url, mode=mode)
    elif kind == "max":
        channel = create_channel("max", "max-test", fake.token, secret=MAX_SECRET,
                                 api_base=fake.url, mode=mode)
    else:
        channel = create_channel("ok", "ok-test", fake.token, api_base=fake.url)
    db.session.commit()
    return Platform(kind, fake, channel, live_url)


@pytest.fixture(params=PLATFORMS)
def platform(request, ctx, live):
    """Each platform in turn: its fake, its channel, the live app URL."""
    fake = request.getfixturevalue(FAKES[request.param])
    return make_platform(request.param, fake, live.url)


def route_new_tickets() -> int:
    """Route every ticket still new, as the worker does after ingesting (the acknowledgement is
    queued once the ticket is routed); commits. Returns how many were routed."""
    from sqlalchemy import select

    from helpdesk.tickets.routed import route_new_ticket
    from helpdesk.models import Ticket

    ids = db.session.scalars(select(Ticket.id).where(Ticket.status == "new")).all()
    for ticket_id in ids:
        route_new_ticket(ticket_id)
        db.session.commit()
    return len(ids)
