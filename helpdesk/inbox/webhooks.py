"""Webhook endpoints: authenticate, store the raw event, commit, then answer the platform."""
import hashlib
import json
import logging
import threading
import time
from types import SimpleNamespace

from flask import Blueprint, Response, current_app, request
from werkzeug.wrappers import Request
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from helpdesk.extensions import csrf, db
from helpdesk.inbox.adapters import adapter_for
from helpdesk.inbox.adapters.telegram import SECRET_HEADER
from helpdesk.inbox.events import accept
from helpdesk.models import Channel

log = logging.getLogger(__name__)

bp = Blueprint("inbox_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)

RETRY_AFTER = "5"
PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)


@bp.post("/vk/<slug>")
def vk(slug: str):
    """VK Callback API: confirmation string, `secret`, body `ok`."""
    return handle("vk", slug, None, request)


@bp.post("/telegram/<slug>")
def telegram(slug: str):
    """Telegram webhook authenticated by the secret-token header."""
    return handle("telegram", slug, None, request)


@bp.post("/ok/<slug>/<token>")
def ok(slug: str, token: str):
    """OK webhook authenticated by the unguessable token in the path."""
    return handle("ok", slug, token, request)


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def _unavailable() -> Response:
    try:
        db.session.rollback()
    except (OperationalError, DBAPIError):  # the connection is gone; it is discarded
        db.session.close()
    response = _text("unavailable", 503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def handle(kind: str, slug: str, token: str | None, req: Request) -> Response:
    """One delivery, in an app context: the blueprint views and the intake fast path call this."""
    try:
        channel = channel_for(kind, slug)
        if channel is None:
            return _text("unknown channel", 404)
        return _receive(channel, token, req)
    except (OperationalError, DBAPIError) as exc:
        log.error("webhook %s/%s: database unavailable (%s)", kind, slug, exc.__class__.__name__)
        return _unavailable()
    finally:
        _release()


def _release() -> None:
    """Give any session connection back now, so a database lost after the commit cannot turn
    a stored event's answer into an error at teardown."""
    if not db.session.registry.has():
        return  # the hot path never opened an ORM session
    try:
        db.session.close()
    except (OperationalError, DBAPIError):
        pass


_cache: dict[tuple, tuple[float, SimpleNamespace | None]] = {}
_cache_lock = threading.Lock()


def channel_for(kind: str, slug: str) -> SimpleNamespace | None:
    """The active channel's settings, cached for INBOX_CHANNEL_CACHE_SECONDS (default 5)."""
    ttl = float(current_app.config.get("INBOX_CHANNEL_CACHE_SECONDS", 5))
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], kind, slug)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    table = Channel.__table__
    with db.engine.connect() as conn:
        row = conn.execute(select(table).where(
            table.c.slug == slug, table.c.kind == kind, table.c.active.is_(True))).mappings().first()
    channel = SimpleNamespace(**row) if row is not None else None
    if ttl > 0:
        with _cache_lock:
            if len(_cache) > 1000:
                _cache.clear()
            _cache[key] = (now + ttl, channel)
    return channel


def forget_channels() -> None:
    """Drop cached channel settings (after an edit in this process)."""
    with _cache_lock:
        _cache.clear()


def _receive(channel: SimpleNamespace, token: str | None, req: Request) -> Response:
    adapter = adapter_for(channel)
    if channel.kind == "telegram" and not req.headers.get(SECRET_HEADER):
        return _text("unauthorized", 401)
    payload = req.get_json(silent=True)
    if channel.kind in ("telegram", "ok"):
        if not adapter.authenticate(payload or {}, req.headers, token):
            return _text("forbidden", 403)
    if not isinstance(payload, dict):
        return _text("bad request", 400)
    if channel.kind == "vk" and not adapter.authenticate(payload, req.headers, token):
        return _text("forbidden", 403)
    try:
        parsed = adapter.parse(payload)
    except PARSE_ERRORS:
        # Authentic but not understood: keep it for inspection, answer so it is not resent.
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:48]
        accept(channel.id, f"raw:{digest}", payload)
        log.warning("channel %s: unparsed event kept", channel.id)
        return _text("ignored")
    if parsed.reply is not None:
        return _text(parsed.reply)
    if parsed.event_key is None:
        return _text("ok" if channel.kind == "vk" else "ignored")
    stored = accept(channel.id, parsed.event_key, payload)
    log.info("channel %s event %s %s", channel.id, parsed.event_key[:40],
             "stored" if stored else "duplicate")
    return _text("ok")
