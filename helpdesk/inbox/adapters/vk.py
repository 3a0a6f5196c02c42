"""VK community messages: Callback API parsing, vk_api sends against a configurable host."""
import threading
from dataclasses import replace

import requests
import vk_api
from requests.adapters import HTTPAdapter
from vk_api.exceptions import ApiError, ApiHttpError

from helpdesk.inbox.adapters.base import (CONNECT_TIMEOUT, READ_TIMEOUT, ChannelAdapter,
                                          http_error, need, same_secret, status_error)
from helpdesk.inbox.adapters.vk_wall import WALL_EVENTS, parse_wall, post_link, split_key
from helpdesk.inbox.normalise import (integer, items, mapping, need_int, size, text,
                                      timestamp)
from helpdesk.inbox.types import (DeliveryError, IncomingAttachment, IncomingMessage,
                                  IncomingPost, Parsed, Profile)

API_VERSION = "5.199"
VK_HOST = "https://api.vk.ru"
RETRYABLE = {1, 6, 9, 10, 29}
PERMANENT = {5, 900, 901, 902, 914}
USERS_PER_CALL = 100  # users.get takes up to 1000 ids; smaller calls answer sooner

_clients: dict[tuple, vk_api.VkApi] = {}
_clients_lock = threading.Lock()


class HostRewriteAdapter(HTTPAdapter):
    """Sends vk_api's hard-coded https://api.vk.ru requests to the configured base URL."""

    def __init__(self, base: str) -> None:
        super().__init__(pool_maxsize=16)
        self.base = base.rstrip("/")

    def send(self, request, **kwargs):
        if request.url.startswith(VK_HOST):
            request.url = self.base + request.url[len(VK_HOST):]
        if not kwargs.get("timeout"):
            kwargs["timeout"] = (CONNECT_TIMEOUT, READ_TIMEOUT)
        return super().send(request, **kwargs)


def vk_session(base: str) -> requests.Session:
    """A requests session whose VK API calls go to `base` (with timeouts)."""
    session = requests.Session()
    session.mount(VK_HOST + "/", HostRewriteAdapter(base))
    return session


def vk_client(token: str, base: str, purpose: str = "") -> vk_api.VkApi:
    """A cached VkApi for a token and base URL: API 5.199, ~20 requests/s, errors left to us.

    VkApi holds a lock for the length of each call, so lookups (`purpose`) get their own
    client: a slow users.get never holds up the replies.
    """
    key = (token, base, purpose)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = vk_api.VkApi(token=token, session=vk_session(base), api_version=API_VERSION)
            client.RPS_DELAY = 1 / 20
            client.error_handlers.pop(6, None)  # our outbox backs off instead of sleeping here
            _clients[key] = client
    return client


class VkAdapter(ChannelAdapter):
    kind = "vk"
    default_api_base = VK_HOST
    text_limit = 9000
    file_hosts = ("userapi.com", "*.userapi.com", "*.vk.com", "*.vk.ru", "*.vkuser.net",
                  "*.mycdn.me")
    fetches_profiles = True  # message_new carries only from_id
    secret_in_body = True  # the Callback API's `secret` is a field of the JSON body

    def client(self, purpose: str = "") -> vk_api.VkApi:
        return vk_client(self.channel.token, self.api_base, purpose)

    def authenticate(self, payload, headers, path_token=None) -> bool:
        if not isinstance(payload, dict):
            return False
        group = text(payload.get("group_id"))
        if self.channel.group_id and group != str(self.channel.group_id):
            return False
        if payload.get("type") == "confirmation" and not self.channel.secret:
            return True
        return same_secret(payload.get("secret"), self.channel.secret)

    def parse(self, payload) -> Parsed:
        kind = need(payload, "type")
        if kind == "confirmation":
            return Parsed(reply=self.channel.confirmation or "")
        if kind in WALL_EVENTS:
            parsed = parse_wall(payload, self.channel.group_id, self.placeholder_name)
            if parsed.messages and payload["object"].get("attachments"):
                parsed = replace(parsed, messages=tuple(
                    replace(m, attachments=tuple(_attachments(payload["object"])))
                    for m in parsed.messages))
            return parsed
        if kind != "message_new":
            return Parsed()
        obj = need(payload, "object")
        message = obj.get("message", obj) if isinstance(obj, dict) else None
        if not isinstance(message, dict) or message.get("out"):
            return Parsed()
        peer = need_int(message, "peer_id")
        cmid = need_int(message, "conversation_message_id")
        sender = integer(message.get("from_id")) or peer
        event_key = text(payload.get("event_id"), 128).strip() or f"msg:{peer}:{cmid}"
        incoming = IncomingMessage(
            event_key=event_key, message_key=f"{peer}:{cmid}", external_user_id=str(sender),
            reply_address=str(peer), text=text(message.get("text")),
            sent_at=timestamp(message.get("date")), external_id=text(message.get("id"), 128),
            display_name=self.placeholder_name(str(sender)),
            attachments=tuple(_attachments(message)), cropped=bool(message.get("is_cropped")))
        return Parsed(event_key=event_key, messages=(incoming,))

    def complete(self, incoming: IncomingMessage) -> IncomingMessage:
        """A cropped message fetched again whole (messages.getByConversationMessageId)."""
        peer, _, cmid = incoming.message_key.partition(":")
        result = self._call("messages.getByConversationMessageId", {
            "peer_id": int(peer), "conversation_message_ids": int(cmid),
            "group_id": int(self.channel.group_id or 0)})
        items = result.get("items") if isinstance(result, dict) else None
        if not items or not isinstance(items[0], dict):
            raise DeliveryError("VK: сообщение не найдено при повторной загрузке", retryable=True)
        full = items[0]
        return replace(incoming, text=text(full.get("text")) or incoming.text, cropped=False,
                       attachments=tuple(_attachments(full)) or incoming.attachments)

    def placeholder_name(self, external_user_id: str) -> str:
        return f"VK id{external_user_id}"

    def profiles(self, external_user_ids: list[str]) -> dict[str, Profile]:
        """Names from users.get (lang=ru); a community (negative id) has no user profile."""
        ids = [i for i in dict.fromkeys(external_user_ids) if i.isdigit() and int(i) > 0]
        found: dict[str, Profile] = {}
        for start in range(0, len(ids), USERS_PER_CALL):
            result = self._call("users.get", {
                "user_ids": ",".join(ids[start:start + USERS_PER_CALL]),
                "fields": "first_name,last_name", "lang": "ru"}, purpose="profiles")
            for user in result if isinstance(result, list) else ():
                if isinstance(user, dict) and user.get("id") is not None:
                    found[text(user["id"])] = Profile(
                        first_name=text(user.get("first_name")),
                        last_name=text(user.get("last_name")),
                        deactivated=text(user.get("deactivated")))
        return found

    def send(self, address, text, dedupe_id) -> str:
        return self.send_attached(address, text, [], dedupe_id)

    def send_attached(self, address, text, refs, dedupe_id) -> str:
        """messages.send; `random_id` from the outbox row makes a retried send return the
        first message instead of writing a second, files and all."""
        params = {"peer_id": int(address), "random_id": int(dedupe_id), "message": text}
        if refs:
            params["attachment"] = ",".join(refs)
        return str(self._call("messages.send", params))

    def upload(self, address, file) -> str:
        """A photo: photos.getMessagesUploadServer → POST `photo` → photos.saveMessagesPhoto;
        any other file: docs.getMessagesUploadServer → POST `file` → docs.save. Returns the
        attachment reference messages.send takes ("photo<owner>_<id>[_<key>]", "doc…")."""
        photo = self.as_photo(file)
        method = "photos.getMessagesUploadServer" if photo else "docs.getMessagesUploadServer"
        params = {"peer_id": int(address)} if photo else {"peer_id": int(address), "type": "doc"}
        server = self._call(method, params)
        url = server.get("upload_url") if isinstance(server, dict) else None
        if not isinstance(url, str):
            raise DeliveryError("VK: нет адреса загрузки", retryable=True)
        body = self.post_file(url, "photo" if photo else "file", file)
        if "error" in body:
            raise DeliveryError(f"VK: загрузка файла: {str(body['error'])[:100]}", retryable=True)
        if photo:
            saved = self._call("photos.saveMessagesPhoto", {
                "photo": body.get("photo", ""), "server": body.get("server", ""),
                "hash": body.get("hash", "")})
            item = saved[0] if isinstance(saved, list) and saved else {}
            kind = "photo"
        else:
            saved = self._call("docs.save", {"file": body.get("file", ""), "title": file.name})
            item = saved.get("doc", saved) if isinstance(saved, dict) else {}
            kind = "doc"
        if not isinstance(item, dict) or item.get("id") is None or item.get("owner_id") is None:
            raise DeliveryError("VK: файл не сохранён", retryable=True)
        ref = f"{kind}{item['owner_id']}_{item['id']}"
        return f"{ref}_{item['access_key']}" if item.get("access_key") else ref

    # --- public comments (helpdesk.inbox.comments) ----------------------------------------
    def post_details(self, key: str) -> IncomingPost | None:
        """The post's text (wall.getById); None when VK does not give it."""
        result = self._call("wall.getById", {"posts": key}, purpose="profiles")
        items = result.get("items") if isinstance(result, dict) else result
        if not items or not isinstance(items[0], dict):
            return None
        return IncomingPost(key, str(items[0].get("text") or ""), post_link(key))

    def send_comment(self, key: str, reply_to: str, text: str, dedupe_id: int) -> str:
        """A public reply under the post (wall.createComment from the community); `guid`
        makes a retried call return the first comment instead of writing a second."""
        owner, post = split_key(key)
        params = {"owner_id": owner, "post_id": post, "from_group": int(self.channel.group_id or 0),
                  "message": text, "guid": f"helpdesk-{dedupe_id}"}
        if reply_to:
            params["reply_to_comment"] = int(reply_to)
        result = self._call("wall.createComment", params)
        return str(result.get("comment_id", "")) if isinstance(result, dict) else str(result)

    def hide_comment(self, key: str, comment_id: str) -> bool:
        """Delete a citizen's comment from the wall (wall.deleteComment)."""
        owner, _ = split_key(key)
        self._call("wall.deleteComment", {"owner_id": owner, "comment_id": int(comment_id)})
        return True

    def _call(self, method: str, params: dict, purpose: str = ""):
        """One API call; VK errors become DeliveryError (retryable or permanent)."""
        try:
            return self.client(purpose).method(method, params)
        except ApiError as exc:
            code = int(exc.code)
            reason = f"VK {code}: {exc.error.get('error_msg', '')}"
            retryable = code in RETRYABLE or code not in PERMANENT and code >= 1000
            raise DeliveryError(reason, retryable=retryable) from None
        except ApiHttpError as exc:
            raise status_error(exc.response.status_code, "VK API") from None
        except requests.RequestException as exc:
            raise http_error(exc) from None
        except ValueError as exc:  # a body that is not JSON
            raise DeliveryError(f"VK: ответ не разобран ({exc.__class__.__name__})",
                                retryable=True) from None


def _attachments(message: dict):
    for item in items(message.get("attachments")):
        item = mapping(item)
        kind = text(item.get("type"))
        body = mapping(item.get(kind))
        if kind == "photo":
            sizes = [s for s in items(body.get("sizes")) if text(mapping(s).get("url"))]
            if sizes:
                best = max(sizes, key=lambda s: (integer(s.get("width"), 0, 10 ** 6) or 0)
                           * (integer(s.get("height"), 0, 10 ** 6) or 0))
                yield IncomingAttachment("photo", text(best["url"]),
                                         f"photo{text(body.get('id'), 40)}.jpg", "image/jpeg")
        elif kind == "doc" and text(body.get("url")):
            yield IncomingAttachment("document", text(body["url"]),
                                     text(body.get("title")) or "document", "",
                                     size(body.get("size")))
        elif kind == "audio_message":
            ogg, mp3 = text(body.get("link_ogg")), text(body.get("link_mp3"))
            if ogg or mp3:
                yield IncomingAttachment("voice", ogg or mp3, "voice.ogg" if ogg else "voice.mp3",
                                         "audio/ogg" if ogg else "audio/mpeg")
