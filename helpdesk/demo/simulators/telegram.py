"""A Telegram Bot API simulator: methods, getUpdates, files, and a webhook driver."""
import secrets
import threading
import time

import requests

from helpdesk.demo.simulators.base import Reply, SimServer, json_reply, sleep_for
from helpdesk.demo.simulators.telegram_groups import DiscussionGroup
from helpdesk.demo.simulators.uploads import TelegramUploads

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramSimulator(TelegramUploads, DiscussionGroup, SimServer):
    name = "telegram-sim"

    def __init__(self, token: str = "123:tg-token", max_wait: float = 2.0, **kw) -> None:
        super().__init__(**kw)
        self.token, self.max_wait = token, max_wait
        self.sent: list[dict] = []
        self.updates: list[dict] = []
        self.webhook: dict | None = None
        self._update_id = 100_000
        self._message_ids: dict[int, int] = {}
        self._file_paths: dict[str, str] = {}
        self._new = threading.Condition(self.lock)
        self._init_groups()

    def route(self, method, path, params, body, headers) -> Reply:
        prefix = f"/file/bot{self.token}/"
        if path.startswith(prefix):
            name = path[len(prefix):]
            with self.lock:
                self.requests.append((method, "file"))
                item = self.files.get(name)
            return Reply(200, item[0], item[1]) if item else self._error(404, "Not Found")
        if not path.startswith("/bot"):
            return Reply(404, b"not found", "text/plain")
        token, _, name = path[4:].partition("/")
        with self.lock:
            self.requests.append((method, name))
        if token != self.token:
            return self._error(401, "Unauthorized")
        fault = self.take_fault(name)
        sleep_for(fault, "slow_before")
        if fault and fault.kind == "http":
            return Reply(int(fault.value), b"Bad Gateway", "text/html")
        if fault and fault.kind == "retry_after":
            return json_reply({"ok": False, "error_code": 429,
                               "description": f"Too Many Requests: retry after {fault.value}",
                               "parameters": {"retry_after": int(fault.value)}}, 429)
        if fault and fault.kind in ("error", "conflict"):
            code = 409 if fault.kind == "conflict" else int(fault.value)
            return self._error(code, fault.text or "Bad Request")
        handler = {"sendMessage": self._send, "getUpdates": self._get_updates,
                   "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
                   "getFile": self._get_file, "getMe": lambda p: {"id": 1, "is_bot": True,
                                                                   "username": "demo_bot"},
                   **self.group_methods(), **self.upload_methods()}.get(name)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        result = handler(params)
        if isinstance(result, Reply):
            return result
        sleep_for(fault, "slow_after")
        return json_reply({"ok": True, "result": result})

    def _error(self, code: int, text: str) -> Reply:
        return json_reply({"ok": False, "error_code": code, "description": text}, code)

    def _send(self, params):
        chat_id, text = int(params.get("chat_id", 0)), str(params.get("text", ""))
        if not text:
            return self._error(400, "Bad Request: message text is empty")
        refused = self.check_reply(chat_id, params)
        if refused is not None:
            return refused
        reply = params.get("reply_parameters")
        reply_to = int(reply.get("message_id", 0)) if isinstance(reply, dict) else None
        with self.lock:
            message_id = len(self.sent) + 1
            self.sent.append({"chat_id": chat_id, "text": text, "message_id": message_id,
                              "reply_to": reply_to})
        return {"message_id": message_id,
                "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"},
                "date": int(time.time()), "text": text}

    def _get_updates(self, params):
        with self._new:
            if self.webhook:
                return self._error(409, "Conflict: can't use getUpdates method while webhook "
                                        "is active; use deleteWebhook to delete the webhook first")
            offset = int(params.get("offset", 0) or 0)
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            limit = min(int(params.get("limit", 100) or 100), 100)
            deadline = time.monotonic() + min(float(params.get("timeout", 0) or 0), self.max_wait)
            while not self.updates and time.monotonic() < deadline:
                self._new.wait(deadline - time.monotonic())
            return list(self.updates[:limit])

    def _set_webhook(self, params):
        with self.lock:
            self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
            if params.get("allowed_updates") is not None:
                self.webhook["allowed_updates"] = params["allowed_updates"]
        return True

    def _delete_webhook(self, params):
        with self.lock:
            self.webhook = None
        return True

    def _get_file(self, params):
        file_id = str(params.get("file_id", ""))
        with self.lock:
            path = self._file_paths.get(file_id)
        if path is None:
            return self._error(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id[:8], "file_path": path,
                "file_size": len(self.files[path][0])}

    # --- updates and the webhook driver --------------------------------------------------
    def add_bot_file(self, data: bytes, content_type: str, folder: str = "photos",
                     ext: str = "jpg") -> str:
        """Store a file the bot can fetch with getFile; returns its file_id."""
        file_id = "F" + secrets.token_hex(12)
        path = f"{folder}/file_{secrets.token_hex(4)}.{ext}"
        with self.lock:
            self.files[path] = (data, content_type)
            self._file_paths[file_id] = path
        return file_id

    def message_update(self, chat_id: int, text: str = "", first_name: str = "Гражданин",
                       last_name: str = "", username: str = "", photo: bytes | None = None,
                       document: tuple[bytes, str, str] | None = None) -> dict:
        """An update with a private message, as Telegram sends it."""
        with self.lock:
            self._update_id += 1
            self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
            update_id, message_id = self._update_id, self._message_ids[chat_id]
        person = {"id": chat_id, "is_bot": False, "first_name": first_name}
        if last_name:
            person["last_name"] = last_name
        if username:
            person["username"] = username
        message = {"message_id": message_id, "from": person, "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private", "first_name": first_name}}
        if photo is not None:
            file_id = self.add_bot_file(photo, "image/jpeg")
            message["photo"] = [{"file_id": file_id + "s", "width": 90, "height": 60},
                                {"file_id": file_id, "width": 800, "height": 600,
                                 "file_size": len(photo)}]
            if text:
                message["caption"] = text
        elif document is not None:
            data, name, mime = document
            file_id = self.add_bot_file(data, mime, "documents", name.rsplit(".", 1)[-1])
            message["document"] = {"file_id": file_id, "file_name": name, "mime_type": mime,
                                   "file_size": len(data)}
            if text:
                message["caption"] = text
        else:
            message["text"] = text
        return {"update_id": update_id, "message": message}

    def push_update(self, update: dict) -> None:
        """Queue an update for getUpdates."""
        with self._new:
            self.updates.append(update)
            self._new.notify_all()

    def post_webhook(self, url: str, update: dict, secret: str | None,
                     timeout: float = 10) -> requests.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return requests.post(url, json=update, headers=headers, timeout=timeout)

    def sent_to(self, chat_id: int) -> list[str]:
        """The texts sent to a chat (sendMessage; files are in files_to)."""
        with self.lock:
            return [m["text"] for m in self.sent if m["chat_id"] == chat_id and not m.get("files")]

    def files_to(self, chat_id: int) -> list[dict]:
        """The files sent to a chat (sendPhoto, sendDocument): bytes, filename, content type."""
        with self.lock:
            return [f for m in self.sent if m["chat_id"] == chat_id for f in m.get("files", ())]
