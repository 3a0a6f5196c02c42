"""Webhook endpoints: authenticate, store the raw event, commit, then answer the platform."""
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
from helpdesk.inbox.events import accept, unparsed_key
from helpdesk.inbox.normalise import MALFORMED, BadBody, load_json
from helpdesk.models import Channel

log = logging.getLogger(__name__)

bp = Blueprint("inbox_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)


RETRY_AFTER = "5"


@bp.post("/vk/<slug>")
def vk(slug: str):
    """VK Callback API: confirmation string, `secret`, body `ok`."""
    return handle("vk", slug, None, request)


@bp.post("/telegram/<slug>")
def telegram(slug: str):
    """Telegram webhook authenticated by the secret-token header."""
    return handle("telegram", slug, None, request)


@bp.post("/max/<slug>")
def max_bot(slug: str):
    """MAX webhook authenticated by the X-Max-Bot-Api-Secret header."""
    return handle("max", slug, None, request)


@bp.post("/ok/<slug>/<token>")
def ok(slug: str, token: str):
    """OK webhook authenticated by the unguessable token in the path."""
    return handle("ok", slug, token, request)


def _text(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _unavailable() -> Response:
    try:
        db.session.rollback()
    except (OperationalError, DBAPIError):  # the connection is gone; it is discarded
        db.session.close()
    response = _text("unavailable", 503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def handle(kind: str, slug: str, token: str | None, req: Request) -> Response:
    """One delivery: the channel, then authenticate, parse, store and answer."""
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
    """Authenticate (headers and path before parsing), parse with bounds, store, answer."""
    adapter = adapter_for(channel)
    if not adapter.secret_in_body:
        if adapter.secret_header and not req.headers.get(adapter.secret_header):
            return _text("unauthorized", 401)
        if not adapter.authenticate(None, req.headers, token):
            return _text("forbidden", 403)
    try:
        payload = load_json(req.get_data(cache=False))
    except BadBody:
        return _text("bad request", 400)
    if adapter.secret_in_body and not adapter.authenticate(payload, req.headers, token):
        return _text("forbidden", 403)
    if not isinstance(payload, dict):
        return _text("bad request", 400)
    done = "ok" if channel.kind == "vk" else "ignored"  # VK counts any other body as an error
    try:
        parsed = adapter.parse(payload)
    except MALFORMED:
        # Authentic but not understood: keep it for inspection, answer so it is not resent.
        accept(channel.id, unparsed_key(payload), payload)
        log.warning("channel %s: unparsed event kept", channel.id)
        return _text(done)
    if parsed.reply is not None:
        return _text(parsed.reply)
    if parsed.event_key is None:
        return _text(done)
    stored = accept(channel.id, parsed.event_key, payload)
    log.info("channel %s event %s %s", channel.id, parsed.event_key[:40],
             "stored" if stored else "duplicate")
    return _text("ok")
