"""A MAX bot API simulator: POST/GET /messages, long polling by marker, subscriptions, files, and
a webhook driver. It behaves as PLATFORMS.md describes: the token only in the Authorization
header, errors as an HTTP status plus {"code", "message"}, 429 when a dialog gets more than two
messages a second, texts over 4,000 characters refused."""
import secrets
import threading
import time
from collections import deque

import requests

from helpdesk.demo.simulators.base import Reply, SimServer, json_reply, sleep_for
from helpdesk.demo.simulators.uploads import MaxUploads

SECRET_HEADER = "X-Max-Bot-Api-Secret"
BOT_ID = 9000001
TEXT_LIMIT = 4000
DIALOG_RATE = (2, 0.9)  # more than 2 sends into one dialog within 0.9 s is refused (2 a second)


class MaxSimulator(MaxUploads, SimServer):
    name = "max-sim"

    def __init__(self, token: str = "max-token", max_wait: float = 2.0,
                 enforce_rate: bool = True, **kw) -> None:
        super().__init__(**kw)
        self.token, self.max_wait, self.enforce_rate = token, max_wait, enforce_rate
        self.sent: list[dict] = []             # messages the bot sent (accepted)
        self.chats: dict[int, list[dict]] = {}  # chat id -> every message of the dialog
        self.subscriptions: list[dict] = []
        self.updates: list[tuple[int, dict]] = []  # (position, update) not yet confirmed
        self._position = 1
        self._seq = 0
        self._recent: dict[int, deque] = {}
        self._new = threading.Condition(self.lock)

    # --- HTTP ----------------------------------------------------------------------------
    def route(self, method, path, params, body, headers) -> Reply:
        op = {("POST", "/messages"): "messages", ("GET", "/messages"): "messages.list",
              ("GET", "/updates"): "updates", ("POST", "/subscriptions"): "subscriptions",
              ("GET", "/subscriptions"): "subscriptions.list", ("GET", "/me"): "me",
              ("POST", "/uploads"): "uploads"}.get(
            (method, path))
        if op is None:
            return self._error(404, "not.found", f"Path {path} is not recognized")
        with self.lock:
            self.requests.append((method, op))
        if "access_token" in params:
            return self._error(401, "verify.token", "Token in query is not supported: "
                                                    "use the Authorization header")
        if headers.get("Authorization") != self.token:
            return self._error(401, "verify.token", "Invalid access_token")
        fault = self.take_fault(op)
        sleep_for(fault, "slow_before")
        if fault and fault.kind == "http":
            return Reply(int(fault.value), b"<html>Bad Gateway</html>", "text/html")
        if fault and fault.kind == "retry_after":
            reply = self._error(429, "too.many.requests", "Too many requests")
            reply.headers = {"Retry-After": str(int(fault.value))}
            return reply
        if fault and fault.kind == "error":
            return self._error(int(fault.value), fault.text or "error", "Error")
        handler = {"messages": self._send, "messages.list": self._list,
                   "updates": self._get_updates, "subscriptions": self._subscribe,
                   "uploads": self.create_upload,
                   "subscriptions.list": lambda p: {"subscriptions": list(self.subscriptions)},
                   "me": lambda p: {"user_id": BOT_ID, "name": "Госсовет РТ (демо)",
                                    "username": "gossovet_demo_bot", "is_bot": True}}[op]
        result = handler(params)
        if isinstance(result, Reply):
            return result
        sleep_for(fault, "slow_after")
        return json_reply(result)

    def _error(self, status: int, code: str, message: str) -> Reply:
        return json_reply({"code": code, "message": message}, status)

    def _send(self, params):
        user = str(params.get("user_id", ""))
        if not user.isdigit():
            return self._error(400, "proto.payload", "user_id is required")
        text, files = params.get("text"), self.attached(params.get("attachments"))
        if files is None:
            return self._error(400, "proto.payload", "attachments: unknown token")
        if not files and (not isinstance(text, str) or not text):
            return self._error(400, "proto.payload", "Message text is empty")
        text = text if isinstance(text, str) else ""
        if len(text) > TEXT_LIMIT:
            return self._error(400, "proto.payload", "text: size must be between 0 and 4000")
        user_id, now = int(user), time.monotonic()
        chat_id = self.chat_for(user_id)
        with self.lock:
            recent = self._recent.setdefault(chat_id, deque())
            while recent and recent[0] <= now - DIALOG_RATE[1]:
                recent.popleft()
            if self.enforce_rate and len(recent) >= DIALOG_RATE[0]:
                return self._error(429, "too.many.requests", "Too many messages in this chat")
            recent.append(now)
            message = self._message(BOT_ID, user_id, chat_id, text, list(params.get("attachments")
                                                                        or ()), sender_is_bot=True)
            self.sent.append({"user_id": user_id, "chat_id": chat_id, "text": text,
                              "mid": message["body"]["mid"], "files": files})
            self.chats.setdefault(chat_id, []).append(message)
        return {"message": message}

    def _list(self, params):
        try:
            chat_id, since = int(params.get("chat_id", "")), int(params.get("from", 0) or 0)
            count = min(int(params.get("count", 50) or 50), 100)
        except ValueError:
            return self._error(400, "proto.payload", "chat_id is required")
        with self.lock:
            found = [m for m in self.chats.get(chat_id, []) if m["timestamp"] >= since]
        return {"messages": list(reversed(found))[:count]}  # newest first, as MAX answers

    def _get_updates(self, params):
        try:
            marker = int(params["marker"]) if params.get("marker") not in (None, "") else None
            limit = max(1, min(int(params.get("limit", 100) or 100), 1000))
            wait = min(float(params.get("timeout", 30) or 0), self.max_wait)
        except ValueError:
            return self._error(400, "proto.payload", "Invalid marker")
        types = {t for t in str(params.get("types", "")).split(",") if t}
        deadline = time.monotonic() + wait
        with self._new:
            if marker is not None:  # passing the marker confirms everything before it
                self.updates = [(p, u) for p, u in self.updates if p >= marker]
            while not self._wanted(types) and time.monotonic() < deadline:
                self._new.wait(deadline - time.monotonic())
            batch = self._wanted(types)[:limit]
            last = batch[-1][0] + 1 if batch else (marker or self._position)
        return {"updates": [u for _, u in batch], "marker": last}

    def _wanted(self, types: set) -> list:
        return [(p, u) for p, u in self.updates if not types or u.get("update_type") in types]

    def _subscribe(self, params):
        url, secret = params.get("url"), params.get("secret")
        if not isinstance(url, str) or not url.startswith("https://"):
            return self._error(400, "proto.payload", "url must be https")
        if secret is not None and (not isinstance(secret, str) or not 5 <= len(secret) <= 256):
            return self._error(400, "proto.payload", "secret: 5 to 256 characters")
        with self.lock:
            self.subscriptions = [s for s in self.subscriptions if s["url"] != url]
            self.subscriptions.append({"url": url, "update_types": params.get("update_types"),
                                       "secret": secret, "time": int(time.time() * 1000)})
        return {"success": True}

    # --- updates and the webhook driver --------------------------------------------------
    @staticmethod
    def chat_for(user_id: int) -> int:
        """The dialog's chat id between the bot and a user."""
        return 900_000_000 + int(user_id)

    def _message(self, sender: int, user_id: int, chat_id: int, text: str, attachments: list,
                 sender_is_bot: bool = False, person: dict | None = None) -> dict:
        with self.lock:
            self._seq += 1
            seq = self._seq
        who = {"user_id": sender, "is_bot": sender_is_bot, **(person or {})}
        return {"sender": who, "recipient": {"chat_id": chat_id, "chat_type": "dialog",
                                             "user_id": user_id if sender_is_bot else BOT_ID},
                "timestamp": int(time.time() * 1000),
                "body": {"mid": f"mid.{secrets.token_hex(12)}", "seq": seq, "text": text,
                         "attachments": attachments}}

    def message_created(self, user_id: int, text: str = "", first_name: str = "Гражданин",
                        last_name: str = "", username: str = "", image: bytes | None = None,
                        document: tuple[bytes, str, str] | None = None) -> dict:
        """A `message_created` update from a citizen's dialog with the bot."""
        attachments = []
        if image is not None:
            url = self.add_file(image, "image/jpeg", secrets.token_hex(8) + ".jpg")
            attachments.append({"type": "image", "payload": {
                "photo_id": int(time.time()), "token": secrets.token_hex(16), "url": url}})
        if document is not None:
            data, name, mime = document
            url = self.add_file(data, mime, secrets.token_hex(8))
            attachments.append({"type": "file", "payload": {"url": url,
                                                            "token": secrets.token_hex(16)},
                                "filename": name, "size": len(data)})
        person = {"first_name": first_name, "last_name": last_name,
                  "name": " ".join(p for p in (first_name, last_name) if p)}
        if username:
            person["username"] = username
        chat_id = self.chat_for(user_id)
        message = self._message(int(user_id), int(user_id), chat_id, text, attachments,
                                person=person)
        with self.lock:
            self.chats.setdefault(chat_id, []).append(message)
        return {"update_type": "message_created", "timestamp": message["timestamp"],
                "message": message, "user_locale": "ru"}

    def bot_started(self, user_id: int, first_name: str = "Гражданин") -> dict:
        """The update MAX sends when a citizen opens the bot."""
        return {"update_type": "bot_started", "timestamp": int(time.time() * 1000),
                "chat_id": self.chat_for(user_id),
                "user": {"user_id": int(user_id), "first_name": first_name, "is_bot": False}}

    def push_update(self, update: dict) -> None:
        """Queue an update for long polling."""
        with self._new:
            self.updates.append((self._position, update))
            self._position += 1
            self._new.notify_all()

    def post_webhook(self, url: str, update: dict, secret: str | None,
                     timeout: float = 10) -> requests.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return requests.post(url, json=update, headers=headers, timeout=timeout)

    def files_to(self, user_id: int) -> list[dict]:
        """The files the bot sent to a user (bytes, filename, content type), in order."""
        with self.lock:
            return [f for m in self.sent if m["user_id"] == int(user_id) for f in m["files"]]

    def sent_to(self, user_id: int) -> list[str]:
        with self.lock:
            return [m["text"] for m in self.sent if m["user_id"] == int(user_id)]
