"""Polling: VK Bots Long Poll through vk_api (failed 1/2/3 recover) and Telegram getUpdates with
the offset kept in the database; both use the same ingest as the webhooks."""
import threading
import time

import pytest
from sqlalchemy import func, select, update

from helpdesk.extensions import db
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.poller import PollError, TelegramPoller, VkPoller, run
from helpdesk.models import Channel, InboundEvent, Message, Ticket
from helpdesk.models.message import Direction
from tests.fakes.base_faults import Fault
from tests.inbox.conftest import make_platform


def inbound_texts() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Message.text).where(
        Message.direction == Direction.INBOUND)))


def test_vk_long_poll_recovers_from_failed_codes(ctx, live, vk_fake):
    vk_fake.max_wait = 0.2
    platform = make_platform("vk", vk_fake, live.url, mode="poll")
    vk_fake.push_longpoll(vk_fake.message_event(30001, "Первое"))
    poller = VkPoller(platform.channel.id, wait=1)
    poller.poll_once()  # connects (getLongPollServer) and reads from the server's ts
    servers = vk_fake.count("groups.getLongPollServer")
    vk_fake.inject("lp", Fault("failed", 1))  # history outdated: take the new ts
    assert poller.poll_once() == 0
    vk_fake.push_longpoll(vk_fake.message_event(30001, "Второе"))
    vk_fake.inject("lp", Fault("failed", 2))  # key expired: new key, same ts, nothing skipped
    assert poller.poll_once() == 0
    assert poller.poll_once() == 1
    vk_fake.inject("lp", Fault("failed", 3))  # information lost: new key and ts
    assert poller.poll_once() == 0
    vk_fake.push_longpoll(vk_fake.message_event(30002, "Третье"))
    assert poller.poll_once() == 1
    assert inbound_texts() == ["Второе", "Третье"]
    assert vk_fake.count("groups.getLongPollServer") >= servers + 2  # new key after 2 and 3
    channel = db.session.get(Channel, platform.channel.id)
    assert channel.poll_state["ts"] == str(len(vk_fake.lp_events))
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2


def test_vk_poll_continues_from_saved_ts(ctx, live, vk_fake):
    vk_fake.max_wait = 0.2
    platform = make_platform("vk", vk_fake, live.url, mode="poll")
    VkPoller(platform.channel.id, wait=1).poll_once()
    vk_fake.push_longpoll(vk_fake.message_event(30003, "Пока опрос стоял"))
    # a new process starts: it resumes from the ts in the database, so nothing is skipped
    run(platform.channel.id, wait=1, rounds=2)
    assert inbound_texts() == ["Пока опрос стоял"]


def test_webhook_and_poll_overlap_make_one_message(ctx, live, vk_fake):
    vk_fake.max_wait = 0.2
    platform = make_platform("vk", vk_fake, live.url, mode="poll")
    VkPoller(platform.channel.id, wait=1).poll_once()
    event = vk_fake.message_event(30004, "Дважды")
    platform.post(event)
    process_pending()
    resent = dict(event, event_id="another-event-id")  # the same message under another event
    vk_fake.push_longpoll(resent)
    run(platform.channel.id, wait=1, rounds=1)
    assert inbound_texts() == ["Дважды"]
    assert db.session.scalar(select(func.count()).select_from(InboundEvent)) == 2


def test_telegram_get_updates_keeps_offset(ctx, live, tg_fake):
    tg_fake.max_wait = 0.2
    platform = make_platform("telegram", tg_fake, live.url, mode="poll")
    for text in ("Раз", "Два", "Өч"):
        tg_fake.push_update(tg_fake.message_update(20001, text))
    poller = TelegramPoller(platform.channel.id, timeout=1)
    assert poller.poll_once() == 3
    assert inbound_texts() == sorted(["Раз", "Два", "Өч"])
    last = tg_fake.updates[-1]["update_id"]
    channel = db.session.get(Channel, platform.channel.id)
    assert channel.poll_state["offset"] == last + 1
    assert poller.poll_once() == 0  # confirmed updates are not delivered again
    assert tg_fake.updates == []
    # the same update arriving again (webhook or a reset offset) changes nothing
    platform.post(tg_fake.message_update(20001, "Четыре"))
    process_pending()
    assert len(inbound_texts()) == 4


def test_telegram_conflict_is_reported_and_recovers(ctx, live, tg_fake):
    tg_fake.max_wait = 0.2
    platform = make_platform("telegram", tg_fake, live.url, mode="poll")
    tg_fake.inject("getUpdates", Fault("conflict", 409, "Conflict: terminated by other request"))
    tg_fake.push_update(tg_fake.message_update(20002, "После конфликта"))
    poller = TelegramPoller(platform.channel.id, timeout=1)
    with pytest.raises(PollError):
        poller.poll_once()
    assert run(platform.channel.id, wait=1, rounds=1) == 1
    assert inbound_texts() == ["После конфликта"]
    tg_fake.webhook = {"url": "http://example.invalid"}
    with pytest.raises(PollError, match="409"):
        poller.poll_once()


def test_polling_waits_while_the_channel_is_switched_off_and_resumes(app, ctx, live, tg_fake):
    tg_fake.max_wait = 0.2
    platform = make_platform("telegram", tg_fake, live.url, mode="poll")
    tg_fake.push_update(tg_fake.message_update(20003, "До отключения"))
    assert run(platform.channel.id, wait=1, rounds=1) == 1
    channel = db.session.get(Channel, platform.channel.id)
    channel.active = False
    db.session.commit()
    tg_fake.push_update(tg_fake.message_update(20003, "После отключения"))
    # switched off: nothing is fetched (the update stays queued at the platform)
    assert run(platform.channel.id, wait=1, rounds=3, idle=0.01) == 0
    assert inbound_texts() == ["До отключения"] and len(tg_fake.updates) >= 1
    # A polling thread idles while the channel is off; switched on, it picks the update up.
    stop, stored = threading.Event(), []

    def poll():
        with app.app_context():
            stored.append(run(platform.channel.id, wait=1, idle=0.05, stop=stop))

    worker = threading.Thread(target=poll)
    worker.start()
    time.sleep(0.3)
    assert inbound_texts() == ["До отключения"]
    db.session.execute(update(Channel).where(Channel.id == platform.channel.id).values(active=True))
    db.session.commit()
    deadline = time.monotonic() + 15
    while inbound_texts() != ["До отключения", "После отключения"] and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    worker.join(10)
    assert inbound_texts() == ["До отключения", "После отключения"] and stored == [1]


def test_polling_ends_when_the_channel_is_deleted(ctx, live, tg_fake):
    tg_fake.max_wait = 0.2
    platform = make_platform("telegram", tg_fake, live.url, mode="poll")
    db.session.delete(db.session.get(Channel, platform.channel.id))
    db.session.commit()
    assert run(platform.channel.id, wait=1, rounds=5, idle=0.01) == 0
