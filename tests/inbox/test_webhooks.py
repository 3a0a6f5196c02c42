"""Webhook authenticity, confirmation, malformed and unknown events: never a 500, forged stores nothing."""
import json

import pytest
import requests
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import InboundEvent
from tests.inbox.conftest import make_platform


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(InboundEvent))


@pytest.fixture
def vk(ctx, live, vk_fake):
    return make_platform("vk", vk_fake, live.url)


@pytest.fixture
def tg(ctx, live, tg_fake):
    return make_platform("telegram", tg_fake, live.url)


@pytest.fixture
def ok(ctx, live, ok_fake):
    return make_platform("ok", ok_fake, live.url)


@pytest.fixture
def mx(ctx, live, max_fake):
    return make_platform("max", max_fake, live.url)


def test_vk_confirmation_and_forgery(vk):
    answer = vk.post(vk.fake.confirmation_event())
    assert answer.status_code == 200 and answer.text == vk.fake.confirmation
    forged = vk.fake.message_event(1, "подделка")
    forged["secret"] = "wrong"
    assert vk.post(forged).status_code == 403
    other_group = vk.fake.message_event(1, "чужое сообщество")
    other_group["group_id"] = 999
    assert vk.post(other_group).status_code == 403
    assert events() == 0
    typing = {"type": "message_typing_state", "group_id": vk.fake.group_id,
              "secret": vk.fake.secret, "object": {}}
    answer = vk.post(typing)
    assert answer.status_code == 200 and answer.text == "ok" and events() == 0


def test_telegram_secret_header(tg):
    update = tg.fake.message_update(5, "подделка")
    assert tg.fake.post_webhook(tg.webhook_url, update, None).status_code == 401
    assert tg.fake.post_webhook(tg.webhook_url, update, "nope").status_code == 403
    assert events() == 0
    assert tg.post(update).status_code == 200 and events() == 1


def test_ok_path_token(ok):
    payload = ok.fake.message_created("9", "9", "текст")
    wrong = ok.live_url + f"/webhooks/ok/{ok.channel.slug}/not-the-token"
    assert ok.fake.post_webhook(wrong, payload).status_code == 403
    assert events() == 0
    assert ok.post(payload).status_code == 200 and events() == 1


def test_max_secret_header(mx):
    update = mx.fake.message_created(6, "подделка")
    assert mx.fake.post_webhook(mx.webhook_url, update, None).status_code == 401
    assert mx.fake.post_webhook(mx.webhook_url, update, "max-secret-12").status_code == 403
    assert mx.fake.post_webhook(mx.webhook_url, update, "").status_code == 401
    # checked before the body is read: a forged body that is not JSON is refused the same way
    forged = requests.post(mx.webhook_url, data=b"[" * 100_000, timeout=10,
                           headers={"Content-Type": "application/json",
                                    "X-Max-Bot-Api-Secret": "wrong"})
    assert forged.status_code == 403
    assert events() == 0
    assert mx.post(update).status_code == 200 and events() == 1
    assert mx.post(update).status_code == 200 and events() == 1  # a resend: the same answer
    started = mx.post(mx.fake.bot_started(6))
    assert started.status_code == 200 and events() == 1  # opening the bot is no message


def test_unknown_channel_is_404(live):
    response = requests.post(live.url + "/webhooks/vk/nope", json={"type": "x"}, timeout=10)
    assert response.status_code == 404


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b"{\"type\":", b"\xff\xfe",
                                  b"null", b"{\"update_id\": \"x\"}", b"\"string\""])
def test_malformed_bodies_never_500(vk, tg, ok, mx, body):
    for platform in (vk, tg, ok, mx):
        headers = {"Content-Type": "application/json"}
        if platform.kind == "telegram":
            headers["X-Telegram-Bot-Api-Secret-Token"] = "tg-secret-123"
        if platform.kind == "max":
            headers["X-Max-Bot-Api-Secret"] = "max-secret-123"
        response = requests.post(platform.webhook_url, data=body, headers=headers, timeout=10)
        assert response.status_code in (200, 400, 403), (platform.kind, body, response.status_code)


def test_authentic_but_unparseable_is_kept_and_answered(vk, tg, ok, mx):
    bad_vk = {"type": "message_new", "group_id": vk.fake.group_id, "secret": vk.fake.secret,
              "event_id": "e1", "object": {"message": {"peer_id": "abc"}}}
    assert vk.post(bad_vk).status_code == 200
    bad_tg = {"update_id": 5, "message": {"chat": {}}}
    assert tg.post(bad_tg).status_code == 200
    bad_ok = {"webhookType": "MESSAGE_CREATED", "message": {"text": "без mid"}}
    assert ok.post(bad_ok).status_code == 200
    bad_max = {"update_type": "message_created", "message": {"body": {"text": "без mid"}}}
    assert mx.post(bad_max).status_code == 200
    assert events() == 4  # kept for inspection, nothing lost
    from helpdesk.inbox.events import process_pending

    process_pending()
    statuses = db.session.scalars(select(InboundEvent.status)).all()
    assert statuses == ["ignored"] * 4


def test_fuzzed_bodies_never_500(vk, tg, ok, mx):
    import random

    rng = random.Random(7)
    samples = [vk.fake.message_event(1, "x"), tg.fake.message_update(1, "x"),
               ok.fake.message_created("1", "1", "x"),
               mx.fake.message_created(1, "x", image=b"\xff\xd8\xff")]
    statuses = set()
    for i in range(400):
        platform = (vk, tg, ok, mx)[i % 4]
        payload = json.loads(json.dumps(samples[i % 4]))
        _mutate(payload, rng)
        if platform.kind == "vk" and rng.random() < 0.8:
            payload["secret"] = vk.fake.secret
        statuses.add(platform.post(payload).status_code)
    assert statuses <= {200, 400, 403}
    from helpdesk.inbox.events import process_pending

    process_pending(limit=1000)  # whatever was stored is ingested or set aside, never crashes
    left = db.session.scalars(select(InboundEvent.status)
                              .where(InboundEvent.status.notin_(["processed", "ignored"]))).all()
    assert left == []


def _mutate(node, rng) -> None:
    values = [None, "", "строка", -1, 2**70, [], {}, 1.5, True, "9" * 40]
    if isinstance(node, dict):
        for key in list(node):
            r = rng.random()
            if r < 0.15:
                node[key] = rng.choice(values)
            elif r < 0.2:
                del node[key]
            else:
                _mutate(node[key], rng)
    elif isinstance(node, list):
        for item in node:
            _mutate(item, rng)


def test_deliveries_are_answered_without_session_or_csrf(vk):
    """One webhook path, the blueprint's routes: no cookie, no CSRF token needed, security
    headers set; another method is a 405 and a longer path a 404."""
    answer = vk.post(vk.fake.message_event(1, "Здравствуйте"))
    assert answer.status_code == 200 and answer.text == "ok"
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    assert events() == 1
    assert requests.get(vk.webhook_url, timeout=10).status_code == 405
    assert requests.post(vk.webhook_url + "/extra", json={}, timeout=10).status_code == 404


def test_oversized_delivery_is_413_and_stores_nothing(vk, app):
    event = vk.fake.message_event(1, "x" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    answer = vk.post(event)
    assert answer.status_code == 413
    assert events() == 0


def test_non_utf8_path_falls_through_to_flask(live):
    response = requests.post(live.url + "/webhooks/vk/%FF%FE", json={"type": "x"}, timeout=10)
    assert response.status_code == 404


def test_a_delivery_opens_no_session_and_gets_no_page_headers(app, vk):
    """Platform deliveries skip the cookie session and the browser headers (the request
    machinery, helpdesk.web.deliveries); a signed-in user's cookie sent along is not read."""
    from tests.helpers import login, make_user

    make_user("press9", "press")
    db.session.commit()
    browser = app.test_client()
    login(browser, "press9")
    cookie = browser.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None and browser.get("/tickets").status_code == 200
    answer = requests.post(vk.webhook_url, data=json.dumps(vk.fake.message_event(77, "Здравствуйте")),
                           headers={"Content-Type": "application/json",
                                    "Cookie": f"{cookie.key}={cookie.value}"}, timeout=10)
    assert answer.status_code == 200 and answer.text == "ok"
    assert "Set-Cookie" not in answer.headers
    assert "Content-Security-Policy" not in answer.headers
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert events() == 1
    page = browser.get("/tickets")  # the users' pages keep the session and the headers
    assert page.status_code == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
