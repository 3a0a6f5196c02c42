"""Canned responses people use (issue 15, item 8): a seeded set, personal and shared ones written
by press staff and specialists, placeholders filled, searchable, offered above the send button."""
import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.models.canned import CannedResponse
from helpdesk.settings.canned_seed import SEED
from tests.helpers import post_form


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(CannedResponse.id)))


def test_flask_seed_adds_the_set_once_and_keeps_edits(world, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert _count() == len(SEED) >= 10
    titles = set(db.session.scalars(select(CannedResponse.title)))
    assert any("(тат.)" in t for t in titles)
    tatar = db.session.scalar(select(CannedResponse).where(
        CannedResponse.title == "Сообщение получено (тат.)"))
    assert any(letter in tatar.body for letter in "әөүҗңһ") and "{number}" in tatar.body
    tatar.body, tatar.active = "Исправленный текст {name}", False
    db.session.commit()
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert _count() == len(SEED)
    db.session.expire_all()
    assert db.session.get(CannedResponse, tatar.id).body == "Исправленный текст {name}"


def test_press_staff_write_shared_ones_everyone_is_offered(world, signed_in):
    press = signed_in("press")
    assert press.get("/settings/canned").status_code == 200
    response = post_form(press, "/settings/canned", "/settings/canned", {
        "title": "Ремонт дорог", "body": "{name}, ремонт по обращению № {number} — до {due}.",
        "department_id": "0", "active": "y"})
    assert response.status_code == 302
    canned = db.session.scalar(select(CannedResponse))
    assert canned.owner_id is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "canned_saved"))
    # Offered to the department's specialist, with the placeholders filled.
    spec = signed_in("spec_a")
    html = spec.get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    assert "Ремонт дорог" in html
    text = spec.get(f"/tickets/{world.ticket.id}/canned/{canned.id}/text").get_data(as_text=True)
    assert text.startswith(f"Иван Петров, ремонт по обращению № {world.ticket.number} — до ")
    assert "{" not in text


def test_a_specialist_keeps_personal_ones_nobody_else_sees(world, signed_in):
    spec = signed_in("spec_a")
    page = spec.get("/settings/canned").get_data(as_text=True)
    assert "Ваши шаблоны — личные" in page
    response = post_form(spec, "/settings/canned", "/settings/canned", {
        "title": "Мой ответ", "body": "Добрый день, {name}!", "department_id": "0",
        "active": "y", "personal": "y"})
    assert response.status_code == 302
    mine = db.session.scalar(select(CannedResponse))
    assert mine.owner_id == world.users["spec_a"].id
    assert "Мой ответ" in spec.get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    # A colleague of the same department: not offered, not found, not editable.
    other = signed_in("spec_a2")
    assert "Мой ответ" not in other.get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    assert "Мой ответ" not in other.get("/settings/canned").get_data(as_text=True)
    assert other.get(f"/tickets/{world.ticket.id}/canned/{mine.id}/text").status_code == 404
    assert other.get(f"/settings/canned/{mine.id}").status_code == 404
    # The same title is free for another person's personal one.
    assert post_form(other, "/settings/canned", "/settings/canned", {
        "title": "Мой ответ", "body": "Здравствуйте!", "department_id": "0", "active": "y",
        "personal": "y"}).status_code == 302
    assert _count() == 2


def test_a_specialist_cannot_write_or_edit_shared_ones(world, signed_in):
    shared = CannedResponse(title="Общий", body="Текст")
    db.session.add(shared)
    db.session.commit()
    spec = signed_in("spec_a")
    response = post_form(spec, "/settings/canned", "/settings/canned", {
        "title": "Попытка общего", "body": "Текст", "department_id": "0", "active": "y"})
    assert response.status_code == 400
    assert "сохраните шаблон как личный" in response.get_data(as_text=True)
    assert spec.get(f"/settings/canned/{shared.id}").status_code == 403
    assert _count() == 1


def test_auditors_have_no_canned_page(world, signed_in):
    assert signed_in("auditor").get("/settings/canned").status_code == 403


def test_settings_list_is_searchable_case_free(world, signed_in):
    db.session.add_all([CannedResponse(title="Приём депутатов", body="График приёма"),
                        CannedResponse(title="Сообщение получено", body="Ответим до {due}")])
    db.session.commit()
    html = signed_in("press").get("/settings/canned?q=ПРИЁМ").get_data(as_text=True)
    assert "Приём депутатов" in html and "Сообщение получено" not in html
    html = signed_in("press").get("/settings/canned?q=нет-такого").get_data(as_text=True)
    assert "Ничего не найдено" in html


def test_picker_is_above_the_send_button_and_searchable(world, signed_in):
    db.session.add(CannedResponse(title="Сообщение получено", body="Ответим до {due}"))
    db.session.commit()
    html = signed_in("spec_a").get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    form = html[html.index('id="reply-form"'):]
    assert form.index('id="canned-picker"') < form.index("Отправить ответ")
    assert form.index('id="reply-text"') < form.index('id="canned-picker"')
    assert 'id="canned-search"' in form and 'data-search="сообщение получено ответим' in form


@pytest.mark.parametrize("body", ["{имя}", "Срок {due"])
def test_unknown_placeholders_are_refused(world, signed_in, body):
    response = post_form(signed_in("press"), "/settings/canned", "/settings/canned", {
        "title": "Плохой", "body": body, "department_id": "0", "active": "y"})
    assert response.status_code == 400 and _count() == 0
