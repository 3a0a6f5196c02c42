"""Headless Chromium drives the desk: a VK message reaches triage, is routed, answered, delivered.

Needs Debian's chromium at /usr/bin/chromium (never `playwright install`). Without it the test is
skipped with instructions. Screenshots go to test-artifacts/ (gitignored).
"""
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Department, Message, Ticket
from helpdesk.models.message import Delivery, Direction
from tests.desk.world import make_fast_user
from tests.helpers import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
TEXT = "Здравствуйте! Когда отремонтируют дорогу к школе в Арском районе? Дети ходят по обочине."

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's browser with `apt-get install chromium`"
                    " (or set CHROMIUM_PATH) to run the browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-{name}.png"), full_page=True)


def _sign_in(browser, live, username: str):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/tickets**")
    return page


def test_vk_message_is_triaged_routed_answered_and_delivered(ctx, live, vk_fake, browser):
    from helpdesk.channels.services import create_channel, webhook_path
    from helpdesk.deadlines.store import seed_defaults
    from helpdesk.inbox.events import process_pending
    from helpdesk.inbox.outbox import deliver_due
    from helpdesk.tickets.routed import route_new_ticket

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

    # The citizen writes; the VK fake's Callback driver posts to the real webhook.
    answer = vk_fake.post_callback(live.url + webhook_path(channel),
                                   vk_fake.message_event(81001, TEXT), timeout=30)
    assert answer.status_code == 200 and answer.text == "ok"
    assert process_pending() == 1
    ticket = db.session.scalar(select(Ticket))
    route_new_ticket(ticket.id, db.session.scalar(select(Message.id)))
    db.session.commit()
    assert ticket.status == "triage"

    # Press staff see it in triage and route it to the committee.
    press = _sign_in(browser, live, "press1")
    press.goto(f"{live.url}/tickets?queue=triage")
    row = press.locator(f"tr[data-ticket='{ticket.number}']")
    row.wait_for()
    _shot(press, "1-triage")
    row.locator("a").first.click()
    assert "дорогу к школе" in press.inner_text(".message-text")
    press.select_option("#reroute-department", label=roads.name)
    press.click("#reroute-submit")
    press.wait_for_selector(".alert-success")
    _shot(press, "2-routed")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).department_id == roads.id

    # The committee's specialist signs in, finds it in the department queue and replies.
    spec = _sign_in(browser, live, "spec1")
    row = spec.locator(f"tr[data-ticket='{ticket.number}']")
    row.wait_for()
    row.locator("a").first.click()
    spec.fill("#reply-text", "Добрый день! Ремонт дороги запланирован на май, подрядчик выбран.")
    spec.check("#reply-final")  # the kind of reply is always chosen: nothing is pre-selected
    spec.click("#reply-form button[type=submit]")
    spec.wait_for_selector(".alert-success")
    assert "Отправляется" in spec.inner_text("#delivery-status")
    _shot(spec, "3-replied")

    # The outbox worker sends it: the fake receives the reply, the page shows it delivered.
    assert deliver_due() == 1
    assert vk_fake.sent_to(81001) == [
        "Добрый день! Ремонт дороги запланирован на май, подрядчик выбран."]
    spec.wait_for_selector("#delivery-status .delivery-sent", timeout=15000)  # htmx polling
    assert "Доставлено" in spec.inner_text("#delivery-status")
    assert spec.locator("#delivery-status [data-message]").count() == 1
    spec.reload()
    panel = spec.inner_text(".deadline-panel")
    assert "Первый ответ" in panel and "Выполнено в срок" in panel
    _shot(spec, "4-delivered")
    db.session.expire_all()
    reply = db.session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert reply.delivery_status == Delivery.SENT
    stored = db.session.get(Ticket, ticket.id)
    assert stored.status == "answered" and stored.answered_at <= stored.first_response_due
