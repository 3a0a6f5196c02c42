"""Files staff attach to a reply: the limits the form shows, checks on the server, storage.

Every file is judged by its bytes, not by the browser's type: an image must prove to be PNG,
JPEG, GIF or WebP (it then goes to the citizen as a photo), a document must look like the format
its name says. Files are stored where the citizens' attachments are (ATTACHMENTS_DIR, random
names, an Attachment row of the outbound message); a request that rolls back removes what it
wrote.
"""
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.errors import UserError
from helpdesk.extensions import db
from helpdesk.inbox.files import RASTER, sniff
from helpdesk.models.message import Attachment

MB = 1024 * 1024
DEFAULTS = {"REPLY_FILES_MAX_COUNT": 5, "REPLY_FILE_MAX_BYTES": 10 * MB,
            "REPLY_FILES_MAX_BYTES": 20 * MB}
IMAGES = {"jpg", "jpeg", "png", "gif", "webp"}
OLE, ZIP = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x03\x04"
DOCUMENTS = {  # extension: (type sent, a check of the first bytes)
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "doc": ("application/msword", lambda head: head.startswith(OLE)),
    "xls": ("application/vnd.ms-excel", lambda head: head.startswith(OLE)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda head: head.startswith(ZIP)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda head: head.startswith(ZIP)),
    "odt": ("application/vnd.oasis.opendocument.text", lambda head: head.startswith(ZIP)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", lambda head: head.startswith(ZIP)),
    "rtf": ("application/rtf", lambda head: head.startswith(b"{\\rtf")),
    "txt": ("text/plain", lambda head: _plain_text(head)),
}
EXTENSIONS = [*("jpg", "jpeg", "png", "gif", "webp"), *DOCUMENTS]
MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<head|<body)", re.I)
_WRITTEN = "helpdesk_reply_files_written"


class ReplyFileError(UserError):
    """A file the reply cannot carry (the message says which and why, in Russian)."""


@dataclass(frozen=True)
class ReplyFile:
    """A checked file: its clean name, bytes and the type its bytes prove."""

    name: str
    data: bytes
    mime_type: str

    @property
    def kind(self) -> str:
        return "photo" if self.mime_type in RASTER else "document"


@dataclass(frozen=True)
class Limits:
    count: int
    file_bytes: int
    total_bytes: int

    @property
    def text(self) -> str:
        """The limits as the form states them."""
        return (f"До {self.count} файлов, каждый до {_mb(self.file_bytes)} МБ, вместе до "
                f"{_mb(self.total_bytes)} МБ. Изображения JPG, PNG, GIF, WebP уходят как фото; "
                "документы PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, RTF, TXT — как файлы.")

    @property
    def accept(self) -> str:
        return ",".join(f".{ext}" for ext in EXTENSIONS)

    @property
    def request_bytes(self) -> int:
        """The largest reply request taken (the files plus room for the text and the form)."""
        return self.total_bytes + 2 * MB


def limits() -> Limits:
    config = current_app.config
    return Limits(*(int(config.get(key) or default) for key, default in DEFAULTS.items()))


def _mb(size: int) -> str:
    return f"{size / MB:g}".replace(".", ",")


def _plain_text(head: bytes) -> bool:
    return b"\x00" not in head and not MARKUP.match(head)


def clean_name(raw: str) -> str:
    """A file name as the citizen will see it: no folders, no control characters, ≤ 150."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot else name[:150]
    return name


def check(uploads) -> list[ReplyFile]:
    """The chosen files (werkzeug FileStorage objects; empty inputs skipped), checked against
    the limits and by their bytes; raises ReplyFileError naming the file and the rule."""
    chosen = [u for u in uploads if u is not None and (u.filename or "").strip()]
    rules = limits()
    if len(chosen) > rules.count:
        raise ReplyFileError(f"К одному ответу можно приложить не больше {rules.count} файлов, "
                             f"выбрано {len(chosen)}")
    files, total = [], 0
    for upload in chosen:
        name = clean_name(upload.filename)
        data = upload.stream.read(rules.file_bytes + 1)
        if len(data) > rules.file_bytes:
            raise ReplyFileError(f"Файл «{name}» больше {_mb(rules.file_bytes)} МБ — "
                                 "наибольшего размера одного файла")
        total += len(data)
        if total > rules.total_bytes:
            raise ReplyFileError(f"Файлы вместе больше {_mb(rules.total_bytes)} МБ")
        files.append(ReplyFile(name or "файл", data, _proven_type(name, data)))
    return files


def _proven_type(name: str, data: bytes) -> str:
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if not data:
        raise ReplyFileError(f"Файл «{name}» пустой")
    if ext in IMAGES:
        sniffed = sniff(data[:16])
        if sniffed not in RASTER:
            raise ReplyFileError(f"Файл «{name}» — не изображение JPG, PNG, GIF или WebP: его "
                                 "содержимое другого типа")
        return sniffed
    if ext not in DOCUMENTS:
        raise ReplyFileError(f"Файл «{name}»: такой тип не отправляется. Можно: изображения "
                             "JPG, PNG, GIF, WebP и документы PDF, DOC, DOCX, XLS, XLSX, ODT, "
                             "ODS, RTF, TXT")
    mime, proves = DOCUMENTS[ext]
    if not proves(data[:4096]):
        raise ReplyFileError(f"Файл «{name}» не похож на {ext.upper()}: его содержимое "
                             "другого типа")
    return mime


def store(message, files: list[ReplyFile]) -> list[Attachment]:
    """Write the files under random names and add them to the outbound message (flushes).
    Files written by a request that then rolls back are removed (see _forget_written)."""
    if not files:
        return []
    folder = Path(current_app.config["ATTACHMENTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    written = db.session.info.setdefault(_WRITTEN, [])
    rows = []
    for file in files:
        storage_name = secrets.token_hex(20)
        path = folder / storage_name
        path.write_bytes(file.data)
        written.append(str(path))
        rows.append(Attachment(message_id=message.id, kind=file.kind, original_name=file.name,
                               mime_type=file.mime_type, size=len(file.data), source="",
                               storage_name=storage_name, status="stored"))
    db.session.add_all(rows)
    db.session.flush()
    return rows


@event.listens_for(Session, "after_commit")
def _keep_written(session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_written(session, previous_transaction) -> None:
    if session.in_transaction():
        return
    for path in session.info.pop(_WRITTEN, ()):
        Path(path).unlink(missing_ok=True)
