"""The embedded default (no Redis): after commit, the web process ingests and replies by itself."""
import time

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.inbox.outbox import send_reply
from helpdesk.models import Message, Ticket
from helpdesk.models.message import Delivery, Direction
from tests.conftest import make_test_app
from tests.fakes.live import LiveServer
from tests.helpers import make_user
from tests.inbox.conftest import make_platform


def wait_for(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if predicate():
            return True
        db.session.rollback()
        time.sleep(0.1)
    return False


def test_embedded_tasks_ingest_acknowledge_and_reply(app, ctx, tg_fake):
    embedded = make_test_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                              "EMBEDDED_TASKS": True, "INBOX_LOCAL_HOSTS": {"127.0.0.1"}})
    with LiveServer(embedded) as live:
        platform = make_platform("telegram", tg_fake, live.url)
        assert platform.post(platform.event(11001, "Когда включат отопление?")).status_code == 200
        # nothing but the webhook was called: ingest, routing and the acknowledgement follow
        assert wait_for(lambda: len(tg_fake.sent_to(11001)) == 1)
        ticket = db.session.scalar(select(Ticket))
        assert ticket.number in tg_fake.sent_to(11001)[0]
        assert wait_for(lambda: db.session.get(Ticket, ticket.id).status != "new")
        with embedded.app_context():
            staff = make_user("press9", "press")
            reply = send_reply(db.session.get(Ticket, ticket.id), staff, "Уже включили.")
            db.session.commit()
            reply_id = reply.id
        assert wait_for(lambda: db.session.get(Message, reply_id).delivery_status
                        == Delivery.SENT)
        assert tg_fake.sent_to(11001)[-1] == "Уже включили."
        assert len(db.session.scalars(select(Message).where(
            Message.direction == Direction.INBOUND)).all()) == 1


def test_a_backlog_is_ingested_in_batches_that_queue_the_next(app, ctx, tg_fake):
    """A batch run ingests 50 events and queues the next run behind the work it queued itself
    (routing, acknowledgements): a backlog of 120 deliveries is all ingested and routed."""
    from sqlalchemy import func

    from helpdesk.background.tasks import run_task
    from helpdesk.database.transaction import job
    from helpdesk.models import InboundEvent

    with LiveServer(app) as quiet:  # the test app stores deliveries and runs nothing
        platform = make_platform("telegram", tg_fake, quiet.url)
        for n in range(120):
            assert platform.post(platform.event(12000 + n, f"Вопрос номер {n}")).status_code == 200
    pending = select(func.count()).select_from(InboundEvent).where(InboundEvent.status == "pending")
    assert db.session.scalar(pending) == 120
    db.session.rollback()
    embedded = make_test_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                              "EMBEDDED_TASKS": True, "INBOX_LOCAL_HOSTS": {"127.0.0.1"}})
    with embedded.app_context(), job():
        run_task("inbox.process_pending")  # one batch here; the rest chain after the commit
    assert wait_for(lambda: db.session.scalar(pending) == 0, 60)
    assert wait_for(lambda: db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.status == "new")) == 0, 60)
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.direction == Direction.INBOUND)) == 120
