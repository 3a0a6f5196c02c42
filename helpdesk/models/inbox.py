"""Raw inbound events and the outbox of replies: the durable edges of the inbox."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class InboundEvent(db.Model):
    """A platform delivery as received, committed before the platform gets its answer."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("channel_id", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    event_key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxItem(db.Model):
    """One outbound message to send after commit; claimed atomically by a sender."""

    __tablename__ = "outbox_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    # "send" the message; "hide" the citizen's comment on the platform (helpdesk.inbox.comments)
    action: Mapped[str] = mapped_column(String(16), default="send", server_default="send")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The steps of a send in several calls already done (a reply with files: uploads and, on
    # Telegram, each message), step -> the platform's reference: a retry repeats only the rest.
    progress: Mapped[dict | None] = mapped_column(JSON)
