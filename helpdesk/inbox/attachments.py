"""Attachments: background download from the platform's own hosts only; served after an access check."""
import ipaddress
import logging
import secrets
import socket
import time
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from flask import Blueprint, abort, current_app, request, send_file
from flask_login import current_user, login_required
from sqlalchemy import select, update

from helpdesk.access import ticket_or_404
from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.inbox.adapters import adapter_for, snapshot
from helpdesk.inbox.files import RASTER, served_type, sniff_file, storage_path
from helpdesk.inbox.types import DeliveryError
from helpdesk.live.bus import note_changed
from helpdesk.models import Attachment, Channel, Message

log = logging.getLogger(__name__)

bp = Blueprint("inbox", __name__)

MAX_ATTEMPTS = 5
MAX_REDIRECTS = 3


class DownloadRefused(Exception):
    """A download that must not happen or failed for good (host, size, type)."""


def host_allowed(url: str, allowed: set[str], local_hosts: set[str]) -> bool:
    """The URL is http(s) on an allowed host and does not resolve to a private address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return False
    netloc = f"{host}:{parts.port}" if parts.port else host
    if not any(netloc == pattern or host == pattern or fnmatch(host, pattern)
               for pattern in allowed):
        return False
    if host in local_hosts:
        return True
    if parts.scheme != "https":
        return False
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def fetch(url: str, allowed: set[str], dest: Path, verify: str | bool = True) -> tuple[int, str]:
    """Download to `dest` within the size and time caps; returns (size, content type).
    `verify` is the platform's certificate setting (a CA bundle path or True, never False)."""
    config = current_app.config
    max_bytes = int(config.get("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
    deadline = time.monotonic() + float(config.get("INBOX_DOWNLOAD_SECONDS", 60))
    local = {h.lower() for h in config.get("INBOX_LOCAL_HOSTS", ())}
    for _ in range(MAX_REDIRECTS + 1):
        if not host_allowed(url, allowed, local):
            raise DownloadRefused("адрес файла не на сервере платформы")
        with requests.get(url, stream=True, allow_redirects=False, timeout=(5, 20),
                          verify=verify or True) as response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                error = f"HTTP {response.status_code}"
                if response.status_code >= 500 or response.status_code == 429:
                    raise DeliveryError(error, retryable=True)
                raise DownloadRefused(error)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise DownloadRefused("файл больше допустимого размера")
            size = 0
            with open(dest, "wb") as out:
                for chunk in response.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadRefused("файл больше допустимого размера")
                    if time.monotonic() > deadline:
                        raise DeliveryError("слишком долгая загрузка", retryable=True)
                    out.write(chunk)
            return size, response.headers.get("Content-Type", "").split(";")[0].strip()
    raise DownloadRefused("слишком много перенаправлений")


def download(attachment_id: int) -> str:
    """Download one pending attachment; returns its status. Commits."""
    claimed = db.session.execute(update(Attachment).where(
        Attachment.id == attachment_id, Attachment.status == "pending",
        Attachment.attempts < MAX_ATTEMPTS).values(attempts=Attachment.attempts + 1)).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    att = db.session.get(Attachment, attachment_id)
    message = db.session.get(Message, att.message_id)
    ticket_id = message.ticket_id
    config = snapshot(db.session.get(Channel, message.channel_id))
    source, declared_type, attempts = att.source, att.mime_type, att.attempts
    db.session.rollback()
    folder = Path(current_app.config["ATTACHMENTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(20)
    dest = folder / name
    adapter = adapter_for(config)
    try:
        url = adapter.file_url(source)
        size, http_type = fetch(url, adapter.allowed_hosts(), dest, adapter.verify)
    except (DownloadRefused, DeliveryError, requests.RequestException, OSError) as exc:
        dest.unlink(missing_ok=True)
        retry = isinstance(exc, (requests.RequestException, OSError)) or getattr(
            exc, "retryable", False)
        status = "pending" if retry and attempts < MAX_ATTEMPTS else "failed"
        reason = str(exc) if isinstance(exc, (DownloadRefused, DeliveryError)) else \
            exc.__class__.__name__
        db.session.execute(update(Attachment).where(Attachment.id == attachment_id).values(
            status=status, error=reason[:300]))
        if status == "failed":
            note_changed(ticket_id, "attachment")
        db.session.commit()
        log.warning("attachment %s: %s (%s)", attachment_id, status, reason[:80])
        return status
    proven = sniff_file(dest)
    mime = proven or _declared(declared_type, http_type)
    db.session.execute(update(Attachment).where(Attachment.id == attachment_id).values(
        status="stored", storage_name=name, size=size, mime_type=mime[:100], error=None))
    note_changed(ticket_id, "attachment")  # open pages swap the placeholder for the file
    db.session.commit()
    return "stored"


def _declared(platform_type: str, http_type: str) -> str:
    for value in (http_type, platform_type):
        if value and "/" in value and value not in RASTER and len(value) < 100:
            return value.lower()
    return "application/octet-stream"


def download_for_message(message_id: int) -> None:
    """Download every pending attachment of a message."""
    ids = db.session.scalars(select(Attachment.id).where(
        Attachment.message_id == message_id, Attachment.status == "pending")).all()
    for attachment_id in ids:
        download(attachment_id)


def download_pending(limit: int = 20) -> int:
    """The sweeper: retry attachments still pending."""
    ids = db.session.scalars(select(Attachment.id).where(
        Attachment.status == "pending", Attachment.attempts < MAX_ATTEMPTS)
        .order_by(Attachment.id).limit(limit)).all()
    db.session.rollback()
    for attachment_id in ids:
        download(attachment_id)
    return len(ids)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """Serve a stored attachment to a user who may see its ticket.

    A download by default; `?preview=1` (opened full size) and `?thumb=1` (the thumbnail on the
    ticket page) are inline, but only for an image its stored bytes prove (helpdesk.inbox.files);
    anything else, an SVG or a page named photo.jpg included, stays a download. Downloads and
    full-size views are audited; thumbnails are part of the ticket view, audited as such."""
    att = db.get_or_404(Attachment, attachment_id)
    message = db.session.get(Message, att.message_id)
    ticket = ticket_or_404(current_user, message.ticket_id)
    if att.status != "stored" or not att.storage_name:
        abort(404)
    path = storage_path(att.storage_name)
    if not path.is_file():
        abort(404)
    mimetype, may_inline = served_type(sniff_file(path), att.mime_type)
    thumb = request.args.get("thumb") == "1"
    inline = may_inline and (thumb or request.args.get("preview") == "1")
    if not (thumb and inline):
        record("attachment_viewed", actor=current_user, object_type="ticket",
               object_id=str(ticket.id), details={"attachment_id": att.id})
        db.session.commit()
    response = send_file(path, mimetype=mimetype, as_attachment=not inline,
                         download_name=att.original_name or f"file-{att.id}", max_age=0,
                         conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
