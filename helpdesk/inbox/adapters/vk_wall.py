"""VK wall events of the Callback API and Bots Long Poll: comments under the community's posts
(`wall_reply_new`, `_edit`, `_delete`, `_restore`) and its new posts (`wall_post_new`).

Dedupe key of a comment: (owner_id, post_id, id) (PLATFORMS.md); its edits, deletion and
restoration carry the same key and change the stored comment instead of adding one.
"""
import hashlib

from helpdesk.inbox.adapters.base import need
from helpdesk.inbox.normalise import integer, items, need_int, text, timestamp
from helpdesk.inbox.types import CommentInfo, IncomingMessage, IncomingPost, Parsed

COMMENT_EVENTS = {"wall_reply_new": "new", "wall_reply_edit": "edit",
                  "wall_reply_delete": "delete", "wall_reply_restore": "restore"}
WALL_EVENTS = (*COMMENT_EVENTS, "wall_post_new")


def post_key(owner_id: int, post_id: int) -> str:
    """The key of a post: where public replies go (wall.createComment owner_id, post_id)."""
    return f"{owner_id}_{post_id}"


def post_link(key: str, comment_id: str = "") -> str:
    """The post's (or one of its comments') address on vk.com."""
    return f"https://vk.com/wall{key}" + (f"?reply={comment_id}" if comment_id else "")


def split_key(key: str) -> tuple[int, int]:
    """(owner_id, post_id) of a post key."""
    owner, _, post = key.partition("_")
    return int(owner), int(post)


def _event_key(payload: dict, kind: str, key: str, extra: str) -> str:
    given = text(payload.get("event_id"), 128).strip()
    if given:
        return given
    digest = hashlib.sha256(extra.encode("utf-8", "replace")).hexdigest()[:16]
    return f"{kind}:{key}:{digest}"


def parse_wall(payload: dict, group_id, placeholder) -> Parsed:
    """A wall event as a comment (or a change of one) or a post to remember."""
    kind = payload["type"]
    obj = need(payload, "object")
    if not isinstance(obj, dict):
        raise ValueError("object is not a dict")
    own = -(integer(group_id) or 0)
    if kind == "wall_post_new":
        key = post_key(integer(obj.get("owner_id")) or own, need_int(obj, "id"))
        post = IncomingPost(key, text(obj.get("text")), post_link(key))
        return Parsed(event_key=_event_key(payload, kind, key, ""), posts=(post,))
    action = COMMENT_EVENTS[kind]
    owner = integer(obj.get("owner_id"))
    owner = owner if owner is not None else need_int(obj, "post_owner_id")
    key = post_key(owner, need_int(obj, "post_id"))
    comment_id = need_int(obj, "id")
    if action == "delete":
        author = text(obj.get("deleter_id") or obj.get("user_id"), 128)
    else:
        author = str(need_int(obj, "from_id"))
        if own and author == str(own):
            return Parsed()  # the community's own comment: our public reply coming back
    body = text(obj.get("text"))
    event_key = _event_key(payload, kind, f"{key}_{comment_id}", f"{body}|{obj.get('date')}")
    parents = [p for p in items(obj.get("parents_stack")) if integer(p) is not None]
    parent = integer(obj.get("reply_to_comment")) or (parents[-1] if parents else "")
    comment = CommentInfo(post=IncomingPost(key, link=post_link(key)), action=action,
                          reply_to=str(parent or ""))
    incoming = IncomingMessage(
        event_key=event_key, message_key=f"wall{key}_{comment_id}", external_user_id=author,
        reply_address="", text=body, sent_at=timestamp(obj.get("date")),
        external_id=str(comment_id), display_name=placeholder(author) if author else "",
        comment=comment)
    return Parsed(event_key=event_key, messages=(incoming,))
