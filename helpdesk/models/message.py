"""Messages of a ticket (inbound, outbound, internal notes) and their attachments."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint,
                        false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"


class Delivery(StrEnum):
    NONE = "none"          # inbound messages and notes
    PENDING = "pending"    # in the outbox, not tried yet
    RETRYING = "retrying"  # a try failed, another is scheduled
    SENT = "sent"
    FAILED = "failed"      # "не доставлено": permanent error or tries exhausted


DELIVERY_LABELS = {
    Delivery.NONE: "", Delivery.PENDING: "Отправляется", Delivery.RETRYING: "Повторная отправка",
    Delivery.SENT: "Доставлено", Delivery.FAILED: "Не доставлено",
}


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel_id", "external_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    direction: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    # Platform dedupe key (PLATFORMS.md): unique per channel; None for outbound and notes.
    external_key: Mapped[str | None] = mapped_column(String(128))
    external_id: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivery_status: Mapped[str] = mapped_column(String(16), default=Delivery.NONE)
    delivery_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A system notice, never the answer: the automatic acknowledgement (no author) or a notice
    # of an extension or of forwarding (sent by staff).
    is_auto: Mapped[bool] = mapped_column(default=False)
    # Outbound: the final answer on the substance (a staff reply that is not interim).
    is_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                            nullable=False)
    # Public comments (helpdesk.models.comment): the platform id of the comment this one
    # answers (inbound: its parent; outbound: the citizen's comment a public reply goes under),
    # and when its author edited or deleted it or staff hid it (earlier texts: MessageRevision).
    reply_to: Mapped[str | None] = mapped_column(String(128))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # A later citizen message that routing confidently puts in another department than its
    # ticket's (tickets.new_topic): {"department_id", "confidence", "topic", "state"}, the state
    # "proposed" (split proposed), "kept" (staff kept it in the ticket) or "split".
    new_topic: Mapped[dict | None] = mapped_column(JSON)

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="message", order_by="Attachment.id")

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.direction} ticket={self.ticket_id}>"

    @property
    def delivery_label(self) -> str:
        return DELIVERY_LABELS.get(Delivery(self.delivery_status), self.delivery_status)


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo | document | voice | other
    original_name: Mapped[str] = mapped_column(String(300), default="")
    mime_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int | None] = mapped_column(BigInteger)
    # Where to fetch it: a platform URL or file id; never shown to users.
    source: Mapped[str] = mapped_column(Text, default="")
    storage_name: Mapped[str | None] = mapped_column(String(80))  # random name on disk
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|stored|failed
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.kind} {self.status}>"
