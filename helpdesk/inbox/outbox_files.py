"""The outbox's side of replies with files: the files of a message, and the steps of a send
kept on its outbox row (OutboxItem.progress) so that a retry repeats only what is not done."""
from sqlalchemy import select, update

from helpdesk.extensions import db
from helpdesk.inbox.files import storage_path
from helpdesk.inbox.types import OutgoingFile, SendSteps
from helpdesk.models import OutboxItem
from helpdesk.models.message import Attachment


def outgoing_files(message_id: int) -> list[OutgoingFile]:
    """The stored files of an outbound message, in the order they were attached."""
    rows = db.session.scalars(select(Attachment).where(
        Attachment.message_id == message_id, Attachment.status == "stored")
        .order_by(Attachment.id)).all()
    return [OutgoingFile(str(a.id), str(storage_path(a.storage_name)), a.original_name or
                         f"file-{a.id}", a.mime_type, a.size or 0)
            for a in rows if a.storage_name]


class OutboxSteps(SendSteps):
    """SendSteps kept on the outbox row: each step is committed as soon as the platform has
    taken it (the send holds no transaction open while it talks to the platform)."""

    def __init__(self, item_id: int, progress: dict | None, pace) -> None:
        self.item_id = item_id
        self.steps = dict(progress or {})
        self._pace = pace

    def get(self, step: str) -> str | None:
        return self.steps.get(step)

    def done(self, step: str, value: str) -> None:
        self.steps[step] = str(value)
        db.session.execute(update(OutboxItem).where(OutboxItem.id == self.item_id)
                           .values(progress=dict(self.steps)))
        db.session.commit()

    def pace(self) -> None:
        self._pace()
