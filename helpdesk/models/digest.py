"""Deadline digests per department and escalations of overdue tickets to the press staff."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.types import UTCDateTime, utcnow


class DepartmentDigest(db.Model):
    """A snapshot of a department's due-soon and overdue tickets, shown in the app and mailed."""

    __tablename__ = "department_digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # {"overdue": [{"id", "number", "clock", "due"}...], "soon": [...], "open": N}
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    emailed_to: Mapped[list] = mapped_column(JSON, default=list)
    email_error: Mapped[str | None] = mapped_column(String(500))

    department: Mapped[Department] = relationship()


class Escalation(db.Model):
    """An overdue ticket raised to the press staff (shown in the triage queue until resolved)."""

    __tablename__ = "ticket_escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    clock: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
