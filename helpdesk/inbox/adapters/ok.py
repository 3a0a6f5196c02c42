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
        chat = address if address.startswith("chat:") else f"chat:{address}"
        url = f"{self.api_base}/graph/me/messages/{chat}"
        body = {"recipient": {"chat_id": chat}, "message": {"text": text}}
        try:
            response = _session.post(url, params={"access_token": self.channel.token}, json=body,
                                     headers={"Content-Type": JSON_TYPE},
                                     timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as exc:
            raise http_error(exc) from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200:
            raise status_error(response.status_code, "OK API")
        if "error_code" in data:
            code = int(data.get("error_code") or 0)
            raise DeliveryError(f"OK {code}: {data.get('error_msg', '')}"[:300],
                                retryable=code in RETRYABLE)
        return str(data.get("message_id", ""))

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
