"""429 / flood errors delay and then succeed; permanent errors fail at once and can be retried."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.inbox.adapters import adapter_for
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.outbox import ReplyError, deliver_due, retry_delivery, send_reply
from helpdesk.inbox.types import DeliveryError
from helpdesk.models import AuditEvent, OutboxItem, Ticket
from helpdesk.models.message import Delivery
from helpdesk.models.types import utcnow
from tests.fakes.base_faults import Fault
from tests.helpers import make_user
from tests.inbox.conftest import make_platform

OP = {"vk": "messages.send", "telegram": "sendMessage", "ok": "messages", "max": "messages"}
RETRYABLE = {"vk": Fault("error", 9, "Flood control"), "telegram": Fault("retry_after", 3),
             "ok": Fault("error", 8, "FLOOD_BLOCKED"), "max": Fault("retry_after", 3)}
PERMANENT = {"vk": Fault("error", 901, "Can't send messages for users without permission"),
             "telegram": Fault("error", 403, "Forbidden: bot was blocked by the user"),
             "ok": Fault("error", 10, "PERMISSION_DENIED"),
             "max": Fault("error", 403, "chat.denied")}


def ticket_with_citizen(platform, user: int) -> Ticket:
    platform.channel.auto_ack = False
    db.session.commit()
    platform.post(platform.event(user, "Когда отремонтируют школу в Буинске?"))
    process_pending()
    return db.session.scalar(select(Ticket))


def make_due(message_id: int) -> None:
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message_id))
    item.next_attempt_at = utcnow() - timedelta(seconds=1)  # as if the wait had passed
    db.session.commit()


def test_rate_limit_delays_then_succeeds(platform):
    ticket = ticket_with_citizen(platform, 50001)
    reply = send_reply(ticket, make_user("p", "press"), "Ремонт запланирован на лето.")
    db.session.commit()
    platform.fake.inject(OP[platform.kind], RETRYABLE[platform.kind])
    before = utcnow()
    assert deliver_due() == 1
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.RETRYING and reply.delivery_label == "Повторная отправка"
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == reply.id))
    assert item.status == "retrying" and item.next_attempt_at > before
    if platform.kind in ("telegram", "max"):
        assert item.next_attempt_at >= before + timedelta(seconds=3)  # retry_after honoured
    assert deliver_due() == 0  # not due yet
    assert platform.sent_to(50001) == []
    make_due(reply.id)
    assert deliver_due() == 1
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.SENT and reply.delivery_error is None
    assert platform.sent_to(50001) == ["Ремонт запланирован на лето."]


def test_server_errors_retry(platform):
    ticket = ticket_with_citizen(platform, 50002)
    reply = send_reply(ticket, make_user("p", "press"), "Ответ")
    db.session.commit()
    platform.fake.inject(OP[platform.kind], Fault("http", 502), Fault("http", 503))
    deliver_due()
    make_due(reply.id)
    deliver_due()
    make_due(reply.id)
    deliver_due()
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.SENT
    assert platform.sent_to(50002) == ["Ответ"]


def test_permanent_error_fails_at_once_and_person_retries(platform):
    ticket = ticket_with_citizen(platform, 50003)
    staff = make_user("p", "press")
    reply = send_reply(ticket, staff, "Ответ по существу")
    db.session.commit()
    platform.fake.inject(OP[platform.kind], PERMANENT[platform.kind])
    assert deliver_due() == 1
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.FAILED and reply.delivery_label == "Не доставлено"
    assert reply.delivery_error
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reply_failed"))
    assert deliver_due() == 0
    retry_delivery(reply, staff)
    db.session.commit()
    assert deliver_due() == 1
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.SENT
    assert platform.sent_to(50003) == ["Ответ по существу"]
    with pytest.raises(ReplyError):
        retry_delivery(reply, staff)  # only a failed reply can be retried


def test_tries_exhausted_fail(platform, app):
    ticket = ticket_with_citizen(platform, 50004)
    reply = send_reply(ticket, make_user("p", "press"), "Ответ")
    db.session.commit()
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == reply.id))
    item.attempts = 7
    db.session.commit()
    platform.fake.inject(OP[platform.kind], Fault("http", 500))
    deliver_due()
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.FAILED


def test_reply_validation(platform):
    ticket = ticket_with_citizen(platform, 50005)
    staff = make_user("p", "press")
    with pytest.raises(ReplyError):
        send_reply(ticket, staff, "   ")
    with pytest.raises(ReplyError):
        send_reply(ticket, staff, "я" * 9001)


@pytest.mark.parametrize("code,retryable", [(6, True), (9, True), (10, True), (29, True),
                                            (5, False), (900, False), (901, False),
                                            (902, False), (914, False)])
def test_vk_error_classes(ctx, live, vk_fake, code, retryable):
    platform = make_platform("vk", vk_fake, live.url)
    vk_fake.inject("messages.send", Fault("error", code, "test"))
    with pytest.raises(DeliveryError) as caught:
        adapter_for(platform.channel).send("100", "текст", 77)
    assert caught.value.retryable is retryable and f"VK {code}" in caught.value.reason
    assert vk_fake.sent == []


def test_vk_bad_token_is_permanent(ctx, live, vk_fake):
    platform = make_platform("vk", vk_fake, live.url)
    platform.channel.token = "wrong"
    with pytest.raises(DeliveryError) as caught:
        adapter_for(platform.channel).send("100", "текст", 78)
    assert caught.value.retryable is False
