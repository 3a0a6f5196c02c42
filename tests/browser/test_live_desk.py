"""Headless Chromium, two signed-in desks: a VK message appears live, counts rise and fall,
the open ticket updates and shows who is typing; the triage list's layout and the keyboard.

Screenshots at 1366×768 and 390 px go to test-artifacts/ (gitignored).
"""
import time
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Department, RoutingDecision, Ticket, TicketCounter
from tests.browser.test_desk_flow import ARTIFACTS, CHROMIUM_ARGS, browser  # noqa: F401 (fixture)
from tests.desk.world import add_ticket, make_fast_user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
ROADS = "Комитет по жилищной политике и инфраструктурному развитию"
ECOLOGY = "Комитет по экологии, природопользованию, агропромышленной и продовольственной политике"
LONG_NAME = "Мухаметзянова Гульнара Ринатовна"
TEXT = "Здравствуйте! На улице Гагарина в Арском районе третью неделю не вывозят мусор."


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"live-{name}.png"))


def _sign_in(browser, live, username: str, width: int = 1366, height: int = 768):  # noqa: F811
    context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/tickets**")
    return page


def _world():
    from helpdesk.deadlines.store import seed_defaults

    seed_defaults()
    press_dept = Department(name="Пресс-служба", is_triage=True)
    roads, ecology = Department(name=ROADS), Department(name=ECOLOGY)
    db.session.add_all([press_dept, roads, ecology])
    db.session.flush()
    make_fast_user("press1", "press", press_dept, full_name="Алсу Иванова")
    make_fast_user("spec1", "specialist", roads, full_name="Рамиль Хасанов")
    make_fast_user("spec2", "specialist", ecology, full_name="Ольга Петрова")
    return press_dept, roads, ecology


def _wait_row(page, number: str, started: float, within: float = 2.0) -> float:
    page.wait_for_selector(f"tr[data-ticket='{number}']", timeout=int(within * 1000) + 500)
    elapsed = time.monotonic() - started
    assert elapsed <= within, f"{number} took {elapsed:.2f} s to appear"
    return elapsed


def _tab_count(page, queue: str) -> str:
    badge = page.locator(f"[data-unread-tab='{queue}']")
    return "" if badge.get_attribute("hidden") is not None else badge.inner_text().strip()


def test_two_desks_see_a_vk_message_counts_and_each_other_live(ctx, live, vk_fake, browser):  # noqa: F811
    from helpdesk.channels.services import create_channel, webhook_path
    from helpdesk.inbox.events import process_pending

    _, roads, _ = _world()
    channel = create_channel("vk", "vk-live", vk_fake.token, group_id=vk_fake.group_id,
                             secret=vk_fake.secret, confirmation=vk_fake.confirmation,
                             api_base=vk_fake.url, auto_ack=False)
    old = add_ticket(channel, roads, text="Старое обращение о дороге", name="Иван Петров")
    # Ingest numbers its tickets from the counter; the test's own ticket took a number by hand.
    db.session.add(TicketCounter(year=datetime.now(timezone.utc).year, last=900000))
    db.session.commit()

    press = _sign_in(browser, live, "press1")
    press.goto(f"{live.url}/tickets?queue=all")
    spec = _sign_in(browser, live, "spec1")
    spec.goto(f"{live.url}/tickets?queue=department")
    spec.wait_for_selector(f"tr[data-ticket='{old.number}']")
    press_before = int(_tab_count(press, "all") or 0)

    # A citizen writes on VK: the fake posts to the real webhook, ingest runs (as its task would).
    answer = vk_fake.post_callback(live.url + webhook_path(channel), vk_fake.message_event(92001, TEXT),
                                   timeout=30)
    assert answer.status_code == 200 and answer.text == "ok", answer.text
    assert process_pending() == 1
    started = time.monotonic()
    ticket = db.session.scalar(select(Ticket).where(Ticket.id != old.id))
    _wait_row(press, ticket.number, started)
    row = press.locator(f"tr[data-ticket='{ticket.number}']")
    assert "не вывозят мусор" in row.inner_text() and row.locator(".desk-new").count() == 1
    expect(press.locator("[data-unread-tab='all']")).to_have_text(str(press_before + 1), timeout=2000)
    assert press.title().startswith(f"({press_before + 1}) ")
    _shot(press, "1-press-new-message")

    # Press staff open it in a second tab: the first tab's mark and count fall without reload.
    reader = press.context.new_page()
    reader.goto(f"{live.url}/tickets/{ticket.id}")
    press.wait_for_selector(f"tr[data-ticket='{ticket.number}']:not(.desk-unread)", timeout=2500)
    assert _tab_count(press, "all") == (str(press_before) if press_before else "")

    # The specialist's desk never saw the triage ticket; routed to their committee, it arrives.
    assert spec.locator(f"tr[data-ticket='{ticket.number}']").count() == 0
    reader.select_option("#reroute-department", label=ROADS)
    reader.click("#reroute-submit")
    reader.wait_for_selector(".alert-success")
    started = time.monotonic()
    _wait_row(spec, ticket.number, started)
    assert _tab_count(spec, "department") == "2"

    # Both open the ticket: each sees the other, and who is typing.
    spec.click(f"tr[data-ticket='{ticket.number}'] a.desk-open")
    spec.wait_for_selector("#conversation")
    reader.wait_for_selector("#desk-presence:not([hidden])", timeout=4000)
    assert "Рамиль Хасанов" in reader.inner_text("#desk-presence")
    spec.fill("#reply-text", "Добрый день! Передали в")
    spec.type("#reply-text", " управляющую")
    expect(reader.locator("#desk-presence")).to_contain_text("Рамиль Хасанов (печатает…)", timeout=4000)
    _shot(reader, "2-presence")

    # The citizen writes again: the open ticket shows it without reload, the reply text stays.
    vk_fake.post_callback(live.url + webhook_path(channel),
                          vk_fake.message_event(92001, "Фото контейнеров прилагаю"), timeout=30)
    assert process_pending() == 1
    started = time.monotonic()
    expect(spec.locator("#conversation")).to_contain_text("Фото контейнеров", timeout=2500)
    assert time.monotonic() - started <= 2.0
    assert spec.input_value("#reply-text").startswith("Добрый день! Передали в")
    assert spec.locator("#conversation .message-fresh").count() == 1
    _shot(spec, "3-ticket-updated")


def _triage_world():
    press_dept, roads, ecology = _world()
    from tests.helpers import make_channel

    channel = make_channel()
    names = [LONG_NAME, "Иван Петров", "Айдар Галиев", "Лейсан Шарипова", "Сергей Морозов"]
    texts = ["Не вывозят мусор во дворе дома 5 на улице Ленина, контейнеры переполнены",
             "Когда отремонтируют дорогу к школе № 3? Дети ходят по обочине",
             "Нет горячей воды третью неделю, управляющая компания не отвечает",
             "Прошу помочь с местом в детском саду для ребёнка"]
    tickets = []
    for n in range(16):
        ticket = add_ticket(channel, None, status="triage", text=texts[n % len(texts)], name=names[n % len(names)])
        db.session.add(RoutingDecision(ticket_id=ticket.id, language="ru", confidence=0.45,
                                       to_triage=True, reason="low_confidence", matched_rules=[],
                                       candidates=[{"label": "ЖКХ", "score": 0.45, "department_id": roads.id},
                                                   {"label": "Экология", "score": 0.3, "department_id": ecology.id}]))
        tickets.append(ticket)
    for n in range(6):
        tickets.append(add_ticket(channel, roads, text=texts[n % len(texts)], name=names[n % len(names)]))
    db.session.commit()
    return tickets, roads


def test_triage_list_layout_keyboard_and_one_click_routing(ctx, live, browser):  # noqa: F811
    tickets, roads = _triage_world()
    press = _sign_in(browser, live, "press1")  # 1366×768, straight to the triage queue
    press.wait_for_selector("tr[data-id]")
    _shot(press, "4-triage-1366")
    # At least 12 tickets fit on the first screen, one line each, names never broken.
    fitting = press.evaluate("""() => [...document.querySelectorAll('#ticket-rows tr[data-id]')]
        .filter(tr => tr.getBoundingClientRect().bottom <= window.innerHeight).length""")
    assert fitting >= 12, fitting
    heights = press.evaluate("""() => [...document.querySelectorAll('#ticket-rows tr[data-id]')]
        .map(tr => tr.getBoundingClientRect().height)""")
    assert max(heights) < 40, heights  # one line each: nothing wraps, no name is broken
    assert press.evaluate("""() => [...document.querySelectorAll('#ticket-rows .desk-name')]
        .every(e => e.getBoundingClientRect().height < 30)""")
    assert press.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    name = press.locator(".desk-name", has_text="Мухаметзянова").first
    assert name.get_attribute("title") == LONG_NAME

    # Keyboard: j/k move, o opens; typing in a field never fires a shortcut.
    press.keyboard.press("j")
    press.keyboard.press("j")
    press.keyboard.press("k")
    first = press.locator("#ticket-rows tr[data-id]").first
    assert "desk-selected" in first.get_attribute("class")
    press.keyboard.press("/")
    assert press.evaluate("document.activeElement.id") == "desk-search"
    press.keyboard.type("jk")
    assert press.input_value("#desk-search") == "jk"
    press.keyboard.press("Escape")
    press.keyboard.press("?")
    press.wait_for_selector("#desk-keys-help.show")
    _shot(press, "5-keys-help")
    press.keyboard.press("Escape")
    press.wait_for_selector("#desk-keys-help", state="hidden")
    number, first_id = first.get_attribute("data-ticket"), first.get_attribute("data-id")
    press.keyboard.press("o")
    press.wait_for_url(f"{live.url}/tickets/{first_id}")
    press.keyboard.press("r")
    assert press.evaluate("document.activeElement.id") == "reply-text"
    press.keyboard.type("j")
    assert press.input_value("#reply-text") == "j" and press.url.endswith(f"/tickets/{first_id}")
    press.fill("#reply-text", "")
    press.keyboard.press("Escape")
    press.keyboard.press("n")
    assert press.evaluate("document.activeElement.id") == "note-text"
    press.keyboard.press("Escape")
    press.keyboard.press("a")  # assign to me
    press.wait_for_selector(".alert-success")
    assert "исполнитель: Алсу Иванова" in press.inner_text("#ticket-head")
    assert number in press.inner_text("h1")
    here = f"/tickets/{first_id}"
    press.wait_for_load_state("load")  # the page's key handlers are attached (a busy machine)
    press.keyboard.press("j")  # the next ticket of the list it was opened from
    press.wait_for_url(lambda url: not url.endswith(here))
    assert number not in press.inner_text("h1")
    press.keyboard.press("u")
    press.wait_for_url(f"{live.url}/tickets**")
    press.wait_for_selector("tr[data-id]")

    # One click routes a triage ticket to a suggested department (checked and audited).
    row = press.locator("#ticket-rows tr[data-id]").first
    target = row.get_attribute("data-ticket")
    row.locator("button.desk-route", has_text="жилищной политике").click()
    press.wait_for_selector(".alert-success")
    db.session.expire_all()
    assert db.session.scalar(select(Ticket.department_id).where(Ticket.number == target)) == roads.id

    # At phone width: cards, filters folded away, nothing scrolls sideways.
    phone = _sign_in(browser, live, "press1", width=390, height=844)
    phone.goto(f"{live.url}/tickets?queue=all")
    phone.wait_for_selector("tr[data-id]")
    assert not phone.is_visible("#desk-filters-more")
    assert phone.evaluate("document.scrollingElement.scrollWidth <= 390")
    card = phone.locator("#ticket-rows tr[data-id]").first
    assert phone.evaluate("e => getComputedStyle(e).display", card.element_handle()) == "grid"
    box = card.locator(".desk-c-status").bounding_box()
    assert box and box["x"] + box["width"] <= 390
    _shot(phone, "6-list-390")
    phone.click("button[data-bs-target='#desk-filters-more']")
    phone.wait_for_selector("#desk-filters-more.show")
    _shot(phone, "7-filters-390")
    phone.goto(f"{live.url}/tickets/{tickets[0].id}")
    assert phone.evaluate("document.scrollingElement.scrollWidth <= 390")
    _shot(phone, "8-ticket-390")

