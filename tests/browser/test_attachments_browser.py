"""Headless Chromium: an inbound photo shows inline (placeholder first), a reply carries an image to
the platform fake; screenshots at 1366×768 and 390 px go to /tmp/shots-attach/."""
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Attachment, Department, Ticket
from tests.browser.test_desk_flow import browser  # noqa: F401  (fixture)
from tests.desk.world import make_fast_user
from tests.helpers import PASSWORD
from tests.images import HTML, png

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-attach")
DESK, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(browser, live, username: str, viewport: dict):  # noqa: F811
    page = browser.new_context(locale="ru-RU", viewport=viewport).new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/tickets**")
    return page


def _until(check, seconds: float = 10.0) -> None:
    """Wait for `check()` (the page's CSP forbids Playwright's evaluated wait_for_function)."""
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _vk_desk(vk_fake, tmp_path, app):
    """Departments, a specialist and press staff, a VK channel on the fake (committed)."""
    from helpdesk.channels.services import create_channel
    from helpdesk.deadlines.store import seed_defaults

    app.config["INBOX_LOCAL_HOSTS"] = {"127.0.0.1"}
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    seed_defaults()
    press_dept = Department(name="Пресс-служба", is_triage=True)
    roads = Department(name="Комитет по жилищной политике и инфраструктурному развитию")
    db.session.add_all([press_dept, roads])
    db.session.flush()
    make_fast_user("press1", "press", press_dept, full_name="Пресс-служба Иванова")
    make_fast_user("spec1", "specialist", roads, full_name="Рамиль Хасанов")
    channel = create_channel("vk", "vk-desk", vk_fake.token, group_id=vk_fake.group_id,
                             secret=vk_fake.secret, confirmation=vk_fake.confirmation,
                             api_base=vk_fake.url, auto_ack=False)
    db.session.commit()
    return channel, roads


def _citizen_writes(vk_fake, live, channel, user: int, text: str, attachments: list) -> Ticket:
    from helpdesk.channels.services import webhook_path
    from helpdesk.inbox.events import process_pending

    answer = vk_fake.post_callback(live.url + webhook_path(channel),
                                   vk_fake.message_event(user, text, attachments), timeout=30)
    assert answer.status_code == 200
    assert process_pending() == 1
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def test_inbound_photo_shows_inline_after_its_placeholder(ctx, live, vk_fake, browser, tmp_path,
                                                          app):  # noqa: F811
    from helpdesk.inbox.attachments import download_pending

    saved = {k: app.config.get(k) for k in ("INBOX_LOCAL_HOSTS", "ATTACHMENTS_DIR")}
    try:
        channel, _ = _vk_desk(vk_fake, tmp_path, app)
        photo = png(320, 200)
        disguised = vk_fake.add_file(HTML, "image/jpeg", "evil.jpg")
        ticket = _citizen_writes(vk_fake, live, channel, 82001, "Вот фото ямы у школы № 5", [
            vk_fake.photo(photo),
            {"type": "photo", "photo": {"id": 9, "sizes": [
                {"type": "x", "width": 600, "height": 400, "url": disguised}]}}])
        phone = _sign_in(browser, live, "press1", PHONE)  # the list before anyone opened it
        phone.locator("[data-unread-tab='all']").wait_for()
        _shot(phone, "list-unread-390")
        last_tab = phone.locator(".desk-tabs .nav-item").last.bounding_box()
        assert last_tab["x"] + last_tab["width"] <= 390  # its count is not cut at the edge
        page = _sign_in(browser, live, "press1", DESK)
        page.goto(f"{live.url}/tickets/{ticket.id}")
        assert page.locator("#conversation .att-pending").count() == 2  # placeholders
        _shot(page, "inbound-pending-1366")

        assert download_pending() == 2
        thumb = page.locator("#conversation .att-thumb img")
        thumb.wait_for(timeout=10000)  # the live refresh swaps the placeholder for the image
        _until(lambda: thumb.evaluate("img => img.complete && img.naturalWidth") == 320)
        assert page.locator("#conversation .att-thumb").count() == 1  # the page named .jpg is not
        [real, fake] = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        link = page.locator(f"#conversation li[data-attachment='{fake.id}'] a")
        assert link.get_attribute("href").endswith(f"/attachments/{fake.id}")
        served = page.request.get(f"{live.url}/attachments/{fake.id}?preview=1")
        assert served.headers["content-disposition"].startswith("attachment")
        assert served.headers["content-type"] == "application/octet-stream"
        full = page.request.get(live.url + page.locator(".att-thumb").get_attribute("href"))
        assert full.headers["content-disposition"].startswith("inline")
        assert full.headers["content-type"] == "image/png" and full.body() == photo
        _shot(page, "inbound-photo-1366")

        phone.goto(f"{live.url}/tickets/{ticket.id}")
        phone.locator("#conversation .att-thumb img").wait_for()
        _shot(phone, "inbound-photo-390")
    finally:
        app.config.update(saved)


def test_staff_reply_with_an_image_reaches_the_platform(ctx, live, vk_fake, browser, tmp_path,
                                                         app):  # noqa: F811
    from helpdesk.inbox.outbox import deliver_due

    saved = {k: app.config.get(k) for k in ("INBOX_LOCAL_HOSTS", "ATTACHMENTS_DIR")}
    try:
        channel, roads = _vk_desk(vk_fake, tmp_path, app)
        ticket = _citizen_writes(vk_fake, live, channel, 82002, "Где посмотреть схему объезда?", [])
        ticket.department_id, ticket.status = roads.id, "assigned"
        db.session.commit()
        scheme = png(640, 360, (30, 90, 160))
        text = "Добрый день! Схема объезда — на изображении."
        page = _sign_in(browser, live, "spec1", DESK)
        page.goto(f"{live.url}/tickets/{ticket.id}")
        assert "До 5 файлов, каждый до 10 МБ" in page.inner_text("#reply-files-help")

        # a type the form does not take: refused in the browser, nothing sent, the text stays
        page.fill("#reply-text", text)
        page.check("#reply-final")
        page.set_input_files("#reply-files", files=[
            {"name": "virus.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" * 50}])
        assert "такой тип не отправляется" in page.inner_text("#reply-files-error")
        page.click("#reply-form button[type=submit]")
        assert page.url.endswith(f"/tickets/{ticket.id}") and page.input_value("#reply-text") == text
        _shot(page, "reply-refused-in-browser-1366")

        # a page named .jpg passes the browser's check; the server reads its bytes and refuses
        page.set_input_files("#reply-files", files=[
            {"name": "схема.jpg", "mimeType": "image/jpeg", "buffer": HTML}])
        page.click("#reply-form button[type=submit]")
        page.wait_for_selector(".alert-danger")
        assert "не изображение" in page.inner_text(".alert-danger")
        assert page.input_value("#reply-text") == text  # nothing typed is lost
        assert "выберите их снова" in page.inner_text("#reply-files-again")
        _shot(page, "reply-refused-by-server-1366")

        page.check("#reply-final")
        page.set_input_files("#reply-files", files=[
            {"name": "схема объезда.png", "mimeType": "image/png", "buffer": scheme}])
        page.click("#reply-form button[type=submit]")
        page.wait_for_selector(".alert-success")
        assert deliver_due() == 1
        assert vk_fake.sent_to(82002) == [text]
        [received] = vk_fake.files_to(82002)
        assert (received["data"], received["filename"], received["content_type"]) == (
            scheme, "схема объезда.png", "image/png")
        assert received["kind"] == "photo"  # a photo, through photos.saveMessagesPhoto
        page.wait_for_selector("#delivery-status .delivery-sent", timeout=15000)
        thumb = page.locator("#conversation .message-outbound .att-thumb img")
        thumb.wait_for()
        _until(lambda: thumb.evaluate("img => img.complete && img.naturalWidth") == 640)
        _shot(page, "reply-delivered-1366")

        phone = _sign_in(browser, live, "spec1", PHONE)
        phone.goto(f"{live.url}/tickets/{ticket.id}")
        phone.locator("#conversation .message-outbound .att-thumb img").wait_for()
        _shot(phone, "reply-delivered-390")
    finally:
        app.config.update(saved)
