"""Tickets whose personal data the retention run has anonymised (152-ФЗ)."""
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class AnonymisedTicket(db.Model):
    __tablename__ = "anonymised_tickets"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True,
                                           autoincrement=False)
    anonymised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
