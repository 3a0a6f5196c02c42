"""Ingest of public comments: the post a thread is under, and a comment's later life on the
platform (its author's edit, deletion and restoration). Nothing is lost: every earlier text
stays as a MessageRevision, and every change is audited."""
import logging
from datetime import datetime

from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.inbox.types import IncomingMessage, IncomingPost
from helpdesk.models import Channel, Citizen, Message, MessageRevision, Post, Ticket
from helpdesk.models.comment import RevisionAction

log = logging.getLogger(__name__)



def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def remember_post(channel: Channel, incoming: IncomingPost, now: datetime) -> Post:
    """The post row of a thread, created once; a text or link learnt later fills it in."""
    key = incoming.key[:128]
    db.session.execute(_insert()(Post).values(
        channel_id=channel.id, external_key=key, text=incoming.text, link=incoming.link[:500],
        created_at=now).on_conflict_do_nothing(index_elements=["channel_id", "external_key"]))
    post = db.session.scalar(select(Post).where(Post.channel_id == channel.id,
                                                Post.external_key == key))
    if incoming.text and post.text != incoming.text:
        post.text = incoming.text  # the page edited its post, or we learn its text only now
    if incoming.link and not post.link:
        post.link = incoming.link[:500]
    return post


def apply_change(channel: Channel, message: Message, incoming: IncomingMessage,
                 now: datetime) -> bool:
    """An edit, deletion or restoration of a stored comment; False when it changes nothing
    (the same text again, or a deletion of a comment already deleted). Flushes."""
    action = incoming.comment.action
    if action == "edit":
        if incoming.text == message.text:
            return False
        details = {"length_before": len(message.text), "length": len(incoming.text)}
        _revise(message, RevisionAction.EDITED, now)
        message.text, message.edited_at = incoming.text, now
    elif action == "delete":
        if message.deleted_at is not None:
            return False
        citizen = db.session.scalar(select(Citizen).join(Ticket, Ticket.citizen_id == Citizen.id)
                                    .where(Ticket.id == message.ticket_id))
        by_author = citizen is None or incoming.external_user_id in ("", citizen.external_user_id)
        if message.hidden_at is not None and not by_author:
            return False  # our own hide coming back from the platform
        _revise(message, RevisionAction.DELETED, now,
                reason=None if by_author else "удалён модератором сообщества")
        message.deleted_at = now
        details = {"by_author": by_author}
    else:  # restore
        if message.deleted_at is None:
            return False
        _revise(message, RevisionAction.RESTORED, now)
        message.deleted_at = None
        if incoming.text and incoming.text != message.text:
            message.text = incoming.text
        details = {}
    db.session.flush()
    details = {"message_id": message.id, "channel": channel.slug, **details}
    where = {"object_type": "ticket", "object_id": str(message.ticket_id), "details": details}
    if action == "edit":
        record("comment_edited", **where)
    elif action == "delete":
        record("comment_deleted", **where)
    else:
        record("comment_restored", **where)
    log.info("comment %s %s", message.id, action)
    return True


def _revise(message: Message, action: str, now: datetime, reason: str | None = None,
            user=None) -> MessageRevision:
    """Keep the text the comment has now before it changes."""
    revision = MessageRevision(message_id=message.id, action=action, previous_text=message.text,
                               reason=reason, user_id=getattr(user, "id", None), created_at=now)
    db.session.add(revision)
    return revision


def revise(message: Message, action: str, now: datetime, reason: str | None = None,
           user=None) -> MessageRevision:
    """Public for staff actions (a hide): the revision with who and why."""
    return _revise(message, action, now, reason, user)


def fetch_post_text(post_id: int) -> bool:
    """Ask the platform for a post's text once (the next comment under it asks again if this
    fails); commits. True when the text is now known."""
    from helpdesk.inbox.adapters import adapter_for, snapshot
    from helpdesk.inbox.types import DeliveryError

    post = db.session.get(Post, post_id)
    if post is None or post.text:
        return post is not None
    channel = db.session.get(Channel, post.channel_id)
    config, key = snapshot(channel), post.external_key
    db.session.rollback()  # no transaction held open while talking to the platform
    try:
        found = adapter_for(config).post_details(key)
    except DeliveryError as exc:
        log.warning("post %s: text not fetched (%s)", post_id, exc.reason)
        return False
    if found is None or not found.text:
        return False
    post = db.session.get(Post, post_id)
    post.text = found.text
    post.link = post.link or found.link[:500]
    db.session.commit()
    return True
