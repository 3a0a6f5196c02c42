"""MAX bot API (the national messenger): a small requests client.

Why not a registry client: the MAX clients on PyPI are young and asyncio-based. `maxapi` (the
most complete) needs aiohttp, pydantic, magic-filter and aiofiles, runs its own retry loop
(which would double the outbox's backoff and hide permanent errors from it) and would need an
event loop per call inside our synchronous Celery/thread workers; `maxapi-python` (PyMax) is a
user-account client over websockets, not the bot API. The bot API is a handful of JSON calls
over HTTPS (`POST /messages`, `GET /messages`, `GET /updates`, `POST /subscriptions`), so a
small client in the style of the OK one keeps every failure in our hands and is tested against
the local fake on the wire.

- The token goes in the `Authorization` header, never in the query (MAX no longer accepts it).
- Certificates are verified against the usual roots plus MAX_CA_FILE (the Ministry of Digital
  Development's root CA, see adapters/tls.py); never `verify=False`.
- Errors are an HTTP status plus `{"code", "message"}`: 429, 408 and 5xx are retried by the
  outbox, other 4xx stop at once.
- No idempotency key exists for `POST /messages`. Before a retry the outbox asks `find_sent`
  (`GET /messages` of the dialog since the reply was queued): a reply that reached the dialog
  although its answer was lost is recorded as sent, not sent again.
"""
from datetime import datetime

import requests
from flask import current_app, has_app_context

from helpdesk.inbox.adapters.base import (CONNECT_TIMEOUT, READ_TIMEOUT, ChannelAdapter,
                                          http_error, need, same_secret)
from helpdesk.inbox.adapters.tls import CaFileError, verify_setting
from helpdesk.inbox.normalise import ident, integer, items, mapping, size, text, timestamp
from helpdesk.inbox.types import DeliveryError, IncomingAttachment, IncomingMessage, Parsed

SECRET_HEADER = "X-Max-Bot-Api-Secret"
UPDATE_TYPES = ("message_created", "bot_started")
RETRYABLE_CODES = {"too.many.requests", "attachment.not.ready", "internal.error",
                   "service.unavailable"}
KINDS = {"image": "photo", "file": "document", "audio": "voice", "video": "other"}
FORWARD_MARK = "[пересланное сообщение]"
_session = requests.Session()
_session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
_session.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=16))


class MaxAdapter(ChannelAdapter):
    kind = "max"
    default_api_base = "https://platform-api2.max.ru"
    text_limit = 4000
    file_hosts = ("*.max.ru", "*.oneme.ru", "*.okcdn.ru", "*.mycdn.me")
    secret_header = SECRET_HEADER

    @property
    def verify(self) -> str | bool:
        ca_file = current_app.config.get("MAX_CA_FILE") if has_app_context() else None
        return verify_setting(ca_file)

    # --- the wire ------------------------------------------------------------------------
    def call(self, method: str, path: str, params: dict | None = None, body: dict | None = None,
             timeout: float = READ_TIMEOUT) -> dict:
        """One API call; returns the JSON answer or raises DeliveryError (classified)."""
        try:
            response = _session.request(
                method, f"{self.api_base}{path}", params=params, json=body,
                headers={"Authorization": self.channel.token}, verify=self.verify,
                timeout=(CONNECT_TIMEOUT, timeout), allow_redirects=False)
        except CaFileError as exc:
            raise DeliveryError(f"MAX: {exc}", retryable=True) from None
        except requests.RequestException as exc:
            raise http_error(exc) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code == 200 and isinstance(data, dict):
            return data
        raise _error(response, data)

    # --- intake --------------------------------------------------------------------------
    def authenticate(self, payload, headers, path_token=None) -> bool:
        return same_secret(headers.get(SECRET_HEADER), self.channel.secret)

    def parse(self, payload) -> Parsed:
        update_type = need(payload, "update_type")
        if update_type != "message_created":
            return Parsed()  # bot_started, edits, callbacks: nothing a citizen asked yet
        message = need(payload, "message")
        body = need(message, "body")
        mid = ident(need(body, "mid"), 100)
        sender = need(message, "sender")
        user_id = integer(need(sender, "user_id"))
        if user_id is None:
            raise ValueError("field sender.user_id is not an integer")
        recipient = mapping(message.get("recipient"))
        if recipient.get("chat_type", "dialog") != "dialog" or sender.get("is_bot") is True:
            return Parsed()  # group chats and channel posts are not messages to the bot
        chat_id = integer(recipient.get("chat_id"))
        address = f"{user_id}:{chat_id}" if chat_id is not None else str(user_id)
        first, last = _name(sender, "first_name"), _name(sender, "last_name")
        full = " ".join(p for p in (first, last) if p) or _name(sender, "name")
        username = _name(sender, "username")
        incoming = IncomingMessage(
            event_key=f"message_created:{mid}", message_key=mid,
            external_user_id=str(user_id), reply_address=address, text=_text(body, message),
            sent_at=timestamp(message.get("timestamp") or payload.get("timestamp"), 1000.0),
            external_id=mid, display_name=(full or username or f"MAX {user_id}")[:300],
            first_name=first, last_name=last, username=username,
            attachments=tuple(_attachments(body)))
        return Parsed(event_key=incoming.event_key, messages=(incoming,))

    def updates(self, marker, timeout: int = 25, limit: int = 100) -> dict:
        """Long polling: `{"updates": [...], "marker": N}`; passing the marker confirms the rest."""
        params = {"timeout": timeout, "limit": limit, "types": ",".join(UPDATE_TYPES)}
        if marker is not None:
            params["marker"] = marker
        return self.call("GET", "/updates", params=params, timeout=timeout + 10)

    def subscribe(self, url: str) -> dict:
        """Register the webhook: deliveries then carry the secret in X-Max-Bot-Api-Secret."""
        return self.call("POST", "/subscriptions", body={
            "url": url, "update_types": list(UPDATE_TYPES), "secret": self.channel.secret})

    # --- replies -------------------------------------------------------------------------
    photo_types = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

    def send(self, address, text, dedupe_id) -> str:
        return self.send_attached(address, text, [], dedupe_id)

    def upload(self, address, file) -> str:
        """POST /uploads?type=image|file → its `url`; POST the file there (field `data`, the
        token in the header); the answer holds the token ({"photos": {…: {"token"}}} for an
        image, {"fileId", "token"} for a file). Returns "type:token"."""
        kind = "image" if self.as_photo(file) else "file"
        url = self.call("POST", "/uploads", params={"type": kind}).get("url")
        if not isinstance(url, str):
            raise DeliveryError("MAX: нет адреса загрузки", retryable=True)
        body = self.post_file(url, "data", file, headers={"Authorization": self.channel.token})
        token = body.get("token")
        if kind == "image":
            photos = body.get("photos") if isinstance(body.get("photos"), dict) else {}
            first = next(iter(photos.values()), None)
            token = first.get("token") if isinstance(first, dict) else None
        if not isinstance(token, str) or not token:
            raise DeliveryError("MAX: загрузка файла не вернула токен", retryable=True)
        return f"{kind}:{token}"

    def send_attached(self, address, text, refs, dedupe_id) -> str:
        """POST /messages; files as [{"type", "payload": {"token"}}] (a file still being
        processed answers attachment.not.ready: the outbox retries with the same tokens)."""
        user_id, _ = _split(address)
        body: dict = {"text": text, "notify": True}
        if refs:
            body["attachments"] = [{"type": kind, "payload": {"token": token}}
                                   for kind, _, token in (ref.partition(":") for ref in refs)]
        data = self.call("POST", "/messages", params={"user_id": user_id}, body=body)
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        body = message.get("body") if isinstance(message.get("body"), dict) else {}
        return str(body.get("mid") or "")

    def find_sent(self, address: str, text: str, since: datetime) -> list[str]:
        user_id, chat_id = _split(address)
        if chat_id is None:
            return []  # the dialog is not known yet: nothing to look in
        data = self.call("GET", "/messages", params={
            "chat_id": chat_id, "from": int(since.timestamp() * 1000), "count": 100})
        found = []
        for item in data.get("messages") or ():
            if not isinstance(item, dict):
                continue
            sender = item.get("sender") if isinstance(item.get("sender"), dict) else {}
            body = item.get("body") if isinstance(item.get("body"), dict) else {}
            if str(sender.get("user_id")) != user_id and body.get("text") == text and body.get("mid"):
                found.append((item.get("timestamp") or 0, str(body["mid"])))
        return [mid for _, mid in sorted(found)]


def _error(response: requests.Response, data) -> DeliveryError:
    """A MAX error answer: HTTP status plus {"code", "message"}."""
    status = response.status_code
    code = str(data.get("code") or "") if isinstance(data, dict) else ""
    text = str(data.get("message") or "") if isinstance(data, dict) else ""
    retry_after = response.headers.get("Retry-After")
    wait = float(retry_after) if retry_after and retry_after.isdigit() else None
    retryable = status in (408, 429) or status >= 500 or code in RETRYABLE_CODES
    if status == 200:  # 200 with a body that is not a JSON object
        retryable = True
    reason = f"MAX {status}" + (f" {code}" if code else "") + (f": {text}" if text else "")
    return DeliveryError(reason[:300], retryable=retryable, retry_after=wait)


def _split(address: str) -> tuple[str, str | None]:
    """A reply address "user_id[:chat_id]" as (user_id, chat_id or None)."""
    user_id, _, chat_id = str(address).partition(":")
    return user_id, chat_id or None


def _name(person: dict, key: str) -> str:
    return " ".join(text(person.get(key)).split())[:150] if isinstance(person.get(key), str) \
        else ""


def _text(body: dict, message: dict) -> str:
    """The message text; a forwarded message's text follows, marked, so nothing is lost."""
    own = text(body.get("text")) if isinstance(body.get("text"), str) else ""
    link = mapping(message.get("link"))
    inner = mapping(link.get("message"))
    forwarded = text(inner.get("text")) if isinstance(inner.get("text"), str) else ""
    if link.get("type") == "forward" and forwarded:
        return f"{own}\n\n{FORWARD_MARK}\n{forwarded}" if own else f"{FORWARD_MARK}\n{forwarded}"
    return own


def _attachments(body: dict):
    for item in items(body.get("attachments")):
        item = mapping(item)
        payload = mapping(item.get("payload"))
        url = text(payload.get("url")) if isinstance(payload.get("url"), str) else ""
        kind = KINDS.get(item.get("type")) if isinstance(item.get("type"), str) else None
        if kind is None or not url:
            continue  # stickers, contacts, locations, keyboards: no file to keep
        name = text(item.get("filename"), 300) if isinstance(item.get("filename"), str) else ""
        if kind == "photo":
            yield IncomingAttachment("photo", url, name or "image.jpg", "image/jpeg",
                                     size(item.get("size")))
        else:
            default = {"document": "file", "voice": "audio", "other": "video"}[kind]
            yield IncomingAttachment(kind, url, name or default, "", size(item.get("size")))
