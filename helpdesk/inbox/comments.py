"""Public comment threads, outbound: where a public reply goes, hiding a citizen's comment, and
the platform calls the outbox makes for them after commit (helpdesk.inbox.outbox).

A reply in a thread answers the citizen's latest comment still on the platform (VK
`reply_to_comment`, Telegram `reply_parameters`); with none left it answers the post itself.
Hiding deletes the comment on the platform (VK wall.deleteComment, Telegram deleteMessage)
through the outbox like a reply: written in the staff member's transaction, sent after commit,
retried, and shown on the ticket. The comment's text stays in the helpdesk as a revision.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.inbox.comment_ingest import revise
from helpdesk.inbox.types import ReplyTargetGone
from helpdesk.models import Message, OutboxItem, Post, Ticket
from helpdesk.models.comment import RevisionAction
from helpdesk.models.message import Delivery, Direction
from helpdesk.models.setting import get_setting
from helpdesk.models.types import utcnow
from helpdesk.background.tasks import dispatch
from helpdesk.errors import UserError

HIDE = "hide"
INVITE_KEY = "inbox.comment_invite_text"
DEFAULT_INVITE = (
    "Здравствуйте! Спасибо за вопрос. Чтобы мы могли разобраться, напишите, пожалуйста, "
    "подробности в личные сообщения сообщества: комментарии видят все, а адрес, телефон и "
    "другие личные данные лучше не публиковать.")
GONE_NOTE = "удалён на платформе (обнаружено при ответе)"


class CommentError(UserError):
    """A comment action that cannot be done (Russian message for the person)."""


def invite_text() -> str:
    """The invitation to continue in private messages (setting INVITE_KEY, or the default)."""
    return str(get_setting(INVITE_KEY, "") or "").strip() or DEFAULT_INVITE


def live_comments(ticket_id: int):
    """The ticket's inbound comments still on the platform, newest first (a SELECT)."""
    return (select(Message).where(Message.ticket_id == ticket_id,
                                  Message.direction == Direction.INBOUND,
                                  Message.deleted_at.is_(None), Message.hidden_at.is_(None),
                                  Message.external_id.is_not(None))
            .order_by(Message.sent_at.desc(), Message.id.desc()))


def reply_target(ticket: Ticket) -> str | None:
    """The platform id of the comment a public reply answers: the citizen's latest one."""
    latest = db.session.scalar(live_comments(ticket.id).limit(1))
    return latest.external_id if latest is not None else None


def hide(ticket: Ticket, message: Message, user, reason: str,
         now: datetime | None = None) -> OutboxItem:
    """Hide a citizen's comment with a reason: deleted on the platform after commit, its text
    kept here as a revision; audited. Flushes."""
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise CommentError("Укажите причину, по которой комментарий скрывается")
    if ticket.post_id is None or message.ticket_id != ticket.id \
            or message.direction != Direction.INBOUND:
        raise CommentError("Скрыть можно только комментарий гражданина в этой ветке")
    if message.hidden_at is not None:
        raise CommentError("Комментарий уже скрыт")
    if message.deleted_at is not None:
        raise CommentError("Комментарий уже удалён автором: скрывать нечего")
    now = now or utcnow()
    revise(message, RevisionAction.HIDDEN, now, reason=reason, user=user)
    message.hidden_at, message.hidden_reason = now, reason
    message.delivery_status, message.delivery_error = Delivery.PENDING, None
    item = OutboxItem(message_id=message.id, channel_id=message.channel_id, action=HIDE,
                      status="pending", attempts=0, next_attempt_at=now, created_at=now)
    db.session.add(item)
    db.session.flush()
    record("comment_hidden", actor=user, object_type="ticket", object_id=str(ticket.id),
           details={"message_id": message.id, "reason": reason})
    dispatch("inbox.deliver", item.id)
    return item


@dataclass
class PlatformCall:
    """One outbox item's call for a comment thread, prepared inside the transaction and
    performed after it (no session use in perform)."""

    action: str                   # "send" a public reply or HIDE a comment
    post_key: str
    text: str = ""
    comment_id: str = ""          # send: the comment answered; hide: the comment hidden
    target_message_id: int | None = None
    gone: list = field(default_factory=list)  # ids of comments found deleted on the platform

    @property
    def address(self) -> str:
        return self.post_key      # throttled per thread

    def perform(self, adapter, item_id: int) -> str:
        """Make the call; returns the platform id to store on the message."""
        if self.action == HIDE:
            if not adapter.hide_comment(self.post_key, self.comment_id):
                self.gone.append(self.target_message_id)
            return self.comment_id
        try:
            return adapter.send_comment(self.post_key, self.comment_id, self.text, item_id)
        except ReplyTargetGone:
            if not self.comment_id:
                raise
            self.gone.append(self.target_message_id)  # its author deleted it: answer the post
            return adapter.send_comment(self.post_key, "", self.text, item_id)

    def finish(self, message_id: int, now: datetime) -> None:
        """Record what the call found out (a comment deleted meanwhile). Flushes."""
        for gone_id in self.gone:
            comment = db.session.get(Message, gone_id) if gone_id else None
            if comment is not None and comment.deleted_at is None:
                revise(comment, RevisionAction.DELETED, now, reason=GONE_NOTE)
                comment.deleted_at = now
                record("comment_deleted", object_type="ticket", object_id=str(comment.ticket_id),
                       details={"message_id": comment.id, "found": "при отправке"})
        if self.gone and self.action != HIDE:
            db.session.get(Message, message_id).reply_to = None
        db.session.flush()


def platform_call(item: OutboxItem, message: Message, ticket: Ticket) -> PlatformCall | None:
    """The call of an outbox item in a comment thread (None: a direct message)."""
    if ticket.post_id is None and item.action != HIDE:
        return None
    post = db.session.get(Post, ticket.post_id)
    if item.action == HIDE:
        return PlatformCall(HIDE, post.external_key, comment_id=message.external_id or "",
                            target_message_id=message.id)
    target = None
    if message.reply_to:
        target = db.session.scalar(select(Message).where(
            Message.ticket_id == ticket.id, Message.direction == Direction.INBOUND,
            Message.external_id == message.reply_to).limit(1))
    if target is not None and (target.deleted_at or target.hidden_at):
        target = None  # gone since the reply was written: it answers the post instead
    return PlatformCall("send", post.external_key, text=message.text,
                        comment_id=target.external_id if target is not None else "",
                        target_message_id=target.id if target is not None else None)
