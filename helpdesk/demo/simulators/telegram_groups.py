"""A channel's discussion group in the Telegram simulator: channel posts forwarded into it
automatically, citizens' comments replying to them, edits, deletions by their authors (which
the Bot API never reports), and the bot's replies (`reply_parameters`) and deletions
(deleteMessage)."""
import time


class DiscussionGroup:
    """Mixed into TelegramSimulator (which provides lock, sent, _error and the update ids)."""

    def _init_groups(self) -> None:
        self.group_messages: dict[tuple[int, int], dict] = {}  # (chat, id) -> message
        self.group_deleted: set[tuple[int, int]] = set()       # deleted by anyone
        self.deleted_by_bot: list[tuple[int, int]] = []
        self.delete_attempts: list[dict] = []

    def group_methods(self) -> dict:
        return {"deleteMessage": self._delete_message}

    def _group_id(self, chat_id: int) -> int:
        with self.lock:
            self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
            return self._message_ids[chat_id]

    def _next_update(self) -> int:
        with self.lock:
            self._update_id += 1
            return self._update_id

    def _is_group(self, chat_id: int) -> bool:
        return chat_id < 0

    def check_reply(self, chat_id: int, params: dict):
        """The error sendMessage answers for a reply to a message that is gone (or None)."""
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict):
            return None
        key = (chat_id, int(reply.get("message_id", 0)))
        with self.lock:
            missing = key not in self.group_messages or key in self.group_deleted
        if missing and self._is_group(chat_id) and not reply.get("allow_sending_without_reply"):
            return self._error(400, "Bad Request: message to be replied not found")
        return None

    def _delete_message(self, params):
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        with self.lock:
            self.delete_attempts.append({"chat_id": key[0], "message_id": key[1]})
            if key not in self.group_messages or key in self.group_deleted:
                return self._error(400, "Bad Request: message to delete not found")
            self.group_deleted.add(key)
            self.deleted_by_bot.append(key)
        return True

    # --- the group and its updates -------------------------------------------------------
    def channel_post(self, group_id: int, text: str, channel_id: int = -1001234567890,
                     channel_username: str = "gossovet_rt") -> dict:
        """A channel post forwarded automatically into the discussion group (the thread's
        first message); returns the update."""
        message_id = self._group_id(group_id)
        channel = {"id": channel_id, "type": "channel", "title": "Госсовет РТ",
                   "username": channel_username}
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": {"id": group_id, "type": "supergroup", "title": "Обсуждение"},
                   "sender_chat": channel, "is_automatic_forward": True, "text": text,
                   "forward_origin": {"type": "channel", "chat": channel,
                                      "message_id": message_id + 500, "date": int(time.time())},
                   "forward_from_chat": channel, "forward_from_message_id": message_id + 500}
        with self.lock:
            self.group_messages[(group_id, message_id)] = message
        return {"update_id": self._next_update(), "message": message}

    def comment_update(self, group_id: int, user_id: int, text: str, root: dict,
                       reply_to: dict | None = None, first_name: str = "Гражданин",
                       last_name: str = "") -> dict:
        """A citizen's comment in the thread of `root` (a channel_post update), replying to
        the post or to another comment (`reply_to`, a comment update)."""
        root_message = root["message"]
        parent = (reply_to or root)["message"]
        person = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            person["last_name"] = last_name
        message = {"message_id": self._group_id(group_id), "from": person,
                   "date": int(time.time()),
                   "chat": {"id": group_id, "type": "supergroup", "title": "Обсуждение"},
                   "message_thread_id": root_message["message_id"],
                   "reply_to_message": {k: v for k, v in parent.items()
                                        if k != "reply_to_message"}, "text": text}
        with self.lock:
            self.group_messages[(group_id, message["message_id"])] = message
        return {"update_id": self._next_update(), "message": message}

    def edit_update(self, comment: dict, text: str) -> dict:
        """Its author edits a comment: an `edited_message` update."""
        message = {**comment["message"], "text": text, "edit_date": int(time.time())}
        with self.lock:
            self.group_messages[(message["chat"]["id"], message["message_id"])] = message
        return {"update_id": self._next_update(), "edited_message": message}

    def delete_by_author(self, comment: dict) -> None:
        """Its author deletes a comment: Telegram sends the bot nothing about it."""
        message = comment["message"]
        with self.lock:
            self.group_deleted.add((message["chat"]["id"], message["message_id"]))

    def replies_in(self, group_id: int) -> list[dict]:
        """What the bot posted in the group: chat, text and the message it replies to."""
        with self.lock:
            return [m for m in self.sent if m["chat_id"] == group_id]
