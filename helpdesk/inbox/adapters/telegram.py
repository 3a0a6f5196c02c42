"""Telegram Bot API through requests against a configurable base URL."""
import requests

from helpdesk.inbox.adapters.base import (CONNECT_TIMEOUT, READ_TIMEOUT, ChannelAdapter,
                                          from_timestamp, http_error, need, same_secret,
                                          status_error)
from helpdesk.inbox.types import DeliveryError, IncomingAttachment, IncomingMessage, Parsed

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_session = requests.Session()
_session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
_session.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=16))


class TelegramError(Exception):
    """A Bot API call answered ok=false (status, description, retry_after)."""

    def __init__(self, status: int, description: str, retry_after: float | None = None):
        super().__init__(f"{status}: {description}")
        self.status, self.description, self.retry_after = status, description, retry_after


class TelegramAdapter(ChannelAdapter):
    kind = "telegram"
    default_api_base = "https://api.telegram.org"
    text_limit = 4096

    def call(self, method: str, params: dict | None = None, timeout: float = READ_TIMEOUT):
        """Call a Bot API method; returns `result` or raises TelegramError/RequestException."""
        url = f"{self.api_base}/bot{self.channel.token}/{method}"
        response = _session.post(url, json=params or {}, timeout=(CONNECT_TIMEOUT, timeout))
        try:
            body = response.json()
        except ValueError:
            raise TelegramError(response.status_code, "ответ не JSON") from None
        if not body.get("ok"):
            params = body.get("parameters") or {}
            raise TelegramError(int(body.get("error_code") or response.status_code),
                                str(body.get("description", ""))[:300], params.get("retry_after"))
        return body.get("result")

    def authenticate(self, payload, headers, path_token=None) -> bool:
        return same_secret(headers.get(SECRET_HEADER), self.channel.secret)

    def parse(self, payload) -> Parsed:
        update_id = int(need(payload, "update_id"))
        message = payload.get("message")
        if not isinstance(message, dict):
            return Parsed()
        chat = need(message, "chat")
        chat_id = int(need(chat, "id"))
        message_id = int(need(message, "message_id"))
        person = message.get("from") if isinstance(message.get("from"), dict) else {}
        first, last = str(person.get("first_name") or ""), str(person.get("last_name") or "")
        username = str(person.get("username") or "")
        display = " ".join(p for p in (first, last) if p) or username or f"Telegram {chat_id}"
        incoming = IncomingMessage(
            event_key=str(update_id), message_key=f"{chat_id}:{message_id}",
            external_user_id=str(person.get("id") or chat_id), reply_address=str(chat_id),
            text=str(message.get("text") or message.get("caption") or ""),
            sent_at=from_timestamp(message.get("date")), external_id=str(message_id),
            display_name=display[:300], first_name=first[:150], last_name=last[:150],
            username=username[:150], attachments=tuple(_attachments(message)))
        return Parsed(event_key=str(update_id), messages=(incoming,))

    def send(self, address, text, dedupe_id) -> str:
        try:
            result = self.call("sendMessage", {"chat_id": int(address), "text": text})
        except TelegramError as exc:
            raise status_error(exc.status, f"Telegram: {exc.description}", exc.retry_after) from None
        except requests.RequestException as exc:
            raise http_error(exc) from None
        return str((result or {}).get("message_id", ""))

    def file_url(self, source) -> str:
        try:
            result = self.call("getFile", {"file_id": source})
        except TelegramError as exc:
            raise DeliveryError(f"getFile: {exc.description}",
                                retryable=exc.status == 429 or exc.status >= 500) from None
        path = (result or {}).get("file_path")
        if not path:
            raise DeliveryError("getFile: нет file_path", retryable=False)
        return f"{self.api_base}/file/bot{self.channel.token}/{path}"


def _attachments(message: dict):
    photos = [p for p in message.get("photo") or () if isinstance(p, dict) and p.get("file_id")]
    if photos:
        best = max(photos, key=lambda p: (p.get("width") or 0) * (p.get("height") or 0))
        yield IncomingAttachment("photo", best["file_id"], "photo.jpg", "image/jpeg",
                                 best.get("file_size"))
    doc = message.get("document")
    if isinstance(doc, dict) and doc.get("file_id"):
        yield IncomingAttachment("document", doc["file_id"], str(doc.get("file_name") or "file")[:300],
                                 str(doc.get("mime_type") or ""), doc.get("file_size"))
    voice = message.get("voice")
    if isinstance(voice, dict) and voice.get("file_id"):
        yield IncomingAttachment("voice", voice["file_id"], "voice.ogg",
                                 str(voice.get("mime_type") or "audio/ogg"), voice.get("file_size"))
