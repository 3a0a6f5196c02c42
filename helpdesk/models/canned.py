"""Canned responses: reply templates with {name}, {number}, {due} placeholders.

Shared ones (no owner) are written by press staff and admins and offered to everyone (or to one
department's tickets); personal ones are offered to their owner only."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User


class CannedResponse(db.Model):
    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # unique among the shared / one owner's
    body: Mapped[str] = mapped_column(Text, default="")
    # None: offered to everyone; else only on that department's tickets.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # Personal: only this user sees and edits it; None: shared.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship()
    owner: Mapped[User | None] = relationship()

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None

    def __repr__(self) -> str:
        return f"<CannedResponse {self.id} {self.title!r}>"
