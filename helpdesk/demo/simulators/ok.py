"""An OK group bot API simulator: /graph/me/messages, subscribe, files, webhook driver."""
import secrets
import time

import requests

from helpdesk.demo.simulators.base import Reply, SimServer, json_reply, sleep_for
from helpdesk.demo.simulators.uploads import OkUploads


class OkSimulator(OkUploads, SimServer):
    name = "ok-sim"

    def __init__(self, token: str = "ok-token", **kw) -> None:
        super().__init__(**kw)
        self.token = token
        self.sent: list[dict] = []
        self.subscriptions: list[str] = []

    def route(self, method, path, params, body, headers) -> Reply:
        if not path.startswith("/graph/me/"):
            return Reply(404, b"not found", "text/plain")
        name = path[len("/graph/me/"):]
        op = "messages" if name.startswith("messages/") else name
        with self.lock:
            self.requests.append((method, op))
        fault = self.take_fault(op)
        sleep_for(fault, "slow_before")
        if fault and fault.kind == "http":
            return Reply(int(fault.value), b"Service Unavailable", "text/html")
        if params.get("access_token") != self.token:
            return json_reply({"error_code": 102, "error_msg": "PARAM_SESSION_EXPIRED"})
        if fault and fault.kind == "error":
            return json_reply({"error_code": int(fault.value), "error_msg": fault.text or "ERROR"})
        if op == "fileUploadUrl" and method == "GET":
            return self.upload_url(params)
        if op == "messages" and method == "POST":
            chat = name[len("messages/"):]
            message = params.get("message") if isinstance(params.get("message"), dict) else {}
            files = self.attached(message)
            if files is None:
                return json_reply({"error_code": 100, "error_msg": "PARAM: attachment token"})
            with self.lock:
                mid = f"mid:{secrets.token_hex(10)}"
                self.sent.append({"chat_id": chat, "text": message.get("text", ""), "mid": mid,
                                  "files": files})
            sleep_for(fault, "slow_after")
            return json_reply({"success": True, "message_id": mid})
        if op == "subscribe" and method == "POST":
            with self.lock:
                self.subscriptions.append(str(params.get("url", "")))
            return json_reply({"success": True})
        if op == "subscriptions":
            return json_reply({"subscriptions": [{"url": u} for u in self.subscriptions]})
        return json_reply({"error_code": 3, "error_msg": "METHOD"})

    def message_created(self, user_id: str, chat_id: str, text: str, name: str = "Гражданин",
                        image: bytes | None = None) -> dict:
        """A MESSAGE_CREATED webhook payload."""
        message = {"text": text, "seq": int(time.time() * 1000), "mid": f"mid:{secrets.token_hex(12)}"}
        if image is not None:
            url = self.add_file(image, "image/jpeg", secrets.token_hex(8) + ".jpg")
            message["attachments"] = [{"type": "IMAGE", "payload": {"url": url}}]
        return {"webhookType": "MESSAGE_CREATED",
                "sender": {"user_id": f"user:{user_id}", "name": name},
                "recipient": {"chat_id": f"chat:{chat_id}"}, "message": message,
                "timestamp": int(time.time() * 1000)}

    def post_webhook(self, url: str, payload: dict, timeout: float = 10) -> requests.Response:
        return requests.post(url, json=payload, timeout=timeout,
                             headers={"Content-Type": "application/json;charset=utf-8"})

    def files_to(self, chat_id: str) -> list[dict]:
        """The files sent into a chat (bytes, filename, content type), in order."""
        chat = chat_id if chat_id.startswith("chat:") else f"chat:{chat_id}"
        with self.lock:
            return [f for m in self.sent if m["chat_id"] == chat for f in m["files"]]

    def sent_to(self, chat_id: str) -> list[str]:
        chat = chat_id if chat_id.startswith("chat:") else f"chat:{chat_id}"
        with self.lock:
            return [m["text"] for m in self.sent if m["chat_id"] == chat]
