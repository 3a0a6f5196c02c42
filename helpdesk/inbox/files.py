"""What a stored file is, told by its bytes: sniffing, and how a file may be served.

Neither the platform's name or type for a citizen's file nor the browser's for a staff upload is
trusted: an image is an image only when its first bytes prove it (PNG, JPEG, GIF, WebP), and only
such images are ever served inline. Everything else is a download (`Content-Disposition:
attachment`), and a type the bytes do not prove never claims to be an image.
"""
import os
from pathlib import Path

from flask import current_app

RASTER = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAGIC = [(b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
         (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"%PDF-", "application/pdf"),
         (b"OggS", "audio/ogg"), (b"ID3", "audio/mpeg")]
HEAD_BYTES = 16
# Types that a browser would run or render as a page: never sent with their own type inline.
ACTIVE = ("text/html", "image/svg", "application/xhtml", "text/xml", "application/xml",
          "text/javascript", "application/javascript")


def sniff(head: bytes) -> str | None:
    """The type the first bytes prove, if any."""
    for magic, mime in MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def sniff_file(path: Path) -> str | None:
    """The type a stored file's first bytes prove (None: unknown or unreadable)."""
    try:
        with open(path, "rb") as fh:
            return sniff(fh.read(HEAD_BYTES))
    except OSError:
        return None


def storage_path(storage_name: str) -> Path:
    """Where a stored file lives (its random name only: no path from the database is followed)."""
    return Path(current_app.config["ATTACHMENTS_DIR"]) / os.path.basename(storage_name)


def is_active(mime: str) -> bool:
    return (mime or "").lower().startswith(ACTIVE)


def served_type(sniffed: str | None, stored: str) -> tuple[str, bool]:
    """(Content-Type, may be shown inline) of a stored file.

    A raster image proven by its bytes is served as that type and may be inline. Anything else is
    a download of its exact stored type, except a claimed image type its bytes do not prove
    (served as application/octet-stream) — so a page or an SVG named photo.jpg is never an image."""
    if sniffed in RASTER:
        return sniffed, True
    stored = (stored or "").lower()
    if sniffed:
        return sniffed, False
    if not stored or "/" not in stored or stored in RASTER:
        return "application/octet-stream", False
    return stored, False


def size_text(size: int | None) -> str:
    """A file size as staff read it: «820 КБ», «3,4 МБ»."""
    if not size:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} КБ"
    return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")
