"""Server-side sessions (issue 13, finding 8; ASVS 3.3.1): sign-out ends that session on the
server, a user ends their other sessions, an administrator ends all of a user's."""
import re

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, UserSession
from tests.helpers import csrf_from, login, make_user


@pytest.fixture
def press(ctx):
    user = make_user("press1", "press")
    db.session.commit()
    return user


def _logout(client):
    page = client.get("/tickets").get_data(as_text=True)
    return client.post("/logout", data={"csrf_token": csrf_from(page)})


def _replay(app, cookies: dict):
    """A fresh browser holding copies of saved cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_a_cookie_saved_before_logout_is_refused_after_it(app, press):
    client = app.test_client()
    login(client, "press1")
    saved = client.get_cookie("session").value
    assert _replay(app, {"session": saved}).get("/tickets").status_code == 200  # a live copy
    assert _logout(client).status_code == 302
    assert _replay(app, {"session": saved}).get("/tickets").status_code == 302  # ended
    assert db.session.scalar(select(UserSession)) is None


def test_a_remember_me_cookie_is_refused_after_logout(app, press):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "press1", "password": "correct-horse-battery",
                                "remember": "y", "csrf_token": csrf_from(page)})
    remember = client.get_cookie("remember_token")
    assert remember is not None
    assert _replay(app, {"remember_token": remember.value}).get("/tickets").status_code == 200
    _logout(client)
    assert _replay(app, {"remember_token": remember.value}).get("/tickets").status_code == 302


def test_logout_ends_only_that_session(app, press):
    first, second = app.test_client(), app.test_client()
    login(first, "press1")
    login(second, "press1")
    _logout(first)
    assert first.get("/tickets").status_code == 302
    assert second.get("/tickets").status_code == 200


def test_account_page_lists_sessions_and_ends_the_others(app, press):
    here, laptop, phone = app.test_client(), app.test_client(), app.test_client()
    login(laptop, "press1")
    phone.get("/login", headers={"User-Agent": "Телефон/1.0"})
    page = phone.get("/login").get_data(as_text=True)
    phone.post("/login", data={"username": "press1", "password": "correct-horse-battery",
                               "csrf_token": csrf_from(page)}, headers={"User-Agent": "Телефон/1.0"})
    login(here, "press1")
    html = here.get("/account").get_data(as_text=True)
    assert "Активные сеансы" in html and "Этот сеанс" in html and "Телефон/1.0" in html
    assert len(re.findall(r"<tr(?: class=\"table-active\")?>\s*<td>", html)) == 3
    response = here.post("/account/sessions/end-others", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert "Завершено других сеансов: 2" in here.get("/account").get_data(as_text=True)
    assert laptop.get("/tickets").status_code == 302 and phone.get("/tickets").status_code == 302
    assert here.get("/tickets").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions_ended"))
    assert event.user_id == press.id and event.details == {"scope": "others", "count": 2}


def test_ending_other_sessions_needs_the_csrf_token(app, press):
    here, other = app.test_client(), app.test_client()
    login(here, "press1")
    login(other, "press1")
    here.post("/account/sessions/end-others", data={})
    assert other.get("/tickets").status_code == 200


def test_admin_ends_every_session_of_a_user(app, press):
    make_user("boss", "admin")
    db.session.commit()
    victim, admin = app.test_client(), app.test_client()
    login(victim, "press1")
    saved = victim.get_cookie("session").value
    login(admin, "boss")
    page = admin.get(f"/admin/users/{press.id}").get_data(as_text=True)
    assert "Активные сеансы" in page and "Завершить все сеансы пользователя" in page
    response = admin.post(f"/admin/users/{press.id}/end-sessions",
                          data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert victim.get("/tickets").status_code == 302
    assert _replay(app, {"session": saved}).get("/tickets").status_code == 302
    assert admin.get("/tickets").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions_ended"))
    assert event.username == "boss" and event.object_id == str(press.id)
    assert event.details == {"scope": "all", "count": 1}
    assert login(app.test_client(), "press1").status_code == 302  # may sign in again


def test_only_an_admin_ends_a_users_sessions(app, press):
    make_user("other", "press")
    db.session.commit()
    victim, intruder = app.test_client(), app.test_client()
    login(victim, "press1")
    login(intruder, "other")
    page = intruder.get("/tickets").get_data(as_text=True)
    response = intruder.post(f"/admin/users/{press.id}/end-sessions",
                             data={"csrf_token": csrf_from(page)})
    assert response.status_code in (403, 404)
    assert victim.get("/tickets").status_code == 200


def test_a_password_change_leaves_one_live_session(app, press):
    first, second = app.test_client(), app.test_client()
    login(first, "press1")
    login(second, "press1")
    page = second.get("/account/password").get_data(as_text=True)
    second.post("/account/password", data={"current": "correct-horse-battery",
                                           "new": "another-long-password",
                                           "confirm": "another-long-password",
                                           "csrf_token": csrf_from(page)})
    assert first.get("/tickets").status_code == 302
    assert second.get("/tickets").status_code == 200
    html = second.get("/account").get_data(as_text=True)
    assert html.count("Этот сеанс") == 1 and len(re.findall(r"<tr[^>]*>\s*<td>", html)) == 1
