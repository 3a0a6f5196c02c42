"""Hostile MAX deliveries (issue 13's findings, for MAX): the secret header is checked before
the body is read, the body is parsed with bounds, and what is answered 2xx is stored clean."""
import json

import pytest
import requests
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Attachment, Citizen, InboundEvent
from tests.inbox.conftest import MAX_SECRET, make_platform
from tests.inbox.test_hostile_input import DEEP, LONE, events, inbound, ingest_all


@pytest.fixture
def mx(ctx, live, max_fake):
    return make_platform("max", max_fake, live.url)


def post_raw(platform, body: bytes, secret: str | None = MAX_SECRET) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Max-Bot-Api-Secret"] = secret
    return requests.post(platform.webhook_url, data=body, headers=headers, timeout=30)


def test_deep_and_bad_bodies(mx):
    assert post_raw(mx, DEEP, secret="wrong").status_code == 403
    assert post_raw(mx, DEEP, secret=None).status_code == 401
    assert post_raw(mx, DEEP).status_code == 400
    for body in (b'{"a": NaN}', b"\xed\xa0\x80", b"[" * 20_000, b"[1]", b"null"):
        assert post_raw(mx, body).status_code == 400, body[:20]
    assert events() == 0


def test_lone_surrogates_and_nul_are_cleaned_and_the_message_stored(mx, max_fake):
    update = max_fake.message_created(5101, f"Нет воды {LONE} третий\x00 день",
                                      first_name=f"Ив{LONE}ан", last_name="Пет\x00ров",
                                      username=f"u{LONE}")
    update["message"]["body"]["mid"] += "\x00"
    update["message"]["body"]["attachments"] = [
        {"type": "file", "payload": {"url": "http://127.0.0.1:9/f\x00"}, "filename": f"а{LONE}\x00"}]
    assert mx.post(update).status_code == 200
    stored = db.session.scalar(select(InboundEvent))
    assert "\x00" not in json.dumps(stored.payload, ensure_ascii=False)
    ingest_all()
    [message] = inbound()
    assert message.text == "Нет воды \ufffd третий день"
    assert "\x00" not in message.external_key
    citizen = db.session.scalar(select(Citizen))
    assert citizen.display_name == "Ив\ufffdан Петров"
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert attachment.original_name == "а\ufffd" and "\x00" not in attachment.source


def test_badly_typed_fields_are_ignored_one_by_one(mx, max_fake):
    update = max_fake.message_created(5102, "МАКС")
    message = update["message"]
    message.update(timestamp="вчера", link=[1], recipient="диалог")
    message["sender"].update(first_name={"x": 1}, last_name=5, name=7, username=None)
    message["body"]["attachments"] = [None, 5, {"type": "file", "payload": {
        "url": "http://127.0.0.1:9/d"}, "size": 10 ** 40, "filename": ["x"]},
        {"type": "image", "payload": "url"}, {"type": ["image"], "payload": {"url": "u"}}]
    assert mx.post(update).status_code == 200
    ingest_all()
    assert [m.text for m in inbound()] == ["МАКС"]
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert (attachment.kind, attachment.original_name, attachment.size) == ("document", "file",
                                                                            None)
    assert db.session.scalar(select(Citizen)).display_name == "MAX 5102"
