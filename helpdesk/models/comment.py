"""Public comments: the posts comment threads are written under, and the history of a comment
(its author's edits and deletions, a hide by staff) so that no earlier text is ever lost."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class Post(db.Model):
    """A post of the official page (a VK wall post, a Telegram channel post in its discussion
    group) that citizens comment on. `external_key` is where replies go: VK "owner_post",
    Telegram "group chat id:id of the thread's first message"."""

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("channel_id", "external_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    external_key: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Post {self.id} channel={self.channel_id}>"


class RevisionAction(StrEnum):
    EDITED = "edited"        # by its author on the platform
    DELETED = "deleted"      # by its author on the platform
    RESTORED = "restored"    # by its author after a deletion (VK)
    HIDDEN = "hidden"        # by staff: deleted on the platform with a reason


REVISION_LABELS = {RevisionAction.EDITED: "изменён автором", RevisionAction.DELETED: "удалён автором",
                   RevisionAction.RESTORED: "восстановлен автором",
                   RevisionAction.HIDDEN: "скрыт сотрудником"}


class MessageRevision(db.Model):
    """One change of a comment: the text it had before (kept whatever happens next)."""

    __tablename__ = "message_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    previous_text: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return REVISION_LABELS.get(RevisionAction(self.action), self.action)
