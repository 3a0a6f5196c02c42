"""Inline previews of citizens' images: only bytes proven PNG/JPEG/GIF/WebP are ever inline, with
the sniffed type and nosniff; everything else (an SVG or a page named .jpg) is a download; the
route answers only users who may see the ticket; the page shows thumbnails and placeholders."""
import secrets

import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import Attachment, AuditEvent, Message, Ticket
from helpdesk.models.message import Direction
from tests.desk.world import build_world
from tests.helpers import login
from tests.images import HTML, PDF, SVG, png

PNG = png(40, 30)


@pytest.fixture
def files_dir(app, tmp_path):
    saved = app.config.get("ATTACHMENTS_DIR")
    app.config["ATTACHMENTS_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["ATTACHMENTS_DIR"] = saved


def _stored(folder, message, data: bytes, name: str, mime: str, kind: str = "photo") -> Attachment:
    storage = secrets.token_hex(20)
    (folder / storage).write_bytes(data)
    att = Attachment(message_id=message.id, kind=kind, original_name=name, mime_type=mime,
                     size=len(data), status="stored", storage_name=storage, source="x")
    db.session.add(att)
    db.session.flush()
    return att


@pytest.fixture
def world_files(ctx, files_dir):
    world = build_world()
    message = db.session.scalar(select(Message).where(Message.ticket_id == world.ticket.id))
    atts = {
        "png": _stored(files_dir, message, PNG, "photo1.jpg", "image/png"),
        # what a platform called a photo, and the stored row even says so: the bytes decide
        "html": _stored(files_dir, message, HTML, "photo2.jpg", "image/jpeg"),
        "svg": _stored(files_dir, message, SVG, "pic.jpg", "image/svg+xml", "document"),
        "pdf": _stored(files_dir, message, PDF, "справка.pdf", "application/pdf", "document"),
    }
    pending = Attachment(message_id=message.id, kind="photo", original_name="photo3.jpg",
                         mime_type="image/jpeg", status="pending", source="x")
    db.session.add(pending)
    db.session.commit()
    return world, atts, pending


def _views() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "attachment_viewed"))


@pytest.mark.parametrize("mode", ["thumb", "preview"])
def test_a_proven_image_is_inline_with_its_sniffed_type(world_files, client, mode):
    _, atts, _ = world_files
    login(client, "spec_a")
    before = _views()
    response = client.get(f"/attachments/{atts['png'].id}?{mode}=1")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"  # sniffed, not the name's .jpg
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    # opening full size is audited; the thumbnail is part of the (audited) ticket view
    assert _views() == before + (1 if mode == "preview" else 0)


@pytest.mark.parametrize("key, served", [("html", "application/octet-stream"),
                                         ("svg", "image/svg+xml"), ("pdf", "application/pdf")])
@pytest.mark.parametrize("mode", ["thumb=1", "preview=1", ""])
def test_anything_else_is_a_download_never_inline(world_files, client, key, served, mode):
    _, atts, _ = world_files
    login(client, "spec_a")
    response = client.get(f"/attachments/{atts[key].id}?{mode}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Type"].split(";")[0] == served
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_stored_image_type_the_bytes_no_longer_prove_is_not_inline(world_files, client):
    """The route sniffs the file itself: a row saying image/png over other bytes is a download."""
    _, atts, _ = world_files
    atts["html"].mime_type = "image/png"
    db.session.commit()
    login(client, "spec_a")
    response = client.get(f"/attachments/{atts['html'].id}?thumb=1")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_only_users_who_may_see_the_ticket(world_files, app):
    _, atts, pending = world_files
    url = f"/attachments/{atts['png'].id}?thumb=1"
    anonymous = app.test_client().get(url)
    assert anonymous.status_code in (302, 401) and PNG not in anonymous.data
    for user, status in (("spec_b", 404), ("spec_a", 200), ("press", 200), ("auditor", 200)):
        client = app.test_client()
        login(client, user)
        assert client.get(url).status_code == status, user
    client = app.test_client()
    login(client, "spec_a")
    assert client.get(f"/attachments/{pending.id}?thumb=1").status_code == 404  # nothing stored
    assert client.get("/attachments/987654?thumb=1").status_code == 404


def test_the_page_shows_thumbnails_files_and_placeholders(world_files, client):
    world, atts, pending = world_files
    login(client, "spec_a")
    html = client.get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    assert f'src="/attachments/{atts["png"].id}?thumb=1"' in html
    assert f'href="/attachments/{atts["png"].id}?preview=1"' in html
    for key in ("html", "svg", "pdf"):  # downloads, never an <img>
        assert f'/attachments/{atts[key].id}?thumb=1' not in html
        assert f'href="/attachments/{atts[key].id}"' in html
    assert f'data-attachment="{pending.id}"' in html and "Изображение загружается" in html
    assert '<span class="badge att-label">PDF</span>' in html
    assert html.count('<span class="badge att-label">ФАЙЛ</span>') == 2  # .jpg names, not images


def test_a_download_refreshes_open_pages(world_files, ctx):
    """Storing a pending file puts its ticket on the live bus (the page swaps the placeholder)."""
    from helpdesk.live.bus import bus_for

    world, _, pending = world_files
    bus = bus_for(ctx)
    cursor = bus.head()
    from helpdesk.live.bus import note_changed

    note_changed(world.ticket.id, "attachment")
    db.session.commit()
    changes, _ = bus.read(cursor)
    assert {"t": world.ticket.id, "k": ["attachment"]} in changes
