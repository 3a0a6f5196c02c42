"""Headless Chromium, two signed-in desks: press staff tick three tickets, a specialist changes one
of them meanwhile, the bulk close with a ст. 11 reason closes two and names the third; at phone
width the cards are ticked and changed in bulk too.

Screenshots at 1366×768 and 390 px go to test-artifacts/ (gitignored).
"""
import pytest
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Ticket
from tests.browser.test_desk_flow import ARTIFACTS, browser  # noqa: F401 (fixture)
from tests.browser.test_live_desk import _sign_in
from tests.desk.world import add_ticket, build_world

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"bulk-{name}.png"))


def _row(page, ticket):
    return page.locator(f"tr[data-id='{ticket.id}']")


def test_bulk_close_skips_the_ticket_changed_meanwhile(ctx, live, browser):  # noqa: F811
    world = build_world()
    tickets = [world.ticket] + [add_ticket(world.channel, world.social, name=name, text=text)
                                for name, text in (("Гульнара Мухаметзянова", "Спасибо за помощь!"),
                                                   ("Айдар Галиев", "Реклама: окна недорого"))]
    db.session.commit()
    changed = tickets[1]

    press = _sign_in(browser, live, "press")
    press.goto(f"{live.url}/tickets?queue=all")
    press.wait_for_selector("tr[data-id]")
    assert press.is_hidden("#desk-bulk")  # nothing ticked: no bar
    # Tick all three: the header box, then x on the current row takes one off and puts it back.
    press.check("th .desk-pick-all")
    expect(press.locator("#desk-bulk-count")).to_have_text("Выбрано: 3")
    press.keyboard.press("j")
    press.keyboard.press("x")
    expect(press.locator("#desk-bulk-count")).to_have_text("Выбрано: 2")
    assert press.evaluate("document.querySelector('th .desk-pick-all').indeterminate")
    press.keyboard.press("x")
    expect(press.locator("#desk-bulk-count")).to_have_text("Выбрано: 3")

    # Meanwhile a specialist takes one of them, in another browser.
    spec = _sign_in(browser, live, "spec_a2")
    spec.goto(f"{live.url}/tickets/{changed.id}")
    spec.click("button[form='desk-assign-me']")
    spec.wait_for_selector(".alert-success")

    # The live list shows the change without losing the tick; the row says it changed.
    expect(_row(press, changed).locator(".desk-c-who")).to_contain_text("Булат Гарипов", timeout=3000)
    assert _row(press, changed).locator("input.desk-pick").is_checked()
    expect(_row(press, changed).locator(".desk-changed")).to_be_visible()
    expect(press.locator("#desk-bulk-count")).to_have_text("Выбрано: 3")

    press.select_option("#bulk-action", "close")
    assert press.is_hidden("#bulk-department") and press.is_visible("#bulk-reason")
    press.select_option("#bulk-result", "no_answer")
    press.select_option("#bulk-reason", "not_appeal")
    _shot(press, "1-ticked-1366")
    questions = []
    press.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    press.click("#bulk-apply")
    press.wait_for_selector(".alert-warning")
    assert questions == ["Закрыть выбранные обращения (3) с результатом «Оставлено без ответа»?"]
    success = press.inner_text(".alert-success")
    assert success.startswith("Закрыто: 2 (") and changed.number not in success
    warning = press.inner_text(".alert-warning")
    assert "Пропущено 1 из 3 (не изменены):" in warning
    assert f"№ {changed.number} — изменён другим сотрудником (Назначен исполнитель — spec_a2" in warning
    _shot(press, "2-skipped-named-1366")

    db.session.expire_all()
    states = {t.id: db.session.get(Ticket, t.id) for t in tickets}
    assert states[changed.id].status == "assigned"
    assert [states[t.id].close_reason for t in tickets if t.id != changed.id] == ["not_appeal"] * 2
    closed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "ticket_closed")).all()
    assert sorted(int(e.object_id) for e in closed) == sorted(t.id for t in tickets if t.id != changed.id)
    # The page after the action: nothing ticked, no bar.
    assert press.is_hidden("#desk-bulk")


def test_bulk_on_cards_at_phone_width(ctx, live, browser):  # noqa: F811
    world = build_world()
    tickets = [world.ticket] + [add_ticket(world.channel, world.social, name="Лейсан Шарипова")
                                for _ in range(3)]
    db.session.commit()
    phone = _sign_in(browser, live, "spec_a", width=390, height=844)
    phone.goto(f"{live.url}/tickets?queue=department")
    phone.wait_for_selector("tr[data-id]")
    _row(phone, tickets[0]).locator("input.desk-pick").check()
    _row(phone, tickets[2]).locator("input.desk-pick").check()
    expect(phone.locator("#desk-bulk-count")).to_have_text("Выбрано: 2")
    assert phone.evaluate("document.scrollingElement.scrollWidth <= 390")
    bar = phone.locator("#desk-bulk").bounding_box()
    assert bar and bar["x"] >= 0 and bar["x"] + bar["width"] <= 390
    assert bar["y"] + bar["height"] <= 844  # stuck to the bottom of the screen, on it
    phone.select_option("#bulk-action", "status")
    phone.select_option("#bulk-status", "triage")
    _shot(phone, "3-cards-ticked-390")
    phone.click("#bulk-apply")
    phone.wait_for_selector(".alert-success")
    assert "Статус изменён: 2" in phone.inner_text(".alert-success")
    _shot(phone, "4-cards-done-390")
    db.session.expire_all()
    assert [db.session.get(Ticket, t.id).status for t in tickets] == \
        ["triage", "assigned", "triage", "assigned"]
