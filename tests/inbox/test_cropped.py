"""VK `is_cropped`: a long message arrives cut; the whole text is fetched before it is stored."""
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.inbox.events import REFETCH_ATTEMPTS, process_pending
from helpdesk.models import InboundEvent, Message
from helpdesk.models.message import Direction
from tests.fakes.base_faults import Fault
from tests.inbox.conftest import make_platform

LONG = ("Уважаемые депутаты! Пишу от имени жителей улицы Садовой в Арском районе. "
        + "Дорогу не ремонтировали двадцать лет, весной её размывает полностью. " * 40)


def inbound_texts() -> list[str]:
    db.session.expire_all()
    return db.session.scalars(select(Message.text).where(Message.direction == Direction.INBOUND)
                              ).all()


def test_cropped_message_is_fetched_whole(ctx, live, vk_fake):
    platform = make_platform("vk", vk_fake, live.url)
    photo = vk_fake.photo(b"\xff\xd8\xff\xe0 jpeg")
    event = vk_fake.message_event(51001, LONG, attachments=[photo], cropped_at=100)
    assert event["object"]["message"]["is_cropped"] is True
    assert platform.post(event).status_code == 200
    assert process_pending() == 1
    assert inbound_texts() == [LONG]
    assert vk_fake.count("messages.getByConversationMessageId") == 1
    message = db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert len(message.attachments) == 1  # the attachments of the whole message


def test_failed_refetch_retries_then_keeps_the_part(ctx, live, vk_fake):
    platform = make_platform("vk", vk_fake, live.url)
    for _ in range(REFETCH_ATTEMPTS):
        vk_fake.inject("messages.getByConversationMessageId", Fault("http", 502))
    platform.post(vk_fake.message_event(51002, LONG, cropped_at=120))
    for attempt in range(1, REFETCH_ATTEMPTS):
        assert process_pending() == 0  # waits for a later sweep, nothing stored yet
        event = db.session.scalar(select(InboundEvent))
        assert event.status == "pending" and event.attempts == attempt
        assert "обрезано" in event.error
        assert inbound_texts() == []
    assert process_pending() == 1  # the last try also failed: the part is kept, not lost
    assert inbound_texts() == [LONG[:120]]


def test_refetch_recovers_after_a_failure(ctx, live, vk_fake):
    platform = make_platform("vk", vk_fake, live.url)
    vk_fake.inject("messages.getByConversationMessageId", Fault("error", 10, "Internal error"))
    platform.post(vk_fake.message_event(51003, LONG, cropped_at=50))
    assert process_pending() == 0
    assert process_pending() == 1
    assert inbound_texts() == [LONG]
