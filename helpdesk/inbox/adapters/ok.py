"""OK (Odnoklassniki) group bot API: a small requests client."""
import requests

from helpdesk.inbox.adapters.base import (CONNECT_TIMEOUT, READ_TIMEOUT, ChannelAdapter,
                                          http_error, need, same_secret, status_error)
from helpdesk.inbox.normalise import ident, items, mapping, text, timestamp
from helpdesk.inbox.types import DeliveryError, IncomingAttachment, IncomingMessage, Parsed

JSON_TYPE = "application/json;charset=utf-8"
RETRYABLE = {1, 2, 8, 9}  # unknown, service, flood, ip blocked (temporary)
KINDS = {"IMAGE": "photo", "FILE": "document", "AUDIO": "voice"}
_session = requests.Session()


class OkAdapter(ChannelAdapter):
    kind = "ok"
    default_api_base = "https://api.ok.ru"
    text_limit = 4000
    file_hosts = ("*.mycdn.me", "*.ok.ru", "*.okcdn.ru")

    def authenticate(self, payload, headers, path_token=None) -> bool:
        return same_secret(path_token, self.channel.webhook_token)

    def parse(self, payload) -> Parsed:
        if need(payload, "webhookType") != "MESSAGE_CREATED":
            return Parsed()
        message = need(payload, "message")
        mid = ident(need(message, "mid"))
        sender = need(payload, "sender")
        user_id = ident(need(sender, "user_id"))
        chat_id = ident(need(need(payload, "recipient"), "chat_id"))
        name = text(sender.get("name"))
        incoming = IncomingMessage(
            event_key=mid, message_key=mid, external_user_id=user_id, reply_address=chat_id,
            text=text(message.get("text")), sent_at=timestamp(payload.get("timestamp"), 1000.0),
            external_id=mid, display_name=name or f"OK {user_id}",
            attachments=tuple(_attachments(message)))
        return Parsed(event_key=mid, messages=(incoming,))

    def send(self, address, text, dedupe_id) -> str:
        return self.send_attached(address, text, [], dedupe_id)

    def send_attached(self, address, text, refs, dedupe_id) -> str:
        """POST /graph/me/messages/chat:<id>; uploaded files ride in `attachment` (one) or
        `attachments` (several) as {"type": "IMAGE"|"FILE", "payload": {"token"}}."""
        chat = address if address.startswith("chat:") else f"chat:{address}"
        message: dict = {"text": text}
        items = [{"type": kind, "payload": {"token": token}}
                 for kind, _, token in (ref.partition(":") for ref in refs)]
        if len(items) == 1:
            message["attachment"] = items[0]
        elif items:
            message["attachments"] = items
        data = self._request("POST", f"/graph/me/messages/{chat}",
                             {"recipient": {"chat_id": chat}, "message": message})
        return str(data.get("message_id", ""))

    def upload(self, address, file) -> str:
        """GET /graph/me/fileUploadUrl?type=IMAGE|FILE, then POST the file there. A FILE's token
        comes with the URL, an IMAGE's with the upload's answer. Returns "TYPE:token"."""
        kind = "IMAGE" if self.as_photo(file) else "FILE"
        info = self._request("GET", "/graph/me/fileUploadUrl", params={"type": kind})
        url = info.get("url")
        if not isinstance(url, str):
            raise DeliveryError("OK: нет адреса загрузки", retryable=True)
        body = self.post_file(url, "data", file)
        token = info.get("token") or body.get("token")
        if kind == "IMAGE":
            photos = body.get("photos") if isinstance(body.get("photos"), dict) else {}
            found = photos.get(str(info.get("file_id"))) or next(iter(photos.values()), None)
            token = found.get("token") if isinstance(found, dict) else None
        if not isinstance(token, str) or not token:
            raise DeliveryError("OK: загрузка файла не вернула токен", retryable=True)
        return f"{kind}:{token}"

    def _request(self, method: str, path: str, body: dict | None = None,
                 params: dict | None = None) -> dict:
        """One Graph API call with the group's token; errors become DeliveryError."""
        try:
            response = _session.request(
                method, f"{self.api_base}{path}",
                params={"access_token": self.channel.token, **(params or {})}, json=body,
                headers={"Content-Type": JSON_TYPE} if body is not None else {},
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as exc:
            raise http_error(exc) from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200:
            raise status_error(response.status_code, "OK API")
        if not isinstance(data, dict):
            raise DeliveryError("OK: ответ не разобран", retryable=True)
        if "error_code" in data:
            code = int(data.get("error_code") or 0)
            raise DeliveryError(f"OK {code}: {data.get('error_msg', '')}"[:300],
                                retryable=code in RETRYABLE)
        return data

    def subscribe(self, url: str) -> dict:
        """Register the webhook URL with OK."""
        response = _session.post(f"{self.api_base}/graph/me/subscribe",
                                 params={"access_token": self.channel.token}, json={"url": url},
                                 headers={"Content-Type": JSON_TYPE},
                                 timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        return response.json()


def _attachments(message: dict):
    for item in items(message.get("attachments")):
        item = mapping(item)
        payload = mapping(item.get("payload"))
        url = text(payload.get("url"))
        if url:
            kind = KINDS.get(text(item.get("type")), "other")
            name = text(payload.get("name")) or ("image.jpg" if kind == "photo" else "file")
            yield IncomingAttachment(kind, url, name, "image/jpeg" if kind == "photo" else "")
