"""Tickets: one conversation with a citizen, its routing, status and clocks."""
from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.channel import Channel, Citizen
from helpdesk.models.department import Department
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User


class TicketStatus(StrEnum):
    NEW = "new"
    TRIAGE = "triage"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    CLOSED = "closed"
    FORWARDED = "forwarded"
    MERGED = "merged"


STATUS_LABELS = {
    TicketStatus.NEW: "Новый", TicketStatus.TRIAGE: "Требует разбора",
    TicketStatus.ASSIGNED: "В работе", TicketStatus.ANSWERED: "Дан ответ",
    TicketStatus.CLOSED: "Закрыт", TicketStatus.FORWARDED: "Перенаправлен",
    TicketStatus.MERGED: "Объединён",
}
OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.TRIAGE, TicketStatus.ASSIGNED,
                 TicketStatus.ANSWERED)
ENDED_STATUSES = (TicketStatus.CLOSED, TicketStatus.FORWARDED, TicketStatus.MERGED)


class TicketKind(StrEnum):
    MESSAGE = "message"
    APPEAL = "appeal"
    COMMENT = "comment"  # a public comment thread under a post of the official page


KIND_LABELS = {TicketKind.MESSAGE: "Сообщение", TicketKind.APPEAL: "Обращение (59-ФЗ)",
               TicketKind.COMMENT: "Комментарий"}


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_department", "status", "department_id"),
        Index("ix_tickets_citizen_channel", "citizen_id", "channel_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. 2026-000123
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.NEW, index=True)
    kind: Mapped[str] = mapped_column(String(16), default=TicketKind.MESSAGE)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    # A public comment thread: the post it is written under (None for direct messages).
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)

    # Routing outcome (details live in the routing decision rows).
    language: Mapped[str | None] = mapped_column(String(8))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    topic: Mapped[str | None] = mapped_column(String(300))
    topic_code: Mapped[str | None] = mapped_column(String(32))
    routing_confidence: Mapped[float | None] = mapped_column(Float)
    special_kind: Mapped[str | None] = mapped_column(String(32))
    # Written by or on behalf of several citizens (routing.collective; counted by ССТУ).
    collective: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                             nullable=False)
    extracted: Mapped[dict] = mapped_column(JSON, default=dict)
    # A citizen message in it looks like a new topic for another department: split proposed.
    new_topic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                            nullable=False)

    # Times (UTC).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a citizen's message last reopened the ticket: the message clocks run from here.
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The citizen's latest message (the desk's «новое от гражданина» marks start from it).
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Clocks, recomputed by the deadline functions.
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    registration_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forward_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)

    # 59-ФЗ appeal details captured at registration.
    registration_number: Mapped[str | None] = mapped_column(String(40))
    applicant_name: Mapped[str | None] = mapped_column(String(300))
    applicant_address: Mapped[str | None] = mapped_column(String(500))
    applicant_email: Mapped[str | None] = mapped_column(String(200))

    # Ending.
    result: Mapped[str | None] = mapped_column(String(32))
    close_reason: Mapped[str | None] = mapped_column(String(64))
    forwarded_to: Mapped[str | None] = mapped_column(String(300))
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    channel: Mapped[Channel] = relationship()
    citizen: Mapped[Citizen] = relationship()
    department: Mapped[Department | None] = relationship()
    assignee: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.status}>"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(TicketStatus(self.status), self.status)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(TicketKind(self.kind), self.kind)

    @property
    def is_public(self) -> bool:
        """A comment thread: every reply is read by everyone."""
        return self.post_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketCounter(db.Model):
    """The last ticket number issued per year (row-locked when a number is taken)."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


def next_ticket_number(now: datetime | None = None) -> str:
    """Take the next human-readable number, e.g. 2026-000123: one atomic UPDATE … RETURNING on the
    year's counter row (its row lock serialises concurrent ingests). The year's first number
    creates the row with INSERT … ON CONFLICT DO NOTHING, so two first tickets of a year racing
    never fail on the primary key."""
    year = (now or datetime.now(timezone.utc)).year
    last = _take(year)
    if last is None:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(insert(TicketCounter).values(year=year, last=0)
                           .on_conflict_do_nothing(index_elements=["year"]))
        last = _take(year)
    return f"{year}-{last:06d}"


def _take(year: int) -> int | None:
    return db.session.execute(
        update(TicketCounter).where(TicketCounter.year == year)
        .values(last=TicketCounter.last + 1).returning(TicketCounter.last)).scalar_one_or_none()


def back_to_work(ticket: Ticket) -> dict:
    """Clear the ticket's ending and return it to its department (or triage); returns what it
    was, for the audit event the caller writes. Flushes nothing: the callers add their own
    changes (restarted clocks, the reopening time)."""
    previous = {"from": str(ticket.status), "result": ticket.result,
                "close_reason": ticket.close_reason}
    ticket.status = TicketStatus.ASSIGNED if ticket.department_id else TicketStatus.TRIAGE
    ticket.result = ticket.close_reason = ticket.closed_at = None
    return previous
