"""Telegram comments: a channel's comments live in its linked discussion group.

The bot (a member with privacy mode off, or an admin) receives them as ordinary `message`
updates in that group. The first message of each thread is the channel post, forwarded
automatically (`is_automatic_forward`); comments reply to it (`message_thread_id`,
`reply_to_message`). The Bot API reports edits (`edited_message`) but no deletions: a deleted
comment is found out when a reply to it or its hiding is refused (helpdesk.inbox.comments).
"""
from helpdesk.inbox.normalise import integer, mapping, need_int, text
from helpdesk.inbox.types import CommentInfo, IncomingPost, Parsed

GROUP_TYPES = ("group", "supergroup")
NO_THREAD = 0  # a group message outside any post's thread


def post_key(chat_id: int, root_id: int) -> str:
    return f"{chat_id}:{root_id}"


def split_key(key: str) -> tuple[int, int]:
    chat, _, root = key.partition(":")
    return int(chat), int(root or 0)


def is_group(message: dict) -> bool:
    return mapping(message.get("chat")).get("type") in GROUP_TYPES


def post_link(forwarded: dict) -> str:
    """The channel post's address from an automatic forward (forward_origin or the older
    forward_from_chat / forward_from_message_id)."""
    origin = mapping(forwarded.get("forward_origin"))
    if mapping(origin.get("chat")):
        chat, post_id = origin["chat"], integer(origin.get("message_id"), 1)
    else:
        chat = mapping(forwarded.get("forward_from_chat"))
        post_id = integer(forwarded.get("forward_from_message_id"), 1)
    if not chat or post_id is None:
        return ""
    username = text(chat.get("username"), 64)
    if username and all(c.isascii() and (c.isalnum() or c == "_") for c in username):
        return f"https://t.me/{username}/{post_id}"
    chat_id = str(integer(chat.get("id")) or "")
    return f"https://t.me/c/{chat_id[4:]}/{post_id}" if chat_id.startswith("-100") else ""


def _post_of(forwarded: dict, chat_id: int) -> IncomingPost:
    body = text(forwarded.get("text")) or text(forwarded.get("caption"))
    return IncomingPost(post_key(chat_id, need_int(forwarded, "message_id")), body,
                        post_link(forwarded))


def group_update(update_id: int, message: dict, edited: bool, build) -> Parsed:
    """A discussion-group update: a channel post to remember, a comment, or its edit.

    `build(comment)` makes the IncomingMessage of the comment (the adapter's common fields)."""
    chat_id = need_int(mapping(message.get("chat")), "id")
    if message.get("is_automatic_forward"):
        return Parsed(event_key=str(update_id), posts=(_post_of(message, chat_id),))
    person = mapping(message.get("from"))
    if message.get("sender_chat") or not person or person.get("is_bot"):
        return Parsed()  # the page itself, an anonymous admin or a bot: not a citizen
    parent = mapping(message.get("reply_to_message"))
    parent_id = integer(parent.get("message_id"))
    if parent_id is not None and parent.get("is_automatic_forward"):
        post, reply_to = _post_of(parent, chat_id), ""
    else:
        root = integer(message.get("message_thread_id"), 1)
        root = NO_THREAD if root is None else root
        post = IncomingPost(post_key(chat_id, root))
        reply_to = str(parent_id) if parent_id is not None and parent_id != root else ""
    comment = CommentInfo(post=post, action="edit" if edited else "new", reply_to=reply_to)
    incoming = build(comment)
    return Parsed(event_key=str(update_id), messages=(incoming,))
