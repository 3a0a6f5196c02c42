"""Admin settings: canned responses, policies, working hours and the calendar, through the forms."""
from datetime import date, datetime, timezone

from sqlalchemy import select

from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Ticket
from helpdesk.models.canned import CannedResponse
from helpdesk.models.deadlines import CalendarDay
from tests.helpers import post_form


def test_canned_create_edit_toggle(world, signed_in):
    client = signed_in("admin")
    r = post_form(client, "/settings/canned", "/settings/canned",
                  {"title": "Приветствие", "body": "Здравствуйте, {name}!", "department_id": "0",
                   "active": "y"})
    assert r.status_code == 302
    c = db.session.scalar(select(CannedResponse))
    assert c.title == "Приветствие" and c.department_id is None and c.active
    r = post_form(client, f"/settings/canned/{c.id}", f"/settings/canned/{c.id}",
                  {"title": "Приветствие", "body": "Добрый день, {name}!",
                   "department_id": str(world.social.id), "active": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    assert c.body == "Добрый день, {name}!" and c.department_id == world.social.id
    post_form(client, "/settings/canned", f"/settings/canned/{c.id}/toggle", {})
    db.session.expire_all()
    assert not c.active
    assert db.session.scalar(select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == "canned_saved")) == 3


def test_canned_duplicate_title_and_empty_body_are_refused(world, signed_in):
    db.session.add(CannedResponse(title="Есть", body="x"))
    db.session.commit()
    client = signed_in("admin")
    r = post_form(client, "/settings/canned", "/settings/canned",
                  {"title": "Есть", "body": "y", "department_id": "0"})
    assert r.status_code == 400 and "уже есть" in r.get_data(as_text=True)
    r = post_form(client, "/settings/canned", "/settings/canned",
                  {"title": "Новый", "body": "", "department_id": "0"})
    assert r.status_code == 400
    assert db.session.scalar(select(db.func.count(CannedResponse.id))) == 1


def test_message_policy_edit_recomputes_open_tickets(world, signed_in):
    t = world.ticket
    t.received_at = datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc)  # Tuesday 09:00 MSK
    store.recompute(t)
    db.session.commit()
    assert t.first_response_due == datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)
    r = post_form(signed_in("admin"), "/settings/deadlines", "/settings/deadlines",
                  {"form": "message", "m-first_response_hours": "4", "m-answer_working_days": "5"})
    assert r.status_code == 302
    db.session.expire_all()
    assert store.load_policies().message.first_response_hours == 4
    assert db.session.get(Ticket, t.id).first_response_due == datetime(2026, 3, 10, 10, 0, tzinfo=timezone.utc)


def test_policy_and_hours_bad_values_are_refused(world, signed_in):
    client = signed_in("admin")
    r = post_form(client, "/settings/deadlines", "/settings/deadlines",
                  {"form": "appeal", "a-registration_days": "3", "a-answer_days": "-5",
                   "a-max_extension_days": "30", "a-forward_days": "7", "a-last_day_rule": "preceding"})
    assert r.status_code == 400
    r = post_form(client, "/settings/deadlines", "/settings/deadlines",
                  {"form": "hours", "h-start": "18:00", "h-end": "09:00"})
    assert r.status_code == 400 and "раньше окончания" in r.get_data(as_text=True)
    r = post_form(client, "/settings/deadlines", "/settings/deadlines",
                  {"form": "hours", "h-start": "9", "h-end": "18:00"})
    assert r.status_code == 400
    assert store.load_policies().appeal.answer_days == 30


def test_appeal_rule_following_is_saved(world, signed_in):
    r = post_form(signed_in("admin"), "/settings/deadlines", "/settings/deadlines",
                  {"form": "appeal", "a-registration_days": "3", "a-answer_days": "30",
                   "a-max_extension_days": "30", "a-forward_days": "7", "a-last_day_rule": "following"})
    assert r.status_code == 302
    assert store.load_policies().appeal.last_day_rule == "following"


def test_calendar_day_add_and_delete(world, signed_in):
    client = signed_in("admin")
    r = post_form(client, "/settings/calendar", "/settings/calendar",
                  {"day": "2026-03-11", "kind": "holiday", "name": "Проверка", "source": "РТ",
                   "confirmed": "y"})
    assert r.status_code == 302
    assert store.load_calendar().is_working_day(date(2026, 3, 11)) is False
    page = client.get("/settings/calendar?year=2026").get_data(as_text=True)
    assert "Проверка" in page and "30.08.2026" in page  # seeded Tatarstan day
    r = post_form(client, "/settings/calendar", "/settings/calendar/2026-03-11/delete", {})
    assert r.status_code == 302
    assert db.session.scalar(select(CalendarDay).where(CalendarDay.day == date(2026, 3, 11))) is None
    assert store.load_calendar().is_working_day(date(2026, 3, 11)) is True
    r = post_form(client, "/settings/calendar", "/settings/calendar",
                  {"day": "11.03.2026", "kind": "holiday"})
    assert r.status_code == 400


def test_calendar_page_lists_the_federal_days_it_applies(world, signed_in):
    import re

    client = signed_in("admin")
    page = client.get("/settings/calendar?year=2026").get_data(as_text=True)
    federal = page.split('id="federal"', 1)[1]
    rows = dict(re.findall(r"<tr><td>(\d\d\.\d\d\.2026)</td><td>([^<]+)</td>", federal))
    assert rows["04.11.2026"] == "Нерабочий день"
    assert rows["03.11.2026"] == "Сокращённый на час"
    assert rows["09.01.2026"] == "Нерабочий день"  # the transfer from 3 January
    assert "30.08.2026" not in rows  # a Tatarstan day: the table above lists it
    # A day the admin table changes is not shown as federal any more.
    post_form(client, "/settings/calendar", "/settings/calendar",
              {"day": "2026-11-03", "kind": "workday", "name": "Полный день", "source": "РТ",
               "confirmed": "y"})
    page = client.get("/settings/calendar?year=2026").get_data(as_text=True)
    assert "03.11.2026</td><td>Сокращённый" not in page.split('id="federal"', 1)[1]


def test_calendar_year_that_is_not_a_number_is_said_so(world, signed_in):
    response = signed_in("admin").get("/settings/calendar?year=abc")
    assert response.status_code == 400
    assert "Календарь ведётся на" in response.get_data(as_text=True)


def test_a_shortened_day_on_a_weekend_is_refused(world, signed_in):
    client = signed_in("admin")
    r = post_form(client, "/settings/calendar", "/settings/calendar",
                  {"day": "2026-11-29", "kind": "short", "name": "Предпраздничный"})  # a Sunday
    assert r.status_code == 400 and "это выходной" in r.get_data(as_text=True)
    assert store.load_calendar().is_working_day(date(2026, 11, 29)) is False


def test_comment_policy_own_terms_recompute_comment_tickets(world, signed_in):
    t = world.ticket
    t.kind = "comment"  # a comment thread: the message clock until set otherwise
    t.received_at = datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc)  # Tuesday 09:00 MSK
    store.recompute(t)
    db.session.commit()
    assert t.first_response_due == datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)
    admin = signed_in("admin")
    page = admin.get("/settings/deadlines").get_data(as_text=True)
    assert "Комментарий под постом" in page
    r = post_form(admin, "/settings/deadlines", "/settings/deadlines",
                  {"form": "comment", "c-first_response_hours": "2,5",
                   "c-answer_working_days": "1"})  # the box unticked: terms of their own
    assert r.status_code == 302
    db.session.expire_all()
    policy = store.load_policies().comment
    assert not policy.follow_message and policy.first_response_hours == 2.5
    assert db.session.get(Ticket, t.id).first_response_due == datetime(
        2026, 3, 10, 8, 30, tzinfo=timezone.utc)
    bad = post_form(admin, "/settings/deadlines", "/settings/deadlines",
                    {"form": "comment", "c-follow_message": "y", "c-first_response_hours": "0",
                     "c-answer_working_days": "1"})
    assert bad.status_code == 400 and "Допустимо от 0,25 до 168 ч" in bad.get_data(as_text=True)
