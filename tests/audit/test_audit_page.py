"""The auditors' page: filters, keyset pagination, access; sign-in and view events recorded."""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from helpdesk.audit import services
from helpdesk.audit.log import record
from helpdesk.extensions import db, limiter
from helpdesk.models import AuditEvent
from tests.helpers import csrf_from, login, make_channel, make_department, make_ticket, make_user


def _actions():
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_in_view_and_sign_out_are_recorded(ctx, client):
    limiter.reset()
    dept = make_department()
    make_user("press1", "press")
    t = make_ticket(make_channel(), dept)
    db.session.commit()
    login(client, "press1", password="wrong-password-123")
    login(client, "press1")
    client.get(f"/tickets/{t.id}")
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    actions = _actions()
    assert actions[:2] == ["login_failed", "login"]
    assert "ticket_viewed" in actions and actions[-1] == "logout"


def test_filters_and_keyset_pagination(ctx):
    alice = make_user("alice", "admin")
    bob = make_user("bob", "press")
    for i in range(7):
        record("ticket_viewed", actor=alice, object_type="ticket", object_id=str(i % 2))
    record("note_added", actor=bob, object_type="ticket", object_id="1")
    db.session.commit()
    flt = services.EventFilter(username="alice")
    page1, nxt = services.list_events(flt, limit=3)
    page2, nxt2 = services.list_events(flt, before_id=nxt, limit=3)
    page3, nxt3 = services.list_events(flt, before_id=nxt2, limit=3)
    ids = [e.id for e in page1 + page2 + page3]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids)) == 7
    assert nxt3 is None and all(e.username == "alice" for e in page1 + page2 + page3)
    rows, _ = services.list_events(services.EventFilter(ticket_id=1))
    assert len(rows) == 4 and {e.object_id for e in rows} == {"1"}
    rows, _ = services.list_events(services.EventFilter(action="note_added"))
    assert [e.username for e in rows] == ["bob"]
    today = datetime.now(timezone.utc).date()
    assert len(services.list_events(services.EventFilter(date_from=today, date_to=today))[0]) == 8
    later = today + timedelta(days=2)
    assert services.list_events(services.EventFilter(date_from=later))[0] == []


def test_page_for_auditor_and_403_for_others(ctx, client):
    limiter.reset()
    make_user("aud", "auditor")
    make_user("press2", "press")
    for i in range(120):
        record("ticket_viewed", object_type="ticket", object_id=str(1000 + i))
    db.session.commit()
    login(client, "aud")
    html = client.get("/audit/?action=ticket_viewed").get_data(as_text=True)
    assert html.count("<tr>") == 101  # header + one page of 100
    more = re.search(r'href="([^"]*before=\d+[^"]*)"', html)
    assert more, "no link to the next page"
    html2 = client.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert html2.count("<tr>") == 21
    t = make_ticket(make_channel(), make_department())
    record("ticket_viewed", object_type="ticket", object_id=str(t.id))
    db.session.commit()
    by_number = client.get(f"/audit/?ticket={t.number}").get_data(as_text=True)
    assert by_number.count("<tr>") == 2 and f"Обращение {t.number}" in by_number
    assert "Нет событий" in client.get("/audit/?ticket=1999-999999").get_data(as_text=True)
    other = client.application.test_client()
    login(other, "press2")
    assert other.get("/audit/").status_code == 403


def test_navigation_entries_by_role(ctx, client):
    limiter.reset()
    make_user("aud2", "auditor")
    make_user("press3", "press")
    make_user("spec3", "specialist", make_department())
    db.session.commit()
    expected = {"aud2": {"/audit/", "/exports/", "/reports/"},
                "press3": {"/exports/", "/reports/"}, "spec3": set()}
    for username, links in expected.items():
        c = client.application.test_client()
        login(c, username)
        html = c.get("/tickets").get_data(as_text=True)
        present = {link for link in ("/audit/", "/exports/", "/reports/")
                   if f'href="{link}"' in html}
        assert present == links, username


def test_details_and_objects_are_written_in_russian(ctx, client):
    """No raw JSON and no English keys or status codes on the auditors' page."""
    from helpdesk.audit.labels import details_words

    make_user("aud1", "auditor")
    record("status_changed", object_type="ticket", object_id="1",
           details={"previous": "triage", "status": "assigned"})
    record("user_updated", object_type="user", object_id="1",
           details={"changed": {"department_id": [None, 1], "role": ["press", "admin"]}})
    record("digest_refreshed", object_type="department", object_id="all",
           details={"departments": [1, 2]})
    db.session.commit()
    assert details_words("status_changed", {"previous": "triage", "status": "assigned"}) == \
        "был статус: Требует разбора; статус: В работе"
    assert details_words("user_updated", {"changed": {"department_id": [None, 1]}}) == \
        "изменено: подразделение — → 1"
    login(client, "aud1")
    html = client.get("/audit/").get_data(as_text=True)
    assert "Все подразделения" in html and "Подразделение all" not in html
    assert "подразделения: 1, 2" in html and "{" not in html.split("<tbody", 1)[1].split("</tbody>")[0]


def test_details_name_users_departments_and_tickets_instead_of_ids(ctx, client):
    """A new assignee, a department and a merge target are shown by name, not by id."""
    dept = make_department("Отдел писем и приёма граждан")
    other = make_department("Правовое управление")
    clerk = make_user("petrova", "specialist", dept)
    ticket = make_ticket(make_channel(), dept)
    make_user("aud2", "auditor")
    record("ticket_assigned", object_type="ticket", object_id=str(ticket.id),
           details={"previous": None, "assignee": clerk.id})
    record("ticket_rerouted", object_type="ticket", object_id=str(ticket.id),
           details={"previous": dept.id, "department": other.id})
    record("ticket_merged", object_type="ticket", object_id=str(ticket.id),
           details={"into": ticket.id, "messages": 2})
    record("user_updated", object_type="user", object_id=str(clerk.id),
           details={"changed": {"department_id": [dept.id, other.id],
                                "role": ["specialist", "press"]}})
    db.session.commit()
    login(client, "aud2")
    html = client.get("/audit/").get_data(as_text=True)
    body = html.split("<tbody", 1)[1].split("</tbody>")[0]
    assert "исполнитель: petrova" in body
    assert "было: Отдел писем и приёма граждан; подразделение: Правовое управление" in body
    assert f"в обращение: {ticket.number}; сообщений: 2" in body
    assert ("подразделение Отдел писем и приёма граждан → Правовое управление; "
            "роль Специалист подразделения → Пресс-служба") in body
