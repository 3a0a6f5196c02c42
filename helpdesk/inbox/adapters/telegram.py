"""Telegram Bot API through requests against a configurable base URL."""
import requests

from helpdesk.inbox.adapters.base import (CONNECT_TIMEOUT, READ_TIMEOUT, UPLOAD_TIMEOUT,
                                          ChannelAdapter, http_error, need, same_secret,
                                          status_error)
from helpdesk.inbox.adapters.telegram_groups import group_update, is_group, split_key
from helpdesk.inbox.normalise import ident, integer, items, mapping, need_int, size, text, timestamp
from helpdesk.inbox.types import (DeliveryError, IncomingAttachment, IncomingMessage, Parsed,
                                  ReplyTargetGone)

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
    secret_header = SECRET_HEADER

    photo_types = frozenset({"image/jpeg", "image/png", "image/webp"})

    def call(self, method: str, params: dict | None = None, timeout: float = READ_TIMEOUT,
             files: dict | None = None):
        """Call a Bot API method; returns `result` or raises TelegramError/RequestException.
        With `files` the call is multipart (sendPhoto, sendDocument)."""
        url = f"{self.api_base}/bot{self.channel.token}/{method}"
        if files:
            response = _session.post(url, data=params or {}, files=files,
                                     timeout=(CONNECT_TIMEOUT, timeout))
        else:
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
        update_id = need_int(payload, "update_id", 0)
        message, edited = payload.get("message"), False
        if not isinstance(message, dict):
            message, edited = payload.get("edited_message"), True
            if not isinstance(message, dict) or not is_group(message):
                return Parsed()  # an edit of a direct message is not followed
        if is_group(message):
            return group_update(update_id, message, edited,
                                lambda comment: self._incoming(update_id, message, comment))
        incoming = self._incoming(update_id, message)
        return Parsed(event_key=str(update_id), messages=(incoming,))

    def _incoming(self, update_id: int, message: dict, comment=None) -> IncomingMessage:
        chat_id = need_int(need(message, "chat"), "id")
        message_id = need_int(message, "message_id")
        person = mapping(message.get("from"))
        first, last = text(person.get("first_name")), text(person.get("last_name"))
        username = text(person.get("username"))
        display = " ".join(p for p in (first, last) if p) or username or f"Telegram {chat_id}"
        sender = integer(person.get("id"))
        return IncomingMessage(
            event_key=str(update_id), message_key=f"{chat_id}:{message_id}",
            external_user_id=str(sender if sender is not None else chat_id),
            # a comment's chat is the group: replies to the person never go there
            reply_address="" if comment else str(chat_id),
            text=text(message.get("text")) or text(message.get("caption")),
            sent_at=timestamp(message.get("date")), external_id=str(message_id),
            display_name=display, first_name=first, last_name=last, username=username,
            attachments=tuple(_attachments(message)), comment=comment)

    def send(self, address, text, dedupe_id) -> str:
        try:
            result = self.call("sendMessage", {"chat_id": int(address), "text": text})
        except TelegramError as exc:
            raise status_error(exc.status, f"Telegram: {exc.description}", exc.retry_after) from None
        except requests.RequestException as exc:
            raise http_error(exc) from None
        return str((result or {}).get("message_id", ""))

    def send_files(self, address, text, files, dedupe_id, steps) -> str:
        """The text (sendMessage), then each file in a message of its own: sendPhoto for a photo,
        sendDocument for anything else, the file in the multipart request. Telegram has no
        idempotency key, so every message sent is kept in `steps` at once: a retry after a
        failure sends only what had not gone yet. Returns the text message's id."""
        first = steps.get("sent:text")
        if first is None:
            steps.pace()
            first = self.send(address, text, dedupe_id)
            steps.done("sent:text", first)
        for file in files:
            if steps.get(f"sent:{file.key}") is None:
                steps.pace()
                steps.done(f"sent:{file.key}", self._send_file(address, file))
        return first

    def _send_file(self, address: str, file) -> str:
        method, field = ("sendPhoto", "photo") if self.as_photo(file) else ("sendDocument",
                                                                            "document")
        try:
            with open(file.path, "rb") as fh:
                result = self.call(method, {"chat_id": int(address)}, timeout=UPLOAD_TIMEOUT,
                                   files={field: (file.name, fh, file.mime_type)})
        except TelegramError as exc:
            raise status_error(exc.status, f"Telegram: {exc.description}", exc.retry_after) from None
        except requests.RequestException as exc:
            raise http_error(exc) from None
        except OSError:
            raise DeliveryError("файл вложения не найден на сервере", retryable=False) from None
        return str((result or {}).get("message_id", ""))

    # --- public comments (helpdesk.inbox.comments) ----------------------------------------
    def send_comment(self, key, reply_to, text, dedupe_id) -> str:
        """sendMessage into the discussion group, replying to the comment (or to the thread's
        first message, the channel post)."""
        chat_id, root = split_key(key)
        params = {"chat_id": chat_id, "text": text}
        target = int(reply_to or root or 0)
        if target:
            params["reply_parameters"] = {"message_id": target}
        try:
            result = self.call("sendMessage", params)
        except TelegramError as exc:
            if exc.status == 400 and "replied not found" in exc.description:
                raise ReplyTargetGone(f"Telegram: {exc.description}") from None
            raise status_error(exc.status, f"Telegram: {exc.description}", exc.retry_after) from None
        except requests.RequestException as exc:
            raise http_error(exc) from None
        return str((result or {}).get("message_id", ""))

    def hide_comment(self, key, comment_id) -> bool:
        """deleteMessage in the group; False when the message is already gone."""
        chat_id, _ = split_key(key)
        try:
            self.call("deleteMessage", {"chat_id": chat_id, "message_id": int(comment_id)})
        except TelegramError as exc:
            if exc.status == 400 and "not found" in exc.description:
                return False
            raise status_error(exc.status, f"Telegram: {exc.description}", exc.retry_after) from None
        except requests.RequestException as exc:
            raise http_error(exc) from None
        return True

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
    photos = [p for p in items(message.get("photo")) if _file_id(p)]
    if photos:
        best = max(photos, key=lambda p: (integer(p.get("width"), 0, 10 ** 6) or 0)
                   * (integer(p.get("height"), 0, 10 ** 6) or 0))
        yield IncomingAttachment("photo", _file_id(best), "photo.jpg", "image/jpeg",
                                 size(best.get("file_size")))
    doc = mapping(message.get("document"))
    if _file_id(doc):
        yield IncomingAttachment("document", _file_id(doc), text(doc.get("file_name")) or "file",
                                 text(doc.get("mime_type")), size(doc.get("file_size")))
    voice = mapping(message.get("voice"))
    if _file_id(voice):
        yield IncomingAttachment("voice", _file_id(voice), "voice.ogg",
                                 text(voice.get("mime_type")) or "audio/ogg",
                                 size(voice.get("file_size")))


def _file_id(item) -> str:
    """A file's id, or "" when the item is not a file of a usable shape."""
    try:
        return ident(mapping(item).get("file_id"), limit=1000)
    except ValueError:
        return ""
