"""Background export jobs: what was asked, by whom, and where the file is when ready."""
from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class ExportStatus:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


EXPORT_STATUS_LABELS = {"pending": "В очереди", "running": "Формируется", "done": "Готово",
                        "failed": "Ошибка", "expired": "Файл удалён (срок хранения)"}


class ExportJob(db.Model):
    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))          # response_times | events | sstu
    fmt: Mapped[str] = mapped_column(String(8))            # csv | xlsx
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: outlives users
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.PENDING, index=True)
    file_name: Mapped[str | None] = mapped_column(String(200))
    rows: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ExportJob {self.id} {self.kind}.{self.fmt} {self.status}>"

    @property
    def status_label(self) -> str:
        return EXPORT_STATUS_LABELS.get(self.status, self.status)
