"""Replies with files through each platform's upload API: the real adapters call the fakes on
127.0.0.1, which keep the bytes, names and types they received; a retry after a failure never
uploads or sends a file twice once the platform took it."""
import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from helpdesk.extensions import db
from helpdesk.inbox import reply_files
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.outbox import deliver_due, send_reply
from helpdesk.models import Message, OutboxItem, Ticket
from helpdesk.models.message import Delivery, Direction
from tests.fakes.base_faults import Fault
from tests.helpers import make_user
from tests.images import PDF, png
from tests.inbox.conftest import make_platform

PHOTO = png(80, 60)
TEXT = "Добрый день! Прикладываем схему ремонта и справку."


def _upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return FileStorage(io.BytesIO(data), filename=name, content_type=content_type)


def _ticket_from(platform, user: int) -> Ticket:
    platform.post(platform.event(user, "Когда починят дорогу у школы?"))
    process_pending()
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def _reply_with_files(ticket, files) -> Message:
    staff = make_user(f"staff{ticket.id}", "press")
    checked = reply_files.check(files)
    message = send_reply(ticket, staff, TEXT, files=checked)
    db.session.commit()
    return message


def _outbound(message_id: int) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message_id)


def test_a_reply_with_a_photo_and_a_document_reaches_each_platform(platform):
    ticket = _ticket_from(platform, 71001)
    message = _reply_with_files(ticket, [_upload("схема.png", PHOTO, "image/png"),
                                         _upload("справка.pdf", PDF, "application/pdf")])
    stored = _outbound(message.id).attachments
    assert [(a.kind, a.mime_type, a.status) for a in stored] == [
        ("photo", "image/png", "stored"), ("document", "application/pdf", "stored")]
    assert deliver_due() >= 1
    sent = _outbound(message.id)
    assert sent.delivery_status == Delivery.SENT, sent.delivery_error
    assert TEXT in platform.sent_to(71001)
    got = platform.fake.files_to(71001 if platform.kind != "ok" else "71001")
    assert [(f["data"], f["filename"]) for f in got] == [(PHOTO, "схема.png"),
                                                           (PDF, "справка.pdf")]
    assert [f["content_type"] for f in got] == ["image/png", "application/pdf"]
    kinds = {"vk": ["photo", "doc"], "telegram": ["photo", "document"],
             "max": ["image", "file"], "ok": ["IMAGE", "FILE"]}[platform.kind]
    assert [f["kind"] for f in got] == kinds  # the photo as a photo, the file as a file
    assert deliver_due() == 0  # nothing left, nothing sent twice
    assert len(platform.fake.uploads) == 2


def test_a_failed_upload_is_retried_and_the_file_sent_once(ctx, live, vk_fake):
    """VK: the upload server fails once; the retry uploads again and sends one message; the
    reply's random_id keeps it single."""
    platform = make_platform("vk", vk_fake, live.url)
    ticket = _ticket_from(platform, 71002)
    message = _reply_with_files(ticket, [_upload("яма.png", PHOTO)])
    vk_fake.inject("upload", Fault("http", 502))
    deliver_due()
    assert _outbound(message.id).delivery_status == Delivery.RETRYING
    assert vk_fake.sent_to(71002) == [] and vk_fake.uploads == []
    _due_now(message.id)
    deliver_due()
    assert _outbound(message.id).delivery_status == Delivery.SENT
    assert [f["data"] for f in vk_fake.files_to(71002)] == [PHOTO]
    assert vk_fake.count("upload") == 2 and len(vk_fake.uploads) == 1


def test_a_send_that_fails_after_the_upload_reuses_it(ctx, live, vk_fake):
    """VK: the photo was uploaded and saved, then messages.send failed (error 10): the retry
    sends with the saved photo, uploading nothing again."""
    platform = make_platform("vk", vk_fake, live.url)
    ticket = _ticket_from(platform, 71003)
    message = _reply_with_files(ticket, [_upload("яма.png", PHOTO)])
    vk_fake.inject("messages.send", Fault("error", 10, "Internal server error"))
    deliver_due()
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    assert item.status == "retrying" and list(item.progress) == [
        f"upload:{_outbound(message.id).attachments[0].id}"]
    _due_now(message.id)
    deliver_due()
    assert _outbound(message.id).delivery_status == Delivery.SENT
    assert vk_fake.count("photos.getMessagesUploadServer") == 1 and len(vk_fake.uploads) == 1
    assert [f["data"] for f in vk_fake.files_to(71003)] == [PHOTO]


def test_telegram_sends_only_what_did_not_go(ctx, live, tg_fake):
    """Telegram has no idempotency key: the text and the photo went, the document failed; the
    retry sends the document alone."""
    platform = make_platform("telegram", tg_fake, live.url)
    ticket = _ticket_from(platform, 71004)
    message = _reply_with_files(ticket, [_upload("фото.png", PHOTO),
                                         _upload("справка.pdf", PDF)])
    tg_fake.inject("sendDocument", Fault("http", 502))
    deliver_due()
    assert _outbound(message.id).delivery_status == Delivery.RETRYING
    _due_now(message.id)
    deliver_due()
    assert _outbound(message.id).delivery_status == Delivery.SENT
    assert tg_fake.sent_to(71004).count(TEXT) == 1
    assert [f["filename"] for f in tg_fake.files_to(71004)] == ["фото.png", "справка.pdf"]
    assert tg_fake.count("sendPhoto") == 1 and tg_fake.count("sendDocument") == 2


def test_max_file_not_ready_is_retried_with_the_same_token(ctx, live, max_fake):
    platform = make_platform("max", max_fake, live.url)
    ticket = _ticket_from(platform, 71005)
    message = _reply_with_files(ticket, [_upload("справка.pdf", PDF)])
    max_fake.inject("messages", Fault("error", 400, "attachment.not.ready"))
    deliver_due()
    assert _outbound(message.id).delivery_status == Delivery.RETRYING
    _due_now(message.id)
    deliver_due()
    assert _outbound(message.id).delivery_status == Delivery.SENT
    assert max_fake.count("uploads") == 1
    assert [f["data"] for f in max_fake.files_to(71005)] == [PDF]
    assert all(f["authorization"] == max_fake.token for f in max_fake.uploads)


def test_an_upload_url_off_the_platform_is_refused(ctx, live, ok_fake):
    """OK hands out an upload URL on another host: the file (citizen data) is not sent there."""
    platform = make_platform("ok", ok_fake, live.url)
    ticket = _ticket_from(platform, 71006)
    message = _reply_with_files(ticket, [_upload("справка.pdf", PDF)])
    ok_fake.upload_slot = lambda **info: "http://10.9.8.7/upload/x"
    deliver_due()
    sent = _outbound(message.id)
    assert sent.delivery_status == Delivery.FAILED and "адрес загрузки" in sent.delivery_error
    assert ok_fake.uploads == [] and ok_fake.sent_to("71006") == []


def _due_now(message_id: int) -> None:
    from helpdesk.models.types import utcnow

    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message_id))
    item.next_attempt_at = utcnow()
    db.session.commit()


@pytest.mark.parametrize("kind", ["vk"])
def test_outbound_files_show_on_the_ticket(kind, ctx, live, vk_fake, client):
    from tests.helpers import login

    platform = make_platform(kind, vk_fake, live.url)
    ticket = _ticket_from(platform, 71007)
    message = _reply_with_files(ticket, [_upload("схема.png", PHOTO), _upload("справка.pdf", PDF)])
    login(client, f"staff{ticket.id}")
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    photo, pdf = _outbound(message.id).attachments
    assert f'src="/attachments/{photo.id}?thumb=1"' in html
    assert f'href="/attachments/{pdf.id}"' in html
    assert db.session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND,
                                                   Message.is_auto.is_(False))).id == message.id
