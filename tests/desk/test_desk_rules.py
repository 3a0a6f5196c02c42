"""Rules the desk enforces: merge targets, kept replies, clocks, closing results, dates, canned placeholders, digests."""
import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.ticket import TicketStatus
from helpdesk.tickets import lifecycle
from helpdesk.tickets.errors import TicketError
from tests.desk.world import add_ticket
from tests.helpers import post_form


# --- 1. merge ------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [TicketStatus.CLOSED, TicketStatus.FORWARDED])
def test_merge_refuses_an_ended_target(world, status):
    w = world
    dup = add_ticket(w.channel, w.social, citizen=w.ticket.citizen)
    w.ticket.status = status
    with pytest.raises(TicketError, match="только с открытым"):
        lifecycle.merge(dup, w.users["press"], w.ticket)
    assert dup.status == "assigned" and dup.merged_into_id is None


def test_merge_refuses_another_citizens_ticket(world, signed_in):
    w = world
    alsu = add_ticket(w.channel, w.social, name="Алсу Галиева", text="Когда починят свет?")
    db.session.commit()
    client = signed_in("press")
    post_form(client, f"/tickets/{alsu.id}", f"/tickets/{alsu.id}/merge", {"target": w.ticket.number})
    page = client.get(f"/tickets/{alsu.id}").get_data(as_text=True)
    assert "одного и того же гражданина" in page
    db.session.expire_all()
    assert db.session.get(Ticket, alsu.id).status == "assigned"


def test_merged_ticket_links_to_its_target(world, signed_in):
    w = world
    dup = add_ticket(w.channel, w.social, citizen=w.ticket.citizen, text="Ещё раз о пропуске")
    db.session.commit()
    client = signed_in("press")
    post_form(client, f"/tickets/{dup.id}", f"/tickets/{dup.id}/merge", {"target": w.ticket.number})
    db.session.expire_all()
    assert db.session.get(Ticket, dup.id).merged_into_id == w.ticket.id
    page = client.get(f"/tickets/{dup.id}").get_data(as_text=True)
    assert "Объединено с" in page
    assert f'href="/tickets/{w.ticket.id}"' in page and w.ticket.number in page


# --- 2. a refused reply keeps its text -----------------------------------------------------

def test_too_long_reply_comes_back_with_the_text_and_the_error(world, signed_in):
    from tests.helpers import make_channel

    w = world
    tg = make_channel(kind="telegram", slug="tg-main")
    ticket = add_ticket(tg, w.social)
    db.session.commit()
    client = signed_in("spec_a")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'maxlength="4096"' in page
    text = "Уважаемый заявитель, " + "ж" * 5000
    response = post_form(client, f"/tickets/{ticket.id}", f"/tickets/{ticket.id}/reply",
                         {"text": text, "final": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "4096" in body and text in body
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)
                             .where(Ticket.id == ticket.id, Ticket.answered_at.isnot(None))) == 0
    vk_page = client.get(f"/tickets/{w.ticket.id}").get_data(as_text=True)
    assert 'maxlength="9000"' in vk_page


# --- 3. rerouting away from one's own department -------------------------------------------

def test_specialist_rerouting_away_lands_on_the_list(world, signed_in):
    w = world
    client = signed_in("spec_a")
    response = post_form(client, f"/tickets/{w.ticket.id}", f"/tickets/{w.ticket.id}/reroute",
                         {"department_id": str(w.economy.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets")
    page = client.get("/tickets").get_data(as_text=True)
    assert "передано в другое подразделение" in page
    press = signed_in("press")
    response = post_form(press, f"/tickets/{w.ticket.id}", f"/tickets/{w.ticket.id}/reroute",
                         {"department_id": str(w.social.id)})
    assert response.headers["Location"].endswith(f"/tickets/{w.ticket.id}")


# --- 4. appeal clocks count calendar days, message clocks working time ---------------------

def test_deadline_panel_shows_calendar_time_for_appeal_clocks(world):
    from datetime import datetime, timezone

    from helpdesk.tickets import presenters

    reg = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)  # Monday, 10:00 Moscow
    t = world.ticket
    t.received_at = reg
    lifecycle.register_appeal(t, world.users["press"], "Петров Иван", "Казань", now=reg)
    rows = {r["key"]: r for r in presenters.deadline_panel(t, reg)}
    # Due 1 April 2026 15:00 UTC: 30 calendar days and 8 hours from now (21 working days).
    assert rows["answer_due"]["left"] == "30 дн. 8 ч (календ.)"
    assert rows["forward_due"]["left"].endswith("(календ.)")
    assert rows["answer_due"]["colour"] == "success"
    first = rows["first_response_due"]
    assert first["left"].endswith("(рабочих)")
    message = add_ticket(world.channel, world.social, received_at=reg)
    answer = {r["key"]: r for r in presenters.deadline_panel(message, reg)}["answer_due"]
    assert answer["left"].endswith("(рабочих)")


def test_calendar_format_handles_hours_and_overdue():
    from datetime import timedelta

    from helpdesk.tickets.presenters import format_calendar

    assert format_calendar(timedelta(hours=5, minutes=7)) == "5 ч 7 мин"
    assert format_calendar(timedelta(days=-2, hours=-1)) == "−2 дн. 1 ч"
    assert format_calendar(timedelta(days=3)) == "3 дн."


# --- 5. no registration hint once registered ----------------------------------------------

def test_registration_hint_disappears_once_the_ticket_is_an_appeal(world, signed_in):
    t = world.ticket
    t.extracted = {"district": "Вахитовский", "appeal": {"can_register": False,
                                                         "missing": ["postal_address"]}}
    db.session.commit()
    client = signed_in("press")
    assert "Для регистрации по 59-ФЗ не хватает" in client.get(f"/tickets/{t.id}").get_data(as_text=True)
    lifecycle.register_appeal(t, world.users["press"], "Петров Иван", "Казань, ул. Баумана, 1")
    db.session.commit()
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "Вахитовский" in page and "Для регистрации по 59-ФЗ" not in page


# --- 6. a closing result must match what happened ------------------------------------------

@pytest.mark.parametrize("result", ["supported", "explained", "not_supported", "answered"])
def test_answer_results_need_a_real_reply(world, result):
    from helpdesk.inbox.outbox import enqueue

    t, spec = world.ticket, world.users["spec_a"]
    enqueue(t, "Ваше сообщение получено", is_auto=True)  # the acknowledgement is not an answer
    with pytest.raises(TicketError, match="ответ не отправлялся"):
        lifecycle.close(t, spec, result)
    assert t.status == "assigned"
    lifecycle.reply(t, spec, "Ремонт дороги запланирован на май", final=False)
    lifecycle.close(t, spec, result)
    assert (t.status, t.result) == ("closed", result)


def test_forwarded_and_no_answer_results_need_their_grounds(world, signed_in):
    t = world.ticket
    with pytest.raises(TicketError, match="Направить по компетенции"):
        lifecycle.close(t, world.users["spec_a"], "forwarded")
    client = signed_in("spec_a")
    post_form(client, f"/tickets/{t.id}", f"/tickets/{t.id}/close", {"result": "no_answer"})
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "выберите основание ст. 11" in page
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == "assigned"
    post_form(client, f"/tickets/{t.id}", f"/tickets/{t.id}/close",
              {"result": "no_answer", "reason": "obscene"})
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).result == "no_answer"


# --- 7. far-off dates ----------------------------------------------------------------------

@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01",
                                   "date_from=1999-12-31&date_to=2101-01-01"])
def test_far_off_list_dates_are_a_clear_error_not_a_500(world, signed_in, query):
    client = signed_in("press")
    response = client.get(f"/tickets?queue=all&{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "год должен быть от 2000 до 2100" in page
    assert world.ticket.number in page  # the bad filter is dropped, the list still shows
    assert 'min="2000-01-01"' in page


def test_list_date_filter_within_range_still_works(world, signed_in):
    page = signed_in("press").get("/tickets?queue=all&date_from=2000-01-01&date_to=2100-12-31").get_data(as_text=True)
    assert world.ticket.number in page and "годом" not in page


def test_calendar_refuses_far_off_days_and_years(world, signed_in):
    from helpdesk.models.deadlines import CalendarDay

    client = signed_in("admin")
    response = post_form(client, "/settings/calendar", "/settings/calendar",
                         {"day": "9999-12-31", "kind": "holiday", "name": "Конец света"})
    assert response.status_code == 400
    assert "Дата должна быть в 2000–2100 годах" in response.get_data(as_text=True)
    assert db.session.scalar(select(CalendarDay).where(CalendarDay.name == "Конец света")) is None
    response = client.get("/settings/calendar?year=9999")
    assert response.status_code == 400
    assert "2000–2100" in response.get_data(as_text=True)


# --- 8. routed but unassigned is not «В работе» --------------------------------------------

def test_status_shows_in_department_until_someone_is_assigned(world, signed_in):
    from helpdesk.tickets.presenters import status_label

    t = world.ticket
    assert t.status == "assigned" and t.assignee_id is None
    assert status_label(t) == "В подразделении"
    client = signed_in("press")
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert 'id="ticket-status">В подразделении<' in page
    rows = client.get("/tickets?queue=all").get_data(as_text=True)
    assert '<td class="desk-c-status">В подразделении</td>' in rows
    lifecycle.assign(t, world.users["press"], world.users["spec_a"].id)
    db.session.commit()
    assert status_label(t) == "В работе"
    assert 'id="ticket-status">В работе<' in client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert '<td class="desk-c-status">В работе</td>' in client.get("/tickets?queue=all").get_data(as_text=True)


# --- 9. canned placeholders ----------------------------------------------------------------

def test_canned_with_unknown_placeholders_is_refused_and_kept(world, signed_in):
    from helpdesk.models.canned import CannedResponse

    client = signed_in("admin")
    body = "Здравствуйте, {name}! {unknown} {0} {"
    response = post_form(client, "/settings/canned", "/settings/canned",
                         {"title": "Плохой шаблон", "body": body, "department_id": "0", "active": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Неизвестные подстановки" in page and "{unknown}, {0}, {" in page
    assert "Здравствуйте, {name}! {unknown} {0} {" in page  # the typed text comes back
    assert db.session.scalar(select(CannedResponse)) is None
    response = post_form(client, "/settings/canned", "/settings/canned",
                         {"title": "Хороший", "body": "{name}, ответ по № {number} — до {due}.",
                          "department_id": "0", "active": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(CannedResponse.title)) == "Хороший"


def test_canned_service_refuses_bad_placeholders_too(world):
    from helpdesk.settings import canned, services

    with pytest.raises(services.SettingsError, match="Допустимы только"):
        canned.save_canned(None, world.users["admin"], "Т", "Срок: {срок}", None, True, False)


# --- 10. the digest page is never stale -----------------------------------------------------

def test_digest_page_is_live_when_stored_one_is_stale_or_missing(world, signed_in):
    from datetime import datetime, timedelta, timezone

    from helpdesk.models import AuditEvent, Department
    from helpdesk.models.digest import DepartmentDigest
    from helpdesk.tickets.digest import build_digests

    long_ago = datetime.now(timezone.utc) - timedelta(days=3)
    build_digests(long_ago)  # the startup digest: all zeros, before any ticket was overdue
    late = add_ticket(world.channel, world.social, received_at=long_ago)
    db.session.add(Department(name="Комитет по культуре"))  # created after the digest
    db.session.commit()
    stored = db.session.scalar(select(db.func.count(DepartmentDigest.id)))
    client = signed_in("press")
    html = client.get("/digest").get_data(as_text=True)
    assert "Комитет по культуре" in html and late.number in html
    assert "рассчитано при открытии страницы" in html
    assert db.session.scalar(select(db.func.count(DepartmentDigest.id))) == stored  # GET stores nothing
    response = post_form(client, "/digest", "/digest/refresh", {})
    assert response.status_code == 302
    assert db.session.scalar(select(db.func.count(DepartmentDigest.id))) == stored + 4
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "digest_refreshed"))
    # A stored digest is a snapshot for the e-mail; the page stays as of now, so a ticket that
    # becomes overdue after the snapshot is shown overdue at once.
    html = client.get("/digest").get_data(as_text=True)
    assert "рассчитано при открытии" in html and late.number in html
    later = add_ticket(world.channel, world.social, received_at=long_ago)
    db.session.commit()
    assert later.number in client.get("/digest").get_data(as_text=True)


def test_digest_refresh_is_scoped_and_refused_to_auditors(world, signed_in):
    from helpdesk.models.digest import DepartmentDigest

    response = post_form(signed_in("spec_a"), "/digest", "/digest/refresh", {})
    assert response.status_code == 302
    assert set(db.session.scalars(select(DepartmentDigest.department_id))) == {world.social.id}
    response = post_form(signed_in("auditor"), "/digest", "/digest/refresh", {})
    assert response.status_code == 403


# --- 11. list filters ----------------------------------------------------------------------

def test_department_filter_is_only_for_those_who_see_all_departments(world, signed_in):
    assert "Все подразделения" in signed_in("press").get("/tickets").get_data(as_text=True)
    page = signed_in("spec_a").get("/tickets").get_data(as_text=True)
    assert "Все подразделения" not in page and "Все каналы" in page
    assert '<select class="form-select form-select-sm desk-extra desk-channel"' in page
