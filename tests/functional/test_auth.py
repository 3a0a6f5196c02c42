"""Sign-in, sign-out, rate limits, CSRF, redirects and ending sessions."""
import re

import pytest

from tests.conftest import make_test_app
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, User
from tests.helpers import PASSWORD, csrf_from, login, make_department, make_user, post_form


@pytest.fixture
def press(ctx):
    user = make_user("press1", "press")
    db.session.commit()
    return user


def test_login_page_is_russian(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Вход в систему" in html and 'lang="ru"' in html


def test_sign_in_and_out(client, press):
    response = login(client, "press1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert client.get("/tickets").status_code == 200
    page = client.get("/tickets").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get("/tickets").status_code == 302  # back to the login page
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["login", "logout"]


def test_bad_password_is_refused_and_audited(client, press):
    response = login(client, "press1", "wrong-password")
    assert response.status_code == 200
    assert "Неверное имя пользователя или пароль" in response.get_data(as_text=True)
    assert client.get("/tickets").status_code == 302
    event = db.session.query(AuditEvent).one()
    assert (event.action, event.result) == ("login_failed", "denied")


def test_deactivated_user_cannot_sign_in(client, press):
    press.active = False
    db.session.commit()
    assert login(client, "press1").status_code == 200


def test_login_is_rate_limited_per_account(app, press):
    limited = make_test_app({"LOGIN_LIMIT_ACCOUNT": "3/minute", "LOGIN_LIMIT_IP": "100/minute"})
    client = limited.test_client()
    codes = [login(client, "press1", "bad").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert login(client, "press1", "bad").status_code == 429
    # Even the right password waits until the window passes: the account is being attacked.
    assert login(client, "press1").status_code == 429
    # Another account from the same address is not blocked by this account's limit.
    with limited.app_context():
        make_user("press2", "press")
        db.session.commit()
    assert login(client, "press2").status_code == 302


def test_login_is_rate_limited_per_ip(app, press):
    limited = make_test_app({"LOGIN_LIMIT_ACCOUNT": "100/minute", "LOGIN_LIMIT_IP": "2/minute"})
    client = limited.test_client()
    login(client, "a", "bad")
    login(client, "b", "bad")
    assert login(client, "c", "bad").status_code == 429


def test_post_without_csrf_token_is_refused(client, press):
    response = client.post("/login", data={"username": "press1", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/tickets").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", "http:/x"])
def test_next_accepts_only_relative_paths(client, press, target):
    response = login(client, "press1", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_relative_path_is_followed(client, press):
    response = login(client, "press1", next_url="/tickets")
    assert response.headers["Location"] == "/tickets"


def test_session_is_renewed_at_login(client, press):
    client.get("/login")
    before = client.get_cookie("session")
    login(client, "press1")
    after = client.get_cookie("session")
    assert after is not None and (before is None or before.value != after.value)


def test_password_change_ends_other_sessions(app, press):
    first, second = app.test_client(), app.test_client()
    login(first, "press1")
    login(second, "press1")
    response = post_form(second, "/account/password", "/account/password",
                         {"current": PASSWORD, "new": "another-long-password",
                          "confirm": "another-long-password"})
    assert response.status_code == 302
    assert first.get("/tickets").status_code == 302  # ended
    assert second.get("/tickets").status_code == 200  # the one that changed it goes on
    assert login(app.test_client(), "press1", "another-long-password").status_code == 302


@pytest.mark.parametrize("change", ["role", "deactivate"])
def test_role_change_or_deactivation_ends_sessions(app, ctx, change):
    dept = make_department()
    make_user("boss", "admin")
    target = make_user("spec", "specialist", dept)
    db.session.commit()
    victim, admin = app.test_client(), app.test_client()
    login(victim, "spec")
    login(admin, "boss")
    data = {"full_name": "", "email": "", "role": "specialist", "department_id": dept.id,
            "active": "y"}
    if change == "role":
        data["role"] = "auditor"
    else:
        data.pop("active")
    url = f"/admin/users/{target.id}"
    assert post_form(admin, url, url, data).status_code == 302
    assert victim.get("/tickets").status_code == 302


def test_one_time_password_must_be_changed(app, ctx):
    make_user("newbie", "press", must_change_password=True)
    db.session.commit()
    client = app.test_client()
    login(client, "newbie")
    response = client.get("/tickets")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    post_form(client, "/account/password", "/account/password",
              {"current": PASSWORD, "new": "my-own-password-1", "confirm": "my-own-password-1"})
    assert client.get("/tickets").status_code == 200
    assert db.session.get(User, 1).must_change_password is False


def test_passwords_are_hashed(ctx, press):
    assert PASSWORD not in press.password_hash
    assert press.password_hash.startswith("scrypt:")


@pytest.mark.parametrize("weak,message", [
    ("1234567890", "одни цифры"), ("aaaaaaaaaaaa", "меньше четырёх разных символов"),
    ("press1-password", "имя пользователя")])
def test_weak_new_password_is_refused(app, press, weak, message):
    client = app.test_client()
    login(client, "press1")
    response = post_form(client, "/account/password", "/account/password",
                         {"current": PASSWORD, "new": weak, "confirm": weak})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert login(app.test_client(), "press1").status_code == 302  # old password still works


def test_form_errors_are_in_russian(app, ctx):
    make_user("boss", "admin")
    db.session.commit()
    client = app.test_client()
    login(client, "boss")
    html = post_form(client, "/admin/departments", "/admin/departments", {"name": ""}).get_data(
        as_text=True)
    assert "Обязательное поле" in html and "This field is required" not in html
    html = post_form(client, "/admin/users/new", "/admin/users/new",
                     {"username": "spec9", "role": "specialist", "department_id": 0}).get_data(
        as_text=True)
    # The error stands under the department select, not under the user name.
    assert re.search(r'id="department_id"[^>]*>.*?нужно указать подразделение', html, re.S)


def test_password_fields_share_one_length_limit(app):
    from helpdesk.auth.forms import ChangePasswordForm

    with app.test_request_context():
        form = ChangePasswordForm()
        assert 'maxlength="200"' in form.new() and 'maxlength="200"' in form.confirm()
