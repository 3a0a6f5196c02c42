"""How the ticket page shows an attachment: a thumbnail for a proven image, a link for a file,
a placeholder while it is still being downloaded (the page's live refresh swaps it in)."""
from dataclasses import dataclass

from flask import url_for

from helpdesk.inbox.files import RASTER, size_text, sniff_file, storage_path

IMAGE_EXTENSIONS = {"JPG", "JPEG", "PNG", "GIF", "WEBP", "SVG", "BMP", "HEIC"}
KIND_NAMES = {"photo": "изображение", "document": "файл", "voice": "голосовое сообщение",
              "other": "файл"}
STATE_TEXT = {"pending": "загружается…", "failed": "не удалось загрузить"}


@dataclass(frozen=True)
class AttachmentShown:
    id: int
    name: str
    size: str
    state: str  # image | file | pending | failed
    photo: bool = False  # the platform calls it a photo: a pending one is held a thumbnail's place
    url: str = ""        # the download
    view_url: str = ""   # full size, inline (images only)
    thumb_url: str = ""  # the thumbnail's source (images only)

    @property
    def note(self) -> str:
        return STATE_TEXT.get(self.state, "")

    @property
    def label(self) -> str:
        """A short type mark instead of an icon: the name's extension («PDF»), else «ФАЙЛ» — also
        for an image name on a file its bytes did not prove an image (a page named photo.jpg)."""
        stem, dot, ext = self.name.rpartition(".")
        ext = ext.upper()
        if not (dot and stem and 1 <= len(ext) <= 5 and ext.isalnum()) or ext in IMAGE_EXTENSIONS:
            return "ФАЙЛ"
        return ext


def shown(attachment) -> AttachmentShown:
    """The attachment as the conversation shows it. An image is a file whose stored bytes prove
    it one (sniffed here: 16 bytes read; the file route sniffs again before serving it inline)."""
    name = attachment.original_name or KIND_NAMES.get(attachment.kind, "файл")
    size = size_text(attachment.size)
    if attachment.status in STATE_TEXT:
        state = attachment.status
        return AttachmentShown(attachment.id, name, size,
                               "pending" if state == "pending" else "failed",
                               photo=attachment.kind == "photo")
    url = url_for("inbox.attachment", attachment_id=attachment.id)
    if attachment.storage_name and sniff_file(storage_path(attachment.storage_name)) in RASTER:
        return AttachmentShown(
            attachment.id, name, size, "image", url=url,
            view_url=url_for("inbox.attachment", attachment_id=attachment.id, preview=1),
            thumb_url=url_for("inbox.attachment", attachment_id=attachment.id, thumb=1))
    return AttachmentShown(attachment.id, name, size, "file", url=url)


def groups(attachments) -> tuple[list[AttachmentShown], list[AttachmentShown]]:
    """A message's attachments as (thumbnails: images, and photos still downloading; the rest as
    a list)."""
    all_shown = [shown(a) for a in attachments]
    thumbs = [a for a in all_shown if a.state == "image" or (a.state == "pending" and a.photo)]
    return thumbs, [a for a in all_shown if a not in thumbs]
