"""Deadline policies and the admin-editable working calendar (Tatarstan's days, corrections)."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class DeadlinePolicyRow(db.Model):
    """The parameters of one clock policy ("message" or "appeal") as JSON."""

    __tablename__ = "deadline_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), unique=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<DeadlinePolicyRow {self.kind}>"


CALENDAR_DAY_KINDS = ("holiday", "workday", "short")
CALENDAR_DAY_KIND_LABELS = {
    "holiday": "Нерабочий праздничный день",
    "workday": "Рабочий день",
    "short": "Сокращённый рабочий день",
}


class CalendarDay(db.Model):
    """A day the working calendar treats specially, on top of the federal calendar."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | workday | short
    name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(40), default="")  # e.g. "РТ", "РФ"
    # Religious days are seeded ahead of the Раис's decree; False until someone checks it.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<CalendarDay {self.day} {self.kind}>"

    @property
    def kind_label(self) -> str:
        return CALENDAR_DAY_KIND_LABELS.get(self.kind, self.kind)
