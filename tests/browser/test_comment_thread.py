"""Headless Chromium on a VK comment thread: the post and the chain are shown, a public answer
with a phone number is held until confirmed and lands under the comment, an abusive comment is
hidden with a reason (and the browser's confirmation dialog)."""
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Department, Message, Ticket
from helpdesk.models.message import Direction
from tests.browser.test_desk_flow import _shot, _sign_in, browser  # noqa: F401 (fixture)
from tests.desk.world import make_fast_user

import pytest

pytestmark = pytest.mark.browser
PHONE_ANSWER = "Позвоните в приёмную по телефону 8 843 267-60-00, там подскажут."


def test_comment_thread_in_the_browser(ctx, live, vk_fake, browser):  # noqa: F811
    from helpdesk.channels.services import create_channel, webhook_path
    from helpdesk.deadlines.store import seed_defaults
    from helpdesk.inbox.events import process_pending
    from helpdesk.inbox.outbox import deliver_due

    seed_defaults()
    press_dept = Department(name="Пресс-служба", is_triage=True)
    db.session.add(press_dept)
    db.session.flush()
    make_fast_user("press1", "press", press_dept, full_name="Пресс-служба Иванова")
    channel = create_channel("vk", "vk-wall", vk_fake.token, group_id=vk_fake.group_id,
                             secret=vk_fake.secret, confirmation=vk_fake.confirmation,
                             api_base=vk_fake.url)
    db.session.commit()
    url = live.url + webhook_path(channel)
    post_id, post_event = vk_fake.add_post("Депутаты обсудили программу ремонта дорог на 2027 год")
    vk_fake.post_callback(url, post_event)
    question = vk_fake.comment_event(81001, post_id, "Будет ли ремонт дороги в Балтасях?")
    spam = vk_fake.comment_event(81001, post_id, "Заработок без вложений, пишите в личку")
    for event in (question, spam):
        assert vk_fake.post_callback(url, event).text == "ok"
    assert process_pending() == 3
    ticket = db.session.scalar(select(Ticket))

    press = _sign_in(browser, live, "press1")
    press.goto(f"{live.url}/tickets/{ticket.id}")
    assert "программу ремонта дорог" in press.inner_text("#comment-post")
    assert press.locator("#comment-post a").get_attribute("href").startswith("https://vk.com/wall-")
    press.fill("#reply-text", PHONE_ANSWER)
    press.check("#reply-final")
    press.click("#reply-form button[type=submit]")
    press.wait_for_selector("#personal-data-warning")
    assert "телефон" in press.inner_text("#personal-data-warning")
    assert press.input_value("#reply-text") == PHONE_ANSWER  # nothing typed is lost
    _shot(press, "comment-1-warning")
    press.check("#confirm-personal")
    press.check("#reply-final")
    press.click("#reply-form button[type=submit]")
    press.wait_for_selector(".alert-success")
    assert deliver_due() == 1
    reply, = vk_fake.replies_under(post_id)
    assert reply["text"] == PHONE_ANSWER
    assert reply["reply_to_comment"] == vk_fake.comment_id_of(spam)  # the latest comment

    press.on("dialog", lambda dialog: dialog.accept())
    spam_row = press.locator(".message-inbound").nth(1)
    spam_row.locator("input[name=reason]").fill("Реклама")
    spam_row.locator("button[type=submit]").click()
    press.wait_for_selector(".alert-success")
    assert "скрыт: Реклама" in press.inner_text(".message-inbound >> nth=1")
    _shot(press, "comment-2-hidden")
    assert deliver_due() == 1
    assert vk_fake.deleted == [vk_fake.comment_id_of(spam)]
    db.session.expire_all()
    hidden = db.session.scalars(select(Message).where(Message.direction == Direction.INBOUND)
                                .order_by(Message.id)).all()[1]
    assert hidden.hidden_reason == "Реклама"
