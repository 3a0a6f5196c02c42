"""A person behind one or more channel identities, and what identifies them in their messages.

A citizen row (helpdesk.models.channel.Citizen) is one platform account; the same woman writing
on Telegram, VK and OK is three citizens of one person. Staff link identities by hand
(helpdesk.citizens.people); contact keys, normalised from what routing found in the messages
and from 59-ФЗ registrations, let the citizen page suggest identities that may be the same
person (helpdesk.citizens.suggestions).
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class Person(db.Model):
    """One human being; each of their platform accounts is a citizen row pointing here."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class KeyKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"  # "фамилия имя", lower case, ё as е


class ContactKey(db.Model):
    """A phone, e-mail or full name a ticket carries (found by routing or typed at registration),
    normalised for matching. Personal data: retention deletes a ticket's keys with its texts."""

    __tablename__ = "contact_keys"
    __table_args__ = (Index("ix_contact_keys_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<ContactKey {self.kind} ticket={self.ticket_id}>"
