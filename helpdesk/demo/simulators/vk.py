"""A VK API simulator: methods (messages.send with random_id idempotency, users.get with the
demo citizens' names), Bots Long Poll server, and a Callback API driver that POSTs events to
the app."""
import secrets
import threading
import time

import requests

from helpdesk.demo.messages import demo_profiles
from helpdesk.demo.simulators.base import Fault, Reply, SimServer, json_reply, sleep_for
from helpdesk.demo.simulators.uploads import VkUploads
from helpdesk.demo.simulators.vk_wall import VkWall


class VkSimulator(VkUploads, VkWall, SimServer):
    name = "vk-sim"

    def __init__(self, token: str = "vk-token", group_id: int = 123456, secret: str = "vk-secret",
                 confirmation: str = "c0nf1rm", max_wait: float = 2.0,
                 profiles: dict[int, tuple[str, str]] | None = None, **kw) -> None:
        super().__init__(**kw)
        self.token, self.group_id, self.secret = token, group_id, secret
        self.confirmation, self.max_wait = confirmation, max_wait
        self.sent: list[dict] = []            # distinct messages the community sent
        self.send_attempts: list[dict] = []   # every messages.send call
        self._by_random_id: dict[tuple, int] = {}
        self.lp_events: list[dict] = []
        self.lp_key = secrets.token_hex(8)
        self._cmid: dict[int, int] = {}
        self.messages: dict[tuple[int, int], dict] = {}  # (peer, cmid) -> the whole message
        self._new_events = threading.Condition(self.lock)
        self.users: dict[int, dict] = {}      # users.get answers (the demo citizens by default)
        self.user_lookups: list[dict] = []    # every users.get call's parameters
        for user_id, (first, last) in (demo_profiles() if profiles is None else profiles).items():
            self.set_profile(user_id, first, last)
        self._init_wall()

    # --- API methods -------------------------------------------------------------------
    def route(self, method, path, params, body, headers) -> Reply:
        if path == "/lp":
            return self._longpoll(params)
        if not path.startswith("/method/"):
            return Reply(404, b"not found", "text/plain")
        name = path[len("/method/"):]
        with self.lock:
            self.requests.append((method, name))
        fault = self.take_fault(name)
        sleep_for(fault, "slow_before")
        if fault and fault.kind == "http":
            return Reply(int(fault.value), b"<html>server error</html>", "text/html")
        if params.get("access_token") != self.token:
            return self._error(5, "User authorization failed: invalid access_token")
        if fault and fault.kind == "error":
            return self._error(int(fault.value), fault.text or "error")
        handler = {"messages.send": self._send, "groups.getLongPollServer": self._lp_server,
                   "messages.getByConversationMessageId": self._by_cmid,
                   "users.get": self._users,
                   "groups.getById": lambda p: [{"id": self.group_id, "name": "Demo"}],
                   **self.wall_methods(), **self.upload_methods()}.get(name)
        if handler is None:
            return self._error(3, "Unknown method passed")
        result = handler(params)
        sleep_for(fault, "slow_after")
        return result if isinstance(result, Reply) else json_reply({"response": result})

    def _error(self, code: int, text: str) -> Reply:
        return json_reply({"error": {"error_code": code, "error_msg": text,
                                     "request_params": []}})

    def _send(self, params) -> int | Reply:
        peer, random_id = int(params.get("peer_id", 0)), int(params.get("random_id", 0))
        files = self.attached(params.get("attachment", ""))
        if files is None:
            return self._error(100, "One of the parameters specified was missing or invalid: "
                                    "attachment")
        with self.lock:
            self.send_attempts.append({"peer_id": peer, "random_id": random_id})
            key = (peer, random_id)
            if random_id and key in self._by_random_id:
                return self._by_random_id[key]
            message_id = len(self.sent) + 1
            self.sent.append({"peer_id": peer, "random_id": random_id, "id": message_id,
                              "message": params.get("message", ""), "files": files})
            if random_id:
                self._by_random_id[key] = message_id
            return message_id

    def _by_cmid(self, params) -> dict:
        peer = int(params.get("peer_id", 0))
        wanted = [int(c) for c in str(params.get("conversation_message_ids", "")).split(",") if c]
        with self.lock:
            items = [self.messages[(peer, c)] for c in wanted if (peer, c) in self.messages]
        return {"count": len(items), "items": items}

    def _users(self, params) -> list | Reply:
        """users.get: the known users among user_ids (an unknown id is left out; when none is
        known VK answers error 113). A deactivated account comes with `deactivated`."""
        ids = [p.strip() for p in str(params.get("user_ids", "")).split(",") if p.strip()]
        with self.lock:
            self.user_lookups.append({"user_ids": ids, "fields": params.get("fields", ""),
                                      "lang": params.get("lang", "")})
            found = [{"id": int(i), **self.users[int(i)]} for i in ids
                     if i.lstrip("-").isdigit() and int(i) in self.users]
        return found if found else self._error(113, "Invalid user id")

    def set_profile(self, user_id: int, first_name: str, last_name: str = "",
                    deactivated: str = "") -> None:
        """What users.get answers for `user_id`; deactivated "deleted" answers as VK does for
        a deleted page (DELETED, no last name), "banned" keeps the name but flags it."""
        if deactivated == "deleted":
            profile = {"first_name": "DELETED", "last_name": "", "deactivated": "deleted"}
        else:
            profile = {"first_name": first_name, "last_name": last_name,
                       "can_access_closed": True, "is_closed": False}
            if deactivated:
                profile["deactivated"] = deactivated
        with self.lock:
            self.users[int(user_id)] = profile

    def _lp_server(self, params) -> dict:
        with self.lock:
            return {"key": self.lp_key, "server": f"{self.url}/lp", "ts": str(len(self.lp_events))}

    # --- Bots Long Poll ----------------------------------------------------------------
    def _longpoll(self, params) -> Reply:
        with self.lock:
            self.requests.append(("GET", "lp"))
        fault = self.take_fault("lp")
        if fault and fault.kind == "failed":
            code = int(fault.value)
            with self.lock:
                if code in (2, 3):
                    self.lp_key = secrets.token_hex(8)
                return json_reply({"failed": code, "ts": str(len(self.lp_events))}
                                  if code == 1 else {"failed": code})
        if params.get("key") != self.lp_key:
            return json_reply({"failed": 2})
        try:
            ts = int(params.get("ts", 0))
        except ValueError:
            return json_reply({"failed": 1, "ts": str(len(self.lp_events))})
        wait = min(float(params.get("wait", 25) or 0), self.max_wait)
        deadline = time.monotonic() + wait
        with self._new_events:
            if ts > len(self.lp_events):
                return json_reply({"failed": 1, "ts": str(len(self.lp_events))})
            while len(self.lp_events) <= ts and time.monotonic() < deadline:
                self._new_events.wait(deadline - time.monotonic())
            updates = self.lp_events[ts:]
            return json_reply({"ts": str(ts + len(updates)), "updates": updates})

    def push_longpoll(self, event: dict) -> None:
        """Make an event available to long-poll clients."""
        with self._new_events:
            self.lp_events.append(event)
            self._new_events.notify_all()

    # --- events and the Callback API driver ----------------------------------------------
    def message_event(self, from_id: int, text: str, attachments: list | None = None,
                      peer_id: int | None = None, cropped_at: int | None = None) -> dict:
        """A `message_new` event as VK sends it (API 5.199); with `cropped_at` the event carries
        only that many characters and no attachments, flagged `is_cropped`, as VK does for
        long messages; messages.getByConversationMessageId returns the whole one."""
        peer = peer_id or from_id
        with self.lock:
            self._cmid[peer] = self._cmid.get(peer, 0) + 1
            cmid = self._cmid[peer]
        message = {"id": 0, "date": int(time.time()), "from_id": from_id, "peer_id": peer,
                   "text": text, "attachments": attachments or [], "conversation_message_id": cmid,
                   "out": 0, "fwd_messages": [], "important": False, "is_hidden": False}
        with self.lock:
            self.messages[(peer, cmid)] = message
        if cropped_at is not None:
            message = {**message, "text": text[:cropped_at], "attachments": [], "is_cropped": True}
        return {"type": "message_new", "group_id": self.group_id, "v": "5.199",
                "event_id": secrets.token_hex(20), "secret": self.secret,
                "object": {"message": message, "client_info": {"keyboard": True}}}

    def photo(self, data: bytes, content_type: str = "image/jpeg") -> dict:
        url = self.add_file(data, content_type, secrets.token_hex(8) + ".jpg")
        return {"type": "photo", "photo": {"id": 1, "sizes": [
            {"type": "s", "width": 75, "height": 50, "url": url + "?size=s"},
            {"type": "x", "width": 604, "height": 403, "url": url}]}}

    def doc(self, data: bytes, title: str, content_type: str = "application/pdf") -> dict:
        url = self.add_file(data, content_type, secrets.token_hex(8))
        return {"type": "doc", "doc": {"id": 2, "title": title, "size": len(data),
                                       "ext": title.rsplit(".", 1)[-1], "url": url}}

    def post_callback(self, url: str, event: dict, retry: int = 0,
                      timeout: float = 10) -> requests.Response:
        """POST an event like the Callback API (X-Retry-Counter on resends)."""
        headers = {"X-Retry-Counter": str(retry)} if retry else {}
        return requests.post(url, json=event, headers=headers, timeout=timeout)

    def confirmation_event(self) -> dict:
        return {"type": "confirmation", "group_id": self.group_id, "secret": self.secret}

    def files_to(self, peer_id: int) -> list[dict]:
        """The files the community sent to `peer_id` (bytes, filename, content type), in order."""
        with self.lock:
            return [f for m in self.sent if m["peer_id"] == peer_id for f in m["files"]]

    def sent_to(self, peer_id: int) -> list[str]:
        with self.lock:
            return [m["message"] for m in self.sent if m["peer_id"] == peer_id]


__all__ = ["Fault", "VkSimulator"]
