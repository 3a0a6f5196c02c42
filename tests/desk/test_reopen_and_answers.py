"""QA walkthrough, second round: reopened tickets, undelivered replies, notices, manual «Дан ответ»."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.inbox.ingest import ingest
from helpdesk.inbox.outbox import deliver_due, enqueue, retry_delivery
from helpdesk.inbox.types import IncomingMessage
from helpdesk.models import Ticket
from helpdesk.models.message import Delivery
from helpdesk.models.types import utcnow
from helpdesk.tickets import lifecycle, presenters
from helpdesk.tickets.errors import TicketError
from tests.helpers import post_form


def write_again(world, text: str, key: str, received_at=None):
    """The world's citizen writes again on the same channel (the one ingest path)."""
    citizen = world.ticket.citizen
    incoming = IncomingMessage(event_key=key, message_key=key,
                               external_user_id=citizen.external_user_id,
                               reply_address=citizen.reply_address, text=text, sent_at=utcnow())
    result = ingest(world.channel, incoming, received_at=received_at or utcnow())
    db.session.commit()
    return result


def list_row(html: str, number: str) -> str:
    match = re.search(rf'data-ticket="{number}">(.*?)</tr>', html, re.S)
    assert match, f"ticket {number} is not in the list"
    return match.group(1)


def panel(ticket, now=None) -> dict:
    return {row["key"]: row for row in presenters.deadline_panel(ticket, now or utcnow())}


# --- 1. a reopened ticket starts again ----------------------------------------------------

def test_reopened_ticket_clears_its_ending_and_restarts_the_message_clocks(world, signed_in):
    w, spec = world, world.users["spec_a"]
    t = w.ticket
    lifecycle.reply(t, spec, "Пропуск оформляется в бюро пропусков, каб. 101.", final=True)
    lifecycle.close(t, spec, "explained")
    db.session.commit()
    assert t.first_response_at is not None and t.closed_at is not None

    at = utcnow()
    result = write_again(w, "А если бюро закрыто?", "again-1", received_at=at)
    assert result.ticket.id == t.id and not result.new_ticket
    db.session.expire_all()
    t = db.session.get(Ticket, t.id)
    assert t.status == "assigned" and t.is_open
    assert (t.result, t.close_reason, t.closed_at) == (None, None, None)
    assert (t.first_response_at, t.answered_at) == (None, None)
    assert t.reopened_at == at
    policy, calendar = store.load_policies().message, store.load_calendar()
    assert t.first_response_due == calendar.add_working_hours(at, policy.first_response_hours)
    assert t.answer_due == calendar.add_working_days(at, policy.answer_working_days)
    assert "Выполнено" not in str(panel(t))

    client = signed_in("press")
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "результат:" not in page and "Выполнено в срок" not in page
    row = list_row(client.get("/tickets?queue=all").get_data(as_text=True), t.number)
    assert "Нет срока" not in row and re.search(r"В срок|Срок истекает|Просрочено", row)

    # the replies of the earlier round are not this round's answer: closing needs a new one
    with pytest.raises(TicketError, match="ответ не отправлялся"):
        lifecycle.close(t, spec, "explained")
    lifecycle.reply(t, spec, "Тогда обратитесь к дежурному.", final=True)
    assert t.answered_at is not None and t.answered_at >= at and t.status == "answered"


def test_recompute_keeps_a_reopened_tickets_clocks_from_the_new_message(world):
    w, spec = world, world.users["spec_a"]
    at = utcnow()
    w.ticket.received_at = at - timedelta(days=3)
    store.recompute(w.ticket, w.ticket.received_at)
    lifecycle.reply(w.ticket, spec, "Ответ", final=True)
    lifecycle.close(w.ticket, spec, "answered")
    db.session.commit()
    write_again(w, "Ещё вопрос", "again-2", received_at=at)
    t = db.session.get(Ticket, w.ticket.id)
    store.recompute(t, utcnow())  # e.g. an administrator edited the calendar
    policy, calendar = store.load_policies().message, store.load_calendar()
    assert t.first_response_due == calendar.add_working_hours(at, policy.first_response_hours)
    assert t.received_at == at - timedelta(days=3)  # the ticket's receipt is kept for reports


def test_closed_registered_appeal_is_final_a_new_message_is_a_new_ticket(world):
    w, press = world, world.users["press"]
    t = w.ticket
    lifecycle.register_appeal(t, press, "Петров Иван", "Казань, ул. Баумана, 1")
    lifecycle.reply(t, press, "По вашему обращению разъясняем...", final=True)
    lifecycle.close(t, press, "explained")
    db.session.commit()
    result = write_again(w, "Спасибо, а ещё вопрос про парковку", "again-3")
    assert result.new_ticket and result.ticket.id != t.id
    db.session.expire_all()
    old = db.session.get(Ticket, t.id)
    assert (old.status, old.result) == ("closed", "explained") and old.closed_at is not None


def test_an_answered_registered_appeal_is_not_reopened_either(world):
    w, press = world, world.users["press"]
    lifecycle.register_appeal(w.ticket, press, "Петров Иван", "Казань, ул. Баумана, 1")
    lifecycle.reply(w.ticket, press, "Ответ по существу", final=True)
    db.session.commit()
    result = write_again(w, "Новая тема", "again-4")
    assert result.new_ticket
    assert db.session.get(Ticket, w.ticket.id).status == "answered"


# --- 2. a reply that never reached the citizen is not the answer ---------------------------

def test_undelivered_reply_is_not_the_answer_until_it_is_on_its_way_again(world, signed_in):
    w, spec = world, world.users["spec_a"]
    t = w.ticket
    message = lifecycle.reply(t, spec, "Ремонт запланирован на май.", final=True)
    db.session.commit()
    assert t.status == "answered"  # on its way: it counts for now
    w.channel.active = False  # switched off before delivery: «Не доставлено (канал отключён)»
    db.session.commit()
    assert deliver_due() == 1
    db.session.expire_all()
    t = db.session.get(Ticket, t.id)
    assert db.session.get(type(message), message.id).delivery_status == Delivery.FAILED
    assert t.status == "assigned" and t.answered_at is None and t.first_response_at is None
    assert "Выполнено" not in str(panel(t))
    page = signed_in("spec_a").get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "Не доставлено" in page and "Выполнено в срок" not in page
    assert 'id="ticket-status">Дан ответ' not in page
    with pytest.raises(TicketError, match="ответ не отправлялся"):
        lifecycle.close(t, spec, "explained")

    retry_delivery(db.session.get(type(message), message.id), spec)  # the person tries again
    db.session.commit()
    assert t.status == "answered" and t.answered_at == message.sent_at
    lifecycle.close(t, spec, "explained")  # in flight again: closing «as answered» is allowed


def test_failed_interim_reply_gives_back_the_first_response_only(world):
    w, spec = world, world.users["spec_a"]
    t = w.ticket
    lifecycle.reply(t, spec, "Разбираемся", final=False)
    db.session.commit()
    assert t.first_response_at is not None and t.answered_at is None
    w.channel.active = False
    db.session.commit()
    deliver_due()
    db.session.expire_all()
    t = db.session.get(Ticket, t.id)
    assert t.first_response_at is None and t.status == "assigned"



def test_closing_as_answered_makes_the_latest_reply_the_answer(world):
    """Only an interim reply was sent, and staff close «Разъяснено»: that reply is the answer
    (the response-time log then shows when and whether it was in time)."""
    from helpdesk.models import Message

    w, spec = world, world.users["spec_a"]
    t = w.ticket
    first = lifecycle.reply(t, spec, "Разбираемся", final=False)
    latest = lifecycle.reply(t, spec, "Ремонт запланирован на май.", final=False)
    db.session.commit()
    assert t.answered_at is None
    lifecycle.close(t, spec, "explained")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Message, latest.id).is_answer and not db.session.get(Message, first.id).is_answer
    t = db.session.get(Ticket, t.id)
    assert t.answered_at == db.session.get(Message, latest.id).sent_at
    assert (t.status, t.result) == ("closed", "explained")


def test_a_status_change_to_the_same_status_is_refused(world):
    from helpdesk.models.audit import AuditEvent

    w, press = world, world.users["press"]
    t = w.ticket
    before = (t.updated_at, db.session.scalar(select(func.count(AuditEvent.id))))
    with pytest.raises(TicketError, match="уже в этом статусе"):
        lifecycle.change_status(t, press, t.status)
    db.session.rollback()
    assert (db.session.get(Ticket, t.id).updated_at,
            db.session.scalar(select(func.count(AuditEvent.id)))) == before


def test_a_ticket_closed_as_answered_reopens_when_its_only_reply_fails(world):
    from helpdesk.models.audit import AuditEvent

    w, spec = world, world.users["spec_a"]
    t = w.ticket
    lifecycle.reply(t, spec, "Ремонт запланирован на май.", final=True)
    lifecycle.close(t, spec, "explained")  # closed while the reply is still on its way
    due = t.answer_due
    w.channel.active = False
    db.session.commit()
    deliver_due()
    db.session.expire_all()
    t = db.session.get(Ticket, t.id)
    assert (t.status, t.result, t.closed_at) == ("assigned", None, None)
    assert t.answer_due == due  # the clocks run on: the citizen is still waiting
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket_reopened")).one()
    assert event.details["why"] == "reply_failed" and event.details["result"] == "explained"


def test_a_ticket_left_without_an_answer_stays_closed_when_a_reply_fails(world):
    w, press = world, world.users["press"]
    t = w.ticket
    lifecycle.reply(t, press, "Сообщение содержит оскорбления и рассмотрено не будет.", final=False)
    lifecycle.close(t, press, "no_answer", "obscene")  # ст. 11: no answer was owed
    w.channel.active = False
    db.session.commit()
    deliver_due()
    db.session.expire_all()
    t = db.session.get(Ticket, t.id)
    assert (t.status, t.result, t.close_reason) == ("closed", "no_answer", "obscene")

# --- 3. notices are never the answer --------------------------------------------------------

def test_extension_notice_is_neither_first_response_nor_ground_for_supported(world, signed_in):
    w, press = world, world.users["press"]
    t = w.ticket
    enqueue(t, "Ваше сообщение получено", is_auto=True)  # the automatic acknowledgement
    lifecycle.register_appeal(t, press, "Петров Иван", "Казань, ул. Баумана, 1")
    lifecycle.extend(t, press, 30, "Запрос в министерство")
    db.session.commit()
    assert t.first_response_at is None and t.answered_at is None
    assert not lifecycle.has_real_reply(t)
    with pytest.raises(TicketError, match="ответ не отправлялся"):
        lifecycle.close(t, press, "supported")
    assert panel(t)["first_response_due"]["label"] != "Выполнено в срок"
    page = signed_in("press").get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "уведомление" in page and "автоответ" in page
    lifecycle.reply(t, press, "Меры приняты: ремонт выполнен.", final=True)
    lifecycle.close(t, press, "supported")
    assert (t.status, t.result) == ("closed", "supported")


def test_forwarding_notice_is_not_a_first_response(world):
    t = world.ticket
    lifecycle.forward(t, world.users["press"], "Министерство образования РТ")
    assert t.first_response_at is None and t.answered_at is None
    assert not lifecycle.has_real_reply(t)


# --- 4. «Дан ответ» by hand needs a reply ---------------------------------------------------

def test_manual_answered_status_needs_a_reply(world, signed_in):
    w = world
    t = w.ticket
    client = signed_in("spec_a")
    post_form(client, f"/tickets/{t.id}", f"/tickets/{t.id}/status", {"status": "answered"})
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "Статус «Дан ответ» означает, что гражданину дан ответ" in page
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == "assigned"

    lifecycle.reply(t, w.users["spec_a"], "Разбираемся, ответим до пятницы", final=False)
    db.session.commit()
    post_form(client, f"/tickets/{t.id}", f"/tickets/{t.id}/status", {"status": "answered"})
    db.session.expire_all()
    t = db.session.get(Ticket, t.id)
    assert t.status == "answered" and t.answered_at is not None  # that reply is the answer now


# --- 5. overdue wording ---------------------------------------------------------------------

def test_overdue_reads_overdue_by_without_a_minus(world):
    from datetime import datetime, timezone

    now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # Monday 12:00 Moscow
    t = world.ticket
    t.first_response_due = now - timedelta(minutes=3)
    badge = presenters.list_badge(t, now, store.load_calendar())
    assert badge["state"] == "overdue"
    assert badge["left_text"] == "просрочено на 3 мин (рабочих)"
    row = panel(t, now)["first_response_due"]
    assert row["left_text"] == "просрочено на 3 мин (рабочих)"
    t.first_response_due = now + timedelta(hours=1)
    assert panel(t, now)["first_response_due"]["left_text"] == "осталось 1 ч (рабочих)"
    t.first_response_due = now - timedelta(days=12)
    assert presenters.list_badge(t, now, store.load_calendar())["left_text"] == "просрочено на 12 дн."


def test_working_days_are_written_dn_like_calendar_days():
    from helpdesk.deadlines.clocks import format_minutes

    assert format_minutes(2 * 540 + 61) == "2 дн. 1 ч 1 мин"


def test_pages_never_show_a_minus_sign_for_overdue(world, signed_in):
    from tests.desk.world import add_ticket

    late = add_ticket(world.channel, world.social, received_at=utcnow() - timedelta(days=20))
    db.session.commit()
    client = signed_in("press")
    row = list_row(client.get("/tickets?queue=all").get_data(as_text=True), late.number)
    assert "Просрочено" in row and "просрочено на" in row and "−" not in row
    page = client.get(f"/tickets/{late.id}").get_data(as_text=True)
    assert "просрочено на" in page and "осталось −" not in page and "−" not in page


# --- 6. press staff can be assigned ---------------------------------------------------------

def test_press_staff_are_assignable_and_see_it_in_mine(world, signed_in):
    w = world
    client = signed_in("press")
    page = client.get(f"/tickets/{w.ticket.id}").get_data(as_text=True)
    assert '<optgroup label="Пресс-служба">' in page
    assert '<optgroup label="Специалисты подразделения">' in page
    assert "spec_b" not in page  # another department's specialist is never offered
    post_form(client, f"/tickets/{w.ticket.id}", f"/tickets/{w.ticket.id}/assign",
              {"assignee_id": str(w.users["press"].id)})
    db.session.expire_all()
    assert db.session.get(Ticket, w.ticket.id).assignee_id == w.users["press"].id
    mine = client.get("/tickets?queue=mine").get_data(as_text=True)
    assert f'data-ticket="{w.ticket.number}"' in mine


# --- 7. labels said once and the same everywhere ---------------------------------------------

def test_navbar_says_each_part_once(world, signed_in):
    world.users["admin"].full_name = "Администратор"
    db.session.commit()
    nav = re.compile(r'<span class="navbar-text[^"]*"[^>]*>\s*(.*?)\s*</span>', re.S)
    press = nav.search(signed_in("press").get("/tickets").get_data(as_text=True)).group(1)
    assert press == "press · Пресс-служба"
    admin = nav.search(signed_in("admin").get("/tickets").get_data(as_text=True)).group(1)
    assert admin == "Администратор"
    spec = nav.search(signed_in("spec_a").get("/tickets").get_data(as_text=True)).group(1)
    assert spec == "Анна Сафина · Специалист подразделения · Комитет по социальной политике"


def test_status_filter_offers_the_labels_the_list_shows(world, signed_in):
    w = world
    client = signed_in("press")
    page = client.get("/tickets?queue=all").get_data(as_text=True)
    assert '<option value="in_department">В подразделении</option>' in page
    assert '<option value="assigned">В работе</option>' in page
    unassigned = client.get("/tickets?queue=all&status=in_department").get_data(as_text=True)
    assert '<td class="desk-c-status">В подразделении</td>' in list_row(unassigned, w.ticket.number)
    working = client.get("/tickets?queue=all&status=assigned").get_data(as_text=True)
    assert f'data-ticket="{w.ticket.number}"' not in working
    lifecycle.assign(w.ticket, w.users["press"], w.users["spec_a"].id)
    db.session.commit()
    working = client.get("/tickets?queue=all&status=assigned").get_data(as_text=True)
    assert '<td class="desk-c-status">В работе</td>' in list_row(working, w.ticket.number)
    ticket_page = client.get(f"/tickets/{w.ticket.id}").get_data(as_text=True)
    assert '<option value="assigned" selected>В работе</option>' in ticket_page


def test_manual_status_option_is_labelled_as_the_ticket_will_show(world):
    choices = dict(presenters.manual_status_choices(world.ticket))
    assert choices["assigned"] == "В подразделении"  # nobody assigned yet
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_reply_on_a_switched_off_channel_is_refused_at_once(world):
    w, spec = world, world.users["spec_a"]
    w.channel.active = False
    db.session.commit()
    with pytest.raises(TicketError, match="отключён: ответ не дойдёт"):
        lifecycle.reply(w.ticket, spec, "Ремонт запланирован на май.", final=True)
    assert w.ticket.first_response_at is None


def test_going_back_from_answered_restarts_the_answer_clock(world):
    w, spec = world, world.users["spec_a"]
    t = w.ticket
    lifecycle.reply(t, spec, "Ремонт запланирован на май.", final=True)
    assert t.status == "answered" and t.answered_at is not None
    lifecycle.change_status(t, spec, "assigned")
    assert t.status == "assigned" and t.answered_at is None
    assert t.first_response_at is not None  # the reply was still a response
    lifecycle.change_status(t, spec, "answered")  # and it can be the answer again
    assert t.answered_at is not None
