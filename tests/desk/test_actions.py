"""Ticket actions: the state they change, what they refuse, and what the citizen is sent."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Message, OutboxItem, Ticket
from helpdesk.models.message import Direction
from helpdesk.models.routing import TrainingExample
from helpdesk.tickets import lifecycle
from helpdesk.tickets.errors import TicketError
from helpdesk.tickets.notes import add_note
from tests.desk.world import add_ticket
from tests.helpers import post_form

REG = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)  # Monday 2 March 2026, 10:00 Moscow


def outbound(ticket):
    return db.session.scalars(select(Message).where(
        Message.ticket_id == ticket.id, Message.direction == Direction.OUTBOUND)).all()


def test_register_appeal_starts_the_thirty_day_clock(world):
    t, press = world.ticket, world.users["press"]
    lifecycle.register_appeal(t, press, "Петров Иван", "Казань, ул. Баумана, 1", now=REG)
    assert t.kind == "appeal" and t.registered_at == REG
    assert t.registration_number == f"О-{t.number}"
    # 2 March + 30 days = 1 April 2026 (Wednesday), end of the working day 18:00 MSK = 15:00 UTC.
    assert t.answer_due == datetime(2026, 4, 1, 15, 0, tzinfo=timezone.utc)
    assert t.forward_due is not None
    with pytest.raises(TicketError, match="уже зарегистрировано"):
        lifecycle.register_appeal(t, press, "Петров Иван", "Казань", now=REG)


@pytest.mark.parametrize("name,address,email,error", [
    ("Петров", "Казань", "", "фамилию и имя или инициалы"),
    ("Петров 1", "Казань", "", "без цифр"),
    ("", "Казань", "", "Фамилия и имя"),
    ("Петров Иван", "", "", "почтовый адрес или адрес электронной"),
    ("Петров Иван", "", "not-an-email", "почтовый адрес или адрес электронной|Неверный адрес"),
])
def test_register_appeal_refuses_incomplete_data(world, name, address, email, error):
    with pytest.raises(TicketError, match=error):
        lifecycle.register_appeal(world.ticket, world.users["press"], name, address, email, now=REG)
    assert world.ticket.kind == "message"


def test_extend_once_within_limit_and_notice_is_not_the_answer(world):
    t, press = world.ticket, world.users["press"]
    lifecycle.register_appeal(t, press, "Петров Иван", "Казань", now=REG)
    due = t.answer_due
    with pytest.raises(TicketError, match="от 1 до 30"):
        lifecycle.extend(t, press, 31, "причина", now=REG)
    with pytest.raises(TicketError, match="Причина"):
        lifecycle.extend(t, press, 10, "  ", now=REG)
    lifecycle.extend(t, press, 30, "Запрос в министерство", now=REG)
    assert t.extended_until is not None and t.answer_due > due
    # 1 April + 30 days = 1 May (holiday) → preceding working day, Thursday 30 April 2026,
    # a shortened pre-holiday day: 17:00 MSK = 14:00 UTC.
    assert t.answer_due == datetime(2026, 4, 30, 14, 0, tzinfo=timezone.utc)
    notices = outbound(t)
    assert len(notices) == 1 and "продлён на 30 дн., до 30.04.2026" in notices[0].text
    assert db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == notices[0].id))
    assert t.answered_at is None and t.status == "assigned"  # a notice is not the answer
    with pytest.raises(TicketError, match="повторное продление"):
        lifecycle.extend(t, press, 5, "ещё", now=REG)


def test_extend_needs_a_registered_appeal(world):
    with pytest.raises(TicketError, match="зарегистрированное"):
        lifecycle.extend(world.ticket, world.users["press"], 10, "причина")


def test_forward_notifies_and_ends(world):
    t = world.ticket
    lifecycle.forward(t, world.users["spec_a"], "Министерство транспорта РТ")
    assert t.status == "forwarded" and t.result == "forwarded" and t.closed_at is not None
    assert "Министерство транспорта РТ" in outbound(t)[0].text
    with pytest.raises(TicketError, match="закрыто"):
        lifecycle.close(t, world.users["spec_a"], "explained")


@pytest.mark.parametrize("result,reason,ok", [
    ("supported", "", True), ("no_answer", "obscene", True), ("answered", "published", True),
    ("", "", False), ("maybe", "", False), ("explained", "because", False),
    ("supported", "obscene", False), ("explained", "not_appeal", False),
])
def test_close_results_and_reasons(world, result, reason, ok):
    t = world.ticket
    lifecycle.reply(t, world.users["spec_a"], "Ответ по существу", final=False)
    if ok:
        lifecycle.close(t, world.users["spec_a"], result, reason)
        assert (t.status, t.result, t.close_reason) == ("closed", result, reason or None)
    else:
        with pytest.raises(TicketError):
            lifecycle.close(t, world.users["spec_a"], result, reason)
        assert t.status == "assigned"


def test_merge_moves_the_conversation(world):
    w = world
    dup = add_ticket(w.channel, w.social, text="Повторяю свою просьбу", citizen=w.ticket.citizen)
    lifecycle.merge(dup, w.users["spec_a"], w.ticket)
    assert dup.status == "merged" and dup.merged_into_id == w.ticket.id
    texts = db.session.scalars(select(Message.text).where(Message.ticket_id == w.ticket.id)).all()
    assert "Повторяю свою просьбу" in texts
    with pytest.raises(TicketError, match="с самим собой"):
        lifecycle.merge(w.ticket, w.users["spec_a"], w.ticket)


def test_merge_target_of_another_department_is_not_found(world, signed_in):
    w = world
    other = add_ticket(w.channel, w.economy)
    db.session.commit()
    client = signed_in("spec_a")
    post_form(client, f"/tickets/{w.ticket.id}", f"/tickets/{w.ticket.id}/merge", {"target": other.number})
    page = client.get(f"/tickets/{w.ticket.id}").get_data(as_text=True)
    assert "не найдено" in page
    assert db.session.get(Ticket, w.ticket.id).status == "assigned"


def test_reroute_records_a_training_example_and_clears_assignee(world):
    w = world
    w.ticket.assignee_id = w.users["spec_a"].id
    lifecycle.reroute(w.ticket, w.users["press"], w.economy.id)
    assert w.ticket.department_id == w.economy.id and w.ticket.assignee_id is None
    example = db.session.scalar(select(TrainingExample).where(TrainingExample.ticket_id == w.ticket.id))
    assert example is not None and example.department_id == w.economy.id
    lifecycle.reroute(w.ticket, w.users["press"], w.press_dept.id)
    assert w.ticket.status == "triage"
    with pytest.raises(TicketError, match="уже в этом"):
        lifecycle.reroute(w.ticket, w.users["press"], w.press_dept.id)


def test_assign_only_to_a_specialist_of_the_department_or_press(world):
    w = world
    with pytest.raises(TicketError, match="специалиста подразделения"):
        lifecycle.assign(w.ticket, w.users["press"], w.users["spec_b"].id)
    with pytest.raises(TicketError, match="специалиста подразделения"):
        lifecycle.assign(w.ticket, w.users["press"], w.users["auditor"].id)  # read-only
    lifecycle.assign(w.ticket, w.users["press"], w.users["press"].id)  # press sees every ticket
    assert w.ticket.assignee_id == w.users["press"].id
    lifecycle.assign(w.ticket, w.users["press"], w.users["spec_a2"].id)
    assert w.ticket.assignee_id == w.users["spec_a2"].id


def test_interim_reply_keeps_the_answer_clock_running(world):
    t = world.ticket
    lifecycle.reply(t, world.users["spec_a"], "Ваше сообщение получено, разбираемся", final=False)
    assert t.first_response_at is not None and t.answered_at is None and t.status == "assigned"
    lifecycle.reply(t, world.users["spec_a"], "Ремонт в мае", final=True)
    assert t.answered_at is not None and t.status == "answered"


def test_empty_reply_is_refused_without_losing_anything(world, signed_in):
    client = signed_in("spec_a")
    response = post_form(client, f"/tickets/{world.ticket.id}", f"/tickets/{world.ticket.id}/reply",
                         {"text": " \u200b\u2060 ", "final": "1"})  # only spaces and invisible marks
    # Nothing was typed, so the browser goes back to the ticket's own address (a reload there
    # does not post again), and the error is shown on it.
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tickets/{world.ticket.id}")
    assert "Заполните поле" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert outbound(world.ticket) == []


def test_bad_number_in_form_is_a_clear_error(world, signed_in):
    client = signed_in("press")
    post_form(client, f"/tickets/{world.ticket.id}", f"/tickets/{world.ticket.id}/assign", {"assignee_id": "abc"})
    assert "Неверное числовое значение" in client.get(f"/tickets/{world.ticket.id}").get_data(as_text=True)


def test_ticket_view_is_audited_and_panel_shows_clocks(world, signed_in):
    from helpdesk.models import AuditEvent

    html = signed_in("spec_a").get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    assert "Первый ответ" in html and "Ответ по существу" in html
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_viewed",
                                                      AuditEvent.object_id == str(world.ticket.id)))


def test_citizen_card_lists_other_tickets(world, signed_in):
    w = world
    again = add_ticket(w.channel, w.social, citizen=w.ticket.citizen, text="Снова пишу")
    hidden = add_ticket(w.channel, w.economy, citizen=w.ticket.citizen, text="И сюда")
    db.session.commit()
    html = signed_in("spec_a").get(f"/tickets/{w.ticket.id}").get_data(as_text=True)
    assert again.number in html and hidden.number not in html
    html = signed_in("press").get(f"/tickets/{w.ticket.id}").get_data(as_text=True)
    assert again.number in html and hidden.number in html


def test_canned_response_prefills_reply_without_js(world, signed_in):
    from helpdesk.models.canned import CannedResponse

    c = CannedResponse(title="Срок", body="{name}, ответ по № {number} до {due}. {unknown}")
    db.session.add(c)
    store.recompute(world.ticket, REG)
    db.session.commit()
    html = signed_in("spec_a").get(f"/tickets/{world.ticket.id}?canned={c.id}").get_data(as_text=True)
    box = re.search(r'<textarea[^>]*id="reply-text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert f"Иван Петров, ответ по № {world.ticket.number} до " in box
    assert "{unknown}" in box and "{due}" not in box


def test_notes_are_bounded_and_a_nul_is_refused(world, signed_in):
    client = signed_in("press")
    page = f"/tickets/{world.ticket.id}"
    post_form(client, page, f"{page}/note", {"text": "ж" * 20_001})
    assert "длиннее 20000 символов" in client.get(page).get_data(as_text=True)
    # No database column stores a NUL: such a form is refused whole (helpdesk.web.security).
    assert post_form(client, page, f"{page}/note",
                     {"text": "Позвонить\x00 заявителю"}).status_code == 400
    assert not list(db.session.scalars(select(Message.text).where(
        Message.ticket_id == world.ticket.id, Message.direction == "note")))
    assert add_note(world.ticket, world.users["press"], "Позвонить\x00 заявителю").text \
        == "Позвонить заявителю"  # a caller outside the web (CLI, import) gets it dropped


def test_register_and_extend_follow_the_deadline_settings(world, signed_in):
    """The page's texts and the extension form's limits come from Настройки → Сроки."""
    from helpdesk.deadlines import store

    store.save_policy("appeal", {"registration_days": 3, "answer_days": 15,
                                 "max_extension_days": 10, "forward_days": 7})
    db.session.commit()
    client = signed_in("press")
    page = f"/tickets/{world.ticket.id}"
    html = post_form(client, page, f"{page}/register", {
        "name": "Петров Иван", "address": "Казань, ул. Баумана, 1"})
    html = client.get(page).get_data(as_text=True)
    db.session.expire_all()
    t = db.session.get(Ticket, world.ticket.id)
    assert "срок ответа — до " in html and "30 дней" not in html
    assert 'name="days" type="number" min="1" max="10" value="10"' in html
    for days, error in (("0", "от 1 до 10 дней"), ("-5", "от 1 до 10 дней"),
                        ("11", "от 1 до 10 дней"), ("пять", "Укажите число дней")):
        post_form(client, page, f"{page}/extend", {"days": days, "reason": "Запрос"})
        assert error in client.get(page).get_data(as_text=True), days
    post_form(client, page, f"{page}/extend", {"days": "10", "reason": "Запрос в министерство"})
    db.session.expire_all()
    t = db.session.get(Ticket, world.ticket.id)
    assert t.extended_until is not None
    assert "Срок продлён до " in client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("name", ["Иванов И.И.", "Иванов И. И.", "Салтыков-Щедрин Михаил"])
def test_initials_and_double_surnames_register(world, name):
    lifecycle.register_appeal(world.ticket, world.users["press"], name, "Казань", now=REG)
    assert world.ticket.applicant_name == name



def test_staff_reopen_a_ticket_closed_by_mistake(world, signed_in):
    t = world.ticket
    lifecycle.forward(t, world.users["press"], "Министерство транспорта РТ")
    db.session.commit()
    client = signed_in("press")
    page = f"/tickets/{t.id}"
    assert "Открыть снова" in client.get(page).get_data(as_text=True)
    post_form(client, page, f"{page}/reopen", {"why": "  "})
    assert "Заполните поле «Почему открыть снова»" in client.get(page).get_data(as_text=True)
    post_form(client, page, f"{page}/reopen", {"why": "Направлено не туда"})
    db.session.expire_all()
    t = db.session.get(Ticket, t.id)
    assert (t.status, t.result, t.forwarded_to, t.closed_at) == ("assigned", None, None, None)
    assert t.reopened_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_reopened"))
    assert event.details["why"] == "Направлено не туда" and event.details["from"] == "forwarded"
    with pytest.raises(TicketError, match="Открыть снова можно"):
        lifecycle.reopen(t, world.users["press"], "ещё раз")
