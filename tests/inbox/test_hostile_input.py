"""Hostile deliveries (issue 13, findings 1-4): never a 5xx, and what is answered 2xx is stored.

Each test sends through the real server (werkzeug in a thread) and then runs the background
ingest; on PostgreSQL (TEST_DATABASE_URL) they also show what the database refuses.
"""
import json

import pytest
import requests
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.inbox.events import process_pending
from helpdesk.models import Attachment, Citizen, InboundEvent, Message
from helpdesk.models.message import Direction
from tests.inbox.conftest import make_platform

TG_SECRET = "tg-secret-123"
DEEP = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
LONE = "\ud800"


@pytest.fixture
def vk(ctx, live, vk_fake):
    return make_platform("vk", vk_fake, live.url)


@pytest.fixture
def tg(ctx, live, tg_fake):
    return make_platform("telegram", tg_fake, live.url)


@pytest.fixture
def ok(ctx, live, ok_fake):
    return make_platform("ok", ok_fake, live.url)


def post_raw(platform, body: bytes, secret: str | None = TG_SECRET) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if platform.kind == "telegram" and secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return requests.post(platform.webhook_url, data=body, headers=headers, timeout=30)


def inbound() -> list[Message]:
    return db.session.scalars(select(Message).where(Message.direction == Direction.INBOUND)
                              .order_by(Message.id)).all()


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(InboundEvent))


def ingest_all() -> None:
    process_pending(limit=1000)
    left = db.session.scalars(select(InboundEvent.status)
                              .where(InboundEvent.status != "processed")).all()
    assert left == []


# --- finding 1: deep nesting ----------------------------------------------------------------
def test_deep_nesting_is_refused_before_parsing(vk, tg, ok):
    """A forged deep body is refused by the header/path check without being parsed; an
    authentic one (or VK's, whose secret is inside) is a 400; nothing is stored."""
    assert post_raw(tg, DEEP, secret="wrong").status_code == 403
    assert post_raw(tg, DEEP, secret=None).status_code == 401
    wrong_ok = ok.live_url + f"/webhooks/ok/{ok.channel.slug}/not-the-token"
    assert requests.post(wrong_ok, data=DEEP, timeout=30).status_code == 403
    for platform in (vk, tg, ok):
        assert post_raw(platform, DEEP).status_code == 400, platform.kind
        moderate = b'{"update_id": 1, "a": ' + b"[" * 900 + b"]" * 900 + b"}"
        assert post_raw(platform, moderate).status_code == 400, platform.kind
    assert events() == 0


# --- finding 2: lone surrogates ---------------------------------------------------------------
@pytest.mark.parametrize("kind", ["vk", "telegram", "ok"])
def test_lone_surrogates_in_text_and_names_are_stored(kind, request):
    platform = request.getfixturevalue({"vk": "vk", "telegram": "tg", "ok": "ok"}[kind])
    text = f"Нет воды {LONE} третий день"
    if kind == "telegram":
        payload = platform.fake.message_update(5001, text, first_name=f"Ив{LONE}ан",
                                               last_name=LONE, username=f"u{LONE}")
    elif kind == "ok":
        payload = platform.fake.message_created("5001", "5001", text, name=f"Ив{LONE}ан")
    else:
        payload = platform.event(5001, text)
    assert platform.post(payload).status_code == 200
    ingest_all()
    [message] = inbound()
    assert message.text == "Нет воды \ufffd третий день"
    if kind != "vk":  # VK deliveries carry no name
        citizen = db.session.scalar(select(Citizen))
        assert citizen.display_name.startswith("Ив\ufffdан")


def test_lone_surrogates_in_vk_secret_and_event_id(vk):
    forged = vk.event(5002, "подделка")
    forged["secret"] = vk.fake.secret + LONE
    assert vk.post(forged).status_code == 403
    odd = vk.event(5002, "Здравствуйте")
    odd["event_id"] = f"ev{LONE}{LONE}1"
    assert vk.post(odd).status_code == 200
    assert db.session.scalar(select(InboundEvent.event_key)) == "ev\ufffd\ufffd1"
    ingest_all()
    assert [m.text for m in inbound()] == ["Здравствуйте"]


# --- finding 3: NUL ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["vk", "telegram", "ok"])
def test_nul_anywhere_is_removed_and_the_message_stored(kind, request):
    platform = request.getfixturevalue({"vk": "vk", "telegram": "tg", "ok": "ok"}[kind])
    if kind == "telegram":
        payload = platform.fake.message_update(5003, "в\x00ода", first_name="Ив\x00ан",
                                               username="u\x00")
        payload["message"]["document"] = {"file_id": "f\x00id", "file_name": "акт\x00.pdf",
                                          "mime_type": "application/pdf\x00"}
    elif kind == "ok":
        payload = platform.fake.message_created("5003\x00", "5003\x00", "в\x00ода",
                                                name="Ив\x00ан")
        payload["message"]["mid"] += "\x00"
        payload["message"]["attachments"] = [
            {"type": "FILE", "payload": {"url": "http://127.0.0.1:9/f\x00", "name": "a\x00"}}]
    else:
        payload = platform.event(5003, "в\x00ода")
        payload["event_id"] = "e\x00v"
        payload["object"]["message"]["attachments"] = [
            {"type": "doc", "doc": {"url": "http://127.0.0.1:9/d\x00", "title": "акт\x00"}}]
    assert platform.post(payload).status_code == 200
    stored = db.session.scalar(select(InboundEvent))
    assert "\x00" not in json.dumps(stored.payload, ensure_ascii=False)
    ingest_all()
    [message] = inbound()
    assert message.text == "вода"
    assert "\x00" not in message.external_key
    for attachment in db.session.scalars(select(Attachment)):
        assert "\x00" not in attachment.source + attachment.original_name + attachment.mime_type
    citizen = db.session.scalar(select(Citizen))
    assert "\x00" not in citizen.display_name + citizen.external_user_id + citizen.reply_address


# --- finding 4: badly typed fields ------------------------------------------------------------
@pytest.mark.parametrize("file_size", ["", 10 ** 40, -5, "12", 1.5, True, [1], {"a": 1}, None])
def test_unusable_attachment_size_keeps_the_message(tg, file_size):
    payload = tg.fake.message_update(5004, "Акт во вложении")
    payload["message"]["document"] = {"file_id": "doc-1", "file_name": "акт.pdf",
                                      "mime_type": "application/pdf", "file_size": file_size}
    assert tg.post(payload).status_code == 200
    ingest_all()
    [message] = inbound()
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert attachment.message_id == message.id and attachment.original_name == "акт.pdf"
    assert attachment.size == (12 if file_size == "12" else None)


def test_badly_typed_fields_are_ignored_one_by_one(vk, tg, ok):
    """Each odd field is dropped on its own; the message with everything usable is stored."""
    vk_event = vk.event(5005, "ВК")
    message = vk_event["object"]["message"]
    message.update(date="вчера", from_id={"id": 1}, id=[1],
                   attachments=[None, 5, {"type": "doc", "doc": {"url": "http://127.0.0.1:9/d",
                                                                 "size": 10 ** 40,
                                                                 "title": ["x"]}}])
    tg_update = tg.fake.message_update(5005, "ТГ")
    tg_update["message"].update(date=10 ** 40, photo=[{"file_id": "p", "width": "w"}, 7],
                                voice="голос")
    tg_update["message"]["from"] = "кто-то"
    ok_event = ok.fake.message_created("5005", "5005", "ОК")
    ok_event.update(timestamp=-(10 ** 30))
    ok_event["sender"]["name"] = {"first": "Иван"}
    ok_event["message"]["attachments"] = {"type": "IMAGE"}
    for platform, payload in ((vk, vk_event), (tg, tg_update), (ok, ok_event)):
        assert platform.post(payload).status_code == 200, platform.kind
    ingest_all()
    assert sorted(m.text for m in inbound()) == ["ВК", "ОК", "ТГ"]
    kinds = sorted(a.kind for a in db.session.scalars(select(Attachment)))
    assert kinds == ["document", "photo"]
    assert db.session.scalar(select(Attachment.size).where(Attachment.kind == "document")) is None


def test_not_json_and_bad_json_are_400(vk, tg, ok):
    for platform in (vk, tg, ok):
        for body in (b'{"a": NaN}', b'{"a": Infinity}', b"\xed\xa0\x80", b"[" * 20_000,
                     b'{"a": ' + b"1" * 5000 + b"}"):
            assert post_raw(platform, body).status_code == 400, (platform.kind, body[:20])
    assert events() == 0
