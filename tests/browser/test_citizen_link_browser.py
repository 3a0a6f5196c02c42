"""Headless Chromium: one woman wrote on Telegram and on VK (through the platform fakes); press
staff link the two identities from the citizen page, the ticket then shows both channels'
tickets, and unlinking takes it back.

Screenshots at 1366×768 and 390 px go to $CITIZEN_SHOTS (default: test-artifacts/).
"""
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Citizen, Department, Ticket
from tests.browser.test_desk_flow import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.desk.world import make_fast_user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("CITIZEN_SHOTS", str(ARTIFACTS)))
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TG_TEXT = ("Здравствуйте! Я Кузнецова Мария Ивановна. Во дворе дома на улице Баумана "
           "третью неделю не убирают снег. Мой телефон +7 900 123-45-67")
VK_TEXT = "Добрый день. Когда выплатят пособие на ребёнка? Звоните 8 (900) 123-45-67"


@pytest.fixture
def tg_fake():
    from tests.fakes.telegram import FakeTelegram

    with FakeTelegram() as fake:
        yield fake


def _sign_in(browser, live, username: str, viewport: dict):  # noqa: F811
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/tickets**")
    page.on("dialog", lambda dialog: dialog.accept())  # «Связать …?», «Отвязать …?»
    return page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"citizen-{name}.png"), full_page=True)


def _two_channels_written(live, tg_fake, vk_fake) -> tuple[Ticket, Ticket]:
    """Мария writes to the Telegram bot and to the VK community; both tickets are routed."""
    from helpdesk.channels.services import create_channel, webhook_path
    from helpdesk.deadlines.store import seed_defaults
    from helpdesk.inbox.events import process_pending
    from helpdesk.inbox.profiles import fetch_names
    from helpdesk.tickets.routed import route_new_ticket

    seed_defaults()
    press_dept = Department(name="Пресс-служба", is_triage=True)
    db.session.add_all([press_dept, Department(name="Комитет по социальной политике")])
    db.session.flush()
    make_fast_user("press1", "press", press_dept, full_name="Пресс-служба Иванова")
    tg = create_channel("telegram", "tg-desk", tg_fake.token, secret="tg-secret-123",
                        api_base=tg_fake.url, auto_ack=False)
    vk = create_channel("vk", "vk-desk", vk_fake.token, group_id=vk_fake.group_id,
                        secret=vk_fake.secret, confirmation=vk_fake.confirmation,
                        api_base=vk_fake.url, auto_ack=False)
    db.session.commit()
    update = tg_fake.message_update(5001, TG_TEXT, first_name="Мария", last_name="Кузнецова",
                                    username="maria_kuz")
    assert tg_fake.post_webhook(live.url + webhook_path(tg), update, "tg-secret-123").ok
    vk_fake.set_profile(81002, "Мария", "Кузнецова")
    answer = vk_fake.post_callback(live.url + webhook_path(vk),
                                   vk_fake.message_event(81002, VK_TEXT), timeout=30)
    assert answer.status_code == 200 and answer.text == "ok"
    assert process_pending() == 2
    tickets = {t.channel_id: t for t in db.session.scalars(select(Ticket))}
    for ticket in tickets.values():
        route_new_ticket(ticket.id)
        db.session.commit()
    fetch_names([tickets[vk.id].citizen_id])  # VK tells the name on request (users.get)
    db.session.expire_all()
    return tickets[tg.id], tickets[vk.id]


def test_link_a_telegram_and_a_vk_identity_then_unlink(ctx, live, tg_fake, vk_fake, browser):  # noqa: F811
    tg_ticket, vk_ticket = _two_channels_written(live, tg_fake, vk_fake)
    maria_tg, maria_vk = tg_ticket.citizen, vk_ticket.citizen
    assert maria_vk.display_name == "Мария Кузнецова"

    page = _sign_in(browser, live, "press1", DESK)
    page.goto(f"{live.url}/tickets/{tg_ticket.id}")
    assert "Других обращений нет" in page.inner_text("#citizen-card")
    page.click("#citizen-page-link")
    page.wait_for_url(f"{live.url}/citizens/{maria_tg.id}")
    suggestion = page.locator(f"#suggestions #candidate-{maria_vk.id}")
    assert "тот же телефон +7 900 123-45-67" in suggestion.inner_text()
    _shot(page, "1-suggested-1366")

    suggestion.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert "Учётная запись связана" in page.inner_text(".alert-success")
    identities = page.inner_text("#identities")
    assert "Telegram" in identities and "ВКонтакте" in identities
    timeline = page.inner_text("#timeline")
    assert "не убирают снег" in timeline and "пособие на ребёнка" in timeline
    _shot(page, "2-linked-1366")
    db.session.expire_all()
    assert db.session.get(Citizen, maria_vk.id).person_id == maria_tg.person_id

    page.goto(f"{live.url}/tickets/{tg_ticket.id}")
    history = page.inner_text("#citizen-history")
    assert "История на всех площадках (1)" in history and vk_ticket.number in history
    assert page.locator("#citizen-history .chan-vk").count() == 1
    _shot(page, "3-ticket-history-1366")

    phone = _sign_in(browser, live, "press1", PHONE)
    phone.goto(f"{live.url}/citizens/{maria_tg.id}")
    _shot(phone, "4-linked-390")
    phone.goto(f"{live.url}/tickets/{vk_ticket.id}")
    assert tg_ticket.number in phone.inner_text("#citizen-history")
    phone.locator("#citizen-card").scroll_into_view_if_needed()
    _shot(phone, "5-ticket-history-390")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways

    page.goto(f"{live.url}/citizens/{maria_tg.id}")
    page.click(f"#unlink-{maria_vk.id}")
    page.wait_for_selector(".alert-success")
    assert "отвязана" in page.inner_text(".alert-success")
    assert "ВКонтакте" not in page.inner_text("#identities")
    _shot(page, "6-unlinked-1366")
    page.goto(f"{live.url}/tickets/{tg_ticket.id}")
    assert "Других обращений нет" in page.inner_text("#citizen-card")
    db.session.expire_all()
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(["citizen_linked", "citizen_unlinked", "citizen_viewed"]))).all()
    assert {"citizen_linked", "citizen_unlinked", "citizen_viewed"} <= set(actions)
