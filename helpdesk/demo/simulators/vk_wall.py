"""The VK community wall in the simulator: posts, citizens' comments and the Callback API
events about them, and the methods the helpdesk calls (wall.createComment with `guid`
idempotency, wall.deleteComment, wall.getById)."""
import secrets
import time


class VkWall:
    """Mixed into VkSimulator (which provides lock, group_id, secret and _error)."""

    def _init_wall(self) -> None:
        self.posts: dict[int, str] = {}          # post id -> text (the community's own wall)
        self.comments: dict[int, dict] = {}      # comment id -> the comment, as VK stores it
        self.created: list[dict] = []            # distinct wall.createComment results
        self.create_attempts: list[dict] = []    # every wall.createComment call
        self.deleted: list[int] = []             # comments deleted through wall.deleteComment
        self._by_guid: dict[str, int] = {}
        self._next_comment = 1000

    def wall_methods(self) -> dict:
        return {"wall.createComment": self._create_comment,
                "wall.deleteComment": self._delete_comment, "wall.getById": self._get_by_id}

    @property
    def owner_id(self) -> int:
        return -int(self.group_id)

    # --- methods -----------------------------------------------------------------------
    def _create_comment(self, params):
        owner, post = int(params.get("owner_id", 0)), int(params.get("post_id", 0))
        if owner != self.owner_id or post not in self.posts:
            return self._error(100, "One of the parameters specified was missing or invalid: "
                                    "post not found")
        if str(params.get("from_group", "")) != str(self.group_id):
            return self._error(15, "Access denied: from_group is not this community")
        reply_to = int(params.get("reply_to_comment") or 0)
        guid = str(params.get("guid", ""))
        with self.lock:
            self.create_attempts.append(dict(params))
            if reply_to and (reply_to not in self.comments
                             or self.comments[reply_to].get("deleted")):
                return self._error(100, "One of the parameters specified was missing or "
                                        "invalid: reply_to_comment not found")
            if guid and guid in self._by_guid:
                return {"comment_id": self._by_guid[guid], "parents_stack": []}
            comment_id = self._new_comment_id()
            comment = {"id": comment_id, "from_id": self.owner_id, "post_id": post,
                       "owner_id": owner, "text": str(params.get("message", "")),
                       "reply_to_comment": reply_to or None, "date": int(time.time())}
            self.comments[comment_id] = comment
            self.created.append(comment)
            if guid:
                self._by_guid[guid] = comment_id
        return {"comment_id": comment_id, "parents_stack": [reply_to] if reply_to else []}

    def _delete_comment(self, params):
        owner, comment_id = int(params.get("owner_id", 0)), int(params.get("comment_id", 0))
        with self.lock:
            comment = self.comments.get(comment_id)
            if owner != self.owner_id or comment is None:
                return self._error(100, "One of the parameters specified was missing or "
                                        "invalid: comment not found")
            comment["deleted"] = True
            self.deleted.append(comment_id)
        return 1

    def _get_by_id(self, params):
        items = []
        for ref in str(params.get("posts", "")).split(","):
            owner, _, post = ref.partition("_")
            if owner.lstrip("-").isdigit() and post.isdigit() and int(owner) == self.owner_id \
                    and int(post) in self.posts:
                items.append({"id": int(post), "owner_id": int(owner), "from_id": int(owner),
                              "date": int(time.time()), "text": self.posts[int(post)]})
        return {"items": items}

    # --- the wall and its events ---------------------------------------------------------
    def _new_comment_id(self) -> int:
        self._next_comment += 1
        return self._next_comment

    def _event(self, kind: str, obj: dict) -> dict:
        return {"type": kind, "group_id": self.group_id, "v": "5.199",
                "event_id": secrets.token_hex(20), "secret": self.secret, "object": obj}

    def add_post(self, text: str) -> tuple[int, dict]:
        """Publish a post on the community wall; returns its id and the wall_post_new event."""
        with self.lock:
            post_id = len(self.posts) + 1
            self.posts[post_id] = text
        return post_id, self._event("wall_post_new", {
            "id": post_id, "owner_id": self.owner_id, "from_id": self.owner_id,
            "date": int(time.time()), "text": text, "post_type": "post"})

    def comment_event(self, from_id: int, post_id: int, text: str,
                      reply_to: int | None = None) -> dict:
        """A citizen comments under a post (or answers a comment): wall_reply_new."""
        with self.lock:
            comment_id = self._new_comment_id()
            parents = [reply_to] if reply_to else []
            comment = {"id": comment_id, "from_id": from_id, "date": int(time.time()),
                       "text": text, "post_id": post_id, "owner_id": self.owner_id,
                       "parents_stack": parents, "thread": {"count": 0, "items": []},
                       "attachments": []}
            if reply_to:
                comment["reply_to_comment"] = reply_to
            self.comments[comment_id] = dict(comment)
        return self._event("wall_reply_new", comment)

    def edit_event(self, comment_id: int, text: str) -> dict:
        """Its author edits a comment: wall_reply_edit with the new text."""
        with self.lock:
            comment = self.comments[comment_id]
            comment["text"] = text
            obj = {k: v for k, v in comment.items() if k != "deleted"}
        return self._event("wall_reply_edit", obj)

    def delete_event(self, comment_id: int, deleter_id: int | None = None) -> dict:
        """A comment is deleted (by its author unless `deleter_id` says otherwise)."""
        with self.lock:
            comment = self.comments[comment_id]
            comment["deleted"] = True
        return self._event("wall_reply_delete", {
            "owner_id": self.owner_id, "id": comment_id, "post_id": comment["post_id"],
            "deleter_id": deleter_id or comment["from_id"]})

    def restore_event(self, comment_id: int) -> dict:
        """Its author restores a deleted comment: wall_reply_restore with the comment."""
        with self.lock:
            comment = self.comments[comment_id]
            comment.pop("deleted", None)
            obj = dict(comment)
        return self._event("wall_reply_restore", obj)

    def comment_id_of(self, event: dict) -> int:
        return int(event["object"]["id"])

    def replies_under(self, post_id: int) -> list[dict]:
        """The community's distinct comments under a post (what everyone reads there)."""
        with self.lock:
            return [c for c in self.created if c["post_id"] == post_id]
