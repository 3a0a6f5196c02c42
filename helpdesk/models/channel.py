"""Platform channels (a VK community, an OK group, a Telegram bot, a MAX bot) and their citizens."""
import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.person import Person
from helpdesk.models.types import UTCDateTime, utcnow


class ChannelKind(StrEnum):
    VK = "vk"
    OK = "ok"
    TELEGRAM = "telegram"
    MAX = "max"


CHANNEL_LABELS = {ChannelKind.VK: "ВКонтакте", ChannelKind.OK: "Одноклассники",
                  ChannelKind.TELEGRAM: "Telegram", ChannelKind.MAX: "MAX"}


class Channel(db.Model):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # Secrets: never rendered in pages or written to logs (see __repr__).
    token: Mapped[str] = mapped_column(String(512), default="")
    secret: Mapped[str] = mapped_column(String(256), default="")
    confirmation: Mapped[str] = mapped_column(String(256), default="")
    webhook_token: Mapped[str] = mapped_column(
        String(128), default=lambda: secrets.token_urlsafe(32))
    group_id: Mapped[str | None] = mapped_column(String(64))
    api_base: Mapped[str] = mapped_column(String(300), default="")
    mode: Mapped[str] = mapped_column(String(16), default="webhook")  # webhook | poll
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_ack: Mapped[bool] = mapped_column(Boolean, default=True)
    # Long-poll position (Telegram offset, VK ts, MAX marker), kept in the database.
    poll_state: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.kind}:{self.slug}>"

    @property
    def kind_label(self) -> str:
        return CHANNEL_LABELS.get(ChannelKind(self.kind), self.kind)


class Citizen(db.Model):
    """One identity per platform account; the person it belongs to may have others."""

    __tablename__ = "citizens"
    __table_args__ = (UniqueConstraint("channel_id", "external_user_id"),
                      # Suggestions look identities up by the name their profile shows.
                      Index("ix_citizens_last_first", "last_name", "first_name"),
                      Index("ix_citizens_display_name", "display_name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    # Always set (ingest and the constructor give a new citizen a person of its own); nullable
    # in the schema only because SQLite adds a foreign-key column to a table without a copy
    # only when it may be NULL (a copy would drop the search triggers).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    external_user_id: Mapped[str] = mapped_column(String(128))
    # Where replies go: VK peer_id, OK chat_id, Telegram chat id, MAX user_id[:chat_id].
    reply_address: Mapped[str] = mapped_column(String(128), default="")
    display_name: Mapped[str] = mapped_column(String(300), default="")
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    username: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Name lookups for platforms whose deliveries carry only an id (helpdesk.inbox.profiles):
    # failed tries so far, and the moment before which none starts (a lease or a back-off).
    name_lookups: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    name_lookup_after: Mapped[datetime | None] = mapped_column(UTCDateTime)

    channel: Mapped[Channel] = relationship()
    person: Mapped[Person | None] = relationship()

    def __init__(self, **kwargs):
        if kwargs.get("person_id") is None and kwargs.get("person") is None:
            kwargs["person"] = Person()  # a new identity is a person of its own until linked
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return f"<Citizen {self.id} channel={self.channel_id}>"
