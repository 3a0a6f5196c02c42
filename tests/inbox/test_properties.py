"""Property-based, for VK, Telegram, OK and MAX: for any bytes and any JSON value, a webhook
delivery is a 4xx, an ignored event or exactly one stored message; never an exception
escaping, never a lost message.

Examples per test come from the Hypothesis profile (tests/conftest.py): a few tens of seconds in
the normal run, thousands with `make fuzz` (HYPOTHESIS_PROFILE=fuzz).
"""
import json
import secrets
from datetime import datetime
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from helpdesk.channels.services import create_channel, webhook_path
from helpdesk.extensions import db
from helpdesk.inbox import normalise
from helpdesk.inbox.adapters import adapter_for
from helpdesk.inbox.events import REFETCH_ATTEMPTS, process_pending
from helpdesk.inbox.ingest import ingest
from helpdesk.inbox.types import IncomingAttachment, IncomingMessage
from helpdesk.models import Channel, InboundEvent, Message
from helpdesk.models.message import Direction

PLATFORMS = ["vk", "telegram", "ok", "max"]
SECRET_HEADERS = {"telegram": "X-Telegram-Bot-Api-Secret-Token", "max": "X-Max-Bot-Api-Secret"}
VK_GROUP, SECRET, TOKEN = 4242, "prop-secret", "prop-path-token"
EXAMPLES = settings.default.max_examples  # 100 normally; the fuzz profile raises it
FEW = settings(max_examples=max(8, EXAMPLES // 8), deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_ids = count(1)

# Text with everything a platform (or a forger) can put in JSON: NUL, lone surrogates, ...
CHARS = st.characters(exclude_categories=())
TEXTS = st.text(CHARS, max_size=12) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "\udfff", "12", "-7", "9" * 40, "user:1", "chat:1", "mid:1"])
SCALARS = (st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70)
           | st.floats(allow_nan=True, allow_infinity=True) | TEXTS)


def json_values(scalars) -> st.SearchStrategy:
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(TEXTS, inner, max_size=4), max_leaves=10)


JSON = json_values(SCALARS)  # NaN and Infinity too: their body is not JSON (a 400)
VALID_JSON = json_values(st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70)
                         | st.floats(allow_nan=False, allow_infinity=False) | TEXTS)


def valid_payload(kind: str, n: int) -> dict:
    """A well-formed message delivery of each platform with fresh ids."""
    if kind == "vk":
        message = {"id": n, "date": 1_700_000_000, "from_id": 1000 + n, "peer_id": 1000 + n,
                   "text": f"Текст {n}", "conversation_message_id": n, "out": 0,
                   "attachments": [{"type": "doc", "doc": {"url": "http://127.0.0.1:9/d",
                                                           "title": "акт", "size": 10}}]}
        return {"type": "message_new", "group_id": VK_GROUP, "event_id": f"ev{n}",
                "secret": SECRET, "v": "5.199", "object": {"message": message}}
    if kind == "telegram":
        return {"update_id": n, "message": {
            "message_id": n, "date": 1_700_000_000, "text": f"Текст {n}",
            "chat": {"id": 2000 + n, "type": "private"},
            "from": {"id": 2000 + n, "first_name": "Иван", "last_name": "Петров"},
            "document": {"file_id": f"f{n}", "file_name": "акт.pdf", "file_size": 10}}}
    if kind == "max":
        return {"update_type": "message_created", "timestamp": 1_700_000_000_000, "message": {
            "sender": {"user_id": 3000 + n, "first_name": "Иван", "name": "Иван Петров"},
            "recipient": {"chat_id": 4000 + n, "chat_type": "dialog"},
            "body": {"mid": f"mid.{n}", "seq": n, "text": f"Текст {n}", "attachments": [
                {"type": "file", "payload": {"url": "http://127.0.0.1:9/f"}, "size": 10}]}}}
    return {"webhookType": "MESSAGE_CREATED", "timestamp": 1_700_000_000_000,
            "sender": {"user_id": f"user:{n}", "name": "Иван"},
            "recipient": {"chat_id": f"chat:{n}"},
            "message": {"text": f"Текст {n}", "seq": n, "mid": f"mid:{n}",
                        "attachments": [{"type": "IMAGE", "payload": {"url": "http://127.0.0.1:9/i"}}]}}


def mutate(data, node, depth: int = 0):
    """Replace, delete or add fields anywhere in `node`, as Hypothesis draws."""
    if isinstance(node, dict):
        for key in list(node):
            choice = data.draw(st.integers(0, 9))
            if choice == 0:
                node[key] = data.draw(JSON)
            elif choice == 1:
                del node[key]
            else:
                mutate(data, node[key], depth + 1)
        if data.draw(st.integers(0, 9)) == 0:
            node[data.draw(TEXTS)] = data.draw(JSON)
    elif isinstance(node, list):
        for i in range(len(node)):
            if data.draw(st.integers(0, 9)) == 0:
                node[i] = data.draw(JSON)
            else:
                mutate(data, node[i], depth + 1)
    return node


@pytest.fixture
def channels(ctx):
    """One channel per platform; their API base is a closed loopback port (never answers)."""
    made = {
        "vk": create_channel("vk", "vk-prop", "t", group_id=VK_GROUP, secret=SECRET,
                             confirmation="conf", api_base="http://127.0.0.1:9"),
        "telegram": create_channel("telegram", "tg-prop", "t", secret=SECRET,
                                   api_base="http://127.0.0.1:9"),
        "ok": create_channel("ok", "ok-prop", "t", api_base="http://127.0.0.1:9"),
        "max": create_channel("max", "max-prop", "t", secret=SECRET, api_base="http://127.0.0.1:9"),
    }
    made["ok"].webhook_token = TOKEN
    db.session.commit()
    return made


def deliver(app, channel: Channel, body: bytes, auth: str = "right"):
    """POST a body as the platform would (auth: right, wrong or missing credentials)."""
    path, headers = webhook_path(channel), {"Content-Type": "application/json"}
    if channel.kind in SECRET_HEADERS and auth != "missing":
        headers[SECRET_HEADERS[channel.kind]] = SECRET if auth == "right" else "nope"
    if channel.kind == "ok" and auth != "right":
        path = path.rsplit("/", 1)[0] + "/not-the-token"
    return app.test_client().post(path, data=body, headers=headers)


def inbound_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Message).where(
        Message.direction == Direction.INBOUND))


def last_event_id() -> int:
    return db.session.scalar(select(func.max(InboundEvent.id))) or 0


def check_delivery(app, channel: Channel, body: bytes, auth: str = "right") -> None:
    """The property: 4xx and nothing stored, or 2xx and at most one event, which background
    processing turns into exactly one stored message or an ignored (kept) event."""
    before = last_event_id()
    response = deliver(app, channel, body, auth)
    db.session.rollback()
    new = db.session.scalars(select(InboundEvent).where(InboundEvent.id > before)).all()
    assert response.status_code in (200, 400, 401, 403), response.status_code
    if response.status_code != 200:
        assert new == []
        return
    assert len(new) <= 1
    if not new:
        return
    for _ in range(REFETCH_ATTEMPTS + 1):  # a cropped VK message: the refetch fails, then kept
        process_pending(limit=1000)
    event = db.session.get(InboundEvent, new[0].id, populate_existing=True)
    assert event.status in ("processed", "ignored"), (event.status, event.error)
    if event.status == "processed":
        for incoming in adapter_for(channel).parse(event.payload).messages:
            assert db.session.scalar(select(func.count()).select_from(Message).where(
                Message.channel_id == channel.id,
                Message.external_key == incoming.message_key)) == 1


@FEW
@pytest.mark.parametrize("kind", PLATFORMS)
@given(body=st.binary(max_size=400) | JSON.map(lambda v: json.dumps(v).encode()),
       auth=st.sampled_from(["right", "right", "wrong", "missing"]))
def test_any_body(app, channels, kind, body, auth):
    check_delivery(app, channels[kind], body, auth)


@FEW
@pytest.mark.parametrize("kind", PLATFORMS)
@given(data=st.data())
def test_mutated_message_delivery(app, channels, kind, data):
    payload = mutate(data, valid_payload(kind, next(_ids)))
    check_delivery(app, channels[kind], json.dumps(payload).encode())


@FEW
@pytest.mark.parametrize("kind", PLATFORMS)
@given(text=TEXTS, name=VALID_JSON, size=VALID_JSON, when=VALID_JSON)
def test_odd_values_in_known_fields_keep_the_message(app, channels, kind, text, name, size, when):
    """Whatever the text, name, file size and date hold, the message is stored (once)."""
    n = next(_ids)
    payload = valid_payload(kind, n)
    if kind == "vk":
        message = payload["object"]["message"]
        message.update(text=text, date=when)
        message["attachments"][0]["doc"].update(size=size, title=name)
    elif kind == "telegram":
        message = payload["message"]
        message.update(text=text, date=when)
        message["from"]["first_name"] = name
        message["document"]["file_size"] = size
    elif kind == "max":
        message = payload["message"]
        message["body"]["text"], message["timestamp"] = text, when
        message["sender"]["name"] = name
        message["body"]["attachments"][0]["size"] = size
    else:
        payload["message"]["text"] = text
        payload.update(timestamp=when)
        payload["sender"]["name"] = name
    before = inbound_count()
    check_delivery(app, channels[kind], json.dumps(payload).encode())
    assert inbound_count() == before + 1


@FEW
@given(text=TEXTS, names=st.lists(JSON, min_size=4, max_size=4), size=JSON, sent_at=JSON,
       attachment=st.lists(JSON, min_size=3, max_size=3))
def test_ingest_stores_any_message_once(channels, text, names, size, sent_at, attachment):
    """ingest itself: an IncomingMessage built from any values is stored exactly once."""
    channel = channels["telegram"]
    key = f"k{next(_ids)}:{secrets.token_hex(4)}"
    incoming = IncomingMessage(
        event_key=key, message_key=key, external_user_id=key, reply_address=key, text=text,
        sent_at=sent_at if isinstance(sent_at, datetime) else normalise.timestamp(sent_at),
        display_name=names[0], first_name=names[1], last_name=names[2], username=names[3],
        attachments=(IncomingAttachment(attachment[0], attachment[1], attachment[2], "", size),))
    for _ in range(2):  # the second time is a duplicate: still one message
        ingest(channel, incoming)
        db.session.commit()
    [message] = db.session.scalars(select(Message).where(Message.external_key == key)).all()
    assert message.text == normalise.clean(text)


@settings(max_examples=EXAMPLES * 5, deadline=None)
@given(raw=st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode())
       | JSON.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")))
def test_load_json_refuses_or_returns_storable(raw):
    try:
        value = normalise.load_json(raw)
    except normalise.BadBody:
        return
    dumped = json.dumps(value, ensure_ascii=False, allow_nan=False)
    dumped.encode("utf-8")  # no lone surrogate left
    assert "\\u0000" not in json.dumps(value) and "\x00" not in dumped
    assert normalise.storable(value) == value
