"""Attachments: downloaded in the background only from the platform's hosts, within caps, stored
under random names, served only to users who may see the ticket, as downloads."""
import os

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.inbox.attachments import download_pending, host_allowed
from helpdesk.inbox.events import process_pending
from helpdesk.models import Attachment, Ticket
from tests.helpers import login, make_department, make_user
from tests.inbox.conftest import make_platform

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n" + b"0" * 3000
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def stored_attachments() -> list[Attachment]:
    db.session.expire_all()
    return db.session.scalars(select(Attachment).order_by(Attachment.id)).all()


def test_photo_arrives_and_is_stored(platform, app):
    platform.post(platform.event(40001, "Фото ямы на дороге в Арском районе", image=JPEG))
    process_pending()
    [att] = stored_attachments()
    assert att.status == "pending" and att.kind == "photo"
    assert download_pending() == 1
    [att] = stored_attachments()
    assert att.status == "stored", att.error
    assert att.mime_type == "image/jpeg" and att.size == len(JPEG)
    path = os.path.join(app.config["ATTACHMENTS_DIR"], att.storage_name)
    assert open(path, "rb").read() == JPEG
    assert len(att.storage_name) == 40 and att.storage_name not in att.source


def test_telegram_document_through_get_file(ctx, live, tg_fake, app):
    platform = make_platform("telegram", tg_fake, live.url)
    update = tg_fake.message_update(40002, "Справка", document=(PDF, "spravka.pdf",
                                                                "application/pdf"))
    platform.post(update)
    process_pending()
    download_pending()
    [att] = stored_attachments()
    assert (att.status, att.kind, att.original_name, att.mime_type) == (
        "stored", "document", "spravka.pdf", "application/pdf")
    assert tg_fake.count("getFile") == 1


def test_foreign_hosts_and_redirects_are_refused(ctx, live, vk_fake, app):
    platform = make_platform("vk", vk_fake, live.url)
    outside = vk_fake.message_event(40003, "ссылка", [
        {"type": "doc", "doc": {"title": "a.pdf", "url": "http://10.1.2.3/secret"}},
        {"type": "doc", "doc": {"title": "b.pdf", "url": vk_fake.add_redirect(
            "http://169.254.169.254/latest/meta-data/")}},
        {"type": "doc", "doc": {"title": "c.pdf", "url": "file:///etc/passwd"}},
    ])
    platform.post(outside)
    process_pending()
    download_pending()
    atts = stored_attachments()
    assert [a.status for a in atts] == ["failed"] * 3
    assert all(a.storage_name is None for a in atts)
    assert os.listdir(app.config["ATTACHMENTS_DIR"]) == []


def test_size_cap(ctx, live, vk_fake, app):
    platform = make_platform("vk", vk_fake, live.url)
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    try:
        platform.post(vk_fake.message_event(40004, "большой", [vk_fake.doc(PDF, "big.pdf")]))
        process_pending()
        download_pending()
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = 20 * 1024 * 1024
    [att] = stored_attachments()
    assert att.status == "failed" and "размер" in att.error


def test_host_rules():
    local = {"127.0.0.1"}
    assert host_allowed("http://127.0.0.1:8000/x", {"127.0.0.1:8000"}, local)
    assert not host_allowed("http://127.0.0.1:9000/x", {"127.0.0.1:8000"}, local)
    assert not host_allowed("http://10.0.0.1/x", {"10.0.0.1"}, local)  # private, not configured
    assert not host_allowed("http://sun9-1.userapi.com/x", {"*.userapi.com"}, local)  # not https
    assert not host_allowed("https://user:pw@sun9-1.userapi.com/x", {"*.userapi.com"}, local)
    assert not host_allowed("https://evil.com/x", {"*.userapi.com"}, local)
    assert not host_allowed("gopher://127.0.0.1/x", {"127.0.0.1"}, local)


@pytest.fixture
def attachments_on_ticket(ctx, live, vk_fake):
    platform = make_platform("vk", vk_fake, live.url)
    svg_url = vk_fake.add_file(SVG, "image/svg+xml", "pic.svg")
    event = vk_fake.message_event(40005, "вложения", [
        vk_fake.photo(JPEG), {"type": "doc", "doc": {"title": "pic.svg", "url": svg_url}}])
    platform.post(event)
    process_pending()
    download_pending()
    dept = make_department("Комитет по дорогам")
    other = make_department("Комитет по образованию")
    ticket = db.session.scalar(select(Ticket))
    ticket.department_id = dept.id
    make_user("roads", "specialist", dept)
    make_user("schools", "specialist", other)
    db.session.commit()
    return stored_attachments()


def test_served_only_to_allowed_users(attachments_on_ticket, client):
    photo, svg = attachments_on_ticket
    assert (photo.status, svg.status) == ("stored", "stored")
    anonymous = client.get(f"/attachments/{photo.id}")
    assert anonymous.status_code in (302, 401)
    login(client, "schools")
    assert client.get(f"/attachments/{photo.id}").status_code == 404
    other = client.application.test_client()
    login(other, "roads")
    response = other.get(f"/attachments/{photo.id}")
    assert response.status_code == 200 and response.data == JPEG
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    preview = other.get(f"/attachments/{photo.id}?preview=1")
    assert preview.headers["Content-Disposition"].startswith("inline")
    svg_preview = other.get(f"/attachments/{svg.id}?preview=1")
    assert svg_preview.status_code == 200
    assert svg_preview.headers["Content-Disposition"].startswith("attachment")
    assert svg_preview.headers["Content-Type"].startswith("image/svg+xml")
    assert "sandbox" in svg_preview.headers["Content-Security-Policy"]
    assert other.get("/attachments/999999").status_code == 404
