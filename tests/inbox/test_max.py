"""MAX specifics through the real client against the fake on 127.0.0.1: long polling by marker
(kept in the database, recovered after a restart), the webhook subscription, the token only in
the Authorization header, the 2-a-second dialog limit, the 4,000-character limit, the parse of
MAX's shapes, and `flask channels add/register-webhook` and `flask inbox poll` for MAX."""
import time

import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.inbox.adapters import adapter_for
from helpdesk.inbox.adapters.max import FORWARD_MARK
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.outbox import ReplyError, deliver_due, send_reply
from helpdesk.inbox.poller import MaxPoller, PollError, run
from helpdesk.inbox.types import DeliveryError
from helpdesk.models import Channel, InboundEvent, Message, Ticket
from helpdesk.models.message import Delivery, Direction
from tests.fakes.base_faults import Fault
from tests.helpers import make_user
from tests.inbox.conftest import make_platform, route_new_tickets


def inbound_texts() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Message.text).where(
        Message.direction == Direction.INBOUND)))


@pytest.fixture
def polled(ctx, live, max_fake):
    max_fake.max_wait = 0.2
    return make_platform("max", max_fake, live.url, mode="poll")


def test_long_poll_keeps_the_marker_in_the_database(polled, max_fake):
    for text in ("Раз", "Два", "Өч"):
        max_fake.push_update(max_fake.message_created(31001, text))
    max_fake.push_update(max_fake.bot_started(31002))  # asked for, but no message: skipped
    assert MaxPoller(polled.channel.id, timeout=1).poll_once() == 3
    assert inbound_texts() == sorted(["Раз", "Два", "Өч"])
    marker = db.session.get(Channel, polled.channel.id).poll_state["marker"]
    assert marker == 5
    # a new process (a restart) asks from the stored marker: confirmed updates never come again
    assert MaxPoller(polled.channel.id, timeout=1).poll_once() == 0
    assert max_fake.updates == []
    max_fake.push_update(max_fake.message_created(31001, "Дүрт"))
    assert run(polled.channel.id, wait=1, rounds=1) == 1
    assert len(inbound_texts()) == 4
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_marker_recovery_after_a_crash_before_the_commit(polled, max_fake):
    """Updates fetched by a process that died before storing them were not confirmed (the marker
    in the database is the old one), so the next poll gets them again: nothing is lost."""
    max_fake.push_update(max_fake.message_created(31003, "До падения"))
    assert MaxPoller(polled.channel.id, timeout=1).poll_once() == 1
    stored_marker = db.session.get(Channel, polled.channel.id).poll_state["marker"]
    max_fake.push_update(max_fake.message_created(31003, "Во время падения"))
    lost = adapter_for(polled.channel).updates(stored_marker, timeout=1)  # fetched, never stored
    assert [u["message"]["body"]["text"] for u in lost["updates"]] == ["Во время падения"]
    db.session.expire_all()
    assert db.session.get(Channel, polled.channel.id).poll_state["marker"] == stored_marker
    assert run(polled.channel.id, wait=1, rounds=1) == 1
    assert inbound_texts() == ["Во время падения", "До падения"]
    assert db.session.get(Channel, polled.channel.id).poll_state["marker"] == lost["marker"]


def test_webhook_and_long_poll_overlap_make_one_message(polled, max_fake):
    update = max_fake.message_created(31004, "Дважды")
    assert polled.post(update).status_code == 200
    process_pending()
    max_fake.push_update(update)
    assert run(polled.channel.id, wait=1, rounds=1) == 0  # its event key is already stored
    assert inbound_texts() == ["Дважды"]
    assert db.session.scalar(select(func.count()).select_from(InboundEvent)) == 1


def test_poll_errors_are_reported_and_the_loop_recovers(polled, max_fake):
    max_fake.inject("updates", Fault("http", 502))
    with pytest.raises(PollError, match="502"):
        MaxPoller(polled.channel.id, timeout=1).poll_once()
    polled.channel.token = "wrong"
    db.session.commit()
    with pytest.raises(PollError, match="verify.token"):
        MaxPoller(polled.channel.id, timeout=1).poll_once()
    polled.channel.token = max_fake.token
    db.session.commit()
    max_fake.inject("updates", Fault("http", 503))
    max_fake.push_update(max_fake.message_created(31005, "После сбоя"))
    assert run(polled.channel.id, wait=1, rounds=2) == 1  # backs off once, then polls again
    assert inbound_texts() == ["После сбоя"]


def test_cli_poll_for_max(polled, max_fake, runner):
    max_fake.push_update(max_fake.message_created(31006, "Через команду"))
    result = runner.invoke(args=["inbox", "poll", polled.channel.slug, "--wait", "1",
                                 "--rounds", "1"])
    assert result.exit_code == 0, result.output
    assert "получено событий: 1" in result.output
    assert inbound_texts() == ["Через команду"]


def test_token_only_in_the_header(ctx, live, max_fake):
    platform = make_platform("max", max_fake, live.url)
    adapter = adapter_for(platform.channel)
    assert adapter.send("31007", "Проверка", 1)
    assert max_fake.sent_to(31007) == ["Проверка"]
    # the fake refuses a token in the query, as MAX does now
    import requests

    answer = requests.post(f"{max_fake.url}/messages", timeout=10,
                           params={"user_id": 31007, "access_token": max_fake.token},
                           json={"text": "x"})
    assert answer.status_code == 401 and answer.json()["code"] == "verify.token"
    platform.channel.token = "wrong"
    with pytest.raises(DeliveryError) as caught:
        adapter_for(platform.channel).send("31007", "Проверка", 2)
    assert caught.value.retryable is False and "verify.token" in caught.value.reason


@pytest.mark.parametrize("status,code,retryable", [
    (429, "too.many.requests", True), (500, "internal.error", True), (503, "service", True),
    (400, "proto.payload", False), (403, "chat.denied", False), (404, "not.found", False)])
def test_error_classes(ctx, live, max_fake, status, code, retryable):
    platform = make_platform("max", max_fake, live.url)
    max_fake.inject("messages", Fault("error", status, code))
    with pytest.raises(DeliveryError) as caught:
        adapter_for(platform.channel).send("31008", "текст", 3)
    assert caught.value.retryable is retryable
    assert f"MAX {status} {code}" in caught.value.reason
    assert max_fake.sent == []


def test_text_limit_is_4000(ctx, live, max_fake):
    platform = make_platform("max", max_fake, live.url)
    platform.channel.auto_ack = False
    db.session.commit()
    platform.post(platform.event(31009, "Вопрос"))
    process_pending()
    ticket = db.session.scalar(select(Ticket))
    staff = make_user("p", "press")
    with pytest.raises(ReplyError, match="4000 символов, допустимых в MAX"):
        send_reply(ticket, staff, "я" * 4001)
    reply = send_reply(ticket, staff, "я" * 4000)
    db.session.commit()
    assert deliver_due() == 1
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.SENT and max_fake.sent_to(31009) == ["я" * 4000]


def test_two_a_second_per_dialog(ctx, live, max_fake):
    """Five replies into one dialog: the throttle spaces them 0.5 s apart, so the fake (which
    refuses a third message within a second with 429) accepts every one at the first try."""
    platform = make_platform("max", max_fake, live.url)
    platform.channel.auto_ack = False
    db.session.commit()
    platform.post(platform.event(31010, "Много ответов"))
    process_pending()
    ticket = db.session.scalar(select(Ticket))
    staff = make_user("p", "press")
    for i in range(5):
        send_reply(ticket, staff, f"Ответ {i}")
    db.session.commit()
    start = time.monotonic()
    assert deliver_due() == 5
    elapsed = time.monotonic() - start
    assert max_fake.sent_to(31010) == [f"Ответ {i}" for i in range(5)]
    assert max_fake.count("messages") == 5  # no 429, no retry
    assert elapsed >= 4 * 0.5 - 0.05


def test_the_fake_enforces_the_dialog_limit(ctx, live, max_fake):
    platform = make_platform("max", max_fake, live.url)
    adapter = adapter_for(platform.channel)
    adapter.send("31011", "1", 1)
    adapter.send("31011", "2", 2)
    with pytest.raises(DeliveryError) as caught:
        adapter.send("31011", "3", 3)
    assert caught.value.retryable and "429" in caught.value.reason
    adapter.send("31012", "другой диалог", 4)


def test_parse_shapes(ctx, live, max_fake):
    adapter = adapter_for(make_platform("max", max_fake, live.url).channel)
    update = max_fake.message_created(31013, "Смотрите", first_name="Алсу",
                                      last_name="Хайруллина", username="alsu",
                                      document=(b"%PDF-1.4", "справка.pdf", "application/pdf"))
    update["message"]["link"] = {"type": "forward", "message": {"text": "Ответ управляющей"}}
    [incoming] = adapter.parse(update).messages
    assert incoming.event_key == "message_created:" + update["message"]["body"]["mid"]
    assert incoming.message_key == update["message"]["body"]["mid"]
    assert incoming.text == f"Смотрите\n\n{FORWARD_MARK}\nОтвет управляющей"
    assert (incoming.display_name, incoming.username) == ("Алсу Хайруллина", "alsu")
    assert incoming.reply_address == f"31013:{max_fake.chat_for(31013)}"
    [doc] = incoming.attachments
    assert (doc.kind, doc.name, doc.size) == ("document", "справка.pdf", 8)
    group = max_fake.message_created(31013, "в общем чате")
    group["message"]["recipient"]["chat_type"] = "chat"
    assert adapter.parse(group).event_key is None
    own = max_fake.message_created(31013, "бот сам себе")
    own["message"]["sender"]["is_bot"] = True
    assert adapter.parse(own).event_key is None
    for bad in ({"update_type": "message_created"},
                {"update_type": "message_created", "message": {"body": {"mid": "m"},
                                                               "sender": {"user_id": "x"}}},
                {"update_type": "message_created", "message": {"body": {"mid": ""},
                                                               "sender": {"user_id": 1}}}):
        with pytest.raises(ValueError):
            adapter.parse(bad)


def test_cli_add_and_register_webhook(app, ctx, runner, max_fake):
    result = runner.invoke(args=["channels", "add", "--kind", "max", "--slug", "max-gossovet",
                                 "--token", max_fake.token, "--api-base", max_fake.url,
                                 "--name", "Госсовет в MAX"])
    assert result.exit_code == 0, result.output
    assert "/webhooks/max/max-gossovet" in result.output and max_fake.token not in result.output
    channel = db.session.scalar(select(Channel).where(Channel.slug == "max-gossovet"))
    assert channel.kind == "max" and channel.kind_label == "MAX" and channel.secret
    result = runner.invoke(args=["channels", "register-webhook", "max-gossovet", "--base-url",
                                 "https://help.example/"])
    assert result.exit_code == 0, result.output
    [subscription] = max_fake.subscriptions
    assert subscription["url"] == "https://help.example/webhooks/max/max-gossovet"
    assert subscription["secret"] == channel.secret and channel.secret not in result.output
    assert "message_created" in subscription["update_types"]
    refused = runner.invoke(args=["channels", "register-webhook", "max-gossovet", "--base-url",
                                  "http://insecure.example"])
    assert refused.exit_code != 0 and "proto.payload" in refused.output
    bad = runner.invoke(args=["channels", "add", "--kind", "max", "--slug", "max2", "--token",
                              "t", "--secret", "секрет с пробелами"])
    assert bad.exit_code != 0 and "Секрет для MAX" in bad.output


def test_webhook_reply_reaches_the_fake_once(ctx, live, max_fake):
    """The issue's first check end to end: a message in, one ticket, the reply out once."""
    platform = make_platform("max", max_fake, live.url)
    update = max_fake.message_created(31014, "Исәнмесез! Когда починят дорогу в Арске?")
    for _ in range(3):
        assert platform.post(update).status_code == 200
    process_pending()
    route_new_tickets()  # acknowledged once routed
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    ticket = db.session.scalar(select(Ticket))
    reply = send_reply(ticket, make_user("p", "press"), "Ремонт дороги в Арске — в июне.")
    db.session.commit()
    while deliver_due():
        pass
    texts = max_fake.sent_to(31014)
    assert len(texts) == 2 and texts[1] == "Ремонт дороги в Арске — в июне."  # ack, then reply
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.SENT
    assert reply.external_id == max_fake.sent[1]["mid"]


def test_admin_page_adds_a_max_channel(app, ctx, client):
    from tests.helpers import login, post_form

    make_user("root", "admin")
    db.session.commit()
    login(client, "root")
    assert '<option value="max">MAX</option>' in client.get("/admin/channels").get_data(
        as_text=True)
    form = {"kind": "max", "slug": "max-main", "name": "Госсовет в MAX", "token": "MAXTOKEN-1",
            "secret": "плохой секрет", "group_id": "", "confirmation": "", "api_base": "",
            "mode": "webhook", "auto_ack": "y"}
    refused = post_form(client, "/admin/channels", "/admin/channels", form)
    assert refused.status_code == 200 and "Секрет для MAX" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Channel)) is None
    response = post_form(client, "/admin/channels", "/admin/channels", {**form, "secret": ""})
    assert response.status_code == 302
    channel = db.session.scalar(select(Channel).where(Channel.slug == "max-main"))
    html = client.get(f"/admin/channels/{channel.id}").get_data(as_text=True)
    assert "/webhooks/max/max-main" in html and "register-webhook max-main" in html
    assert "MAXTOKEN-1" not in html and channel.secret not in html


def test_attachments_only_from_max_hosts(ctx, live, max_fake, app):
    from helpdesk.inbox.attachments import download_pending
    from helpdesk.models import Attachment

    platform = make_platform("max", max_fake, live.url)
    update = max_fake.message_created(31015, "Документы", document=(b"%PDF-1.4 x", "a.pdf",
                                                                   "application/pdf"))
    update["message"]["body"]["attachments"] += [
        {"type": "file", "payload": {"url": "http://10.1.2.3/secret"}, "filename": "b.pdf"},
        {"type": "image", "payload": {"url": max_fake.add_redirect(
            "http://169.254.169.254/latest/meta-data/")}},
        {"type": "file", "payload": {"url": "https://evil.example/c.pdf"}, "filename": "c.pdf"},
        {"type": "sticker", "payload": {"url": max_fake.url + "/files/sticker"}}]
    platform.post(update)
    process_pending()
    download_pending()
    db.session.expire_all()
    statuses = [(a.original_name, a.status) for a in
                db.session.scalars(select(Attachment).order_by(Attachment.id))]
    assert statuses == [("a.pdf", "stored"), ("b.pdf", "failed"), ("image.jpg", "failed"),
                        ("c.pdf", "failed")]
    assert adapter_for(platform.channel).allowed_hosts() >= {"*.max.ru", "*.oneme.ru"}
