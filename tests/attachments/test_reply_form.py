"""The reply form's files: limits stated in the form, enforced on the server with clear Russian
errors, the typed text kept on every refusal; files stored with the reply; none in public
comment threads; the reply route alone takes bodies above MAX_CONTENT_LENGTH."""
import io
import os

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Attachment, Message, OutboxItem
from helpdesk.models.message import Direction
from tests.desk.world import build_world
from tests.helpers import login, post_form
from tests.images import HTML, PDF, SVG, png

TEXT = "Добрый день! Ответ во вложении."
PNG = png(30, 20)


@pytest.fixture
def files_dir(app, tmp_path):
    saved = {k: app.config.get(k) for k in ("ATTACHMENTS_DIR", "REPLY_FILE_MAX_BYTES",
                                            "REPLY_FILES_MAX_BYTES", "REPLY_FILES_MAX_COUNT")}
    app.config["ATTACHMENTS_DIR"] = str(tmp_path)
    yield tmp_path
    app.config.update(saved)


@pytest.fixture
def desk(ctx, files_dir, client):
    world = build_world()
    login(client, "spec_a")
    return world, client


def _reply(client, ticket, files, text=TEXT):
    url = f"/tickets/{ticket.id}"
    data = {"text": text, "final": "1",
            "files": [(io.BytesIO(body), name) for name, body in files]}
    return post_form(client, url, f"{url}/reply", data)


def _outbound():
    db.session.expire_all()
    return db.session.scalars(select(Message).where(Message.direction == Direction.OUTBOUND,
                                                    Message.is_auto.is_(False))).all()


def test_the_form_states_its_limits(desk):
    world, client = desk
    html = client.get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="files" multiple' in html
    assert "До 5 файлов, каждый до 10 МБ, вместе до 20 МБ" in html
    assert 'accept=".jpg,.jpeg,.png,.gif,.webp,.pdf,' in html


def test_files_are_stored_with_the_reply(desk, files_dir):
    world, client = desk
    response = _reply(client, world.ticket, [("схема.png", PNG), ("справка.pdf", PDF)])
    assert response.status_code == 302
    [reply] = _outbound()
    rows = db.session.scalars(select(Attachment).where(Attachment.message_id == reply.id)
                              .order_by(Attachment.id)).all()
    assert [(a.original_name, a.kind, a.mime_type, a.size, a.status) for a in rows] == [
        ("схема.png", "photo", "image/png", len(PNG), "stored"),
        ("справка.pdf", "document", "application/pdf", len(PDF), "stored")]
    assert (files_dir / rows[0].storage_name).read_bytes() == PNG
    assert db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == reply.id))


@pytest.mark.parametrize("files, config, error", [
    ([("a.png", PNG)] * 3, {"REPLY_FILES_MAX_COUNT": 2},
     "не больше 2 файлов, выбрано 3"),
    ([("big.pdf", PDF)], {"REPLY_FILE_MAX_BYTES": 1000}, "Файл «big.pdf» больше"),
    ([("a.pdf", PDF), ("b.pdf", PDF)], {"REPLY_FILES_MAX_BYTES": 5000},
     "Файлы вместе больше"),
    ([("setup.exe", b"MZ" * 100)], {}, "Файл «setup.exe»: такой тип не отправляется"),
    ([("фото.jpg", HTML)], {}, "Файл «фото.jpg» — не изображение"),
    ([("рисунок.jpg", SVG)], {}, "не изображение"),
    ([("page.svg", SVG)], {}, "такой тип не отправляется"),
    ([("справка.pdf", HTML)], {}, "не похож на PDF"),
    ([("notes.txt", HTML)], {}, "не похож на TXT"),
    ([("пусто.pdf", b"")], {}, "пустой"),
])
def test_a_refused_file_keeps_the_text(desk, app, files, config, error):
    world, client = desk
    app.config.update(config)
    response = _reply(client, world.ticket, files)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and error in html, html[:3000]
    assert f">{TEXT}</textarea>" in html  # nothing typed is lost
    assert "выберите их снова" in html
    assert _outbound() == [] and db.session.scalars(select(Attachment)).all() == [
        a for a in db.session.scalars(select(Attachment)) if a.message.direction == "inbound"]


def test_files_of_a_rolled_back_reply_are_not_left_on_disk(desk, files_dir):
    """Files are written when the reply is queued; a request that then fails rolls back, and
    its files go with it (a committed reply keeps them)."""
    from helpdesk.inbox.outbox import send_reply
    from helpdesk.inbox.reply_files import ReplyFile

    world, _ = desk
    files = [ReplyFile("a.png", PNG, "image/png")]
    send_reply(world.ticket, world.users["spec_a"], TEXT, files=files)
    assert len(os.listdir(files_dir)) == 1
    db.session.rollback()
    assert os.listdir(files_dir) == [] and _outbound() == []
    send_reply(world.ticket, world.users["spec_a"], TEXT, files=files)
    db.session.commit()
    db.session.rollback()  # nothing pending: the committed file stays
    assert len(os.listdir(files_dir)) == 1


def test_the_reply_route_takes_files_above_the_general_body_limit(desk, app):
    world, client = desk
    assert app.config["MAX_CONTENT_LENGTH"] < 3 * 1024 * 1024
    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    assert _reply(client, world.ticket, [("том.pdf", big)]).status_code == 302
    [reply] = _outbound()
    assert reply.attachments[0].size == len(big)
    # another form still has the general limit
    response = post_form(client, f"/tickets/{world.ticket.id}", f"/tickets/{world.ticket.id}/note",
                         {"text": "x" * 10, "files": [(io.BytesIO(big), "том.pdf")]})
    assert response.status_code == 413


def test_no_files_in_a_public_comment_thread(desk):
    from helpdesk.inbox.outbox import ReplyError, send_reply
    from helpdesk.inbox.reply_files import ReplyFile
    from helpdesk.models import Post

    world, client = desk
    ticket = world.ticket
    post = Post(channel_id=ticket.channel_id, external_key="-1_5", text="Пост", link="")
    db.session.add(post)
    db.session.flush()
    ticket.post_id, ticket.kind = post.id, "comment"
    db.session.commit()
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="reply-files"' not in html
    with pytest.raises(ReplyError, match="файлы не прикладываются"):
        send_reply(ticket, world.users["spec_a"], TEXT,
                   files=[ReplyFile("a.png", PNG, "image/png")])
